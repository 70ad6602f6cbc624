"""What one ``wrap()`` chose, the client's retry quota, and the steps a decision hands on.

The retry quota is the SDKs' standard-mode token bucket, one per wrapped client, so
an outage does not multiply load: it starts full; each retry takes tokens (how many
depends on the failure and the botocore line, see ``_policy/standard_mode``); a success gives
back one token, or what its last retry took. When the bucket cannot pay, the error of
the current attempt is raised instead of retrying. Success after success keeps it full.
(One module, not three: ``wrap()`` loads it, and every module costs a cold start.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from boto3_idempotent._hooks import RetryEvent

    from .retrying import RetryDecider
    from .settings import Settings

__all__ = ["CTX_COST", "Linger", "Resend", "RetryQuota", "Setup"]


class Setup:
    """What one ``wrap()`` chose: replaced whole by a re-wrap, in one assignment."""

    __slots__ = ("_decider", "clock", "random", "settings", "sleep", "telemetry")

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], Any] | None,
        clock: Callable[[], float],
        random: Callable[[], float],
        telemetry: bool = True,
    ) -> None:
        """Hold the resolved settings, the injected sleep, clock and random, the switch."""
        self.settings = settings
        self.sleep = sleep  # None: time.sleep, or aiobotocore's own on an asyncio client
        self.clock = clock
        self.random = random
        # BOTO3_IDEMPOTENT_TELEMETRY: record to OpenTelemetry when the program uses it.
        self.telemetry = telemetry
        self._decider: RetryDecider | None = None  # built at the first retryable failure

    def decider(self, quota: RetryQuota) -> RetryDecider:
        """The tenacity policy; tenacity loads here, never on the success path."""
        decider = self._decider
        if decider is None:
            from .retrying import RetryDecider  # noqa: PLC0415

            # Racing threads may both build one; either is as good as the other.
            decider = self._decider = RetryDecider(
                self.settings, quota, clock=self.clock, random=self.random
            )
        return decider


# Plain slotted classes, not NamedTuples: each NamedTuple costs import time.
class Resend:
    """Back off ``delay`` seconds (hooks first, with ``event``), then resend."""

    __slots__ = ("delay", "event")

    def __init__(self, delay: float, event: RetryEvent | None) -> None:
        """A resend after ``delay`` seconds; ``event`` is what hooks are given."""
        self.delay = delay
        self.event = event


class Linger:
    """Wait ``pause`` seconds, then give up (a long-polling call out of quota)."""

    __slots__ = ("pause",)

    def __init__(self, pause: float) -> None:
        """Give up after ``pause`` seconds."""
        self.pause = pause


#: Where a call notes what its last retry cost (in botocore's per-call context), so
#: that its success gives exactly that back.
CTX_COST = "boto3_idempotent.retry_cost"


class RetryQuota:
    """A thread-safe bucket of retry tokens."""

    def __init__(self, capacity: int) -> None:
        """Start full, with ``capacity`` tokens."""
        self.capacity = capacity
        self._available = capacity
        self._lock = threading.Lock()

    @property
    def available(self) -> int:
        """Tokens left now."""
        return self._available

    def acquire(self, amount: int) -> bool:
        """Take ``amount`` tokens for a retry; ``False`` (and take none) if short."""
        with self._lock:
            if amount > self._available:
                return False
            self._available -= amount
            return True

    def release(self, amount: int) -> None:
        """Give back ``amount`` tokens after a success, up to the capacity."""
        # The success path of every call lands here: skip the lock while full.
        if self._available >= self.capacity:
            return
        with self._lock:
            self._available = min(self.capacity, self._available + amount)
