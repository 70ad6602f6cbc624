"""Every Python block in README.md runs, against the fault-injecting endpoint.

A block preceded by ``<!-- requires: MODULE -->`` (aiobotocore, aioboto3) runs only
where that module is installed: in the asyncio CI jobs, through
tests/test_async_readme.py; here it is skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(
    r"^(?:<!-- requires: ([\w.]+) -->\n)?```python\n(.*?)^```", re.DOTALL | re.MULTILINE
)


def blocks() -> list[tuple[int, str, str | None]]:
    """(line number, code, module it requires or None) of each ```python block."""
    text = README.read_text()
    return [(text[: m.start(2)].count("\n"), m.group(2), m.group(1)) for m in BLOCK.finditer(text)]


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


@pytest.mark.parametrize(
    ("line", "code", "requires"), blocks(), ids=[f"line-{n}" for n, _, _ in blocks()]
)
def test_readme_block_runs(line, code, requires, env, tmp_path):
    """Run the block as a script; a block headed "# test_<name>.py" runs under pytest."""
    if requires is not None:
        pytest.importorskip(requires, reason="runs in its asyncio CI job")
    run_block(line, code, env, tmp_path)


def run_block(line: int, code: str, env: dict[str, str], tmp_path: Path) -> None:
    """Run one README block in a subprocess; fail with its output if it fails."""
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
