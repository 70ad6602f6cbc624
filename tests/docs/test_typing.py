"""A small user program type-checks under ``mypy --strict``; a wrong call to it does not."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # mypy --strict over user programs: the slow tier (pyproject)

pytest.importorskip("mypy", reason="mypy comes with the dev and tests extras")

PROGRAM = """
import asyncio
from typing import Any

from boto3_idempotent import RetryEvent, RetryPolicy, idempotent_handler, process_sqs_batch


@idempotent_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    return {"status": "ok"}


@idempotent_handler(key=lambda event, context: str(event["order_id"]), margin=2.0)
def keyed(event: dict[str, Any], context: Any) -> int:
    return 1


@idempotent_handler
async def launch(event: dict[str, Any], context: Any) -> str:
    return "i-1"


def record_handler(record: dict[str, Any]) -> None:
    print(record["messageId"])


def on_retry(event: RetryEvent) -> None:
    print(event.operation, event.token)


result: dict[str, str] = handler({"a": 1}, None)
count: int = keyed({"order_id": 7}, None)
instance: str = asyncio.run(launch({"a": 1}, None))
failures = process_sqs_batch({"Records": []}, record_handler)
items: list[dict[str, str]] = failures["batchItemFailures"]
policy = RetryPolicy(max_attempts=5, on_retry=[on_retry])
"""

WRONG = """
import asyncio
from typing import Any

from boto3_idempotent import idempotent_handler


@idempotent_handler
def handler(event: dict[str, Any], context: Any) -> int:
    return 1


@idempotent_handler
async def launch(event: dict[str, Any], context: Any) -> str:
    return "i-1"


text: str = handler({}, None)
handler("not a dict", None)
number: int = asyncio.run(launch({}, None))
"""


def mypy(tmp_path, source: str) -> subprocess.CompletedProcess[str]:
    """Run mypy --strict on ``source`` as a user's module."""
    path = tmp_path / "user_program.py"
    path.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "MYPY_CACHE_DIR": str(tmp_path / "cache")},
    )


def test_a_user_program_type_checks_strictly(tmp_path):
    """Decorated handlers (async ones too) keep their signatures; dict-typed records pass."""
    result = mypy(tmp_path, PROGRAM)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_call_to_a_decorated_handler_is_caught(tmp_path):
    """The return type and the event's type survive the decorator: both mistakes are errors."""
    result = mypy(tmp_path, WRONG)
    assert result.returncode == 1
    assert 'Incompatible types in assignment (expression has type "int"' in result.stdout
    assert 'Argument 1 to "handler" has incompatible type "str"' in result.stdout
    assert 'Incompatible types in assignment (expression has type "str"' in result.stdout


def test_every_python_block_of_the_docs_type_checks_strictly(tmp_path):
    """README's and the docs' blocks, and examples/ (the docs include them), pass mypy --strict."""
    from pathlib import Path

    from helpers.doc_blocks import blocks

    examples = Path(__file__).resolve().parents[2] / "examples"
    files = [str(path) for path in sorted(examples.glob("*.py"))]
    for line, code, _ in blocks():
        name = "block_" + "".join(c if c.isalnum() else "_" for c in line) + ".py"
        (tmp_path / name).write_text(code)
        files.append(str(tmp_path / name))
    env = {**os.environ, "MYPY_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--ignore-missing-imports",  # aiobotocore and aioboto3 where not installed
            "--explicit-package-bases",
            *files,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert len(files) >= 19
    assert result.returncode == 0, result.stdout
