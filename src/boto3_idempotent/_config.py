"""The retry policy: a frozen value, validated on construction, readable from the environment."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._exceptions import ConfigError

if TYPE_CHECKING:
    from ._hooks import RetryHook

__all__ = ["ENV_FIELDS", "ENV_PREFIX", "ENV_VARS", "RetryPolicy", "env_sources"]

ENV_PREFIX = "BOTO3_IDEMPOTENT_"

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})

# What each field must look like, said the same way by the constructor and by from_env.
_EXPECTED = {
    "max_attempts": "a whole number >= 1 (it counts every attempt, the first one too)",
    "base_delay": "a finite number of seconds >= 0",
    "max_delay": "a finite number of seconds >= 0",
    "deadline": "a finite number of seconds > 0, or unset for no deadline",
    "retry_unsafe": "one of true/false, yes/no, on/off, 1/0",
}


@dataclass(frozen=True)
class RetryPolicy:
    """How a wrapped client retries one logical call.

    The defaults are botocore's ``standard`` retry mode (3 attempts, full-jitter
    backoff from 1 s, capped at 20 s), so wrapping a client changes *which* failures
    are retried safely, not how long a call can take or how much load an outage sees.

    Attributes:
        max_attempts: Attempts on the wire per logical call, the first one included.
        base_delay: Seconds; the backoff before retry ``n`` is drawn uniformly from
            ``[0, min(max_delay, base_delay * 2 ** (n - 1))]`` (full jitter).
        max_delay: Seconds; the cap on any one backoff.
        deadline: Seconds for the whole logical call, measured from the call's start;
            no backoff starts that would end past it. ``None``: no deadline.
        retry_unsafe: Also resend mutating operations without a client token after an
            ambiguous failure (5xx, read timeout, connection lost after sending),
            accepting that the service may act twice.
        on_retry: Callables given a :class:`RetryEvent` before each backoff (logs,
            metrics, traces). One that raises is logged and skipped. Not read from the
            environment.
    """

    max_attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 20.0
    deadline: float | None = None
    retry_unsafe: bool = False
    on_retry: Sequence[RetryHook] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        """Reject values that would make the policy meaningless; name the field."""
        if not _is_int(self.max_attempts) or self.max_attempts < 1:
            raise ConfigError("max_attempts", self.max_attempts, _EXPECTED["max_attempts"])
        for name in ("base_delay", "max_delay"):
            value = getattr(self, name)
            if not _is_number(value) or not math.isfinite(value) or value < 0:
                raise ConfigError(name, value, _EXPECTED[name])
        if self.max_delay < self.base_delay:
            raise ConfigError(
                "max_delay",
                self.max_delay,
                f"a number of seconds >= base_delay ({self.base_delay})",
            )
        if self.deadline is not None and (
            not _is_number(self.deadline) or not math.isfinite(self.deadline) or self.deadline <= 0
        ):
            raise ConfigError("deadline", self.deadline, _EXPECTED["deadline"])
        if not isinstance(self.retry_unsafe, bool):
            raise ConfigError("retry_unsafe", self.retry_unsafe, _EXPECTED["retry_unsafe"])
        hooks = (self.on_retry,) if callable(self.on_retry) else self.on_retry
        if isinstance(hooks, (str, bytes)) or not all(callable(h) for h in hooks):
            raise ConfigError("on_retry", self.on_retry, "a callable or a sequence of callables")
        object.__setattr__(self, "on_retry", tuple(hooks))  # frozen: normalize once

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetryPolicy:
        """Read the policy from ``BOTO3_IDEMPOTENT_*`` variables; unset ones keep defaults.

        Args:
            environ: The mapping to read; ``os.environ`` when ``None``. An empty value
                counts as unset.

        Raises:
            ConfigError: naming the variable, the value it had and the form expected.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in ENV_FIELDS:
            variable = ENV_VARS[name]
            raw = env.get(variable, "").strip()
            if not raw:
                continue
            try:
                values[name] = _PARSERS[name](raw)
            except ValueError:
                raise ConfigError(variable, raw, _EXPECTED[name]) from None
        try:
            return cls(**values)
        except ConfigError as exc:
            # Re-say it in terms of the variable the user set. If the field at fault
            # kept its default, the clash is max_delay (default) < base_delay (set).
            if exc.name in values:
                variable = ENV_VARS[exc.name]
                raise ConfigError(variable, env[variable].strip(), exc.expected) from None
            variable = ENV_VARS["base_delay"]
            raise ConfigError(
                variable,
                env[variable].strip(),
                f"a number of seconds <= max_delay ({exc.value}, the default)",
            ) from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_bool(raw: str) -> bool:
    word = raw.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(raw)


def _parse_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):  # float() accepts "nan" and "inf"
        raise ValueError(raw)
    return value


_PARSERS: dict[str, Callable[[str], Any]] = {
    "max_attempts": int,
    "base_delay": _parse_float,
    "max_delay": _parse_float,
    "deadline": _parse_float,
    "retry_unsafe": _parse_bool,
}

#: The fields the environment can set, and the variable behind each.
ENV_FIELDS = ("max_attempts", "base_delay", "max_delay", "deadline", "retry_unsafe")
ENV_VARS: Mapping[str, str] = {name: ENV_PREFIX + name.upper() for name in ENV_FIELDS}


def env_sources(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Where each environment-settable field comes from: its variable, or ``"default"``."""
    env = os.environ if environ is None else environ
    return {
        name: ENV_VARS[name] if env.get(ENV_VARS[name], "").strip() else "default"
        for name in ENV_FIELDS
    }
