"""``set_testing``: no backoff sleeps (and optionally fewer attempts) in your own test suite."""

from __future__ import annotations

from types import TracebackType
from typing import Any, ClassVar

from boto3_idempotent._values import Record

__all__ = ["TestingMode", "current", "is_testing", "set_testing", "state"]


class _State(Record):
    __slots__ = ("attempts", "enabled")
    _fields = _compared = _shown = ("enabled", "attempts")
    _defaults: ClassVar[dict[str, Any]] = {"enabled": False, "attempts": None}
    enabled: bool
    attempts: int | None


#: The state in force; read through the module (``_policy/testing_mode.state``) on every call.
state = _State()


def current() -> _State:
    """The testing state now in force."""
    return state


def is_testing() -> bool:
    """Whether testing mode is on."""
    return state.enabled


class TestingMode:
    """What ``set_testing`` returns: a context manager restoring the previous state."""

    def __init__(self, previous: _State) -> None:
        """Remember the state to restore."""
        self._previous = previous

    def __enter__(self) -> TestingMode:  # noqa: PYI034  (typing.Self needs 3.11)
        """Testing mode is already set; the block runs in it."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Put back the state that was in force before ``set_testing``."""
        global state  # noqa: PLW0603  (one process-wide switch, like stamina's)
        state = self._previous


def set_testing(testing: bool, *, attempts: int | None = None) -> TestingMode:
    """Switch testing mode for every wrapped client in the process.

    In testing mode no retry sleeps, and with ``attempts`` no call makes more than that
    many attempts (``attempts=1``: no retries at all). Everything else (which failures
    are retried, tokens, the quota, the number of attempts) stays as in production.
    Unlike stamina's ``set_testing(True)``, which also cuts calls to one attempt, this
    keeps them: your tests see the retries production makes. ``attempts=1`` gives
    stamina's behaviour.

    Use it as a call (``set_testing(True)`` in a fixture) or as a context manager,
    which restores the previous state at the end of the block::

        with set_testing(True, attempts=2):
            ...

    Raises:
        ValueError: ``attempts`` is not a whole number >= 1.
    """
    if attempts is not None and (
        not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1
    ):
        raise ValueError(f"attempts={attempts!r} is invalid: expected a whole number >= 1")
    global state  # noqa: PLW0603  (one process-wide switch, like stamina's)
    previous = state
    state = _State(enabled=testing, attempts=attempts if testing else None)
    return TestingMode(previous)
