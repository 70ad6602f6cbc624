"""Recovery: fake seconds from the end of an outage to the first success, wrap() vs tenacity.

A fake clock moves only when something sleeps on it; the server answers 503 while the
clock is before the outage's end. The application repeats the logical call until one
succeeds, pausing APP_PAUSE fake seconds after each failure (as a worker loop would:
once the retry quota is spent a call fails at once, and a loop without a pause would
spin without the fake clock moving).
"""

from __future__ import annotations

import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import tenacity
from botocore.exceptions import ClientError

from boto3_idempotent import RetryPolicy

from .harness import (
    OPERATIONS,
    Answer,
    FakeClock,
    Json,
    ScriptedServer,
    make_client,
    naive_tenacity,
    wrapped,
)
from .outage import ERROR
from .runner import COLORS, Scenario, main

if TYPE_CHECKING:
    import boto3

OUTAGES = (1.0, 5.0, 10.0, 20.0, 30.0, 60.0, 90.0, 120.0)  # fake seconds
QUICK_OUTAGES = (1.0, 5.0)
SEEDS, QUICK_SEEDS = 20, 2
MAX_LOGICAL_CALLS = 1000  # an application loop that would give up eventually
APP_PAUSE = 1.0  # fake seconds the application waits after a failed logical call


def outage_until(clock: FakeClock, end: float) -> Answer:
    """Answer 503 while ``clock() < end``, success after."""

    def answer(_operation: str) -> tuple[int, str | None]:
        return ERROR if clock() < end else (200, None)

    return answer


@dataclass(frozen=True)
class Recovery:
    """One run until the first success."""

    success_at: float  # fake seconds
    attempts: int  # wire attempts, the successful one included
    logical_calls: int


def until_success(server: ScriptedServer, clock: FakeClock, call: Callable[[], object]) -> Recovery:
    """Repeat the logical ``call`` until one succeeds, pausing after each failure."""
    before = server.requests
    for logical in range(1, MAX_LOGICAL_CALLS + 1):
        try:
            call()
        except ClientError:
            clock.sleep(APP_PAUSE)
            continue
        return Recovery(clock(), server.requests - before, logical)
    raise RuntimeError(f"no success in {MAX_LOGICAL_CALLS} logical calls")


def summarize_recovery(outage: float, runs: list[Recovery]) -> Json:
    """Overshoot statistics over seeds for one outage length."""
    overshoots = [r.success_at - outage for r in runs]
    return {
        "outage_s": outage,
        "overshoot_mean_s": round(statistics.fmean(overshoots), 3),
        "overshoot_median_s": round(statistics.median(overshoots), 3),
        "overshoot_min_s": round(min(overshoots), 3),
        "overshoot_max_s": round(max(overshoots), 3),
        "wire_attempts_mean": round(statistics.fmean(r.attempts for r in runs), 2),
        "logical_calls_mean": round(statistics.fmean(r.logical_calls for r in runs), 2),
    }


def _overall(rows: list[Json]) -> float:
    return round(statistics.fmean(r["overshoot_mean_s"] for r in rows), 3)


def run(session: boto3.session.Session, quick: bool) -> Json:
    """How long after an outage ends until a call succeeds, in fake seconds."""
    outages: Sequence[float] = QUICK_OUTAGES if quick else OUTAGES
    seeds = QUICK_SEEDS if quick else SEEDS
    policy = RetryPolicy(max_attempts=10, deadline=None)
    call = OPERATIONS["RunInstances"]
    ours: list[Json] = []
    naive: list[Json] = []
    with ScriptedServer() as server:
        bare = make_client(session, url=server.url, retries={"total_max_attempts": 1})
        for outage in outages:
            ours_runs: list[Recovery] = []
            naive_runs: list[Recovery] = []
            for seed in range(seeds):
                clock = FakeClock()
                server.answer = outage_until(clock, outage)
                client = wrapped(
                    make_client(session, url=server.url),
                    policy=policy,
                    sleep=clock.sleep,
                    clock=clock,
                    random=random.Random(seed).random,  # noqa: S311  (jitter, not crypto)
                )
                ours_runs.append(until_success(server, clock, lambda c=client: call(c)))
                clock = FakeClock()
                server.answer = outage_until(clock, outage)
                retrying = naive_tenacity(
                    lambda: call(bare), stop=tenacity.stop_after_attempt(10), sleep=clock.sleep
                )
                naive_runs.append(until_success(server, clock, retrying))
            ours.append(summarize_recovery(outage, ours_runs))
            naive.append(summarize_recovery(outage, naive_runs))
    return {
        "seeds": seeds,
        "outages_s": list(outages),
        "clients": {
            "wrapped": {
                "description": "wrap(client, RetryPolicy(max_attempts=10, deadline=None))",
                "overshoot_mean_over_outages_s": _overall(ours),
                "by_outage": ours,
            },
            "tenacity": {
                "description": (
                    "tenacity wait_exponential(multiplier=1, max=60), stop_after_attempt(10)"
                    " around a bare client with total_max_attempts=1"
                ),
                "overshoot_mean_over_outages_s": _overall(naive),
                "by_outage": naive,
            },
        },
    }


def summary(data: Json) -> list[str]:
    """Mean overshoot per outage length, per client."""
    lines = []
    for name, client in data["clients"].items():
        cells = ", ".join(
            f"T={r['outage_s']:g}s +{r['overshoot_mean_s']:.2f}s" for r in client["by_outage"]
        )
        lines.append(f"recovery {name:<9} mean overshoot: {cells}")
    return lines


def plot(plt: Any, data: Json) -> Any:
    """Mean overshoot past the outage's end per outage length, wrap() vs tenacity."""
    clients = data["clients"]
    outages = [r["outage_s"] for r in clients["wrapped"]["by_outage"]]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    width = 0.38
    labels = {"wrapped": "wrap(), full jitter", "tenacity": "tenacity (no jitter: same every seed)"}
    for offset, name in ((-width / 2, "wrapped"), (width / 2, "tenacity")):
        rows = clients[name]["by_outage"]
        means = [r["overshoot_mean_s"] for r in rows]
        errors = [
            [r["overshoot_mean_s"] - r["overshoot_min_s"] for r in rows],
            [r["overshoot_max_s"] - r["overshoot_mean_s"] for r in rows],
        ]
        xs = [i + offset for i in range(len(rows))]
        ax.bar(xs, means, width, yerr=errors, capsize=4, label=labels[name], color=COLORS[name])
    ax.set_xticks(range(len(outages)), [f"{t:g} s" for t in outages])
    ax.set_xlabel("outage length")
    ax.set_ylabel("first success - outage end (fake s)")
    ax.set_title(f"Recovery after an outage (mean, min-max over {data['seeds']} seeds)")
    ax.legend()
    fig.tight_layout()
    return fig


SCENARIO = Scenario("recovery", run, summary, {"recovery.png": plot})

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
