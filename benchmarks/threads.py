"""Throughput of one client shared by 1 to 8 threads, null transport, RunInstances.

Batches split over the threads, bare and wrapped alternating; ratio = wrapped / bare.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .harness import (
    OPERATIONS,
    Json,
    alternate,
    make_client,
    null_transport,
    settle,
    spread,
    timed,
    wrapped,
)
from .runner import COLORS, Scenario, main

if TYPE_CHECKING:
    import boto3

POOL = 8  # max_pool_connections


@dataclass(frozen=True)
class Sizes:
    """How much work the scenario does."""

    thread_counts: tuple[int, ...]
    calls: int  # calls per timed batch, split over the threads
    pairs: int


FULL = Sizes(thread_counts=(1, 2, 4, 8), calls=80, pairs=60)
QUICK = Sizes(thread_counts=(1, 2, 4, 8), calls=16, pairs=1)


def throughput(call: Callable[[], object], threads: int, calls: int) -> float:
    """Calls per second of ``calls`` calls split over ``threads`` threads."""
    barrier = threading.Barrier(threads + 1)
    per_thread = calls // threads

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            call()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    return per_thread * threads / (time.perf_counter() - start)


def run(session: boto3.session.Session, quick: bool) -> Json:
    """One client shared by N threads, bare and wrapped alternating."""
    sizes = QUICK if quick else FULL
    call = OPERATIONS["RunInstances"]
    names = ["RunInstances"]
    bare = null_transport(make_client(session, max_pool_connections=POOL), names)
    ours = wrapped(null_transport(make_client(session, max_pool_connections=POOL), names))
    for client in (bare, ours):
        timed(lambda c=client: call(c), 50)
    settle()
    rows: list[Json] = []
    for threads in sizes.thread_counts:
        bare_rates, ours_rates = alternate(
            lambda n=threads: throughput(lambda: call(bare), n, sizes.calls),
            lambda n=threads: throughput(lambda: call(ours), n, sizes.calls),
            sizes.pairs,
        )
        rows.append(
            {
                "threads": threads,
                "bare_calls_per_s": round(statistics.median(bare_rates), 1),
                "wrapped_calls_per_s": round(statistics.median(ours_rates), 1),
                "ratio": spread([w / b for b, w in zip(bare_rates, ours_rates, strict=True)]),
            }
        )
    return {
        "operation": "RunInstances",
        "calls_per_batch": sizes.calls,
        "pairs": sizes.pairs,
        "max_pool_connections": POOL,
        "results": rows,
    }


def summary(data: Json) -> list[str]:
    """One line per thread count."""
    return [
        f"threads {row['threads']}: wrapped/bare throughput {row['ratio']['median']:.4f}"
        f" ({row['wrapped_calls_per_s']:.0f} vs {row['bare_calls_per_s']:.0f} calls/s)"
        for row in data["results"]
    ]


def plot(plt: Any, data: Json) -> Any:
    """Throughput per thread count (left) and the wrapped/bare ratio (right)."""
    rows = data["results"]
    threads = [r["threads"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.plot(threads, [r["bare_calls_per_s"] for r in rows], "o-", label="bare",
              color=COLORS["bare"])  # fmt: skip
    left.plot(threads, [r["wrapped_calls_per_s"] for r in rows], "s-", label="wrapped",
              color=COLORS["wrapped"])  # fmt: skip
    left.set_xscale("log", base=2)
    left.set_xticks(threads, [str(t) for t in threads])
    left.set_ylim(bottom=0)
    left.set_xlabel("threads sharing one client")
    left.set_ylabel("calls/s (median)")
    left.legend()
    medians = [r["ratio"]["median"] for r in rows]
    errors = [
        [r["ratio"]["median"] - r["ratio"]["p10"] for r in rows],
        [r["ratio"]["p90"] - r["ratio"]["median"] for r in rows],
    ]
    right.bar([str(t) for t in threads], medians, yerr=errors, capsize=5, color=COLORS["wrapped"])
    right.axhline(1.0, color="black", linewidth=0.8)
    right.set_ylim(min(0.9, *(r["ratio"]["p10"] - 0.02 for r in rows)),
                   max(1.1, *(r["ratio"]["p90"] + 0.02 for r in rows)))  # fmt: skip
    right.set_xlabel("threads")
    right.set_ylabel("throughput wrapped / bare")
    fig.suptitle("One shared client, null transport, RunInstances")
    fig.tight_layout()
    return fig


SCENARIO = Scenario("threads", run, summary, {"threads.png": plot})

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
