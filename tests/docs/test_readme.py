"""Every Python block in README.md and the docs (docs/*.md) runs, against the fault-injecting endpoint.

The environment is the one ``python -m boto3_idempotent serve`` tells a reader to export
(``AWS_ENDPOINT_URL``, a region, dummy credentials), so every example runs as written.
A block preceded by ``<!-- requires: MODULE -->`` (aiobotocore, aioboto3) runs only
where that module is installed: in the asyncio CI jobs, through
tests/docs/test_async_readme.py; here it is skipped.
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


def test_readme_has_python_blocks():
    """The parametrization below cannot silently run nothing: README and the docs have blocks."""
    where = [line.split(":")[0] for line, _, _ in blocks()]
    assert "README.md" in where
    assert len(where) >= 15
    assert len(set(where)) >= 8  # most pages show code


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


@pytest.mark.parametrize(("line", "code", "requires"), blocks(), ids=[n for n, _, _ in blocks()])
def test_readme_block_runs(line, code, requires, env, tmp_path):
    """Run the block as a script; a block headed "# test_<name>.py" runs under pytest."""
    if requires is not None:
        pytest.importorskip(requires, reason="runs in its asyncio CI job")
    if re.search(r"^(from|import) aws_durable_execution_sdk_python\b", code, re.MULTILINE):
        pytest.importorskip(  # the durable extra; its SDK requires boto3 1.43.114+
            "aws_durable_execution_sdk_python",
            reason="the durable execution SDK is not installed (it requires boto3 1.43.114+)",
        )
    run_block(line, code, env, tmp_path)


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


def test_the_docs_draw_their_diagrams_offline():
    """Mermaid is bundled (docs/javascripts), so no page needs a CDN to draw its diagrams."""
    config = (ROOT / "mkdocs.yml").read_text()
    assert "  - javascripts/mermaid.min.js" in config.split("extra_javascript:", 1)[1]
    bundled = ROOT / "docs" / "javascripts" / "mermaid.min.js"
    assert bundled.stat().st_size > 1_000_000
    assert (
        (ROOT / "docs" / "javascripts" / "mermaid.LICENSE")
        .read_text()
        .startswith("The MIT License")
    )
    pages = [p for p in PAGES if "```mermaid" in p.read_text()]
    assert len(pages) >= 2  # the Lambda and durable functions pages draw sequences
