"""Success-path cost of a wrapped client over a bare one (botocore's standard retry mode).

On a null transport (a ``before-send`` hook answers) and over HTTP to a local server in
another process; RunInstances (has a token) and DescribeInstances (none). Batches
alternate bare/wrapped; each pair gives a ratio wrapped/bare.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .harness import (
    OPERATIONS,
    Json,
    alternate,
    make_client,
    null_transport,
    server_process,
    settle,
    spread,
    timed,
    wrapped,
)
from .runner import COLORS, Scenario, main

if TYPE_CHECKING:
    import boto3

BUDGET = 1.03
AIM = 1.01


@dataclass(frozen=True)
class Sizes:
    """How much work the scenario does."""

    null_calls: int  # calls per timed batch, null transport
    http_calls: int  # calls per timed batch, local HTTP server
    null_pairs: int  # (bare, wrapped) batch pairs per case
    http_pairs: int


# Short batches, many pairs: a burst of noise from elsewhere on the machine spoils a
# few pairs, which the median then ignores.
FULL = Sizes(null_calls=20, http_calls=20, null_pairs=400, http_pairs=200)
QUICK = Sizes(null_calls=8, http_calls=4, null_pairs=2, http_pairs=2)


def overhead_case(bare: Any, wrapped_client: Any, operation: str, calls: int, pairs: int) -> Json:
    """Time ``operation`` in alternating batches; per-pair ratios wrapped/bare."""
    call = OPERATIONS[operation]
    for client in (bare, wrapped_client):  # load models, open the connection, warm caches
        timed(lambda c=client: call(c), max(5, calls))
    settle()
    bare_times, wrapped_times = alternate(
        lambda: timed(lambda: call(bare), calls),
        lambda: timed(lambda: call(wrapped_client), calls),
        pairs,
    )
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


def run(session: boto3.session.Session, quick: bool) -> Json:
    """Wrapped vs bare on the success path, null transport and local HTTP."""
    sizes = QUICK if quick else FULL
    cases: list[Json] = []
    names = list(OPERATIONS)
    bare = null_transport(make_client(session), names)
    wrapped_client = wrapped(null_transport(make_client(session), names))
    for operation in names:
        case = overhead_case(bare, wrapped_client, operation, sizes.null_calls, sizes.null_pairs)
        cases.append({"transport": "null", **case})
    with server_process() as url:
        bare = make_client(session, url=url)
        wrapped_client = wrapped(make_client(session, url=url))
        for operation in names:
            case = overhead_case(
                bare, wrapped_client, operation, sizes.http_calls, sizes.http_pairs
            )
            cases.append({"transport": "http", **case})
    return {"budget": BUDGET, "aim": AIM, "bare_retry_mode": "standard", "cases": cases}


def summary(data: Json) -> list[str]:
    """One line per case."""
    lines = []
    for case in data["cases"]:
        r = case["ratio"]
        lines.append(
            f"overhead {case['transport']:<4} {case['operation']:<17} wrapped/bare"
            f" median {r['median']:.4f} (p10 {r['p10']:.4f}, p90 {r['p90']:.4f})"
        )
    return lines


def plot(plt: Any, data: Json) -> Any:
    """Median wrapped/bare ratio per case, p10-p90 bars, the aim and the budget."""
    cases = data["cases"]
    labels = [f"{c['transport']}\n{c['operation']}" for c in cases]
    medians = [c["ratio"]["median"] for c in cases]
    low = [c["ratio"]["median"] - c["ratio"]["p10"] for c in cases]
    high = [c["ratio"]["p90"] - c["ratio"]["median"] for c in cases]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.bar(labels, medians, yerr=[low, high], capsize=6, color=COLORS["wrapped"], width=0.55)
    best = [c["best_batch_ratio"] for c in cases]
    ax.plot(labels, best, "kx", label="fastest batch wrapped / fastest bare")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.axhline(data["aim"], color="green", linestyle=":", label=f"aim {data['aim']}")
    ax.axhline(data["budget"], color="red", linestyle="--", label=f"budget {data['budget']}")
    spread_max = max(c["ratio"]["p90"] for c in cases)
    spread_min = min(c["ratio"]["p10"] for c in cases)
    ax.set_ylim(min(0.9, spread_min - 0.02), max(1.1, spread_max + 0.02))
    ax.set_ylabel("time wrapped / bare (median, p10-p90)")
    ax.set_title("Success-path overhead of wrap() (bare: standard retry mode)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize="small")
    fig.tight_layout()
    return fig


SCENARIO = Scenario("overhead", run, summary, {"overhead.png": plot})

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
