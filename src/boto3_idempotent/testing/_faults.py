"""Which fault a request gets: a deterministic, seedable schedule per operation."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

__all__ = ["DEFAULT_FAULTS", "Fault", "FaultSchedule"]


class Fault(enum.Enum):
    """A fault the endpoint can inject into one request."""

    #: HTTP 500 InternalError, before the backend sees the request.
    INTERNAL_ERROR = "500"
    #: HTTP 503 ServiceUnavailable, before the backend sees the request.
    UNAVAILABLE = "503"
    #: Throttling with status 503 (EC2's RequestLimitExceeded; elsewhere ThrottlingException).
    THROTTLE_503 = "throttle-503"
    #: Throttling with status 400 (Throttling; JSON services: ThrottlingException).
    THROTTLE_400 = "throttle-400"
    #: HTTP 400 with a plain client error (InvalidParameterValue / ValidationException).
    CLIENT_ERROR = "400"
    #: The connection is reset after the request arrived, before the backend sees it.
    RESET = "reset"
    #: The backend acts, then the connection closes before the answer: a lost response.
    LOST_RESPONSE = "lost-response"
    #: The request is forwarded after a delay (FaultSchedule.latency seconds).
    LATENCY = "latency"


#: The transient faults a random schedule draws from: what an outage looks like.
DEFAULT_FAULTS: tuple[Fault, ...] = (
    Fault.INTERNAL_ERROR,
    Fault.UNAVAILABLE,
    Fault.THROTTLE_503,
    Fault.THROTTLE_400,
    Fault.RESET,
    Fault.LOST_RESPONSE,
)


@dataclass(frozen=True)
class FaultSchedule:
    """A random but reproducible fault plan.

    The ``n``-th request for an operation gets a fault decided only by ``seed``,
    the operation and ``n``, so a run is reproducible whatever the thread timing.

    Attributes:
        rate: Probability in ``[0, 1]`` that a request gets a fault.
        seed: Any integer; the same seed gives the same schedule.
        faults: The faults to draw from, uniformly.
        operations: Only these operations get faults; ``None``: every operation.
        latency: Seconds that :attr:`Fault.LATENCY` adds.
    """

    rate: float = 0.0
    seed: int = 0
    faults: tuple[Fault, ...] = DEFAULT_FAULTS
    operations: frozenset[str] | None = None
    latency: float = 0.05

    def __post_init__(self) -> None:
        """Reject a rate outside [0, 1], an empty fault list or a negative latency."""
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate={self.rate!r} is invalid: expected a number in [0, 1]")
        if not self.faults:
            raise ValueError("faults=() is invalid: expected at least one Fault")
        if not self.latency >= 0.0:
            raise ValueError(f"latency={self.latency!r} is invalid: expected seconds >= 0")

    def fault_for(self, operation: str, number: int) -> Fault | None:
        """The fault of the ``number``-th request (from 1) for ``operation``, if any."""
        if self.rate == 0.0 or (self.operations is not None and operation not in self.operations):
            return None
        draw = random.Random(f"{self.seed}/{operation}/{number}")  # noqa: S311  (not crypto)
        if draw.random() >= self.rate:
            return None
        return draw.choice(self.faults)
