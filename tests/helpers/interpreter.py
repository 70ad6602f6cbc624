"""A fresh interpreter for what a cold start loads: no inherited modules, no AWS set-up."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (a cold start) and return what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        env={"AWS_EC2_METADATA_DISABLED": "true", "PATH": ""},
    )
    return result.stdout.strip()
