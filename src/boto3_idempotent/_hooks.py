"""``on_retry`` callbacks: what a retry looks like to your logs, metrics and traces."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from ._values import Value

__all__ = ["RetryEvent", "RetryHook", "notify", "notify_async"]

logger = logging.getLogger("boto3_idempotent")


class RetryEvent(Value):
    """One retry about to happen, as given to ``RetryPolicy(on_retry=...)`` callbacks.

    Attributes:
        service: botocore's service name, e.g. ``"ec2"``.
        operation: The operation, e.g. ``"RunInstances"``.
        attempt: The attempt that just failed (1 for the first).
        token: The client token every attempt carries, in its log-safe form: a
            token you passed (it may be business data) as ``caller:<digest>``, a
            generated one as it is; ``None`` without a token member. Safe to log,
            to put on a span or in a metric dimension.
        error_code: The service's error code, or the exception's class name when no
            response came (``"ReadTimeoutError"``).
        delay: Seconds the client now backs off before the next attempt.
        elapsed: Seconds since the logical call started.
        raw_token: The token exactly as sent. Not in ``repr``; never log it.
    """

    __slots__ = (
        "__weakref__",
        "attempt",
        "delay",
        "elapsed",
        "error_code",
        "operation",
        "raw_token",
        "service",
        "token",
    )
    _compared = _shown = (
        "service",
        "operation",
        "attempt",
        "token",
        "error_code",
        "delay",
        "elapsed",
    )
    _fields = (*_compared, "raw_token")
    __match_args__ = _fields  # as the dataclass had: ``case RetryEvent(...)``
    service: str
    operation: str
    attempt: int
    token: str | None
    error_code: str
    delay: float
    elapsed: float
    raw_token: str | None

    def __init__(
        self,
        service: str,
        operation: str,
        attempt: int,
        token: str | None,
        error_code: str,
        delay: float,
        elapsed: float,
        raw_token: str | None = None,
    ) -> None:
        """Hold the event."""
        init = object.__setattr__
        init(self, "service", service)
        init(self, "operation", operation)
        init(self, "attempt", attempt)
        init(self, "token", token)
        init(self, "error_code", error_code)
        init(self, "delay", delay)
        init(self, "elapsed", elapsed)
        init(self, "raw_token", raw_token)


#: A callback; its return value is ignored (awaited first, on asyncio clients).
RetryHook = Callable[[RetryEvent], object]

_warned_async_on_sync = False


def notify(hooks: Iterable[RetryHook], event: RetryEvent) -> None:
    """Call each hook; one that raises is logged and skipped, never breaks the AWS call."""
    global _warned_async_on_sync  # noqa: PLW0603  (once per process)
    import inspect  # noqa: PLC0415  (the failure path only; inspect costs import time)

    for hook in hooks:
        try:
            result = hook(event)
        except Exception:
            logger.warning("on_retry hook %r failed", hook, exc_info=True)
            continue
        if inspect.isawaitable(result):
            # A coroutine function on a synchronous client: nothing can await it here.
            close = getattr(result, "close", None)
            if callable(close):
                close()
            if not _warned_async_on_sync:
                _warned_async_on_sync = True
                logger.warning("on_retry hook %r is async; a synchronous client skips it", hook)


async def notify_async(hooks: Iterable[RetryHook], event: RetryEvent) -> None:
    """Call each hook, awaiting those that return an awaitable; failures are logged."""
    import inspect  # noqa: PLC0415

    for hook in hooks:
        try:
            result = hook(event)
            if inspect.isawaitable(result):
                await _awaited(result)
        except Exception:  # noqa: PERF203  (each hook fails alone)
            logger.warning("on_retry hook %r failed", hook, exc_info=True)


async def _awaited(result: Awaitable[object]) -> None:
    await result
