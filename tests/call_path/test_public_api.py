"""The public surface: names, types, packaging."""

from __future__ import annotations

import copyreg
import weakref
from importlib import resources

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

import boto3_idempotent
from boto3_idempotent import CallInfo, RetryEvent, RetryPolicy


def test_all_is_pinned():
    """Adding or removing a public name is a deliberate change: update this list and CHANGELOG."""
    assert boto3_idempotent.__all__ == [
        "STOP_REASON_METADATA_KEY",
        "TOKEN_LIFETIMES",
        "TOKEN_METADATA_KEY",
        "CallInfo",
        "CallJournal",
        "ClientRateLimited",
        "ConfigError",
        "ConfigWarning",
        "EarlierAttemptMayHaveActed",
        "EarlierAttemptSucceeded",
        "IdempotentInstanceTerminated",
        "IdempotentParameterMismatch",
        "IncompleteResponseError",
        "InvalidClientToken",
        "JournalUnavailable",
        "RetryEvent",
        "RetryModeWarning",
        "RetryPolicy",
        "StopReason",
        "TokenLifetimeWarning",
        "TokenSecretWarning",
        "UnprotectedCallWarning",
        "__version__",
        "call_info",
        "idempotency_key",
        "idempotent_handler",
        "install",
        "is_testing",
        "process_sqs_batch",
        "set_testing",
        "uninstall",
        "wrap",
    ]


def test_every_exported_name_exists():
    """__all__ names only things the package has."""
    for name in boto3_idempotent.__all__:
        assert hasattr(boto3_idempotent, name)


def test_every_lazy_name_is_exported_and_found_where_the_map_says():
    """The lazy map and __all__ agree; each name is the object its module defines."""
    import importlib

    where = boto3_idempotent._WHERE
    assert set(where) == set(boto3_idempotent.__all__) - {"__version__"}
    for name, module in where.items():
        defined = getattr(importlib.import_module(f"boto3_idempotent.{module}"), name)
        assert getattr(boto3_idempotent, name) is defined
    assert set(boto3_idempotent.__all__) <= set(dir(boto3_idempotent))
    with pytest.raises(AttributeError, match="no attribute 'wrapp'"):
        boto3_idempotent.wrapp  # noqa: B018


def test_exceptions_subclass_what_callers_already_catch():
    """Adopting the library breaks no except clause."""
    assert issubclass(boto3_idempotent.IdempotentParameterMismatch, ClientError)
    assert issubclass(boto3_idempotent.EarlierAttemptSucceeded, ClientError)
    assert issubclass(
        boto3_idempotent.EarlierAttemptSucceeded, boto3_idempotent.EarlierAttemptMayHaveActed
    )
    assert issubclass(boto3_idempotent.EarlierAttemptMayHaveActed, ClientError)
    assert issubclass(boto3_idempotent.IdempotentInstanceTerminated, ClientError)
    assert issubclass(boto3_idempotent.IncompleteResponseError, ConnectionClosedError)
    assert issubclass(boto3_idempotent.RetryModeWarning, UserWarning)
    assert issubclass(boto3_idempotent.ConfigWarning, UserWarning)
    assert issubclass(boto3_idempotent.UnprotectedCallWarning, UserWarning)
    assert issubclass(boto3_idempotent.JournalUnavailable, RuntimeError)
    assert issubclass(boto3_idempotent.ConfigError, ValueError)
    assert issubclass(boto3_idempotent.InvalidClientToken, ValueError)


def test_package_is_typed():
    """py.typed ships, so type checkers read our annotations."""
    assert resources.files("boto3_idempotent").joinpath("py.typed").is_file()


def test_public_signatures_name_only_public_things():
    """What the API reference shows: no private parameter, type or annotation in a signature."""
    import inspect
    import re

    for name in boto3_idempotent.__all__:
        value = getattr(boto3_idempotent, name)
        if not callable(value) or (isinstance(value, type) and issubclass(value, BaseException)):
            continue
        try:
            signature = inspect.signature(value)
        except (TypeError, ValueError):
            continue
        assert not [p for p in signature.parameters if p.startswith("_")], name
        text = str(signature)
        assert not re.search(r"(?<![\w.])_[A-Za-z]", text), (name, text)
        assert "Iterator[" not in text, (name, text)


def test_idempotency_key_is_a_context_manager_and_a_decorator():
    """Typed as a context manager; usable as one, and (contextlib's) as a decorator."""
    from contextlib import AbstractContextManager

    scope = boto3_idempotent.idempotency_key("order-1", secret="s")
    assert isinstance(scope, AbstractContextManager)
    with scope:
        from boto3_idempotent._context import current_scope

        assert current_scope() is not None

    @boto3_idempotent.idempotency_key("order-2", secret="s")
    def inside():
        return current_scope()

    assert inside() is not None


def test_the_declared_botocore_floor_is_a_line_ci_tests():
    """Pyproject's botocore floor is the oldest line .ci/run installs (aioboto3's pin: 1.40)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    floor = re.search(r'"botocore>=(\d+\.\d+),<2"', (root / "pyproject.toml").read_text())
    assert floor is not None
    ci = (root / ".ci/run").read_text()
    tested = {m.group(1) for m in re.finditer(r"(?<!aio)botocore (\d+\.\d+)\.\d+", ci)}
    assert floor.group(1) == min(tested, key=lambda v: tuple(map(int, v.split("."))))


def test_values_pickled_as_dataclasses_still_load_and_behave_as_dataclasses():
    """A dataclass pickle's state is a __dict__; match statements and weak references work."""
    record = copyreg.__newobj__(CallInfo)  # what unpickling an old CallInfo does first
    record.__setstate__({"attempts": 2, "token": "t", "max_attempts_reached": False,
                         "stop_reason": "max_attempts", "earlier_attempt_may_have_acted": True})  # fmt: skip
    assert record == CallInfo(2, "t", False, "max_attempts", True)
    match record:
        case CallInfo(attempts, token):
            assert (attempts, token) == (2, "t")
    assert weakref.ref(record)() is record
    assert weakref.ref(RetryPolicy())() is not None
    event = RetryEvent("s3", "PutObject", 1, None, "InternalError", 0.1, 0.2)
    assert weakref.ref(event)() is event
    assert RetryPolicy.__match_args__[0] == "max_attempts"
