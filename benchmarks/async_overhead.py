"""Success-path cost of a wrapped aiobotocore client over a bare one, over local HTTP.

    python -m benchmarks.async_overhead [--quick] [--out DIR] [--no-plots]

Needs aiobotocore, which boto3-idempotent does not depend on (it pins botocore):
run it in an asyncio environment, e.g. ``pip install -e ".[benchmarks]"
"aiobotocore[httpx2]==3.10.0"``. Not part of ``benchmarks/run.py`` for that reason.

The harness's success server answers from another process (it does not share this
process's GIL). Two aiobotocore clients in botocore's standard retry mode, one of them
wrapped, make RunInstances (a token) and DescribeInstances (none) calls one after
another in one task, on each HTTP backend installed (aiohttp; httpx). Batches
alternate bare/wrapped; each pair gives a ratio wrapped/bare; the figure is the median.
"""

from __future__ import annotations

import asyncio
import importlib.util
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):
    # Run as a script: import the package from the checkout, not modules from this folder.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.harness import AMI, REGION, Json, server_process, settle, spread
from benchmarks.runner import COLORS, Scenario, main

if TYPE_CHECKING:
    import boto3

BUDGET = 1.03
FULL = (20, 200)  # calls per batch, (bare, wrapped) pairs per case
QUICK = (4, 2)

OPERATIONS: dict[str, Callable[[Any], Awaitable[object]]] = {
    "RunInstances": lambda c: c.run_instances(ImageId=AMI, MinCount=1, MaxCount=1),
    "DescribeInstances": lambda c: c.describe_instances(),
}


async def timed(call: Callable[[Any], Awaitable[object]], client: Any, repeat: int) -> float:
    """Seconds for ``repeat`` awaited calls, one after another."""
    start = time.perf_counter()
    for _ in range(repeat):
        await call(client)
    return time.perf_counter() - start


async def case(bare: Any, wrapped: Any, operation: str, calls: int, pairs: int) -> Json:
    """Alternating batches of ``operation`` (order swapped every other pair); ratios."""
    call = OPERATIONS[operation]
    for client in (bare, wrapped):  # models, connections, caches
        await timed(call, client, max(10, calls))
    settle()
    bare_times: list[float] = []
    wrapped_times: list[float] = []
    for index in range(pairs):
        order = [(bare, bare_times), (wrapped, wrapped_times)]
        for client, times in order if index % 2 == 0 else order[::-1]:
            times.append(await timed(call, client, calls))
    ratios = [w / b for b, w in zip(bare_times, wrapped_times, strict=True)]
    ratio = spread(ratios)
    return {
        "operation": operation,
        "calls_per_batch": calls,
        "pairs": pairs,
        "ratio": ratio,
        "best_batch_ratio": round(min(wrapped_times) / min(bare_times), 4),
        "bare_us_per_call": round(statistics.median(bare_times) / calls * 1e6, 1),
        "wrapped_us_per_call": round(statistics.median(wrapped_times) / calls * 1e6, 1),
        "within_budget": ratio["median"] <= BUDGET,
    }


def ec2_client(url: str, backend: str, **config: Any) -> Any:
    """An aiobotocore EC2 client context for ``url`` on ``backend``, in standard mode."""
    from aiobotocore.config import AioConfig  # noqa: PLC0415  (optional: checked in run)
    from aiobotocore.session import get_session  # noqa: PLC0415

    if backend == "httpx":
        from aiobotocore.httpxsession import HttpxSession  # noqa: PLC0415

        config["http_session_cls"] = HttpxSession
    return get_session().create_client(
        "ec2",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106  (a dummy for a local server)
        config=AioConfig(retries={"mode": "standard"}, **config),
    )


async def backend_cases(url: str, backend: str, calls: int, pairs: int) -> list[Json]:
    """Both operations on one HTTP backend, a bare and a wrapped client side by side."""
    from boto3_idempotent import wrap  # noqa: PLC0415

    cases = []
    async with ec2_client(url, backend) as bare, ec2_client(url, backend) as wrapped:
        wrap(wrapped)
        for operation in OPERATIONS:
            measured = await case(bare, wrapped, operation, calls, pairs)
            cases.append({"backend": backend, **measured})
    return cases


def backends() -> list[str]:
    """aiohttp, and httpx where aiobotocore's httpx backend can load."""
    import aiobotocore  # noqa: PLC0415

    package = "httpx2" if int(aiobotocore.__version__.split(".")[0]) >= 3 else "httpx"
    return ["aiohttp"] + (["httpx"] if importlib.util.find_spec(package) else [])


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def run(_session: boto3.session.Session, quick: bool) -> Json:
    """Wrapped vs bare aiobotocore on the success path, local HTTP, every backend."""
    if importlib.util.find_spec("aiobotocore") is None:
        raise SystemExit("async_overhead needs aiobotocore: pip install 'aiobotocore[httpx2]'")
    calls, pairs = QUICK if quick else FULL
    cases: list[Json] = []
    with server_process() as url:
        for backend in backends():
            cases.extend(asyncio.run(backend_cases(url, backend, calls, pairs)))
    packages = ("aiobotocore", "aioboto3", "aiohttp", "httpx", "httpx2")
    return {
        "budget": BUDGET,
        "bare_retry_mode": "standard",
        "versions": {name: _version(name) for name in packages},
        "cases": cases,
    }


def summary(data: Json) -> list[str]:
    """One line per case."""
    lines = []
    for row in data["cases"]:
        r = row["ratio"]
        lines.append(
            f"async_overhead {row['backend']:<7} {row['operation']:<17} wrapped/bare"
            f" median {r['median']:.4f} (p10 {r['p10']:.4f}, p90 {r['p90']:.4f})"
        )
    return lines


def plot(plt: Any, data: Json) -> Any:
    """Median wrapped/bare ratio per case, p10-p90 bars, and the budget."""
    cases = data["cases"]
    labels = [f"{c['backend']}\n{c['operation']}" for c in cases]
    medians = [c["ratio"]["median"] for c in cases]
    low = [c["ratio"]["median"] - c["ratio"]["p10"] for c in cases]
    high = [c["ratio"]["p90"] - c["ratio"]["median"] for c in cases]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.bar(labels, medians, yerr=[low, high], capsize=6, color=COLORS["wrapped"], width=0.55)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.axhline(data["budget"], color="#d62728", linestyle="--", label=f"budget {data['budget']}")
    ax.set_ylabel("wrapped / bare aiobotocore (median)")
    ax.set_title("asyncio success path over local HTTP")
    ax.legend(loc="lower right")
    return fig


SCENARIO = Scenario("async_overhead", run, summary, plots={"async_overhead.png": plot})

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
