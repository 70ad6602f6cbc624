"""Which fault a request gets: a deterministic, seedable schedule per operation."""

from __future__ import annotations

import enum
import random
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_FAULTS", "FAULT_REPLIES", "Fault", "FaultSchedule"]


class Fault(enum.Enum):
    """A fault the endpoint can inject into one request."""

    #: HTTP 500 InternalError, before the backend sees the request.
    INTERNAL_ERROR = "500"
    #: HTTP 503 ServiceUnavailable, before the backend sees the request.
    UNAVAILABLE = "503"
    #: Throttling with status 503 (EC2 RequestLimitExceeded, S3 SlowDown, else Throttling...).
    THROTTLE_503 = "throttle-503"
    #: Throttling with status 400 (Throttling; JSON services: ThrottlingException).
    THROTTLE_400 = "throttle-400"
    #: HTTP 400 with a plain client error (InvalidParameterValue, InvalidArgument, ...).
    CLIENT_ERROR = "400"
    #: The connection is reset after the request arrived, before the backend sees it.
    RESET = "reset"
    #: The backend acts, then the connection closes before the answer: a lost response.
    LOST_RESPONSE = "lost-response"
    #: The request is forwarded after a delay (FaultSchedule.latency seconds).
    LATENCY = "latency"


#: (status, error code) of each fault that answers in place of the backend, per protocol:
#: codes the service family uses, which botocore and this library classify like AWS's.
FAULT_REPLIES: Mapping[Fault, Mapping[str, tuple[int, str]]] = {
    Fault.INTERNAL_ERROR: {
        "ec2": (500, "InternalError"),
        "query": (500, "InternalFailure"),
        "json": (500, "InternalServerError"),
        "rest-xml": (500, "InternalError"),
        "rest-json": (500, "InternalServerException"),
    },
    Fault.UNAVAILABLE: {
        "ec2": (503, "Unavailable"),
        "query": (503, "ServiceUnavailable"),
        "json": (503, "ServiceUnavailableException"),
        "rest-xml": (503, "ServiceUnavailable"),
        "rest-json": (503, "ServiceUnavailableException"),
    },
    Fault.THROTTLE_503: {
        "ec2": (503, "RequestLimitExceeded"),
        "query": (503, "Throttling"),
        "json": (503, "ThrottlingException"),
        "rest-xml": (503, "SlowDown"),
        "rest-json": (503, "ThrottlingException"),
    },
    Fault.THROTTLE_400: {
        "ec2": (400, "Throttling"),
        "query": (400, "Throttling"),
        "json": (400, "ThrottlingException"),
        "rest-xml": (400, "Throttling"),
        "rest-json": (400, "ThrottlingException"),
    },
    Fault.CLIENT_ERROR: {
        "ec2": (400, "InvalidParameterValue"),
        "query": (400, "ValidationError"),
        "json": (400, "ValidationException"),
        "rest-xml": (400, "InvalidArgument"),
        "rest-json": (400, "ValidationException"),
    },
}

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
        operations: Only these operations get faults (model names; an endpoint checks
            them and turns client method names into model names); ``None``: all.
        latency: Seconds that ``Fault.LATENCY`` adds.
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
