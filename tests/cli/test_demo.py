"""The main job, `python -m boto3_idempotent demo`, run the way README runs it."""

from __future__ import annotations

import subprocess
import sys


def demo(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the demo command in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "boto3_idempotent", "demo", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def table(stdout: str) -> dict[str, tuple[str, str]]:
    """The result table as {row: (naive, wrapped)}."""
    rows = {}
    for line in stdout.splitlines():
        parts = line.rsplit(maxsplit=2)
        if len(parts) == 3 and parts[0].strip() in {
            "logical calls", "wire attempts", "resources created", "duplicates", "mismatches",
            "calls failed",
        }:  # fmt: skip
            rows[parts[0].strip()] = (parts[1], parts[2])
    return rows


def test_demo_shows_duplicates_for_the_naive_loop_and_none_for_the_wrapped_client():
    """Seed 3, one thread: the naive loop duplicates 4 creates; wrap() none; exit 0."""
    result = demo("--calls", "15", "--threads", "1", "--base-delay", "0", "--seed", "3")

    assert result.returncode == 0, result.stderr
    rows = table(result.stdout)
    assert rows["logical calls"] == ("15", "15")
    assert rows["duplicates"] == ("4", "0")
    assert rows["resources created"][1] == "15"
    assert rows["mismatches"] == ("0", "0")
    assert rows["calls failed"][1] == "0"
    assert "15/15" in result.stderr  # progress was shown


def test_demo_runs_with_threads_and_defaults_for_the_rest():
    """Several threads: the wrapped client still creates exactly one resource per call."""
    result = demo("--calls", "12", "--threads", "4", "--base-delay", "0")

    assert result.returncode == 0, result.stderr
    rows = table(result.stdout)
    assert rows["duplicates"][1] == "0"
    assert rows["resources created"][1] == "12"


def test_demo_refuses_bad_options_with_exit_2():
    """A fault rate outside [0, 1] is a usage error that says what it wants."""
    result = demo("--fault-rate", "1.5")

    assert result.returncode == 2
    assert "expected a number from 0 to 1" in result.stderr
