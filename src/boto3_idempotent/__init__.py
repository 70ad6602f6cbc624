"""boto3-idempotent: safe retries for mutating AWS calls.

``wrap(client)`` gives every call one client token, reused on every attempt, and
retries by the documented response table with one retry layer. See README.md.
"""

from __future__ import annotations

from ._callinfo import STOP_REASON_METADATA_KEY, TOKEN_METADATA_KEY, CallInfo, StopReason, call_info
from ._config import RetryPolicy
from ._exceptions import (
    ClientRateLimited,
    ConfigError,
    ConfigWarning,
    EarlierAttemptSucceeded,
    IdempotentInstanceTerminated,
    IdempotentParameterMismatch,
    IncompleteResponseError,
    InvalidClientToken,
    RetryModeWarning,
)
from ._hooks import RetryEvent
from ._install import install, uninstall
from ._lambda import idempotent_handler, process_sqs_batch
from ._lifetimes import TOKEN_LIFETIMES, TokenLifetimeWarning
from ._scope import TokenSecretWarning, idempotency_key
from ._testing_mode import is_testing, set_testing
from ._wrap import wrap

__version__ = "0.1.0.dev0"

__all__ = [
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
