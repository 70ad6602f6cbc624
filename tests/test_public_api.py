"""The public surface: names, types, packaging."""

from __future__ import annotations

from importlib import resources

from botocore.exceptions import ClientError, ConnectionClosedError

import boto3_idempotent


def test_all_is_pinned():
    """Adding or removing a public name is a deliberate change: update this list and CHANGELOG."""
    assert boto3_idempotent.__all__ == [
        "STOP_REASON_METADATA_KEY",
        "TOKEN_LIFETIMES",
        "TOKEN_METADATA_KEY",
        "CallInfo",
        "ClientRateLimited",
        "ConfigError",
        "ConfigWarning",
        "EarlierAttemptSucceeded",
        "IdempotentInstanceTerminated",
        "IdempotentParameterMismatch",
        "IncompleteResponseError",
        "InvalidClientToken",
        "RetryEvent",
        "RetryModeWarning",
        "RetryPolicy",
        "StopReason",
        "TokenLifetimeWarning",
        "TokenSecretWarning",
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


def test_exceptions_subclass_what_callers_already_catch():
    """Adopting the library breaks no except clause."""
    assert issubclass(boto3_idempotent.IdempotentParameterMismatch, ClientError)
    assert issubclass(boto3_idempotent.EarlierAttemptSucceeded, ClientError)
    assert issubclass(boto3_idempotent.IdempotentInstanceTerminated, ClientError)
    assert issubclass(boto3_idempotent.IncompleteResponseError, ConnectionClosedError)
    assert issubclass(boto3_idempotent.RetryModeWarning, UserWarning)
    assert issubclass(boto3_idempotent.ConfigWarning, UserWarning)
    assert issubclass(boto3_idempotent.ConfigError, ValueError)
    assert issubclass(boto3_idempotent.InvalidClientToken, ValueError)


def test_package_is_typed():
    """py.typed ships, so type checkers read our annotations."""
    assert resources.files("boto3_idempotent").joinpath("py.typed").is_file()
