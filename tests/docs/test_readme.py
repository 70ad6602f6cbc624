"""Every Python block in README.md and the docs (docs/*.md) runs, against the fault-injecting endpoint.

The environment is the one ``python -m boto3_idempotent serve`` tells a reader to export
(``AWS_ENDPOINT_URL``, a region, dummy credentials), so every example runs as written.
A block preceded by ``<!-- requires: MODULE -->`` (aiobotocore, aioboto3) runs only
where that module is installed: in the asyncio CI jobs, through
tests/docs/test_async_readme.py; here it is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.doc_blocks import PAGES, ROOT, blocks, env, run_block

__all__ = ["env"]  # the fixture, from helpers.doc_blocks


def test_readme_has_python_blocks():
    """The parametrization below cannot silently run nothing: README and the docs have blocks."""
    where = [line.split(":")[0] for line, _, _ in blocks()]
    assert "README.md" in where
    assert len(where) >= 15
    assert len(set(where)) >= 8  # most pages show code


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


def test_docstrings_hold_no_rest_roles():
    """The API reference is Markdown (mkdocstrings): a :func:`x` role would show raw."""
    import re

    role = re.compile(r":(?:func|class|data|meth|attr|exc|mod|obj):`")
    root = Path(__file__).resolve().parents[2] / "src" / "boto3_idempotent"
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if role.search(line)
    ]
    assert found == []
