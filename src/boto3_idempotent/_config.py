"""The retry policy: a frozen value, validated on construction, readable from the environment.

A field left ``None`` follows the client it is used with: the client's own attempt
budget (``Config(retries=...)``, ``AWS_MAX_ATTEMPTS``, the profile's ``max_attempts``),
else the installed botocore's standard retry mode (see ``_policy/standard_mode``). So
``RetryPolicy()`` never retries more, nor backs off longer, than the client would
have without the library.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from ._values import Value

if TYPE_CHECKING:
    from ._exceptions import ConfigError
    from ._hooks import RetryHook

__all__ = [
    "ENV_FIELDS",
    "ENV_PREFIX",
    "ENV_VARS",
    "MAX_DELAY_LIMIT",
    "RetryPolicy",
    "parse_seconds",
]

ENV_PREFIX = "BOTO3_IDEMPOTENT_"

#: No single backoff, and no backoff base, may exceed an hour: a larger value is a
#: unit mistake (milliseconds for seconds), and ``time.sleep`` overflows on huge ones.
MAX_DELAY_LIMIT = 3600.0

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
# ASCII only: int() and float() also take Arabic-Indic and fullwidth digits and '1_000'.
# Patterns, not compiled regexes: compiled (and cached by re) only when a variable is read.
_WHOLE = r"[0-9]+"
_DECIMAL = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"

_SECONDS = f"a number of seconds from 0 to {MAX_DELAY_LIMIT:g}, in ASCII digits"
# What each field must look like, said the same way by the constructor and by from_env.
_EXPECTED = {
    "max_attempts": (
        "a whole number >= 1 in ASCII digits (it counts every attempt, the first one too);"
        " unset: the client's own max_attempts, else botocore's default"
    ),
    "base_delay": f"{_SECONDS}; unset: botocore's standard mode",
    "throttle_base_delay": f"{_SECONDS}; unset: botocore's standard mode",
    "max_delay": f"{_SECONDS}; unset: botocore's standard mode (20)",
    "deadline": "a finite number of seconds > 0 in ASCII digits, or unset for no deadline",
    "retry_unsafe": (
        "one of true/false, yes/no, on/off, 1/0, or a comma-separated list of"
        " service:Operation (botocore's names, e.g. sqs:SendMessage,lambda:Invoke)"
    ),
    "treat_as_unsafe": (
        "a comma-separated list of service:Operation (botocore's names, e.g. s3:PutObject)"
    ),
}
#: The fields the environment can set (``ENV_VARS``), the ones equality compares.
ENV_FIELDS = (
    "max_attempts",
    "base_delay",
    "throttle_base_delay",
    "max_delay",
    "deadline",
    "retry_unsafe",
    "treat_as_unsafe",
)
# botocore's service names are lowercase with digits and dashes; operation names CamelCase.
_OPERATION_KEY = r"[a-z0-9][a-z0-9-]*:[A-Z][A-Za-z0-9]*"


class RetryPolicy(Value):
    """How a wrapped client retries one logical call.

    Every field has a default that follows the client and the installed botocore,
    so wrapping changes *which* failures are retried safely, never how long a call
    can take or how much load an outage sees. Set a field to choose otherwise. A
    frozen value, validated when made: equal policies compare and hash equal
    (``on_retry`` aside).

    Attributes:
        max_attempts: Attempts on the wire per logical call, the first one included.
            ``None``: the client's own budget (``Config(retries={"total_max_attempts":
            n})``, ``{"max_attempts": n}`` meaning n *retries*, ``AWS_MAX_ATTEMPTS`` or
            the profile's ``max_attempts``), else botocore's standard mode (3; 4 for
            DynamoDB on botocore 1.44).
        base_delay: Seconds; the backoff before retry ``n`` after a transient failure
            (5xx, timeout, connection error) is drawn uniformly from ``[0,
            min(max_delay, base_delay * 2 ** (n - 1))]`` (full jitter). ``None``:
            botocore's (1.44: 0.05, DynamoDB 0.025; 1.43: 1.0).
        throttle_base_delay: Seconds; the same after throttling. ``None``: botocore's (1.0).
        max_delay: Seconds; the cap on any one backoff. ``None``: botocore's (20).
        deadline: Seconds for the whole logical call, measured from the call's start;
            no backoff reaches past it. ``None``: no deadline.
        retry_unsafe: Also resend *unsafe* calls after an ambiguous failure (5xx,
            read timeout, connection lost after sending), accepting that the service
            may act twice: ``True`` for every operation, or a collection of
            ``"service:Operation"`` (botocore's names, as ``python -m boto3_idempotent
            operations`` prints them: ``"sqs:SendMessage"``) for those only.
        treat_as_unsafe: ``"service:Operation"`` names never resent after an ambiguous
            failure, whatever their class, token or ``retry_unsafe`` say: for an
            operation you know acts twice where the library's table says otherwise.
        on_retry: Callables given a ``RetryEvent`` before each backoff (logs,
            metrics, traces); coroutine functions too, on asyncio clients. One that
            raises is logged and skipped. Not read from the environment.
    """

    __slots__ = (
        "__weakref__",
        "base_delay",
        "deadline",
        "max_attempts",
        "max_delay",
        "on_retry",
        "retry_unsafe",
        "sources",
        "throttle_base_delay",
        "treat_as_unsafe",
    )
    _compared = ENV_FIELDS  # every field but the hooks (and where each came from)
    _shown = (*_compared, "on_retry")
    _fields = (*_shown, "sources")
    __match_args__ = _shown  # as the dataclass had: ``case RetryPolicy(...)``
    max_attempts: int | None
    base_delay: float | None
    throttle_base_delay: float | None
    max_delay: float | None
    deadline: float | None
    retry_unsafe: bool | Collection[str]
    treat_as_unsafe: Collection[str]
    on_retry: Sequence[RetryHook]
    #: Where each field set came from: ``"RetryPolicy"`` or the variable (from_env).
    sources: Mapping[str, str]

    def __init__(
        self,
        max_attempts: int | None = None,
        base_delay: float | None = None,
        throttle_base_delay: float | None = None,
        max_delay: float | None = None,
        deadline: float | None = None,
        retry_unsafe: bool | Collection[str] = False,
        treat_as_unsafe: Collection[str] = frozenset(),
        on_retry: Sequence[RetryHook] = (),
    ) -> None:
        """Hold the fields; reject values that make the policy meaningless, naming the field."""
        init = object.__setattr__
        init(self, "max_attempts", max_attempts)
        init(self, "base_delay", base_delay)
        init(self, "throttle_base_delay", throttle_base_delay)
        init(self, "max_delay", max_delay)
        init(self, "deadline", deadline)
        init(self, "retry_unsafe", retry_unsafe)
        init(self, "treat_as_unsafe", treat_as_unsafe)
        init(self, "on_retry", on_retry)
        if self.max_attempts is not None and (
            not _is_int(self.max_attempts) or self.max_attempts < 1
        ):
            raise _error("max_attempts", self.max_attempts, _EXPECTED["max_attempts"])
        for name in ("base_delay", "throttle_base_delay", "max_delay"):
            value = getattr(self, name)
            if value is not None and not _is_seconds(value, upper=MAX_DELAY_LIMIT):
                raise _error(name, value, _EXPECTED[name])
        for name in ("base_delay", "throttle_base_delay"):
            value = getattr(self, name)
            if value is not None and self.max_delay is not None and self.max_delay < value:
                raise _error(
                    "max_delay", self.max_delay, f"a number of seconds >= {name} ({value})"
                )
        if self.deadline is not None and (
            not _is_seconds(self.deadline, upper=math.inf) or self.deadline <= 0
        ):
            raise _error("deadline", self.deadline, _EXPECTED["deadline"])
        if not isinstance(self.retry_unsafe, bool):
            init(self, "retry_unsafe", _operation_keys("retry_unsafe", self.retry_unsafe))
        init(self, "treat_as_unsafe", _operation_keys("treat_as_unsafe", self.treat_as_unsafe))
        init(self, "on_retry", _hooks(self.on_retry))  # frozen: normalize once
        given = {name: "RetryPolicy" for name in ENV_FIELDS if getattr(self, name) is not None}
        for name in ("retry_unsafe", "treat_as_unsafe"):
            if not getattr(self, name):  # the default, not a choice we can tell apart
                given.pop(name)
        init(self, "sources", MappingProxyType(given))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetryPolicy:
        """Read the policy from ``BOTO3_IDEMPOTENT_*`` variables; unset ones keep defaults.

        Args:
            environ: The mapping to read; ``os.environ`` when ``None``. An empty value
                counts as unset.

        Raises:
            ConfigError: naming the variable, the value it had and the form expected;
                every bad variable at once (``errors``), not only the first.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        raws: dict[str, str] = {}
        errors: list[ConfigError] = []
        for name in ENV_FIELDS:
            variable = ENV_VARS[name]
            raw = env.get(variable, "").strip()
            if not raw:
                continue
            raws[name] = raw
            try:
                value = _PARSERS[name](raw)
                cls(**{name: value})  # each value alone; clashes between them below
            except ValueError as exc:  # ConfigError is one too
                expected = getattr(exc, "expected", None) or _EXPECTED[name]
                errors.append(_error(variable, raw, expected))
            else:
                values[name] = value
        if not errors:
            try:
                policy = cls(**values)
            except ValueError as exc:  # a ConfigError: two variables clash (max_delay < base)
                clash = cast("ConfigError", exc)
                errors.append(_error(ENV_VARS[clash.name], raws[clash.name], clash.expected))
            else:
                sources = {name: ENV_VARS[name] for name in values}
                object.__setattr__(policy, "sources", MappingProxyType(sources))
                return policy
        from ._exceptions import ConfigError  # noqa: PLC0415  (a bad variable: rare)

        raise ConfigError.combine(errors)


def _operation_keys(name: str, value: object) -> frozenset[str]:
    """``value`` as a frozenset of ``service:Operation`` names; a ConfigError otherwise."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise _error(name, value, _EXPECTED[name])
    keys = frozenset(value)
    bad = sorted(str(k) for k in keys if not isinstance(k, str) or not _is_key(k))
    if bad:
        raise _error(name, ",".join(bad), _EXPECTED[name])
    if keys:
        # A misspelt name would match nothing, and the operation meant would be resent.
        from ._knowledge.known import unknown_names  # noqa: PLC0415  (only when names are given)

        problems = unknown_names(keys)
        if problems:
            why = "; ".join(f"{key}: {text}" for key, text in problems)
            unknown = ",".join(key for key, _ in problems)
            raise _error(name, unknown, f"names of operations botocore has ({why})")
    return keys


def _is_key(key: str) -> bool:
    return re.fullmatch(_OPERATION_KEY, key, re.ASCII) is not None


def _parse_retry_unsafe(raw: str) -> bool | frozenset[str]:
    try:
        return _parse_bool(raw)
    except ValueError:
        return _parse_keys(raw)


def _parse_keys(raw: str) -> frozenset[str]:
    keys = frozenset(part.strip() for part in raw.split(",") if part.strip())
    if not keys or not all(_is_key(k) for k in keys):
        raise ValueError(raw)
    return keys


def _hooks(value: object) -> tuple[RetryHook, ...]:
    if callable(value):
        return (value,)
    if value is None or isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise _error("on_retry", value, "a callable or a sequence of callables")
    hooks = tuple(value)  # a generator is read once, here, and kept
    if not all(callable(h) for h in hooks):
        raise _error("on_retry", value, "a callable or a sequence of callables")
    return hooks


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_seconds(value: object, *, upper: float) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return math.isfinite(value) and 0 <= value <= upper


def _parse_bool(raw: str) -> bool:
    word = raw.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(raw)


def _parse_int(raw: str) -> int:
    if not re.fullmatch(_WHOLE, raw, re.ASCII):
        raise ValueError(raw)
    return int(raw)


def parse_seconds(raw: str) -> float:
    """A finite decimal number written in ASCII (``"1"``, ``"0.5"``, ``"2e-3"``).

    Raises:
        ValueError: anything else (``"nan"``, ``"inf"``, ``"1_0"``, ``"٣"``, ``""``).
    """
    if not re.fullmatch(_DECIMAL, raw, re.ASCII):
        raise ValueError(raw)
    value = float(raw)
    if not math.isfinite(value):  # "1e999"
        raise ValueError(raw)
    return value


_PARSERS: dict[str, Callable[[str], Any]] = {
    "max_attempts": _parse_int,
    "base_delay": parse_seconds,
    "throttle_base_delay": parse_seconds,
    "max_delay": parse_seconds,
    "deadline": parse_seconds,
    "retry_unsafe": _parse_retry_unsafe,
    "treat_as_unsafe": _parse_keys,
}

#: The variable behind each field the environment can set.
ENV_VARS: Mapping[str, str] = {name: ENV_PREFIX + name.upper() for name in ENV_FIELDS}


def _error(name: str, value: object, expected: str) -> ConfigError:
    """A ``ConfigError``; ``_exceptions`` loads only when a value is refused."""
    from ._exceptions import ConfigError  # noqa: PLC0415

    return ConfigError(name, value, expected)
