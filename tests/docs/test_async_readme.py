"""The asyncio blocks of README.md and docs/ (marked ``<!-- requires: ... -->``) run where their library is."""

from __future__ import annotations

import pytest

pytest.importorskip("aiobotocore")

from helpers.doc_blocks import blocks, env, run_block

__all__ = ["env"]  # the fixture, from helpers.doc_blocks

ASYNC_BLOCKS = [block for block in blocks() if block[2] is not None]


def test_readme_has_async_blocks():
    """The parametrization below cannot silently run nothing."""
    assert {requires for _, _, requires in ASYNC_BLOCKS} == {"aiobotocore", "aioboto3"}


@pytest.mark.parametrize(
    ("line", "code", "requires"), ASYNC_BLOCKS, ids=[n for n, _, _ in ASYNC_BLOCKS]
)
def test_async_readme_block_runs(line, code, requires, env, tmp_path):
    """Run the block as a script against the fault-injecting endpoint."""
    pytest.importorskip(requires)
    run_block(line, code, env, tmp_path)
