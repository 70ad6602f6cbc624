"""``import boto3_idempotent`` right after ``import boto3``, timed in fresh interpreters.

The cold start a Lambda function pays; tenacity must not load until a retry.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from .harness import Json, spread
from .runner import Scenario, main

if TYPE_CHECKING:
    import boto3

BUDGET_MS = 15.0
RUNS, QUICK_RUNS = 15, 2  # fresh interpreters

_PROBE = """
import time
start = time.perf_counter()
import boto3
middle = time.perf_counter()
import boto3_idempotent
end = time.perf_counter()
print(middle - start, end - middle)
"""


def probe(env: dict[str, str]) -> tuple[float, float]:
    """Milliseconds of ``import boto3``, then of ``import boto3_idempotent``, in a new process."""
    result = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=60,
    )
    boto3_s, ours_s = (float(x) for x in result.stdout.split())
    return boto3_s * 1000, ours_s * 1000


def run(_session: boto3.session.Session, quick: bool) -> Json:
    """The import's cost over fresh interpreters, boto3's own for scale."""
    runs = QUICK_RUNS if quick else RUNS
    # The first probe must leave bytecode behind, as an installed package has it: without
    # it every probe would time compiling the library, three times its import.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    probe(env)  # bytecode caches written, files in the page cache
    samples = [probe(env) for _ in range(runs)]
    ours = spread([s[1] for s in samples], 2)
    return {
        "runs": runs,
        "ms": ours,
        "boto3_ms": spread([s[0] for s in samples], 2),
        "budget_ms": BUDGET_MS,
        "within_budget": ours["median"] <= BUDGET_MS,
    }


def summary(data: Json) -> list[str]:
    """The median, against the budget."""
    return [f"import boto3_idempotent: {data['ms']['median']:.2f} ms median (budget {BUDGET_MS})"]


SCENARIO = Scenario("import", run, summary)

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
