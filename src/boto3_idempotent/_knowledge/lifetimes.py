"""How long services honour a client token, and how long Lambda may re-run an invocation."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "DEFAULT_TOKEN_LIFETIME",
    "LAMBDA_RETRY_WINDOW",
    "TOKEN_LIFETIMES",
    "TokenLifetimeWarning",
    "warn_if_short_lived",
]

_HOUR = 3600.0

#: Seconds a service honours a client token, by botocore service name, from the AWS
#: documentation. After that, the same token creates anew.
TOKEN_LIFETIMES: Mapping[str, float] = {
    "ec2": 24 * _HOUR,  # RunInstances: at least 24 h after the instance terminates
    "proton": 8 * _HOUR,
    "dynamodb": 10 * 60.0,  # TransactWriteItems
    "stepfunctions": 15 * 60.0,  # RedriveExecution
    "cloudcontrol": 36 * _HOUR,
    "opensearchmemory": 2 * _HOUR,  # CreateEvent, CreateSpace: "within 2 hours"
}

#: What the testing endpoint assumes for services the table does not list.
DEFAULT_TOKEN_LIFETIME = 24 * _HOUR

#: Lambda retries a failed asynchronous invocation for up to 6 hours (the default
#: maximum event age); an SQS message can come back later still.
LAMBDA_RETRY_WINDOW = 6 * _HOUR


class TokenLifetimeWarning(UserWarning):
    """A deterministic token goes to a service that forgets tokens sooner than Lambda retries.

    A ``UserWarning``.
    """


_warned_services: set[str] = set()


def warn_if_short_lived(service_name: str) -> None:
    """Warn once per service whose tokens expire before Lambda stops retrying."""
    lifetime = TOKEN_LIFETIMES.get(service_name)
    if lifetime is None or lifetime >= LAMBDA_RETRY_WINDOW or service_name in _warned_services:
        return
    import warnings  # noqa: PLC0415

    from boto3_idempotent._warnings import user_stacklevel  # noqa: PLC0415

    _warned_services.add(service_name)
    warnings.warn(
        f"{service_name} honours a client token for {lifetime / 60:.0f} minutes, less than"
        f" Lambda's retry window ({LAMBDA_RETRY_WINDOW / 3600:.0f} hours for asynchronous"
        " invocations): a re-run after that creates anew despite the deterministic token",
        TokenLifetimeWarning,
        stacklevel=user_stacklevel(),
    )
