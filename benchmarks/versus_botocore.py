"""wrap(client) with its defaults against bare botocore clients in legacy, standard, adaptive mode.

Four measurements on the same seeded fault schedules, over HTTP on 127.0.0.1:

(a) ``transient``: p50/p99 latency of a logical RunInstances call under 5 % 500s (real sleeps);
(b) ``throttling``: the same under 5 % throttling (RequestLimitExceeded 503, Throttling 400);
(c) ``outage``: all requests 503: requests for the logical calls made during it (``load``),
    and fake seconds from its end to the first success of a caller that keeps calling
    (``recovery``: a fake clock that backoff sleeps and a fixed round trip advance);
(d) ``duplicates``: AllocateHosts (botocore sends it without a token) under lost responses,
    against moto behind boto3_idempotent.testing's token-honouring proxy.

Every client meets the same faults at the same (logical call, attempt) and draws the same
jitter (see versus_fairness). Sleeps are real in (a) and (b), where they are also added
up per call (``backoff_*``: the policy's part of the latency, free of the machine's
noise); (c) sleeps on the fake clock, (d) not at all. Each latency verdict names its
noise: the gap between bare standard mode and a bare mode that sleeps exactly as it does
in that measurement.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from boto3_idempotent.testing import Fault, FaultSchedule, FaultyEndpoint

from . import versus_plots
from .harness import (
    OPERATIONS,
    FakeClock,
    Json,
    ScriptedServer,
    botocore_sleeps,
    no_sleep,
    percentile,
    server_process,
    settle,
)
from .outage import describe_series, outage_series
from .runner import Scenario, main
from .versus_fairness import (
    CLIENTS,
    DESCRIPTIONS,
    ORDERS,
    WARM_UP,
    WARM_UP_RETRIED,
    Attempts,
    Backoff,
    Jitter,
    attempt_call,
    make_clients,
    scheduled,
)

if TYPE_CHECKING:
    import boto3

SEED = 13
TRANSIENT = FaultSchedule(rate=0.05, seed=SEED, faults=(Fault.INTERNAL_ERROR,))
THROTTLING = FaultSchedule(rate=0.05, seed=SEED, faults=(Fault.THROTTLE_503, Fault.THROTTLE_400))
LOST = FaultSchedule(rate=0.1, seed=SEED, faults=(Fault.LOST_RESPONSE,))
# What EC2 answers for each fault (as boto3_idempotent.testing's proxy does).
EC2_REPLIES = {
    Fault.INTERNAL_ERROR: "500 InternalError",
    Fault.UNAVAILABLE: "503 Unavailable",
    Fault.THROTTLE_503: "503 RequestLimitExceeded",
    Fault.THROTTLE_400: "400 Throttling",
}
OUTAGE_REPLY = EC2_REPLIES[Fault.UNAVAILABLE]
ROUND_TRIP_S = 0.05  # fake seconds each request takes in (c)'s recovery runs
ALLOCATE_HOSTS = {"AvailabilityZone": "us-east-1a", "Quantity": 1, "InstanceType": "m5.large"}


@dataclass(frozen=True)
class Sizes:
    """How much work the scenario does."""

    transient_calls: int  # (a) logical calls per client
    throttling_calls: int  # (b)
    outage_calls: int  # (c) logical calls during the outage
    recovery_outages: tuple[float, ...]  # (c) outage lengths, fake seconds
    recovery_seeds: int
    duplicate_calls: int  # (d)


FULL = Sizes(2000, 300, 200, (2.0, 20.0), 10, 100)
QUICK = Sizes(40, 20, 60, (2.0,), 1, 20)

# -- (a), (b) latency -----------------------------------------------------------------------


def latency(session: boto3.session.Session, schedule: FaultSchedule, calls: int) -> Json:
    """p50/p99 of a logical RunInstances call, each client in turn on call 1, 2, ..."""
    operation = "RunInstances"
    call = OPERATIONS[operation]
    fault = scheduled(schedule, operation)

    def fate(number: int, attempt: int) -> str | None:
        found = fault(number, attempt)
        return None if found is None else EC2_REPLIES[found]

    jitter = Jitter(SEED)
    backoff = Backoff()
    with server_process() as url, botocore_sleeps(backoff.sleep):
        clients = make_clients(session, url, jitter, sleep=backoff.sleep)
        hooks = {name: Attempts(client, operation, fate) for name, client in clients.items()}
        for name, client in clients.items():  # load models, open connections, retry once
            for number in (WARM_UP_RETRIED, WARM_UP, WARM_UP):
                attempt_call(lambda c=client: call(c), hooks[name], jitter, number)
            hooks[name].requests = hooks[name].faults = 0
        settle()
        seconds: dict[str, list[float]] = {name: [] for name in CLIENTS}
        slept: dict[str, list[float]] = {name: [] for name in CLIENTS}
        failed = dict.fromkeys(CLIENTS, 0)
        for number in range(1, calls + 1):
            for name in ORDERS[number % len(ORDERS)]:
                backoff.seconds = 0.0
                start = time.perf_counter()
                ok = attempt_call(lambda c=clients[name]: call(c), hooks[name], jitter, number)
                seconds[name].append(time.perf_counter() - start)
                slept[name].append(backoff.seconds)
                failed[name] += not ok
    rows = {}
    standard = seconds["bare_standard"]
    for name in CLIENTS:
        # Paired: call n of each client met the same faults and jitter, a moment apart,
        # so the per-call difference cancels most of the network's noise.
        paired = [
            (mine - theirs) * 1e6 for mine, theirs in zip(seconds[name], standard, strict=True)
        ]
        rows[name] = {
            "paired_median_vs_standard_us": round(statistics.median(paired), 1),
            "p50_ms": round(percentile(seconds[name], 0.5) * 1000, 3),
            "p99_ms": round(percentile(seconds[name], 0.99) * 1000, 3),
            "mean_ms": round(statistics.fmean(seconds[name]) * 1000, 3),
            "max_ms": round(max(seconds[name]) * 1000, 3),
            "backoff_p50_ms": round(percentile(slept[name], 0.5) * 1000, 3),
            "backoff_p99_ms": round(percentile(slept[name], 0.99) * 1000, 3),
            "backoff_total_s": round(sum(slept[name]), 3),
            "requests": hooks[name].requests,
            "faults": hooks[name].faults,
            "failed_calls": failed[name],
            "latencies_ms": [round(s * 1000, 2) for s in seconds[name]],
        }
    return {
        "operation": operation,
        "logical_calls": calls,
        "fault_rate": schedule.rate,
        "fault_replies": [EC2_REPLIES[f] for f in schedule.faults],
        "seed": schedule.seed,
        "clients": rows,
    }


# -- (c) outage -------------------------------------------------------------------------------


def outage_load(session: boto3.session.Session, calls: int) -> Json:
    """Requests for ``calls`` logical calls made while every request gets a 503."""
    operation = OPERATIONS["RunInstances"]
    rows = {}
    with ScriptedServer(lambda _op: (503, "Unavailable")) as server, botocore_sleeps(no_sleep):
        clients = make_clients(session, server.url, Jitter(SEED), sleep=no_sleep)
        for name, client in clients.items():
            series = outage_series(lambda: server.requests, lambda c=client: operation(c), calls)
            described = describe_series(series)
            rows[name] = {"requests": described.pop("wire_attempts"), **described}
    return {"logical_calls": calls, "clients": rows}


def recover(
    session: boto3.session.Session, url: str, name: str, outage: float, seed: int
) -> tuple[float, int, int]:
    """One caller that repeats RunInstances until it succeeds; the outage ends at ``outage``.

    Returns:
        (fake seconds from the end to the first successful request, requests during
        the outage, logical calls made).
    """
    clock = FakeClock()
    jitter = Jitter(seed)
    client = make_clients(session, url, jitter, sleep=clock.sleep, clock=clock, names=(name,))[name]
    sent_at: list[float] = []

    def fate(_number: int, _attempt: int) -> str | None:
        sent_at.append(clock())
        clock.sleep(ROUND_TRIP_S)
        return OUTAGE_REPLY if sent_at[-1] < outage else None

    hook = Attempts(client, "RunInstances", fate)
    operation = OPERATIONS["RunInstances"]
    with botocore_sleeps(clock.sleep):
        for number in itertools.count(1):
            if attempt_call(lambda: operation(client), hook, jitter, number):
                during = sum(1 for t in sent_at if t < outage)
                return sent_at[-1] - outage, during, number
    raise AssertionError  # unreachable: count() never ends


def outage_recovery(session: boto3.session.Session, outages: tuple[float, ...], seeds: int) -> Json:
    """Recovery and requests of a caller that keeps calling, per outage length, over seeds."""
    by_client: dict[str, list[Json]] = {name: [] for name in CLIENTS}
    with ScriptedServer() as server:
        for outage in outages:
            for name in CLIENTS:
                runs = [recover(session, server.url, name, outage, seed) for seed in range(seeds)]
                recovery = [r[0] for r in runs]
                by_client[name].append(
                    {
                        "outage_s": outage,
                        "recovery_mean_s": round(statistics.fmean(recovery), 3),
                        "recovery_min_s": round(min(recovery), 3),
                        "recovery_max_s": round(max(recovery), 3),
                        "requests_during_outage_mean": round(
                            statistics.fmean(r[1] for r in runs), 1
                        ),
                        "logical_calls_mean": round(statistics.fmean(r[2] for r in runs), 1),
                    }
                )
    clients = {
        name: {
            "recovery_mean_s": round(statistics.fmean(r["recovery_mean_s"] for r in rows), 3),
            "by_outage": rows,
        }
        for name, rows in by_client.items()
    }
    return {
        "round_trip_s": ROUND_TRIP_S,
        "seeds": seeds,
        "outages_s": list(outages),
        "clients": clients,
    }


# -- (d) duplicates ---------------------------------------------------------------------------


def duplicates(session: boto3.session.Session, calls: int) -> Json:
    """Hosts AllocateHosts creates beyond one per logical call, under lost responses."""
    operation = "AllocateHosts"
    fault = scheduled(LOST, operation)
    lost_first = sum(fault(number, 1) is not None for number in range(1, calls + 1))
    rows = {}
    with FaultyEndpoint() as aws, botocore_sleeps(no_sleep):
        aws.backend_client("ec2").allocate_hosts(**ALLOCATE_HOSTS)  # moto loads EC2
        for name in CLIENTS:
            aws.reset()
            jitter = Jitter(SEED)
            client = make_clients(session, aws.url, jitter, sleep=no_sleep, names=(name,))[name]

            def fate(number: int, attempt: int) -> str | None:
                aws.script(operation, fault(number, attempt))  # this attempt's fault, or none
                return None

            hook = Attempts(client, operation, fate)
            extra = failed = 0
            for number in range(1, calls + 1):
                before = aws.created(operation)
                ok = attempt_call(
                    lambda c=client: c.allocate_hosts(**ALLOCATE_HOSTS), hook, jitter, number
                )
                failed += not ok
                extra += max(0, aws.created(operation) - before - 1)
            lost = sum(r.fault is Fault.LOST_RESPONSE for r in aws.records)
            rows[name] = {
                "duplicates": extra,
                "created": aws.created(operation),
                "requests": hook.requests,
                "requests_seen_by_endpoint": aws.attempts(operation),
                "lost_responses": lost,
                "failed_calls": failed,
            }
    return {
        "operation": operation,
        "logical_calls": calls,
        "lost_response_rate": LOST.rate,
        "seed": LOST.seed,
        "calls_with_first_attempt_lost": lost_first,
        "clients": rows,
    }


# -- verdicts ---------------------------------------------------------------------------------


# A bare client that, in that measurement, sleeps exactly as standard mode does (the same
# draws, the same bases): their gap is the measurement's noise. (a) has no throttling, so
# adaptive mode's rate limiter never engages; under (b)'s throttling, legacy mode waits
# rand * 2 ** (n - 1) s, as standard mode does with its 1 s throttling base.
NOISE_TWINS = {"transient": "bare_adaptive", "throttling": "bare_legacy"}


def verdicts(data: Json) -> list[Json]:
    """Issue 13's acceptance criteria, each against bare standard mode, on this run."""
    rows = []
    for part, twin in NOISE_TWINS.items():
        clients = data[part]["clients"]
        for stat in ("p50_ms", "p99_ms"):
            ours, theirs = clients["wrapped"][stat], clients["bare_standard"][stat]
            noise = round(abs(clients[twin][stat] - theirs), 3)
            rows.append(
                {
                    "criterion": f"{part} {stat}",
                    "wrapped": ours,
                    "bare_standard": theirs,
                    "pass": ours <= theirs,
                    "within_noise": ours - theirs <= noise,
                    "noise": noise,
                    "noise_from": twin,
                    "wrapped_backoff": clients["wrapped"][f"backoff_{stat}"],
                    "bare_standard_backoff": clients["bare_standard"][f"backoff_{stat}"],
                    "paired_median_us": clients["wrapped"]["paired_median_vs_standard_us"],
                }
            )
    outage = data["outage"]
    for criterion, clients, stat in (
        ("outage requests", outage["load"]["clients"], "requests"),
        ("outage recovery_mean_s", outage["recovery"]["clients"], "recovery_mean_s"),
    ):
        ours, theirs = clients["wrapped"][stat], clients["bare_standard"][stat]
        rows.append({"criterion": criterion, "wrapped": ours, "bare_standard": theirs,
                     "pass": ours <= theirs})  # fmt: skip
    made = data["duplicates"]["clients"]
    ours, theirs = made["wrapped"]["duplicates"], made["bare_standard"]["duplicates"]
    rows.append({"criterion": "duplicates", "wrapped": ours, "bare_standard": theirs,
                 "pass": ours == 0})  # fmt: skip
    return rows


def run(session: boto3.session.Session, quick: bool) -> Json:
    """(a) to (d), then the verdicts."""
    sizes = QUICK if quick else FULL
    parts: dict[str, Callable[[], Json]] = {
        "transient": lambda: latency(session, TRANSIENT, sizes.transient_calls),
        "throttling": lambda: latency(session, THROTTLING, sizes.throttling_calls),
        "outage": lambda: {
            "load": outage_load(session, sizes.outage_calls),
            "recovery": outage_recovery(session, sizes.recovery_outages, sizes.recovery_seeds),
        },
        "duplicates": lambda: duplicates(session, sizes.duplicate_calls),
    }
    data: Json = {"clients": DESCRIPTIONS, "seconds": {}}
    for part, measure in parts.items():
        start = time.perf_counter()
        data[part] = measure()
        data["seconds"][part] = round(time.perf_counter() - start, 2)
    data["verdicts"] = verdicts(data)
    return data


def summary(data: Json) -> list[str]:
    """A line per measurement and client, then PASS/FAIL per criterion."""
    lines = []
    for part in ("transient", "throttling"):
        for name, row in data[part]["clients"].items():
            lines.append(f"versus {part:<10} {name:<13} p50 {row['p50_ms']:8.2f} ms"
                         f"  p99 {row['p99_ms']:8.2f} ms  requests {row['requests']}")  # fmt: skip
    for name, row in data["outage"]["load"]["clients"].items():
        recovery = data["outage"]["recovery"]["clients"][name]["recovery_mean_s"]
        lines.append(f"versus outage     {name:<13} requests {row['requests']:5d}"
                     f"  recovery mean {recovery:.3f} s")  # fmt: skip
    for name, row in data["duplicates"]["clients"].items():
        lines.append(f"versus duplicates {name:<13} {row['duplicates']} of {row['created']} hosts")
    for row in data["verdicts"]:
        verdict = "PASS" if row["pass"] else "FAIL"
        if not row["pass"] and row.get("within_noise"):
            verdict = "FAIL (within noise)"
        noise = ""
        if "noise" in row:
            twin = row["noise_from"].removeprefix("bare_")
            noise = (f"  (noise: bare {twin} and standard differ by {row['noise']};"
                     f" backoff alone: {row['wrapped_backoff']} vs"
                     f" {row['bare_standard_backoff']}; paired median per call:"
                     f" {row['paired_median_us']:+.1f} us)")  # fmt: skip
        lines.append(f"{verdict} {row['criterion']}: wrapped {row['wrapped']}"
                     f" vs bare standard {row['bare_standard']}{noise}")  # fmt: skip
    return lines


SCENARIO = Scenario("versus_botocore", run, summary, versus_plots.PLOTS)

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
