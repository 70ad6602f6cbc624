"""The plots of the versus_botocore scenario: one per measurement, (a) to (d)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .runner import COLORS

if TYPE_CHECKING:
    from .harness import Json
    from .runner import Draw

LABELS = {
    "bare_legacy": "bare legacy",
    "bare_standard": "bare standard",
    "bare_adaptive": "bare adaptive",
    "wrapped": "wrap()",
}


def _latency(title: str) -> Draw:
    def draw(plt: Any, data: Json) -> Any:
        """p50/p99 per client (left), the whole distribution (right)."""
        part = data[title.split(maxsplit=1)[0]]
        clients = part["clients"]
        names = list(clients)
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
        width = 0.38
        for offset, stat, hatch in ((-width / 2, "p50_ms", ""), (width / 2, "p99_ms", "//")):
            values = [clients[n][stat] for n in names]
            bars = left.bar([i + offset for i in range(len(names))], values, width, hatch=hatch,
                            color=[COLORS[n] for n in names], edgecolor="black")  # fmt: skip
            left.bar_label(bars, [f"{v:.1f}" for v in values], fontsize="x-small")
        left.set_yscale("log")
        left.set_xticks(range(len(names)), [LABELS[n] for n in names], fontsize="small")
        left.set_ylabel("ms per logical call (plain: p50, hatched: p99)")
        for name in names:
            ordered = sorted(clients[name]["latencies_ms"])
            fractions = [(i + 1) / len(ordered) for i in range(len(ordered))]
            right.step(ordered, fractions, where="post", color=COLORS[name], label=LABELS[name])
        right.set_xscale("log")
        right.set_xlabel("ms per logical call")
        right.set_ylabel("fraction of calls")
        right.axhline(0.99, color="black", linestyle=":", linewidth=0.8)
        right.legend(fontsize="small", loc="lower right")
        rate = f"{part['fault_rate']:.0%} of attempts: {', '.join(part['fault_replies'])}"
        fig.suptitle(f"{title}: RunInstances over local HTTP, {rate}", fontsize="medium")
        fig.tight_layout()
        return fig

    return draw


def plot_outage(plt: Any, data: Json) -> Any:
    """Requests for the calls made during an outage (left), recovery after it (right)."""
    load = data["outage"]["load"]
    recovery = data["outage"]["recovery"]
    names = list(load["clients"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    values = [load["clients"][n]["requests"] for n in names]
    bars = left.bar([LABELS[n] for n in names], values, color=[COLORS[n] for n in names])
    left.bar_label(bars, [str(v) for v in values], fontsize="small")
    left.set_ylabel(f"requests for {load['logical_calls']} logical calls")
    left.set_title("(c) load: every request 503", fontsize="medium")
    left.tick_params(axis="x", labelsize="small")
    outages = recovery["outages_s"]
    width = 0.8 / len(names)
    for index, name in enumerate(names):
        rows = recovery["clients"][name]["by_outage"]
        means = [r["recovery_mean_s"] for r in rows]
        errors = [[r["recovery_mean_s"] - r["recovery_min_s"] for r in rows],
                  [r["recovery_max_s"] - r["recovery_mean_s"] for r in rows]]  # fmt: skip
        xs = [i + (index - (len(names) - 1) / 2) * width for i in range(len(rows))]
        bars = right.bar(xs, means, width, yerr=errors, capsize=3, color=COLORS[name],
                         label=LABELS[name])  # fmt: skip
        right.bar_label(bars, [f"{m:.2f}" for m in means], fontsize="x-small")
    right.set_xticks(range(len(outages)), [f"{t:g} s outage" for t in outages])
    right.set_ylabel("first success - outage end (fake s)")
    right.set_title(
        f"(c) recovery: one caller, {recovery['round_trip_s'] * 1000:g} ms per request,"
        f" {recovery['seeds']} seeds (mean, min-max)",
        fontsize="medium",
    )
    right.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_duplicates(plt: Any, data: Json) -> Any:
    """Hosts created beyond one per logical call, per client."""
    part = data["duplicates"]
    names = list(part["clients"])
    fig, ax = plt.subplots(figsize=(7, 3.6))
    values = [part["clients"][n]["duplicates"] for n in names]
    bars = ax.bar([LABELS[n] for n in names], values, color=[COLORS[n] for n in names])
    ax.bar_label(bars, [str(v) for v in values])
    ax.set_ylabel("duplicate hosts")
    ax.set_title(
        f"(d) AllocateHosts x {part['logical_calls']}, {part['lost_response_rate']:.0%} of"
        " attempts lose their response after the host is made",
        fontsize="medium",
    )
    ax.set_ylim(0, max([*values, 1]) * 1.25)
    fig.tight_layout()
    return fig


PLOTS: dict[str, Draw] = {
    "versus_transient.png": _latency("transient (a)"),
    "versus_throttling.png": _latency("throttling (b)"),
    "versus_outage.png": plot_outage,
    "versus_duplicates.png": plot_duplicates,
}
