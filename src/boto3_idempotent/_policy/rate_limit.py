"""Adaptive retry mode, kept: client-side rate limiting that knows the call's deadline.

With ``AWS_RETRY_MODE=adaptive`` (or the profile's ``retry_mode``, or
``Config(retries={"mode": "adaptive"})``) botocore paces a client's sends after the
service throttles it: a token bucket filled at a rate CUBIC sets from the throttling
responses it sees (botocore's ``ClientRateLimiter``). A wrapped client keeps those
semantics, with botocore's own ``CubicCalculator`` and ``RateClocker`` and the
installed botocore's constants (the bucket's minimum rate, the 2x cap over the
measured rate), fed by the outcomes the library already classifies (``THROTTLED``
or not). What differs is the wait:

* botocore blocks inside ``before-send`` with ``time.sleep``, knowing nothing of
  the call's deadline or a Lambda function's time left. Here a send *reserves* the
  next token under a lock held for microseconds, and learns how long until it is
  due. If that wait would end past the deadline, or inside the Lambda margin, the
  call fails at once with ``boto3_idempotent.ClientRateLimited`` (its
  ``call_info`` says ``deadline`` or ``lambda_time_left``); nothing is taken.
* Otherwise it waits with the client's sleep: the injected one, ``time.sleep``
  on a botocore client, ``asyncio.sleep`` on an aiobotocore one. No lock is held
  while waiting, so threads and tasks sharing the client queue in order of
  reservation (the bucket's capacity goes below zero by the tokens promised), no
  token is handed out twice, and an event loop is never blocked.

Until the first throttling response the limiter is off and a send takes nothing,
as in botocore. One limiter per client, shared by its threads or tasks. Loaded
at ``wrap()`` of an adaptive-mode client only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.retries import adaptive, bucket, throttling

if TYPE_CHECKING:
    from boto3_idempotent._callinfo import StopReason

__all__ = ["RateLimiter", "refuse"]

#: The installed botocore's constants (the defaults are botocore 1.34 to 1.44's).
_MIN_RATE: float = getattr(bucket.TokenBucket, "_MIN_RATE", 0.5)
_MAX_RATE_ADJUST_SCALE: float = getattr(adaptive.ClientRateLimiter, "_MAX_RATE_ADJUST_SCALE", 2.0)


class _Clock:
    """botocore's clock interface (``current_time()``) over an injected clock."""

    __slots__ = ("current_time",)

    def __init__(self, clock: Callable[[], float]) -> None:
        self.current_time = clock


class RateLimiter:
    """botocore's adaptive-mode token bucket and CUBIC rate, with waits computed, not slept."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """A limiter that is off until the first throttling response, as botocore's."""
        self._clock = clock
        self._lock = threading.Lock()
        self.enabled = False
        self._cubic = throttling.CubicCalculator(starting_max_rate=0, start_time=clock())
        self._clocker = adaptive.RateClocker(_Clock(clock))
        self._capacity = 0.0
        self._last: float | None = None
        self._fill_rate = 1.0
        self._max_capacity = 1.0
        self._set_rate(1.0, clock())  # botocore: TokenBucket(max_rate=1)

    @property
    def rate(self) -> float:
        """Tokens per second the bucket fills at (botocore's ``max_rate``)."""
        return self._fill_rate

    def reserve(self, limit: float | None) -> tuple[float, bool]:
        """Take the next token: the seconds until it is due (0: now), and whether taken.

        Args:
            limit: The longest wait the call can afford, or ``None`` for no limit.

        Returns:
            ``(wait, True)``; or ``(wait, False)`` when ``wait`` exceeds ``limit``, and
            nothing is taken.
        """
        if not self.enabled:
            return 0.0, True
        with self._lock:
            self._refill(self._clock())
            wait = max(0.0, (1.0 - self._capacity) / self._fill_rate)
            if limit is not None and wait > limit:
                return wait, False
            self._capacity -= 1.0
            return wait, True

    def wait_for(
        self,
        service: str,
        left: tuple[float, StopReason] | None,
        context: MutableMapping[str, Any],
    ) -> float:
        """Reserve a send's token within the call's ``left`` time: the seconds to wait.

        Raises:
            ClientRateLimited: the token is due past the limit (nothing taken, nothing sent).
        """
        wait, taken = self.reserve(None if left is None else max(0.0, left[0]))
        if not taken and left is not None:  # due past the limit: fail, with its record
            from boto3_idempotent._context import OPERATION  # noqa: PLC0415

            refuse(f"{service}.{context.get(OPERATION, '?')}", wait, left, context)
        return wait

    def observe(self, throttled: bool) -> None:
        """Feed one response: CUBIC's next rate, as botocore's ``on_receiving_response``."""
        measured = self._clocker.record()
        now = self._clock()
        with self._lock:
            if throttled:
                rate = measured if not self.enabled else min(measured, self._fill_rate)
                new_rate = self._cubic.error_received(rate, now)
                self.enabled = True
            else:
                new_rate = self._cubic.success_received(now)
            self._set_rate(min(new_rate, _MAX_RATE_ADJUST_SCALE * measured), now)

    def _set_rate(self, value: float, now: float) -> None:
        """As botocore's ``TokenBucket.max_rate`` setter: refill at the old rate, then change."""
        self._refill(now)
        self._fill_rate = max(value, _MIN_RATE)
        self._max_capacity = value if value >= 1 else 1.0
        self._capacity = min(self._capacity, self._max_capacity)

    def _refill(self, now: float) -> None:
        last = self._last
        self._last = now
        if last is not None:
            refilled = self._capacity + (now - last) * self._fill_rate
            self._capacity = min(self._max_capacity, refilled)


def refuse(
    operation: str,
    wait: float,
    left: tuple[float, StopReason],
    context: MutableMapping[str, Any],
) -> NoReturn:
    """Fail a send whose token is due past the call's limit, with its ``call_info``.

    Raises:
        ClientRateLimited: always; nothing was reserved, nothing sent.
    """
    from boto3_idempotent import _context as ctx  # noqa: PLC0415
    from boto3_idempotent._callinfo import CALL_INFO_ATTR, CallInfo  # noqa: PLC0415
    from boto3_idempotent._exceptions import ClientRateLimited  # noqa: PLC0415

    limit, reason = left
    attempts = int((context.get("retries") or {}).get("attempt", 1)) - 1
    error = ClientRateLimited(operation, wait, max(0.0, limit), reason)
    record = CallInfo(
        attempts,
        context.get(ctx.TOKEN),
        max_attempts_reached=False,
        stop_reason=reason,
        earlier_attempt_may_have_acted=bool(context.get(ctx.AMBIGUOUS, False)),
    )
    setattr(error, CALL_INFO_ATTR, record)
    raise error
