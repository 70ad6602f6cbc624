"""AWS Lambda durable functions: calls in a durable step act once across its retries and replays.

The durable execution SDK (``aws-durable-execution-sdk-python`` 3.0, the ``durable``
extra) checkpoints each ``context.step(...)``; a step that raises is retried in a later
invocation, and the handler body is replayed from its start after every wait or
failure. A step's function runs *at least once per retry*, so an AWS call inside it is
sent again by every retry: a new logical call, with a new token, unless the tokens are
keyed to the step. This module is an instrumentation plugin of that SDK that keys them::

    DURABLE_EXECUTION_PLUGINS=boto3_idempotent        (the entry point), or
    @durable_execution(plugins=[IdempotentSteps()])

and then, in every invocation, for every wrapped client:

* inside a step (and any user function the SDK runs: a child context's body, a
  ``wait_for_condition`` check, a map item, a parallel branch), generated tokens
  derive from ``(execution ARN, the step's operation id)``, as ``idempotency_key``
  derives them: the same secret (``BOTO3_IDEMPOTENT_TOKEN_SECRET``), ordinals per
  operation. A retried step sends its first attempt's tokens; two steps, two map
  items, two executions send different ones. Operation ids are the SDK's own, stable
  across retries and replays;
* in the replayed body (outside any step) tokens derive from the execution ARN, so a
  call there sends the same token on every invocation;
* a call a retry would repeat (no token, not idempotent) warns
  ``UnprotectedCallWarning`` naming the remedies that fit: its own step with
  ``StepSemantics.AT_MOST_ONCE_PER_RETRY``, or the call journal (``journal=`` or
  ``BOTO3_IDEMPOTENT_JOURNAL_TABLE``), which then keeps it.

Scopes live in ``contextvars`` on the thread that runs the function; the SDK runs map
and parallel branches in copied contexts, so each keeps its own. Importing
``boto3_idempotent`` never imports this module or the SDK; this module imports the SDK
only to build a plugin (``IdempotentSteps.create_plugin``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from . import _context

if TYPE_CHECKING:
    from contextvars import Token

    from ._integrations.journal import CallJournal

__all__ = ["PLUGIN", "IdempotentSteps"]

#: The oldest SDK whose plugins are built by factories (``create_plugin``).
_SDK = "aws-durable-execution-sdk-python"
_SDK_MINIMUM = (3, 0)
_INSTALL = "pip install 'boto3-idempotent[durable]' (aws-durable-execution-sdk-python>=3.0)"


class IdempotentSteps:
    """The durable execution SDK's plugin factory: AWS calls keyed to the step they run in.

    Pass an instance to ``durable_execution(plugins=[IdempotentSteps()])``, or set
    ``DURABLE_EXECUTION_PLUGINS=boto3_idempotent`` (the installed entry point, the same
    as ``IdempotentSteps()`` with its defaults).

    Args:
        secret: HMAC key of the derived tokens; default ``BOTO3_IDEMPOTENT_TOKEN_SECRET``,
            else the library's fixed one (as ``idempotency_key``).
        journal: A ``CallJournal`` for the calls a step's retry would repeat; default
            the one ``BOTO3_IDEMPOTENT_JOURNAL_TABLE`` names, else none.

    Raises:
        ImportError: the durable execution SDK is missing or older than 3.0 (it
            names what to install).
        ConfigError: ``journal`` is not a ``CallJournal``, or a variable is malformed.
    """

    # The SDK's registration metadata: one key scope per function, so this factory and
    # the entry point's are mutually exclusive (registering both is a PluginLoadError).
    __durable_registration_api__: ClassVar[int] = 1
    exclusive_group: ClassVar[str] = "boto3-idempotent"

    def __init__(
        self, *, secret: str | bytes | None = None, journal: CallJournal | None = None
    ) -> None:
        """Check the SDK and the arguments once, when the handler is decorated."""
        _check_sdk()
        from ._integrations.aws_lambda import journal_from  # noqa: PLC0415

        self._journal = journal_from(journal, os.environ)
        self._secret = secret
        self._plugin_class: type | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        """``IdempotentSteps(journal=...)``."""
        return f"IdempotentSteps(journal={self._journal!r})"

    def create_plugin(self, info: Any, /) -> Any:
        """The plugin of one invocation (the SDK calls this once per invocation)."""
        plugin_class = self._plugin_class
        if plugin_class is None:
            with self._lock:
                plugin_class = self._plugin_class = _plugin_class()
        return plugin_class(self._secret, self._journal, info)


class _Lazy:
    """The entry point's factory: built (and the SDK checked) at its first invocation.

    The SDK loads entry points when the handler is decorated; ``create_plugin`` is its
    first call into us, so an SDK too old for factories is named there, once.
    """

    __durable_registration_api__: ClassVar[int] = 1
    exclusive_group: ClassVar[str] = "boto3-idempotent"

    def __init__(self) -> None:
        """Nothing built yet."""
        self._factory: IdempotentSteps | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        """The name it has."""
        return "boto3_idempotent.durable.PLUGIN"

    def create_plugin(self, info: Any, /) -> Any:
        """Build the default ``IdempotentSteps`` once; its plugin for this invocation."""
        factory = self._factory
        if factory is None:
            with self._lock:
                factory = self._factory = self._factory or IdempotentSteps()
        return factory.create_plugin(info)


#: What the entry point ``boto3_idempotent`` (group ``aws_durable_execution.plugins``) names.
PLUGIN = _Lazy()


def _check_sdk() -> None:
    """Raise one clear ``ImportError`` unless the SDK (3.0 or newer) is importable."""
    from importlib import metadata  # noqa: PLC0415

    try:
        version = metadata.version(_SDK)
    except metadata.PackageNotFoundError:
        raise ImportError(
            f"boto3_idempotent.durable needs the durable execution SDK: {_INSTALL}"
        ) from None
    numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    if numbers < _SDK_MINIMUM:
        raise ImportError(
            f"boto3_idempotent.durable needs {_SDK} 3.0 or newer (plugins built by"
            f" factories); {version} is installed: {_INSTALL}"
        )


def _plugin_class() -> type:
    """The plugin class: ``_Scopes`` on the SDK's base class (imported at the first build)."""
    from aws_durable_execution_sdk_python.plugin import (  # noqa: PLC0415
        DurableInstrumentationPlugin,
    )

    return type("IdempotentStepsPlugin", (_Scopes, DurableInstrumentationPlugin), {})


class _Scopes:
    """One invocation's key scopes: the body's, and each user function's on its thread."""

    def __init__(self, secret: str | bytes | None, journal: CallJournal | None, info: Any) -> None:
        """The invocation's execution ARN and the scopes' secret and journal."""
        from ._scope import _DEFAULT_SECRET as DEFAULT_SECRET  # noqa: PLC0415
        from ._scope import SECRET_ENV, as_bytes  # noqa: PLC0415

        if secret is None:
            secret = os.environ.get(SECRET_ENV) or DEFAULT_SECRET
        self._secret = as_bytes(secret) if isinstance(secret, str) else secret
        self._journal = journal
        self._arn: str = getattr(info, "execution_arn", None) or ""
        self._body: Token[Any] | None = None
        # Per thread: the reset tokens of the user functions running on it, innermost last.
        self._local = threading.local()

    def _enter(self, key: str) -> Token[Any]:
        from ._scope import _entered, as_bytes  # noqa: PLC0415

        return _context.SCOPE.set(_entered(as_bytes(key), self._secret, self._journal))

    def on_invocation_start(self, _info: Any) -> None:
        """The replayed body's scope: keyed by the execution."""
        if self._arn:
            self._body = self._enter(self._arn)

    def on_invocation_end(self, _info: Any) -> None:
        """The body's scope ends with the invocation."""
        body, self._body = self._body, None
        if body is not None:
            _reset(body)

    def on_user_function_start(self, info: Any) -> None:
        """A step (or any user function) starts: its scope, keyed by its operation id."""
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        stack.append(self._enter(f"{self._arn}\x00{info.operation_id}"))

    def on_user_function_end(self, _info: Any) -> None:
        """... and ends: the scope it ran in before."""
        stack = getattr(self._local, "stack", None)
        if stack:
            _reset(stack.pop())


def _reset(token: Token[Any]) -> None:
    """Undo a scope; one set in another context (the SDK ended it elsewhere) is left."""
    with contextlib.suppress(ValueError, RuntimeError):
        _context.SCOPE.reset(token)
