"""The tenacity side of a wrapped client: whether, and after how long, to resend.

Imported at a client's first failed attempt, never on the success path, so neither
``import boto3_idempotent`` nor a call that succeeds pays for tenacity.

botocore owns the loop (it resends the serialized request); tenacity owns the
decision. Each failed attempt becomes a tenacity *result* (an :class:`Attempt`),
and ``Retrying.iter`` runs the policy over it:

* ``retry``: always (the plugin consults the policy only for failures that the
  response table and the operation's safety allow to resend);
* ``wait``: full jitter, ``[0, min(max_delay, base_delay * 2 ** (n - 1))]``;
* ``stop``, in order: attempts used up (or testing mode's cap); the backoff would
  end past the deadline
  or past a Lambda handler's remaining time (less its margin);
  the retry quota cannot pay (checked last, so it is charged only for retries
  that happen);
* ``before_sleep``: one log record.

It answers ``DoSleep(delay)`` to resend, anything else to stop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any, NamedTuple

import tenacity

from . import _testing_mode as testing_mode
from ._backoff import full_jitter
from ._hooks import RetryEvent, notify
from ._quota import CTX_COST, RetryQuota

if TYPE_CHECKING:
    from ._classify import Outcome
    from ._config import RetryPolicy

__all__ = ["Attempt", "Call", "RetryDecider"]

logger = logging.getLogger("boto3_idempotent")


class Attempt(NamedTuple):
    """A failed attempt, as tenacity sees it (the 'result' it retries on)."""

    outcome: Outcome
    error_code: str
    cost: int


class Call(NamedTuple):
    """The logical call a tenacity RetryCallState belongs to."""

    operation_name: str
    token: str | None
    log_token: str | None  # what logs show: a caller's token is masked
    start: float
    time_left: Callable[[], float] | None  # set inside a Lambda handler
    context: MutableMapping[str, Any]


class _Stop(tenacity.stop.stop_base):
    """A stop condition from a function (tenacity's combinators take stop_base objects)."""

    def __init__(self, check: Callable[[tenacity.RetryCallState], bool]) -> None:
        self._check = check

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self._check(retry_state)


def _gave_up(retry_state: tenacity.RetryCallState) -> None:
    """Stop without raising: botocore then raises or returns the last attempt's outcome."""


def _testing_cap(retry_state: tenacity.RetryCallState) -> bool:
    cap = testing_mode.current().attempts
    return cap is not None and retry_state.attempt_number >= cap


def _call(retry_state: tenacity.RetryCallState) -> Call:
    call: Call = retry_state.args[0]
    return call


def _attempt(retry_state: tenacity.RetryCallState) -> Attempt:
    attempt: Attempt = retry_state.outcome.result()  # type: ignore[union-attr]
    return attempt


class RetryDecider:
    """One wrapped client's tenacity policy, shared by all its calls and threads."""

    def __init__(
        self,
        policy: RetryPolicy,
        quota: RetryQuota,
        *,
        service: str,
        clock: Callable[[], float],
        random: Callable[[], float],
    ) -> None:
        self.policy = policy
        self._service = service
        self._quota = quota
        self._clock = clock
        self._random = random
        self._retrying = tenacity.Retrying(
            # The plugin asks only about retryable failures (the response table and
            # the operation's safety are decided before tenacity is consulted).
            retry=tenacity.retry_always,
            wait=self._wait,
            stop=tenacity.stop_any(
                tenacity.stop_after_attempt(policy.max_attempts),
                _Stop(_testing_cap),
                _Stop(self._past_deadline),
                _Stop(self._quota_spent),
            ),
            before_sleep=self._log_retry,
            retry_error_callback=_gave_up,
        )

    def decide(
        self, context: MutableMapping[str, Any], call: Call, attempts: int, attempt: Attempt
    ) -> float | None:
        """Seconds to back off before resending, or ``None`` to stop.

        Args:
            context: botocore's per-call dict; holds this call's tenacity state.
            call: The call, as noted before its first attempt.
            attempts: Attempts sent so far, as botocore counts them.
            attempt: How the last one failed.
        """
        key = "boto3_idempotent.retry_state"
        state: tenacity.RetryCallState | None = context.get(key)
        if state is None:
            state = tenacity.RetryCallState(self._retrying, fn=None, args=(call,), kwargs={})
            context[key] = state
            self._retrying.begin()  # this thread's tenacity statistics start afresh
        # Keep tenacity's count in step with the wire (another needs-retry handler,
        # such as S3's region redirector, may have resent without asking us).
        state.attempt_number = attempts
        state.set_result(attempt)
        action = self._retrying.iter(state)
        if not isinstance(action, tenacity.DoSleep):
            return None
        state.prepare_for_next_attempt()
        delay = float(action)
        # Hooks and logging ran after the deadline check: check again, strictly.
        return None if self.overruns(call, delay) else delay

    def overruns(self, call: Call, delay: float) -> bool:
        """Whether a backoff of ``delay`` seconds, starting now, would end past a limit."""
        if call.time_left is not None and delay > call.time_left():
            return True
        deadline = self.policy.deadline
        return deadline is not None and self._clock() - call.start + delay > deadline

    # -- strategies ---------------------------------------------------------------------

    def _wait(self, retry_state: tenacity.RetryCallState) -> float:
        if testing_mode.is_testing():
            return 0.0
        return full_jitter(
            retry_state.attempt_number,
            self.policy.base_delay,
            self.policy.max_delay,
            self._random,
        )

    def _past_deadline(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.overruns(_call(retry_state), retry_state.upcoming_sleep)

    def _quota_spent(self, retry_state: tenacity.RetryCallState) -> bool:
        call, attempt = _call(retry_state), _attempt(retry_state)
        if not self._quota.acquire(attempt.cost):
            logger.info(
                "Not retrying %s after %s: the client's retry quota is spent",
                call.operation_name,
                attempt.error_code,
                extra={"operation": call.operation_name, "error_code": attempt.error_code},
            )
            return True
        call.context[CTX_COST] = attempt.cost
        return False

    def _log_retry(self, retry_state: tenacity.RetryCallState) -> None:
        call, attempt = _call(retry_state), _attempt(retry_state)
        if self.policy.on_retry:
            event = RetryEvent(
                service=self._service,
                operation=call.operation_name,
                attempt=retry_state.attempt_number,
                token=call.token,
                error_code=attempt.error_code,
                delay=retry_state.upcoming_sleep,
                elapsed=self._clock() - call.start,
            )
            notify(self.policy.on_retry, event)
        # Never parameters or responses: UserData, passwords and keys travel in them.
        logger.info(
            "Retrying %s after %s on attempt %d of %d (token %s), sleeping %.3f s",
            call.operation_name,
            attempt.error_code,
            retry_state.attempt_number,
            self.policy.max_attempts,
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
