"""What one ``wrap()`` chose, and the steps a decision hands to the sync or asyncio adapter."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._hooks import RetryEvent
    from ._quota import RetryQuota
    from ._retrying import RetryDecider
    from ._settings import Settings

__all__ = ["Linger", "Resend", "Setup"]


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
            from ._retrying import RetryDecider  # noqa: PLC0415

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
