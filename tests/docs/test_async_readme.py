"""The asyncio blocks of README.md and docs/ (marked ``<!-- requires: ... -->``) run where their library is."""

from __future__ import annotations

import pytest

pytest.importorskip("aiobotocore")

from test_readme import blocks, env, run_block

__all__ = ["env"]  # the fixture, shared with test_readme.py

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
