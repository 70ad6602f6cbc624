"""Outage containment: wire attempts per logical RunInstances call while every request gets 503.

Clients: bare (legacy and standard modes), naive tenacity around a bare standard-mode
client, and wrap(). No real sleeps: botocore's backoff and the others' ``sleep`` are no-ops.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .harness import (
    OPERATIONS,
    Json,
    ScriptedServer,
    botocore_sleeps,
    make_client,
    naive_tenacity,
    no_sleep,
    wrapped,
)
from .runner import COLORS, Scenario, main

if TYPE_CHECKING:
    import boto3

TARGET_AFTER_QUOTA = 1.1
ERROR = (503, "ServiceUnavailable")
CALLS, QUICK_CALLS = 200, 60  # quick: enough to spend the wrapped client's retry quota


def outage_series(requests: Callable[[], int], call: Callable[[], object], calls: int) -> list[int]:
    """Wire attempts of each of ``calls`` logical calls (each must fail).

    Args:
        requests: Requests sent so far (a server's or a hook's count).
        call: One logical call.
        calls: How many.
    """
    series: list[int] = []
    for _ in range(calls):
        before = requests()
        with contextlib.suppress(ClientError):
            call()
            raise RuntimeError("a call succeeded during the outage")
        series.append(requests() - before)
    return series


def describe_series(series: list[int]) -> Json:
    """Attempts per call overall and from the first call whose retries were refused."""
    # The first call (numbered from 1) that got fewer attempts than the first one did:
    # its retries were refused, the retry quota being spent.
    spent_at = next((i for i, n in enumerate(series, 1) if n < series[0]), None)
    after = series[spent_at - 1 :] if spent_at is not None else []
    return {
        "wire_attempts": sum(series),
        "attempts_per_call": round(sum(series) / len(series), 3),
        "first_call_attempts": series[0],
        "quota_spent_at_call": spent_at,
        "attempts_per_call_after_quota": round(sum(after) / len(after), 3) if after else None,
        "attempts_by_call": series,
    }


def run(session: boto3.session.Session, quick: bool) -> Json:
    """Wire attempts per logical call while every request gets a 503."""
    calls = QUICK_CALLS if quick else CALLS
    call = OPERATIONS["RunInstances"]
    results: Json = {}
    with ScriptedServer(lambda _op: ERROR) as server, botocore_sleeps(no_sleep):
        legacy = make_client(session, url=server.url, retries={"mode": "legacy"})
        standard = make_client(session, url=server.url)
        for_tenacity = make_client(session, url=server.url)
        ours = wrapped(make_client(session, url=server.url), sleep=no_sleep)
        clients: dict[str, tuple[str, Callable[[], object]]] = {
            "bare_legacy": ("bare client, legacy retry mode", lambda: call(legacy)),
            "bare_standard": ("bare client, standard retry mode", lambda: call(standard)),
            "tenacity_standard": (
                "tenacity stop_after_attempt(5) around a bare standard-mode client",
                naive_tenacity(lambda: call(for_tenacity)),
            ),
            "wrapped": ("wrap(client), default RetryPolicy", lambda: call(ours)),
        }
        for name, (description, one_call) in clients.items():
            series = outage_series(lambda: server.requests, one_call, calls)
            results[name] = {"description": description, **describe_series(series)}
    wrapped_after = results["wrapped"]["attempts_per_call_after_quota"]
    return {
        "logical_calls": calls,
        "operation": "RunInstances",
        "error": {"status": ERROR[0], "code": ERROR[1]},
        "target_after_quota": TARGET_AFTER_QUOTA,
        "wrapped_within_target": (
            None if wrapped_after is None else wrapped_after <= TARGET_AFTER_QUOTA
        ),
        "clients": results,
    }


def summary(data: Json) -> list[str]:
    """Attempts per call of each client, overall and once its quota is spent."""
    lines = []
    for name, row in data["clients"].items():
        after = row["attempts_per_call_after_quota"]
        lines.append(
            f"outage {name:<18} {row['attempts_per_call']:.3f} attempts/call;"
            f" after quota: {'n/a' if after is None else f'{after:.3f}'}"
        )
    return lines


def plot(plt: Any, data: Json) -> Any:
    """Cumulative wire attempts against the logical call index, one line per client."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    calls = data["logical_calls"]
    for name, row in data["clients"].items():
        series = row["attempts_by_call"]
        total, cumulative = 0, []
        for attempts in series:
            total += attempts
            cumulative.append(total)
        label = f"{name} ({row['attempts_per_call']:.2f}/call)"
        ax.plot(range(1, len(series) + 1), cumulative, label=label, color=COLORS.get(name))
        spent = row["quota_spent_at_call"]
        if spent is not None:
            ax.plot(spent, cumulative[spent - 1], "o", color=COLORS.get(name), markersize=5)
    ax.plot([1, calls], [1, calls], "k:", linewidth=0.8, label="1 attempt per call")
    ax.set_xlabel("logical call (RunInstances, every request answered 503)")
    ax.set_ylabel("cumulative wire attempts")
    ax.set_title("Outage containment (dots: retry quota spent)")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


SCENARIO = Scenario("outage", run, summary, {"attempts_over_time.png": plot})

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
