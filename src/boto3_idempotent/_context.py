"""The keys a wrapped call keeps in botocore's per-call context dict (never client state).

Written by the plugin's hooks (``_plugin``) and read by the failure path (``_failure``);
a dict a call carries from its first hook to its last, so racing calls never share them.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AMBIGUOUS",
    "ATTEMPT",
    "BODY_OFFSET",
    "FROM_CALLER",
    "OPERATION",
    "PARAMS",
    "PROTECTED",
    "START",
    "TIME_LEFT",
    "TOKEN",
    "TOKEN_METADATA_KEY",
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

#: The ResponseMetadata key that carries the client token a call sent (public, as
#: ``boto3_idempotent.TOKEN_METADATA_KEY``; spelt here so the success path needs no more).
TOKEN_METADATA_KEY: Final = "IdempotencyToken"  # noqa: S105  (a key name, not a secret)
