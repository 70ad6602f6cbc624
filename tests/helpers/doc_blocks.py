"""The Python blocks of README.md and the docs (docs/*.md), and how a test runs one.

``blocks()`` finds them; ``env`` (a fixture: import it into a test module) is the
environment ``python -m boto3_idempotent serve`` tells a reader to export; ``run_block``
runs one as a script, or under pytest when it is headed ``# test_<name>.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(
    r"^(?:<!-- requires: ([\w.]+) -->\n)?```python\n(.*?)^```", re.DOTALL | re.MULTILINE
)


def blocks() -> list[tuple[str, str, str | None]]:
    """("file:line", code, module it requires or None) of each ```python block."""
    found = []
    for page in PAGES:
        text = page.read_text()
        name = page.relative_to(ROOT).as_posix()
        found.extend(
            (f"{name}:{text[: m.start(2)].count(chr(10))}", m.group(2), m.group(1))
            for m in BLOCK.finditer(text)
        )
    return found


@pytest.fixture
def env(faulty_endpoint):
    """A deployed function's environment, pointed at the local endpoint."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOTO3_IDEMPOTENT_")}
    environ.update(
        AWS_ENDPOINT_URL=faulty_endpoint.url,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        ORDERS_TABLE="orders",
        BOTO3_IDEMPOTENT_BASE_DELAY="0",
    )
    return environ


def run_block(line: str, code: str, env: dict[str, str], tmp_path: Path) -> None:
    """Run one block in a subprocess; fail with its output if it fails."""
    if code.startswith("# test_"):
        (tmp_path / code.split("\n", 1)[0].removeprefix("# ")).write_text(code)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    else:
        script = tmp_path / "block.py"
        script.write_text(code)
        command = [sys.executable, str(script)]

    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300, check=False, cwd=tmp_path
    )

    assert result.returncode == 0, f"{line}:\n{result.stdout}\n{result.stderr}"
