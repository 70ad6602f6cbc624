"""A failed attempt, classified by the response table; loaded at a client's first failure.

Shared by the synchronous and the asyncio plugin: what went wrong (an outcome and an
error code), what a retry would cost the quota, and the log record of a decision not
to resend. Nothing here runs on the success path.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ._classify import TIMEOUT_EXCEPTIONS, Outcome, classify_error, classify_exception

if TYPE_CHECKING:
    from ._callinfo import StopReason
    from ._operations import OperationInfo
    from ._retrying import Attempt
    from ._settings import Settings

__all__ = ["Failure", "attempt_of", "classify", "log_no_resend"]

logger = logging.getLogger("boto3_idempotent")


class Failure:
    """A failed attempt, classified."""

    __slots__ = ("error_code", "outcome", "parsed", "retry_after")

    def __init__(
        self,
        outcome: Outcome,
        error_code: str,
        parsed: dict[str, Any] | None,  # None: an exception, no response
        retry_after: float | None,
    ) -> None:
        """What the response table says of one attempt."""
        self.outcome = outcome
        self.error_code = error_code
        self.parsed = parsed
        self.retry_after = retry_after


def classify(
    settings: Settings,
    response: tuple[Any, dict[str, Any]] | None,
    caught_exception: BaseException | None,
    info: OperationInfo,
) -> Failure | None:
    """What went wrong, by the response table; ``None`` when there is nothing to judge."""
    if caught_exception is not None:
        outcome = classify_exception(caught_exception)
        return Failure(outcome, type(caught_exception).__name__, None, None)
    if response is None:
        return None
    http_response, parsed = response
    error = parsed.get("Error") or {}
    code = error.get("Code") or ""
    message = error.get("Message") or ""
    maybe = classify_error(
        http_response.status_code, code, message, info.retryable_errors, info.refused_errors
    )
    if maybe is None:  # a 2xx whose body failed its checksum
        maybe, code = Outcome.AMBIGUOUS, "ChecksumError"
    headers = http_response.headers
    retry_after = _retry_after(headers) if settings.mode.retry_after else None
    return Failure(maybe, code, parsed, retry_after)


def attempt_of(
    settings: Settings, failure: Failure, caught_exception: BaseException | None
) -> Attempt:
    """The failed attempt as the tenacity policy sees it, with what a retry would cost."""
    # tenacity loads only when something is to be retried, not at any failure.
    from ._retrying import Attempt  # noqa: PLC0415

    mode = settings.mode
    if failure.outcome is Outcome.THROTTLED:
        cost = mode.throttle_retry_cost
    elif isinstance(caught_exception, TIMEOUT_EXCEPTIONS):
        cost = mode.timeout_retry_cost
    else:
        cost = mode.retry_cost
    return Attempt(failure.outcome, failure.error_code, cost, failure.retry_after)


def log_no_resend(service: str, operation: str, error_code: str, reason: StopReason) -> None:
    """One record per decision not to resend: never parameters, never the response."""
    # The quota running out is an outage signal; the rest explains a single call.
    level = logging.INFO if reason == "retry_quota" else logging.DEBUG
    if logger.isEnabledFor(level):
        logger.log(
            level,
            "Not resending %s.%s after %s: %s",
            service,
            operation,
            error_code,
            reason,
            extra={"operation": operation, "error_code": error_code, "stop_reason": reason},
        )


def _retry_after(headers: Any) -> float | None:
    """Seconds from an ``x-amz-retry-after`` header (milliseconds), if it is valid."""
    raw = headers.get("x-amz-retry-after")
    if raw is None:
        return None
    try:
        seconds = int(raw) / 1000.0
    except (ValueError, OverflowError):
        return None
    return seconds if seconds >= 0 else None
