"""How scenarios run and report: the command line, results.json, machine info, plots.

A scenario is a module of this package that defines ``SCENARIO`` (a :class:`Scenario`:
its name in results.json, how to run it, how to summarize and draw it) and ends with
``if __name__ == "__main__": sys.exit(main([SCENARIO]))``, so that it runs alone::

    python -m benchmarks.overhead [--quick] [--out DIR] [--no-plots]

``benchmarks/run.py`` gives :func:`main` all of them.
"""

# ruff: noqa: T201
# T201: a command-line benchmark reports on stdout.

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import boto3
import botocore

import boto3_idempotent

from .harness import Json

DEFAULT_OUT = Path(__file__).resolve().parent / "results"

# -- machine and output -----------------------------------------------------------------------


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo, else platform's guess."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in {"model name", "Hardware", "cpu model"}:
                return value.strip()
    return platform.processor() or "unknown"


def machine() -> Json:
    """What the numbers were measured on."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "tenacity": _version("tenacity"),
        "boto3_idempotent": boto3_idempotent.__version__,
        "boto3_idempotent_path": str(Path(boto3_idempotent.__file__).parent),
    }


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def isolate_environment() -> None:
    """Ignore the developer's AWS settings and BOTO3_IDEMPOTENT_* variables."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO3_IDEMPOTENT_")):
            del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def to_json(results: Json) -> str:
    """Indented JSON with lists of numbers kept on one line."""
    text = json.dumps(results, indent=2)
    return re.sub(
        r"\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]",
        lambda m: "[" + re.sub(r",\s*", ", ", m.group(1)) + "]",
        text,
    )


# -- plots (optional: matplotlib) -------------------------------------------------------------

#: One colour per client, the same in every plot.
COLORS = {
    "bare": "#7f7f7f",
    "bare_legacy": "#d62728",
    "bare_standard": "#7f7f7f",
    "bare_adaptive": "#9467bd",
    "tenacity_standard": "#ff7f0e",
    "tenacity": "#ff7f0e",
    "wrapped": "#1f77b4",
}

Draw = Callable[[Any, Json], Any]  # (matplotlib.pyplot, a scenario's results) -> Figure


def make_plots(results: Json, out: Path, scenarios: Sequence[Scenario]) -> list[Path]:
    """Draw the PNGs of the scenarios in ``results``; ``[]`` without matplotlib."""
    try:
        import matplotlib as mpl  # noqa: PLC0415  (optional: only the plots need it)
    except ImportError:
        print("matplotlib is not installed: no plots (pip install matplotlib)")
        return []
    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415  (after choosing the backend)

    written = []
    for scenario in scenarios:
        if scenario.name not in results:
            continue
        for filename, draw in scenario.plots.items():
            fig = draw(plt, results[scenario.name])
            path = out / filename
            fig.savefig(path, dpi=90, bbox_inches="tight")
            plt.close(fig)
            written.append(path)
    return written


# -- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One benchmark: its key in results.json, how to run, summarize and draw it."""

    name: str
    run: Callable[[boto3.session.Session, bool], Json]  # (session, quick) -> results
    summary: Callable[[Json], list[str]]
    plots: dict[str, Draw] = field(default_factory=dict)  # PNG file name -> drawing


def run_scenarios(scenarios: Sequence[Scenario], *, quick: bool) -> Json:
    """Run ``scenarios`` in order; return the results document."""
    session = boto3.session.Session()
    results: Json = {"schema": 1, "machine": machine(), "seconds": {}}
    for scenario in scenarios:
        print(f"== {scenario.name}", flush=True)
        start = time.perf_counter()
        results[scenario.name] = scenario.run(session, quick)
        results["seconds"][scenario.name] = round(time.perf_counter() - start, 2)
    return results


def main(
    scenarios: Sequence[Scenario],
    argv: Sequence[str] | None = None,
    *,
    description: str | None = None,
) -> int:
    """Run ``scenarios`` (or the ``--only`` subset); write results.json and the plots.

    One scenario alone writes to ``benchmarks/results/<name>/`` unless ``--out`` says
    otherwise, so it never overwrites the committed results of a full run.
    """
    names = [s.name for s in scenarios]
    default_out = DEFAULT_OUT if len(scenarios) > 1 else DEFAULT_OUT / names[0]
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--out", type=Path, default=default_out, help="results folder")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNGs")
    if len(scenarios) > 1:
        parser.add_argument("--only", nargs="+", choices=names, default=names, help="a subset")
    parser.add_argument(
        "--plot-from", type=Path, metavar="JSON", help="only redraw the plots of a results.json"
    )
    args = parser.parse_args(argv)
    chosen = [s for s in scenarios if s.name in getattr(args, "only", names)]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.plot_from is not None:
        results = json.loads(args.plot_from.read_text())
    else:
        isolate_environment()
        started = time.perf_counter()
        results = run_scenarios(chosen, quick=args.quick)
        results["quick"] = args.quick
        results["generated"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        results["total_seconds"] = round(time.perf_counter() - started, 1)
        path = args.out / "results.json"
        path.write_text(to_json(results) + "\n")
        for scenario in chosen:
            print("\n".join(scenario.summary(results[scenario.name])))
        print(f"wrote {path} in {results['total_seconds']} s")
    if not args.no_plots:
        for png in make_plots(results, args.out, chosen):
            print(f"wrote {png}")
    return 0
