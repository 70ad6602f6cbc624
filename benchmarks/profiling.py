"""cProfile of the wrapped null-transport RunInstances loop, the bare one beside it.

cProfile inflates small functions several-fold: compare rows with each other, not
with the overhead scenario's times.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .harness import OPERATIONS, Json, make_client, null_transport, wrapped
from .runner import Scenario, main

if TYPE_CHECKING:
    import boto3

CALLS, QUICK_CALLS = 3000, 30
_BOTOCORE_RETRY_FILES = ("retries/standard.py", "retries/quota.py")
_BOTOCORE_UUID_HOOK = "generate_idempotent_uuid"


def _profile(call: Callable[[], object], calls: int) -> pstats.Stats:
    for _ in range(min(50, calls)):
        call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    return pstats.Stats(profiler)


def _rows(stats: pstats.Stats, keep: Callable[[str, str], bool], calls: int) -> list[Json]:
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats
    rows = []
    for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in raw.items():
        path = filename.replace(os.sep, "/")
        if not keep(path, name):
            continue
        short = "/".join(path.split("/")[-2:])
        rows.append(
            {
                "function": f"{short}:{line}({name})",
                "calls_per_call": round(ncalls / calls, 2),
                "tottime_us_per_call": round(tottime / calls * 1e6, 2),
                "cumtime_us_per_call": round(cumtime / calls * 1e6, 2),
            }
        )
    rows.sort(key=lambda r: r["cumtime_us_per_call"], reverse=True)
    return rows


def _botocore_retry(path: str, name: str) -> bool:
    return path.endswith(_BOTOCORE_RETRY_FILES) or name == _BOTOCORE_UUID_HOOK


def run(session: boto3.session.Session, quick: bool) -> Json:
    """Profile wrapped (and, for comparison, bare) null-transport RunInstances."""
    calls = QUICK_CALLS if quick else CALLS
    call = OPERATIONS["RunInstances"]
    names = ["RunInstances"]
    ours = wrapped(null_transport(make_client(session), names))
    bare = null_transport(make_client(session), names)
    ours_stats = _profile(lambda: call(ours), calls)
    bare_stats = _profile(lambda: call(bare), calls)
    ours_rows = _rows(ours_stats, lambda path, _name: "/boto3_idempotent/" in path, calls)
    return {
        "operation": "RunInstances",
        "transport": "null",
        "calls": calls,
        "wrapped_us_per_call_profiled": round(ours_stats.total_tt / calls * 1e6, 1),
        "bare_us_per_call_profiled": round(bare_stats.total_tt / calls * 1e6, 1),
        "boto3_idempotent": ours_rows[:15],
        "botocore_retry_and_token_on_wrapped": _rows(ours_stats, _botocore_retry, calls)[:8],
        "botocore_retry_and_token_on_bare": _rows(bare_stats, _botocore_retry, calls)[:8],
    }


def summary(data: Json) -> list[str]:
    """The profiled cost per call and the library's costliest function."""
    top = data["boto3_idempotent"][0]["function"] if data["boto3_idempotent"] else "n/a"
    line = (
        f"profile: wrapped {data['wrapped_us_per_call_profiled']:.1f} µs/call profiled,"
        f" bare {data['bare_us_per_call_profiled']:.1f}; top of ours: {top}"
    )
    return [line]


SCENARIO = Scenario("profile", run, summary)

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
