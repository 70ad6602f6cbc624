"""benchmarks/async_overhead.py and async_stall.py end to end with tiny sizes (--quick), so they cannot rot.

No timing is judged here (the machine decides those): the scenario ran on every
installed backend and wrote the keys its summary and plot read.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("aiobotocore")

from helpers.aio import BACKENDS

ROOT = Path(__file__).resolve().parents[2]


def quick_run(name, out):
    """``python -m benchmarks.<name> --quick``; its part of results.json."""
    command = ["-m", f"benchmarks.{name}", "--quick", "--no-plots", "--out", str(out)]
    result = subprocess.run(
        [sys.executable, *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / "results.json").read_text())[name]


def test_async_overhead_quick_run_writes_every_case(tmp_path):
    """Both operations on each backend, each with a finite median ratio."""
    data = quick_run("async_overhead", tmp_path)
    cases = {(c["backend"], c["operation"]): c for c in data["cases"]}
    assert set(cases) == {
        (backend, operation)
        for backend in BACKENDS
        for operation in ("RunInstances", "DescribeInstances")
    }
    for case in cases.values():
        assert math.isfinite(case["ratio"]["median"])
        assert case["ratio"]["median"] > 0
    assert data["budget"] == 1.03
    assert data["versions"]["aiobotocore"] != "not installed"


def test_async_stall_quick_run_creates_one_instance_per_task_on_every_backend(tmp_path):
    """Every task's instance made once, one token each; the stall is reported, not judged."""
    data = quick_run("async_stall", tmp_path)
    assert [case["backend"] for case in data["cases"]] == BACKENDS
    for case in data["cases"]:
        tasks = case["tasks"]
        assert case["created"] == tasks  # lost responses resent with their token
        assert case["distinct_tokens"] == tasks
        # A 503 and, for half, a lost response: resent each time (a backend's own
        # failed attempt, now and then, adds one the endpoint may not see).
        assert case["attempts"] >= 2 * tasks + tasks // 2
        assert 2 * tasks + tasks // 2 <= case["requests"] <= case["attempts"]
        assert case["ticks"] > 0
        assert math.isfinite(case["worst_stall_ms"])
    assert data["limit_ms"] == 50.0
