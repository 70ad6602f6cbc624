"""boto3-idempotent: safe retries for mutating AWS calls.

``wrap(client)`` gives every call one client token, reused on every attempt, and
retries by the documented response table with one retry layer. See README.md.

Importing the package loads nothing but this file: each public name is loaded from
its module the first time it is used (PEP 562), so a Lambda function's cold start
pays only for what it touches (``wrap`` loads the plugin; an ``except`` clause naming
one of the exceptions loads ``_exceptions``, a few classes).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._callinfo import (
        STOP_REASON_METADATA_KEY,
        TOKEN_METADATA_KEY,
        CallInfo,
        StopReason,
        call_info,
    )
    from ._config import RetryPolicy
    from ._exceptions import (
        ClientRateLimited,
        ConfigError,
        ConfigWarning,
        EarlierAttemptMayHaveActed,
        EarlierAttemptSucceeded,
        IdempotentInstanceTerminated,
        IdempotentParameterMismatch,
        IncompleteResponseError,
        InvalidClientToken,
        JournalUnavailable,
        RetryModeWarning,
        UnprotectedCallWarning,
    )
    from ._hooks import RetryEvent
    from ._integrations.aws_lambda import idempotent_handler, process_sqs_batch
    from ._integrations.install import install, uninstall
    from ._integrations.journal import CallJournal
    from ._knowledge.lifetimes import TOKEN_LIFETIMES, TokenLifetimeWarning
    from ._policy.testing_mode import is_testing, set_testing
    from ._scope import TokenSecretWarning, idempotency_key
    from ._wrap import wrap

__version__ = "0.1.0.dev0"

__all__ = [
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

#: Where each public name lives (a test checks it against ``__all__``).
_WHERE = {
    "STOP_REASON_METADATA_KEY": "_callinfo",
    "TOKEN_METADATA_KEY": "_callinfo",
    "CallInfo": "_callinfo",
    "StopReason": "_callinfo",
    "call_info": "_callinfo",
    "RetryPolicy": "_config",
    "ClientRateLimited": "_exceptions",
    "ConfigError": "_exceptions",
    "ConfigWarning": "_exceptions",
    "EarlierAttemptMayHaveActed": "_exceptions",
    "EarlierAttemptSucceeded": "_exceptions",
    "IdempotentInstanceTerminated": "_exceptions",
    "IdempotentParameterMismatch": "_exceptions",
    "IncompleteResponseError": "_exceptions",
    "InvalidClientToken": "_exceptions",
    "JournalUnavailable": "_exceptions",
    "RetryModeWarning": "_exceptions",
    "UnprotectedCallWarning": "_exceptions",
    "CallJournal": "_integrations.journal",
    "RetryEvent": "_hooks",
    "install": "_integrations.install",
    "uninstall": "_integrations.install",
    "idempotent_handler": "_integrations.aws_lambda",
    "process_sqs_batch": "_integrations.aws_lambda",
    "TOKEN_LIFETIMES": "_knowledge.lifetimes",
    "TokenLifetimeWarning": "_knowledge.lifetimes",
    "TokenSecretWarning": "_scope",
    "idempotency_key": "_scope",
    "is_testing": "_policy.testing_mode",
    "set_testing": "_policy.testing_mode",
    "wrap": "_wrap",
}


def __getattr__(name: str) -> Any:
    """Load a public name from its module at its first use, and keep it here."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not, and the module's own."""
    return sorted({*globals(), *__all__})
