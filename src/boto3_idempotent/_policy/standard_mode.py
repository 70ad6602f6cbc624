"""What the installed botocore's ``standard`` retry mode does, so a wrapped client never does worse.

A wrapped client replaces botocore's retries. Its defaults follow botocore's standard
mode *as installed*, so adopting the library never means slower recovery or more load
in an outage than the SDK it replaces. Two lines exist:

=====================================  ===================  =====================
                                       classic (<= 1.43)    new retries (1.44)
=====================================  ===================  =====================
attempts (first one included)          3                    3; DynamoDB 4
backoff base after a transient error   1 s                  50 ms; DynamoDB 25 ms
backoff base after throttling          1 s                  1 s
cap on one backoff                     20 s                 20 s
quota: capacity / retry / throttle     500 / 5 / 5          500 / 14 / 5
quota: retry after a timeout           10                   14
``x-amz-retry-after`` honoured         no                   yes (up to +5 s)
=====================================  ===================  =====================

botocore 1.43 ships the new behaviour behind a flag (``AWS_NEW_RETRIES_2026``, read
into ``botocore.configprovider.NEW_RETRIES_ENABLED``); 1.44 turns it on for good. The
flag picks the table; the numbers are then read from botocore's own constants where it
exposes them (``ExponentialBackoff``, ``RetryQuotaChecker``, ``RetryQuota``), so a patch
release that retunes them is followed without a release of ours. The tables are the
fallback, for a botocore that moves or renames a constant.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from boto3_idempotent._values import Record

__all__ = ["CLASSIC", "NEW_RETRIES", "StandardMode", "installed"]

_NOTHING: Mapping[str, Any] = MappingProxyType({})


class StandardMode(Record):
    """One botocore line's standard retry mode, as numbers.

    Service keys are botocore's hyphenated service ids (``"dynamodb"``,
    ``"dynamodb-streams"``), as its retry handlers key them.

    Attributes:
        name: Which line, for ``policy`` and the logs.
        max_attempts: Attempts per call, the first one included.
        service_max_attempts: Per-service exceptions to ``max_attempts``.
        base_delay: Seconds; backoff base after a transient failure (5xx, timeout).
        service_base_delay: Per-service exceptions to ``base_delay``.
        throttle_base_delay: Seconds; backoff base after throttling.
        max_delay: Seconds; the cap on one backoff.
        quota_capacity: The retry quota's size.
        retry_cost: Quota a retry takes.
        timeout_retry_cost: Quota a retry after a timeout takes.
        throttle_retry_cost: Quota a retry after throttling takes.
        no_retry_refund: Quota a call that succeeds at once gives back.
        retry_after: Whether an ``x-amz-retry-after`` header (milliseconds) lengthens
            the backoff, up to ``retry_after_extra`` seconds past the drawn one.
        retry_after_extra: Seconds.
        long_polling: Operations (by service id) that still back off once when the
            quota is spent, so a polling loop cannot spin against a failing service.
    """

    __slots__ = (
        "base_delay",
        "long_polling",
        "max_attempts",
        "max_delay",
        "name",
        "no_retry_refund",
        "quota_capacity",
        "retry_after",
        "retry_after_extra",
        "retry_cost",
        "service_base_delay",
        "service_max_attempts",
        "throttle_base_delay",
        "throttle_retry_cost",
        "timeout_retry_cost",
    )
    _fields = _compared = _shown = (
        "name",
        "max_attempts",
        "service_max_attempts",
        "base_delay",
        "service_base_delay",
        "throttle_base_delay",
        "max_delay",
        "quota_capacity",
        "retry_cost",
        "timeout_retry_cost",
        "throttle_retry_cost",
        "no_retry_refund",
        "retry_after",
        "retry_after_extra",
        "long_polling",
    )
    _defaults: ClassVar[dict[str, Any]] = {"retry_after_extra": 5.0, "long_polling": _NOTHING}
    name: str
    max_attempts: int
    service_max_attempts: Mapping[str, int]
    base_delay: float
    service_base_delay: Mapping[str, float]
    throttle_base_delay: float
    max_delay: float
    quota_capacity: int
    retry_cost: int
    timeout_retry_cost: int
    throttle_retry_cost: int
    no_retry_refund: int
    retry_after: bool
    retry_after_extra: float
    long_polling: Mapping[str, frozenset[str]]

    def attempts_for(self, service_id: str) -> int:
        """Attempts for one service (hyphenated service id)."""
        return self.service_max_attempts.get(service_id, self.max_attempts)

    def base_delay_for(self, service_id: str) -> float:
        """Transient backoff base for one service (hyphenated service id)."""
        return self.service_base_delay.get(service_id, self.base_delay)


#: botocore through 1.43 without the new-retries flag.
CLASSIC = StandardMode(
    name="botocore classic standard mode",
    max_attempts=3,
    service_max_attempts=_NOTHING,
    base_delay=1.0,
    service_base_delay=_NOTHING,
    throttle_base_delay=1.0,
    max_delay=20.0,
    quota_capacity=500,
    retry_cost=5,
    timeout_retry_cost=10,
    throttle_retry_cost=5,
    no_retry_refund=1,
    retry_after=False,
)

#: botocore 1.44 (and 1.43 with AWS_NEW_RETRIES_2026=true).
NEW_RETRIES = StandardMode(
    name="botocore 1.44 standard mode",
    max_attempts=3,
    service_max_attempts=MappingProxyType({"dynamodb": 4, "dynamodb-streams": 4}),
    base_delay=0.05,
    service_base_delay=MappingProxyType({"dynamodb": 0.025, "dynamodb-streams": 0.025}),
    throttle_base_delay=1.0,
    max_delay=20.0,
    quota_capacity=500,
    retry_cost=14,
    timeout_retry_cost=14,
    throttle_retry_cost=5,
    no_retry_refund=1,
    retry_after=True,
    long_polling=MappingProxyType(
        {
            "sqs": frozenset({"ReceiveMessage"}),
            "sfn": frozenset({"GetActivityTask"}),
            "swf": frozenset({"PollForActivityTask", "PollForDecisionTask"}),
            "kinesis": frozenset({"ReceiveQueueRecords", "ReceiveDeadLetterQueueRecords"}),
        }
    ),
)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _numbers(value: object) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(k, str) and _number(v) for k, v in value.items()
    )


def _read(owner: object, name: str, check: Any) -> Any:
    value = getattr(owner, name, None)
    return value if value is not None and check(value) else None


def _from_botocore(table: StandardMode, new: bool) -> StandardMode:
    """``table`` with the numbers botocore exposes for its line put in."""
    try:
        from botocore.retries import quota, standard  # noqa: PLC0415
    except ImportError:  # pragma: no cover - botocore without the retries package
        return table
    found: dict[str, Any] = {}
    found["max_attempts"] = _read(standard, "DEFAULT_MAX_ATTEMPTS", _number)
    backoff = getattr(standard, "ExponentialBackoff", None)
    found["max_delay"] = _read(backoff, "_MAX_BACKOFF", _number)
    checker = getattr(standard, "RetryQuotaChecker", None)
    found["quota_capacity"] = _read(getattr(quota, "RetryQuota", None), "INITIAL_CAPACITY", _number)
    found["no_retry_refund"] = _read(checker, "_NO_RETRY_INCREMENT", _number)
    if new:
        found["throttle_retry_cost"] = _read(checker, "_THROTTLING_RETRY_COST", _number)
        found["service_max_attempts"] = _read(standard, "_SERVICE_MAX_ATTEMPTS", _numbers)
        defaults = _read(backoff, "_DEFAULT_BACKOFF_CONFIG", lambda v: isinstance(v, Mapping))
        if defaults is not None:
            found["base_delay"] = defaults.get("non_throttling_base_scale")
            found["throttle_base_delay"] = defaults.get("throttling_base_scale")
        per_service = _read(backoff, "_SERVICE_BACKOFF_CONFIG", lambda v: isinstance(v, Mapping))
        if per_service is not None:
            found["service_base_delay"] = {
                service: config.get("non_throttling_base_scale")
                for service, config in per_service.items()
                if isinstance(config, Mapping)
            }
        # 1.43 keeps the new cost beside the classic one; 1.44 has only the new one.
        cost = _read(checker, "_RETRY_COST_V2", _number) or _read(checker, "_RETRY_COST", _number)
        found["retry_cost"] = found["timeout_retry_cost"] = cost
    else:
        # Classic mode charges a throttled retry like any other.
        found["retry_cost"] = found["throttle_retry_cost"] = _read(checker, "_RETRY_COST", _number)
        found["timeout_retry_cost"] = _read(checker, "_TIMEOUT_RETRY_REQUEST", _number)
    kept: dict[str, Any] = {}
    for name, value in found.items():
        if isinstance(value, Mapping):
            if value and _numbers(value):
                kept[name] = MappingProxyType(dict(value))
        elif value is not None and _number(value):
            kept[name] = type(getattr(table, name))(value)
    replaced: StandardMode = table._replace(**kept)
    return replaced


@functools.cache
def installed() -> StandardMode:
    """The standard mode of the botocore this process imported (computed once)."""
    try:
        from botocore import configprovider  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return NEW_RETRIES
    new = getattr(configprovider, "NEW_RETRIES_ENABLED", False) is True
    return _from_botocore(NEW_RETRIES if new else CLASSIC, new)
