"""The tenacity side of a wrapped client: whether, and after how long, to resend.

Imported at a client's first failed attempt, never on the success path, so neither
``import boto3_idempotent`` nor a call that succeeds pays for tenacity.

botocore (or aiobotocore) owns the loop: it resends the serialized request. tenacity
owns the decision. Each failed attempt becomes a tenacity *result* (an
``Attempt``), and ``Retrying.iter`` runs the policy over it:

* ``retry``: always (the plugin consults the policy only for failures that the
  response table and the call's protection allow to resend);
* ``wait``: full jitter, ``[0, min(max_delay, base * 2 ** (n - 1))]``, with the
  throttling base after throttling and the transient base otherwise, lengthened
  to a service's ``x-amz-retry-after`` where the botocore line honours it;
* ``stop``, in order: attempts used up (or testing mode's cap); the backoff would
  end past the deadline, or past a Lambda handler's remaining time less its margin;
  the retry quota cannot pay (checked last, so it is charged only for retries that
  happen). The first that fires is the call's stop reason;
* ``before_sleep``: one log record.

``RetryDecider.decide`` answers with a ``Decision``. It is synchronous and
does no I/O but logging: the caller (a synchronous or an asyncio client) then calls
the hooks and sleeps, so everything announced is a resend that happens.
``Retrying.iter`` keeps scratch state in a ``threading.local``, which is safe here
because each ``iter`` call runs to its end without yielding; the per-call
``RetryCallState`` lives in botocore's per-call context.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import tenacity

from . import testing_mode
from .backoff import full_jitter
from .classify import Outcome
from .setup import CTX_COST, RetryQuota

if TYPE_CHECKING:
    from boto3_idempotent._callinfo import StopReason
    from boto3_idempotent._hooks import RetryEvent

    from .settings import Settings

__all__ = ["Attempt", "Call", "Decision", "RetryDecider"]

logger = logging.getLogger("boto3_idempotent")

_STATE_KEY = "boto3_idempotent.retry_state"


# Plain slotted classes, not NamedTuples: each NamedTuple class costs import time, and
# this module loads at a client's first failure, on Lambda's cold path.
class Attempt:
    """A failed attempt, as tenacity sees it (the 'result' it retries on)."""

    __slots__ = ("cost", "error_code", "outcome", "retry_after")

    def __init__(
        self, outcome: Outcome, error_code: str, cost: int, retry_after: float | None = None
    ) -> None:
        """The attempt's outcome, error code, quota cost, and the wait the service asked for."""
        self.outcome = outcome
        self.error_code = error_code
        self.cost = cost
        self.retry_after = retry_after  # seconds the service asked for, if it did


class Call:
    """The logical call a tenacity RetryCallState belongs to."""

    __slots__ = (
        "_log_token",
        "context",
        "from_caller",
        "operation_name",
        "service",
        "start",
        "time_left",
        "token",
    )

    def __init__(
        self,
        *,
        service: str,
        operation_name: str,
        token: str | None,
        from_caller: bool,
        start: float,
        time_left: Callable[[], float] | None,
        context: MutableMapping[str, Any],
    ) -> None:
        """The call's service, operation, token (and its log form), start and limits."""
        self.service = service
        self.operation_name = operation_name
        self.token = token
        self.from_caller = from_caller  # the token is the caller's: logs show its digest
        self._log_token: str | None = None
        self.start = start
        self.time_left = time_left  # set inside a Lambda handler
        self.context = context

    @property
    def log_token(self) -> str | None:
        """What logs and hooks show: a caller's token masked (``_masking`` loads here)."""
        if self._log_token is None and self.token is not None:
            from boto3_idempotent._masking import log_safe  # noqa: PLC0415  (hooks or an INFO log only)

            self._log_token = log_safe(self.token, from_caller=self.from_caller)
        return self._log_token


class Decision:
    """What to do after a failed attempt.

    Attributes:
        delay: Seconds to back off before resending; ``None``: stop.
        event: What ``on_retry`` hooks are given, when resending.
        reason: Why retrying stopped, when stopping.
        pause: Seconds to wait before giving up (a long-polling operation whose
            quota is spent), else 0.
    """

    __slots__ = ("delay", "event", "pause", "reason")

    def __init__(
        self,
        delay: float | None,
        event: RetryEvent | None = None,
        reason: StopReason | None = None,
        pause: float = 0.0,
    ) -> None:
        """A resend after ``delay`` (with ``event``), or a stop for ``reason``."""
        self.delay = delay
        self.event = event
        self.reason = reason
        self.pause = pause


class _Stop(tenacity.stop.stop_base):
    """The stop conditions in order; the first that fires is noted as the reason."""

    def __init__(self, decider: RetryDecider) -> None:
        self._decider = decider

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        reason = self._decider.stop_reason(retry_state)
        retry_state.boto3_idempotent_stop = reason  # type: ignore[attr-defined]
        return reason is not None


def _gave_up(retry_state: tenacity.RetryCallState) -> None:
    """Stop without raising: botocore then raises or returns the last attempt's outcome."""


def _call(retry_state: tenacity.RetryCallState) -> Call:
    call: Call = retry_state.args[0]
    return call


def _attempt(retry_state: tenacity.RetryCallState) -> Attempt:
    attempt: Attempt = retry_state.outcome.result()  # type: ignore[union-attr]
    return attempt


class RetryDecider:
    """One wrapped client's tenacity policy, shared by all its calls, threads and tasks."""

    def __init__(
        self,
        settings: Settings,
        quota: RetryQuota,
        *,
        clock: Callable[[], float],
        random: Callable[[], float],
    ) -> None:
        self.settings = settings
        self._quota = quota
        self._clock = clock
        self._random = random
        self._retrying = tenacity.Retrying(
            # The plugin asks only about retryable failures (the response table and
            # the call's protection are decided before tenacity is consulted).
            retry=tenacity.retry_always,
            wait=self._wait,
            stop=_Stop(self),
            before_sleep=self._log_retry,
            retry_error_callback=_gave_up,
        )

    def decide(self, call: Call, attempts: int, attempt: Attempt) -> Decision:
        """Back off and resend, or stop, after a failed attempt.

        Args:
            call: The call, as noted before its first attempt.
            attempts: Attempts sent so far, as botocore counts them.
            attempt: How the last one failed.
        """
        held = call.context.get(_STATE_KEY)
        if held is not None and held[0] is self:
            state: tenacity.RetryCallState = held[1]
        else:
            # A new call, or one whose client was re-wrapped since its last attempt:
            # either way this decider's own state, with the count carried over.
            state = tenacity.RetryCallState(self._retrying, fn=None, args=(), kwargs={})
            call.context[_STATE_KEY] = (self, state)
        # Statistics are tenacity's, per thread; ours live in the per-call state.
        # Starting them afresh on every decision keeps them valid whatever thread,
        # task or re-wrap the call went through (no KeyError('idle_for')).
        self._retrying.begin()
        # Keep tenacity's count in step with the wire (another needs-retry handler,
        # such as S3's region redirector, may have resent without asking us).
        state.attempt_number = attempts
        state.set_result(attempt)
        # The call (and through it the context that holds this state) is the state's only
        # while tenacity decides: kept, it would be a reference cycle that only the cyclic
        # GC frees, and with gc.disable() or gc.freeze() every resent call would leak.
        state.args = (call,)
        try:
            action = self._retrying.iter(state)
        finally:
            state.args = ()
        if isinstance(action, tenacity.DoSleep):
            state.prepare_for_next_attempt()
            delay = float(action)
            if not self.settings.on_retry:  # no hooks: no event to build
                return Decision(delay)
            from boto3_idempotent._hooks import RetryEvent  # noqa: PLC0415  (with on_retry hooks only)

            event = RetryEvent(
                service=call.service,
                operation=call.operation_name,
                attempt=attempts,
                token=call.log_token,
                error_code=attempt.error_code,
                delay=delay,
                elapsed=self._clock() - call.start,
                raw_token=call.token,
            )
            return Decision(delay, event=event)
        reason: StopReason = getattr(state, "boto3_idempotent_stop", None) or "max_attempts"
        pause = 0.0
        if reason == "retry_quota" and call.operation_name in self.settings.long_polling:
            # botocore's standard mode: a poll loop must not spin against a failing
            # service once the quota is spent, so back off once before giving up.
            pause = min(state.upcoming_sleep, self.remaining(call))
        return Decision(None, reason=reason, pause=max(0.0, pause))

    def remaining(self, call: Call) -> float:
        """Seconds a backoff starting now may last: to the deadline or the Lambda margin."""
        limit = float("inf")
        if call.time_left is not None:
            limit = call.time_left()
        deadline = self.settings.deadline
        if deadline is not None:
            limit = min(limit, deadline - (self._clock() - call.start))
        return limit

    # -- strategies ---------------------------------------------------------------------

    def _wait(self, retry_state: tenacity.RetryCallState) -> float:
        if testing_mode.is_testing():
            return 0.0
        attempt, settings = _attempt(retry_state), self.settings
        throttled = attempt.outcome is Outcome.THROTTLED
        base = settings.throttle_base_delay if throttled else settings.base_delay
        delay = full_jitter(retry_state.attempt_number, base, settings.max_delay, self._random)
        if attempt.retry_after is not None:
            # botocore 1.44: at least what the service asked, at most a few seconds more.
            extra = settings.mode.retry_after_extra
            delay = max(delay, min(attempt.retry_after, delay + extra))
        return delay

    def stop_reason(self, retry_state: tenacity.RetryCallState) -> StopReason | None:
        """The first stop condition that holds, or ``None`` to resend."""
        call, attempt = _call(retry_state), _attempt(retry_state)
        number = retry_state.attempt_number
        cap = testing_mode.current().attempts
        if number >= self.settings.max_attempts or (cap is not None and number >= cap):
            return "max_attempts"
        delay = retry_state.upcoming_sleep
        if call.time_left is not None and delay > call.time_left():
            return "lambda_time_left"
        deadline = self.settings.deadline
        if deadline is not None and self._clock() - call.start + delay > deadline:
            return "deadline"
        if not self._quota.acquire(attempt.cost):
            return "retry_quota"
        call.context[CTX_COST] = attempt.cost
        return None

    def _log_retry(self, retry_state: tenacity.RetryCallState) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        call, attempt = _call(retry_state), _attempt(retry_state)
        # Never parameters or responses: UserData, passwords and keys travel in them.
        logger.info(
            "Retrying %s after %s on attempt %d of %d (token %s), sleeping %.3f s",
            call.operation_name,
            attempt.error_code,
            retry_state.attempt_number,
            self.settings.max_attempts,
            call.log_token,
            retry_state.upcoming_sleep,
            extra={
                "operation": call.operation_name,
                "attempt": retry_state.attempt_number,
                "token": call.log_token,
                "error_code": attempt.error_code,
                "delay": retry_state.upcoming_sleep,
            },
        )
