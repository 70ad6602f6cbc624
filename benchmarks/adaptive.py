"""Adaptive retry mode: a wrapped adaptive client against bare botocore's, side by side.

A local EC2-like server limits itself like a throttled API: a token bucket of
``LOW`` requests per second for the first phase (everything beyond it is answered
``RequestLimitExceeded``, 400), then ``HIGH`` per second (the quota was raised, or
the other tenants went away). Each client runs alone, calling DescribeInstances in a
tight loop for both phases, with real sleeps:

* ``bare_adaptive``: botocore's adaptive mode (its ClientRateLimiter);
* ``wrapped_adaptive``: ``wrap()`` of an adaptive client (the library's limiter);
* ``wrapped_standard``: ``wrap()`` of a standard client (no limiter: the control).

Reported per client: requests per second sent while throttled (lower is kinder to the
API: the point of adaptive mode), the share of them throttled, successful calls per
second in the second phase, and the seconds from the quota's rise to the first
second with ``RECOVERED`` successful calls (recovery). Verdicts: wrapped_adaptive sends
no more per second than bare_adaptive while throttled (10 % noise allowed) and
recovers no slower (0.5 s allowed).

``loop_stall``: 200 asyncio tasks share one limiter running at 200 tokens/s, each
reserving its token and awaiting its wait with ``asyncio.sleep``, as an aiobotocore
client's before-send does, while a ticker asks for 5 ms sleeps: its worst lateness is
the loop's stall (the asyncio stall benchmark's limit: 50 ms).
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from boto3_idempotent._policy.rate_limit import RateLimiter

from .harness import Json, ScriptedServer, make_client, wrapped
from .runner import Scenario, main

if TYPE_CHECKING:
    import boto3

LOW = 10.0  # requests per second the server accepts while throttling
HIGH = 1000.0  # ... after the quota rises
RECOVERED = 50  # successful calls in one second: recovered
CLIENTS = ("bare_adaptive", "wrapped_adaptive", "wrapped_standard")


class _Quota:
    """The server's token bucket: ``rate`` tokens a second, a burst of one second's worth."""

    def __init__(self) -> None:
        self.rate = LOW
        self._tokens = LOW
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def answer(self, _operation: str) -> tuple[int, str | None]:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 200, None
        return 400, "RequestLimitExceeded"


def one_client(session: boto3.session.Session, name: str, phase: float) -> Json:
    """Run ``name`` through both phases of ``phase`` seconds each; its counts."""
    quota = _Quota()
    with ScriptedServer(quota.answer) as server:
        mode = "standard" if name == "wrapped_standard" else "adaptive"
        client = make_client(session, url=server.url, retries={"mode": mode})
        if name.startswith("wrapped"):
            client = wrapped(client)
        client.describe_instances()  # warm: models loaded, connection open
        successes: list[float] = []
        failures = 0
        start = time.monotonic()
        requests_at_start = server.requests
        switched: int | None = None
        while (now := time.monotonic()) - start < 2 * phase:
            if switched is None and now - start >= phase:
                quota.rate = HIGH
                switched = server.requests
            try:
                client.describe_instances()
            except ClientError:
                failures += 1
                continue
            successes.append(time.monotonic() - start)
        total = server.requests - requests_at_start
    low_requests = (switched if switched is not None else server.requests) - requests_at_start
    low_ok = sum(1 for t in successes if t < phase)
    return {
        "throttled_phase_requests_per_s": round(low_requests / phase, 2),
        "throttled_phase_throttled_share": round(1 - low_ok / max(low_requests, 1), 3),
        "throttled_phase_successes_per_s": round(low_ok / phase, 2),
        "free_phase_successes_per_s": round((len(successes) - low_ok) / phase, 2),
        "recovery_s": _recovery(successes, phase),
        "requests": total,
        "failed_calls": failures,
    }


def _recovery(successes: list[float], phase: float) -> float | None:
    """Seconds from the quota's rise until a one-second window holds RECOVERED successes."""
    after = [t for t in successes if t >= phase]
    for i in range(len(after) - RECOVERED + 1):
        if after[i + RECOVERED - 1] - after[i] <= 1.0:
            return round(after[i + RECOVERED - 1] - phase, 3)
    return None


async def _stall(tasks: int, rate: float) -> Json:
    """The worst lateness of a 5 ms ticker while ``tasks`` tasks wait for their tokens."""
    limiter = RateLimiter(time.monotonic)
    limiter.observe(throttled=True)
    limiter._set_rate(rate, time.monotonic())  # noqa: SLF001  (a known rate to queue on)
    late: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            asked = time.perf_counter()
            await asyncio.sleep(0.005)
            late.append(time.perf_counter() - asked - 0.005)

    async def send() -> None:
        wait, _ = limiter.reserve(None)
        await asyncio.sleep(wait)

    tick = asyncio.create_task(ticker())
    start = time.perf_counter()
    await asyncio.gather(*(send() for _ in range(tasks)))
    elapsed = time.perf_counter() - start
    done.set()
    await tick
    return {
        "tasks": tasks,
        "rate_per_s": rate,
        "elapsed_s": round(elapsed, 3),
        "ticks": len(late),
        "worst_stall_ms": round(max(late) * 1000, 3),
    }


def run(session: boto3.session.Session, quick: bool) -> Json:
    """Each client alone through both phases; then the event loop under 200 waiting tasks."""
    phase = 1.0 if quick else 4.0
    clients = {name: one_client(session, name, phase) for name in CLIENTS}
    stall = asyncio.run(_stall(50 if quick else 200, 200.0))
    ours, theirs = clients["wrapped_adaptive"], clients["bare_adaptive"]
    verdicts = [
        {
            "criterion": "requests per second while throttled",
            "wrapped_adaptive": ours["throttled_phase_requests_per_s"],
            "bare_adaptive": theirs["throttled_phase_requests_per_s"],
            "pass": ours["throttled_phase_requests_per_s"]
            <= theirs["throttled_phase_requests_per_s"] * 1.1,
        },
        {
            "criterion": "recovery after the quota rises (s)",
            "wrapped_adaptive": ours["recovery_s"],
            "bare_adaptive": theirs["recovery_s"],
            "pass": ours["recovery_s"] is not None
            and (theirs["recovery_s"] is None or ours["recovery_s"] <= theirs["recovery_s"] + 0.5),
        },
        {
            "criterion": "event-loop stall while tasks wait for tokens (ms)",
            "wrapped_adaptive": stall["worst_stall_ms"],
            "bare_adaptive": None,
            "pass": stall["worst_stall_ms"] <= 50.0,
        },
    ]
    return {
        "loop_stall": stall,
        "server_rates_per_s": [LOW, HIGH],
        "phase_s": phase,
        "clients": clients,
        "verdicts": verdicts,
    }


def summary(data: Json) -> list[str]:
    """One line per client, then the verdicts."""
    lines = []
    for name, row in data["clients"].items():
        lines.append(
            f"adaptive {name:17} throttled: {row['throttled_phase_requests_per_s']:7.1f} req/s"
            f" ({row['throttled_phase_throttled_share']:.0%} throttled);"
            f" after the rise: {row['free_phase_successes_per_s']:7.1f} ok/s,"
            f" recovered in {row['recovery_s']} s"
        )
    for row in data["verdicts"]:
        verdict = "PASS" if row["pass"] else "FAIL"
        lines.append(
            f"{verdict} {row['criterion']}: wrapped_adaptive {row['wrapped_adaptive']}"
            f" vs bare_adaptive {row['bare_adaptive']}"
        )
    return lines


SCENARIO = Scenario("adaptive", run, summary)

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
