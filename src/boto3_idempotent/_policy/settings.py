"""A policy resolved for one client: every number known, and where each one came from.

Precedence, for each field: the ``RetryPolicy`` (set in code, or by a
``BOTO3_IDEMPOTENT_*`` variable through ``from_env``); then, for attempts, the
client's own budget (``Config(retries=...)``, ``AWS_MAX_ATTEMPTS``, the profile's
``max_attempts``, which botocore has already merged into ``total_max_attempts``);
then the installed botocore's standard mode for the client's service.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from boto3_idempotent._values import Record

from .standard_mode import StandardMode, installed

if TYPE_CHECKING:
    from boto3_idempotent._config import RetryPolicy
    from boto3_idempotent._hooks import RetryHook

__all__ = ["CLIENT_CONFIG", "Settings", "resolve"]

#: The source named for attempts that come from the client's own retry configuration.
CLIENT_CONFIG = "client config"


class Settings(Record):
    """Everything a wrapped client's retry decisions need, for one service.

    Attributes:
        max_attempts: Attempts per call, the first one included.
        base_delay: Seconds; backoff base after a transient failure.
        throttle_base_delay: Seconds; backoff base after throttling.
        max_delay: Seconds; cap on one backoff.
        deadline: Seconds per call, or ``None``.
        retry_unsafe: Resend every unsafe call after ambiguous failures.
        retry_unsafe_operations: This service's operations (names) resent although
            unsafe.
        treat_as_unsafe: This service's operations (names) never resent after an
            ambiguous failure, token or not.
        on_retry: Hooks called before each backoff.
        mode: The botocore standard mode the defaults and the quota come from.
        long_polling: This service's long-polling operations (see ``StandardMode``).
        sources: Where each field came from: ``"RetryPolicy"``, a variable name,
            ``"client config"``, or the standard mode's name.
    """

    __slots__ = (
        "base_delay",
        "deadline",
        "long_polling",
        "max_attempts",
        "max_delay",
        "mode",
        "on_retry",
        "retry_unsafe",
        "retry_unsafe_operations",
        "sources",
        "throttle_base_delay",
        "treat_as_unsafe",
    )
    _fields = _compared = _shown = (
        "max_attempts",
        "base_delay",
        "throttle_base_delay",
        "max_delay",
        "deadline",
        "retry_unsafe",
        "retry_unsafe_operations",
        "treat_as_unsafe",
        "on_retry",
        "mode",
        "long_polling",
        "sources",
    )
    max_attempts: int
    base_delay: float
    throttle_base_delay: float
    max_delay: float
    deadline: float | None
    retry_unsafe: bool
    retry_unsafe_operations: frozenset[str]
    treat_as_unsafe: frozenset[str]
    on_retry: tuple[RetryHook, ...]
    mode: StandardMode
    long_polling: frozenset[str]
    sources: Mapping[str, str]


def client_attempts(retries: Mapping[str, Any] | None) -> int | None:
    """The attempt budget a botocore client was configured with, if any.

    botocore folds ``Config(retries={"max_attempts": n})`` (n *retries*),
    ``{"total_max_attempts": n}``, ``AWS_MAX_ATTEMPTS`` and the profile's
    ``max_attempts`` (both *attempts*) into ``total_max_attempts``, with that
    precedence; no key means none of them was set.
    """
    value = (retries or {}).get("total_max_attempts")
    if isinstance(value, int) and not isinstance(value, bool):
        return max(1, value)
    return None


def resolve(
    policy: RetryPolicy,
    *,
    service_id: str,
    service_name: str = "",
    client_retries: Mapping[str, Any] | None = None,
    mode: StandardMode | None = None,
) -> Settings:
    """Resolve ``policy`` for a client of ``service_id`` (botocore's hyphenated id).

    Args:
        policy: The policy; its ``None`` fields are filled in here.
        service_id: ``client.meta.service_model.service_id.hyphenize()``.
        service_name: ``client.meta.service_model.service_name`` (``"s3"``): what
            ``service:Operation`` names in ``retry_unsafe`` and ``treat_as_unsafe``
            are matched against.
        client_retries: ``client.meta.config.retries``; ``None`` when there is no client.
        mode: The standard mode to follow; the installed botocore's by default.
    """
    mode = mode or installed()
    sources = dict(policy.sources)
    attempts = policy.max_attempts
    if attempts is None:
        attempts = client_attempts(client_retries)
        sources["max_attempts"] = CLIENT_CONFIG
    if attempts is None:
        attempts = mode.attempts_for(service_id)
        sources["max_attempts"] = mode.name
    values = {
        "base_delay": (policy.base_delay, mode.base_delay_for(service_id)),
        "throttle_base_delay": (policy.throttle_base_delay, mode.throttle_base_delay),
        "max_delay": (policy.max_delay, mode.max_delay),
    }
    resolved: dict[str, float] = {}
    for name, (chosen, default) in values.items():
        if chosen is None:
            resolved[name] = default
            sources[name] = mode.name
        else:
            resolved[name] = chosen
    for name in ("deadline", "retry_unsafe", "treat_as_unsafe"):
        sources.setdefault(name, "default")
    max_delay = resolved["max_delay"]
    if policy.max_delay is None:
        # A base set above the default cap (30 s) lifts the cap with it, not cut to it.
        max_delay = max(max_delay, policy.base_delay or 0.0, policy.throttle_base_delay or 0.0)
    return Settings(
        max_attempts=attempts,
        base_delay=resolved["base_delay"],
        throttle_base_delay=resolved["throttle_base_delay"],
        max_delay=max_delay,
        deadline=policy.deadline,
        retry_unsafe=policy.retry_unsafe is True,
        retry_unsafe_operations=_operations_of(service_name, policy.retry_unsafe),
        treat_as_unsafe=_operations_of(service_name, policy.treat_as_unsafe),
        on_retry=tuple(policy.on_retry),
        mode=mode,
        long_polling=mode.long_polling.get(service_id, frozenset()),
        sources=MappingProxyType(sources),
    )


def _operations_of(service_name: str, keys: bool | Collection[str]) -> frozenset[str]:
    """The operation names of ``service_name`` among ``service:Operation`` keys."""
    if isinstance(keys, bool):
        return frozenset()
    prefix = f"{service_name}:"
    return frozenset(k[len(prefix) :] for k in keys if k.startswith(prefix))
