"""``on_retry`` callbacks: what a retry looks like to your logs, metrics and traces."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["RetryEvent", "RetryHook", "notify"]

logger = logging.getLogger("boto3_idempotent")


@dataclass(frozen=True)
class RetryEvent:
    """One retry about to happen, as given to ``RetryPolicy(on_retry=...)`` callbacks.

    Attributes:
        service: botocore's service name, e.g. ``"ec2"``.
        operation: The operation, e.g. ``"RunInstances"``.
        attempt: The attempt that just failed (1 for the first).
        token: The client token every attempt carries; ``None`` without a token member.
        error_code: The service's error code, or the exception's class name when no
            response came (``"ReadTimeoutError"``).
        delay: Seconds the client now backs off before the next attempt.
        elapsed: Seconds since the logical call started.
    """

    service: str
    operation: str
    attempt: int
    token: str | None
    error_code: str
    delay: float
    elapsed: float


#: A callback; its return value is ignored.
RetryHook = Callable[[RetryEvent], object]


def notify(hooks: Iterable[RetryHook], event: RetryEvent) -> None:
    """Call each hook; one that raises is logged and skipped, never breaks the AWS call."""
    for hook in hooks:
        try:
            hook(event)
        except Exception:  # noqa: PERF203  (each hook fails alone)
            logger.warning("on_retry hook %r failed", hook, exc_info=True)
