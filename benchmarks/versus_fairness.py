"""The four clients of versus_botocore, and what makes their comparison fair.

* Faults follow the logical call, not the request order: :class:`Attempts`, a
  ``before-send`` hook on every client, numbers the attempts of each call and asks
  ``fate(call, attempt)`` for the attempt's fault (the servers obey its header).
* The same jitter: :class:`Jitter` reseeds, at each logical call, both the global
  ``random`` (every bare retry mode draws from it) and the ``random=`` that ``wrap`` gets,
  so retry n of call k draws the same number on every client.
* The same order effects: call n runs the clients in the order ``ORDERS[n % 24]``.
* Sleeps: ``wrap(sleep=..., clock=...)`` is injected; bare modes sleep in
  ``botocore.endpoint``'s ``time.sleep`` (standard mode's ``RetryHandler._sleep`` serves
  only long polling), which ``harness.botocore_sleeps`` routes, in this process only.
  Adaptive mode's rate limiter waits on a condition variable and its own clock: it
  cannot be faked, and engages only after throttling.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from boto3_idempotent import wrap
from boto3_idempotent.testing import Fault, FaultSchedule

from .harness import REPLY_HEADER, make_client

if TYPE_CHECKING:
    import boto3

CLIENTS = ("bare_legacy", "bare_standard", "bare_adaptive", "wrapped")
DESCRIPTIONS = {
    "bare_legacy": "bare client, legacy retry mode (5 attempts, no quota)",
    "bare_standard": "bare client, standard retry mode",
    "bare_adaptive": "bare client, adaptive retry mode (standard plus a rate limiter)",
    "wrapped": "wrap(client): the default policy, in an emptied environment",
}


class Attempts:
    """A ``before-send`` hook on one client: numbers attempts per logical call, sets faults.

    ``fate(call, attempt)`` returns the reply for that attempt (an :data:`EC2_REPLIES`
    value), or ``None`` to let the server answer as it would.
    """

    def __init__(self, client: Any, operation: str, fate: Callable[[int, int], str | None]) -> None:
        """Register on ``client`` for ``operation``."""
        self.fate = fate
        self.call = 0
        self.attempt = 0
        self.requests = 0
        self.faults = 0
        client.meta.events.register(f"before-send.ec2.{operation}", self.before_send)

    def start(self, call: int) -> None:
        """A new logical call begins."""
        self.call, self.attempt = call, 0

    def before_send(self, request: Any, **_kwargs: Any) -> None:
        """Count the attempt; mark its fault, if any, for the server."""
        self.attempt += 1
        self.requests += 1
        reply = self.fate(self.call, self.attempt)
        if reply is not None:
            self.faults += 1
            request.headers[REPLY_HEADER] = reply


WARM_UP_RETRIED, WARM_UP = 0, -1  # call numbers of warm-up calls, with and without a fault


def scheduled(schedule: FaultSchedule, operation: str) -> Callable[[int, int], Fault | None]:
    """The fault of attempt ``attempt`` of logical call ``call`` (from 1).

    Warm-up calls: :data:`WARM_UP_RETRIED` gets a 500 on its first attempt, so that every
    client has loaded its retry path (the wrapped client imports tenacity then) before
    timing, without engaging adaptive mode's rate limiter; :data:`WARM_UP` gets no fault.
    """

    def fault(call: int, attempt: int) -> Fault | None:
        if call == WARM_UP_RETRIED:
            return Fault.INTERNAL_ERROR if attempt == 1 else None
        return schedule.fault_for(f"{operation}#{call}", attempt) if call > 0 else None

    return fault


class Jitter:
    """The same backoff draws for every client: both sources reseeded at each logical call."""

    def __init__(self, seed: int) -> None:
        """``random`` is what ``wrap(random=...)`` gets."""
        self.seed = seed
        self._rng = random.Random()  # noqa: S311  (jitter, not crypto)
        self.random = self._rng.random

    def start(self, call: int) -> None:
        """Reseed botocore's source (the global ``random``) and ours alike."""
        key = f"{self.seed}/{call}"
        random.seed(key)
        self._rng.seed(key)


class Backoff:
    """A real sleep that also adds up the seconds it was asked for: the policy's backoff."""

    def __init__(self) -> None:
        """Nothing slept yet."""
        self.seconds = 0.0

    def sleep(self, seconds: float) -> None:
        """Sleep, and count it."""
        self.seconds += seconds
        time.sleep(seconds)


def make_clients(
    session: boto3.session.Session,
    url: str,
    jitter: Jitter,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    names: tuple[str, ...] = CLIENTS,
) -> dict[str, Any]:
    """One client per name: bare in a retry mode, or ``wrap(client)`` with its defaults."""
    clients = {}
    for name in names:
        if name == "wrapped":
            # No policy: RetryPolicy.from_env() in an emptied environment, the defaults.
            client = make_client(session, url=url)
            clients[name] = wrap(client, sleep=sleep, clock=clock, random=jitter.random)
        else:
            mode = name.removeprefix("bare_")
            clients[name] = make_client(session, url=url, retries={"mode": mode})
    return clients


def attempt_call(
    call: Callable[[], object], attempts: Attempts, jitter: Jitter, number: int
) -> bool:
    """Logical call ``number``; ``True`` if it succeeded."""
    jitter.start(number)
    attempts.start(number)
    try:
        call()
    except (ClientError, BotoCoreError):
        return False
    return True


# Call n runs the clients in the order ORDERS[n % 24]: each client goes first, and
# follows each other client, equally often. (A call that comes after a long wait, such
# as adaptive mode's rate limiter, runs measurably slower: a fixed order would always
# hand that to the same client.)
ORDERS = tuple(itertools.permutations(CLIENTS))
