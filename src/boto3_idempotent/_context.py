"""The keys a wrapped call keeps in botocore's per-call context dict (never client state).

Written by the plugin's hooks (``_plugin``) and read by the failure path (``_failure``);
a dict a call carries from its first hook to its last, so racing calls never share them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any, Final

__all__ = [
    "AMBIGUOUS",
    "ATTEMPT",
    "ATTEMPTED",
    "BODY_OFFSET",
    "DERIVED_NAME",
    "FROM_CALLER",
    "JOURNAL",
    "NOTE",
    "ON_RERUN",
    "ON_RERUN_METADATA_KEY",
    "OPERATION",
    "PARAMS",
    "PROTECTED",
    "REPLAYED",
    "SCOPE",
    "START",
    "TIME_LEFT",
    "TIME_LIMIT",
    "TOKEN",
    "TOKEN_METADATA_KEY",
    "current_scope",
    "current_time_left",
]

TOKEN: Final = "boto3_idempotent.token"  # noqa: S105  (a key name)
FROM_CALLER: Final = "boto3_idempotent.token_from_caller"
PROTECTED: Final = "boto3_idempotent.protected"  # the request carries its token or reference
START: Final = "boto3_idempotent.start"
TIME_LEFT: Final = "boto3_idempotent.time_left"
AMBIGUOUS: Final = "boto3_idempotent.ambiguous_before"  # an earlier attempt may have acted
BODY_OFFSET: Final = "boto3_idempotent.body_offset"
PARAMS: Final = "boto3_idempotent.params"  # kept only where the request decides
ATTEMPT: Final = "boto3_idempotent.attempt_start"  # with telemetry only
OPERATION: Final = "boto3_idempotent.operation"  # adaptive mode only
# Inside a key scope only (see _rerun):
ON_RERUN: Final = "boto3_idempotent.on_rerun"  # what a re-run does with the call
DERIVED_NAME: Final = "boto3_idempotent.derived_name"  # a name derived from the key went out
JOURNAL: Final = "boto3_idempotent.journal"  # the call's entry (_integrations/journal.Entry)
REPLAYED: Final = "boto3_idempotent.replayed"  # answered from the journal, nothing sent
ATTEMPTED: Final = "boto3_idempotent.attempted"  # an attempt failed (set on the failure path)
NOTE: Final = "boto3_idempotent.note"  # a call given up: the note its error is raised with

#: The ResponseMetadata key that carries the client token a call sent (public, as
#: ``boto3_idempotent.TOKEN_METADATA_KEY``; spelt here so the success path needs no more).
TOKEN_METADATA_KEY: Final = "IdempotencyToken"  # noqa: S105  (a key name, not a secret)
#: The ResponseMetadata key that says what a re-run of the key scope does with the call.
ON_RERUN_METADATA_KEY: Final = "OnRerun"

#: The innermost ``idempotency_key`` scope (a ``_scope.KeyScope``), set by ``_scope``.
SCOPE: contextvars.ContextVar[Any] = contextvars.ContextVar("boto3_idempotent_scope", default=None)
#: Seconds a retry may still sleep, set by a Lambda handler (``_scope.time_limit``).
TIME_LIMIT: contextvars.ContextVar[Callable[[], float] | None] = contextvars.ContextVar(
    "boto3_idempotent_time_left", default=None
)


def current_scope() -> Any:
    """The innermost ``idempotency_key`` scope of this context (a ``KeyScope``), if any."""
    return SCOPE.get()


def current_time_left() -> Callable[[], float] | None:
    """Seconds a retry may still sleep, when a Lambda handler set a limit."""
    return TIME_LIMIT.get()
