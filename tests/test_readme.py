"""Every Python block in README.md runs, against the fault-injecting endpoint."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks() -> list[tuple[int, str]]:
    """(line number, code) of each ```python block."""
    text = README.read_text()
    return [(text[: m.start()].count("\n") + 1, m.group(1)) for m in BLOCK.finditer(text)]


def test_readme_has_python_blocks():
    """The parametrization below cannot silently run nothing."""
    assert len(blocks()) >= 10


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


@pytest.mark.parametrize(("line", "code"), blocks(), ids=[f"line-{n}" for n, _ in blocks()])
def test_readme_block_runs(line, code, env, tmp_path):
    """Run the block as a script; a block headed "# test_<name>.py" runs under pytest."""
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

    assert result.returncode == 0, f"README.md line {line}:\n{result.stdout}\n{result.stderr}"
