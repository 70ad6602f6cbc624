"""Run every benchmark scenario side by side; write results.json and the plots.

    python benchmarks/run.py [--quick] [--out DIR] [--no-plots] [--only NAME ...]

Each scenario is a module of this package and also runs alone:
``python -m benchmarks.<module>`` from the repository root. See benchmarks/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: import the package from the checkout, not modules from this folder.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks import (
    cold_path,
    durable,
    import_cost,
    journal,
    mixed_workload,
    outage,
    overhead,
    profiling,
    recovery,
    telemetry_overhead,
    threads,
    versus_botocore,
)
from benchmarks.runner import Scenario, main

SCENARIOS: tuple[Scenario, ...] = (
    overhead.SCENARIO,
    import_cost.SCENARIO,
    outage.SCENARIO,
    recovery.SCENARIO,
    threads.SCENARIO,
    profiling.SCENARIO,
    versus_botocore.SCENARIO,
    mixed_workload.SCENARIO,
    cold_path.SCENARIO,
    telemetry_overhead.SCENARIO,
    journal.SCENARIO,
    durable.SCENARIO,
)

if __name__ == "__main__":
    sys.exit(main(SCENARIOS, description=__doc__.splitlines()[0]))
