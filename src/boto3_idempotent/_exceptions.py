"""Exceptions raised by boto3-idempotent.

    ValueError
    ├── ConfigError                  a bad policy value or environment variable
    └── InvalidClientToken           a caller-supplied token the service would reject

    botocore.exceptions.ClientError
    └── IdempotentParameterMismatch  same token, different parameters
        └── (combined with the service's own modeled class, when it has one,
             e.g. DynamoDB's IdempotentParameterMismatchException)

Each one subclasses what callers already catch, so adopting the library breaks
no ``except`` clause: a mismatch is still a ``ClientError`` and, where the
service models one, still ``client.exceptions.<ModeledError>``.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError

__all__ = [
    "ConfigError",
    "IdempotentParameterMismatch",
    "InvalidClientToken",
    "mismatch_class",
]


class ConfigError(ValueError):
    """A retry policy value, or the environment variable it came from, is invalid.

    Attributes:
        name: The field or environment variable at fault.
        value: The value it had.
        expected: The form it should have.
    """

    def __init__(self, name: str, value: object, expected: str) -> None:
        """Build the message from the variable, its value and the expected form."""
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"{name}={value!r} is invalid: expected {expected}")


class InvalidClientToken(ValueError):  # noqa: N818  (reads as what it is, like botocore's ParamValidationError)
    """A caller-supplied client token that the service would reject; nothing was sent."""


class IdempotentParameterMismatch(ClientError):  # noqa: N818  (the error code's own name)
    """The service saw this client token before, with different parameters.

    Raised instead of the service's own error (``IdempotentParameterMismatch``,
    ``...Exception``, ``...Error``, S3's ``IdempotencyParameterMismatch``, Proton's
    ``ValidationException`` naming it). Never retried: the same request would get
    the same answer. Usually a bug: a token reused for a different request.

    Attributes:
        operation_name: The operation, e.g. ``"RunInstances"`` (from ``ClientError``).
        token: The client token that was sent, or ``None`` if it is not known.
    """

    def __init__(
        self,
        error_response: Any,
        operation_name: str,
        token: str | None = None,
    ) -> None:
        """Wrap the parsed error response as botocore does, plus the token."""
        super().__init__(error_response, operation_name)
        self.token = token

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the plain class: the combined classes are built at run time."""
        return (IdempotentParameterMismatch, (self.response, self.operation_name, self.token))


_combined: dict[type[ClientError], type[IdempotentParameterMismatch]] = {}
_combined_lock = threading.Lock()


def mismatch_class(modeled: type[ClientError]) -> type[IdempotentParameterMismatch]:
    """Return the mismatch class to raise in place of the service's ``modeled`` class.

    For a service that models its mismatch error (DynamoDB's
    ``IdempotentParameterMismatchException``), the result subclasses both, so
    ``except client.exceptions.IdempotentParameterMismatchException`` keeps working.
    Built once per modeled class.
    """
    if modeled is ClientError or issubclass(modeled, IdempotentParameterMismatch):
        return IdempotentParameterMismatch
    with _combined_lock:
        cls = _combined.get(modeled)
        if cls is None:
            cls = type(
                modeled.__name__,
                (IdempotentParameterMismatch, modeled),
                {"__module__": __name__, "__doc__": IdempotentParameterMismatch.__doc__},
            )
            _combined[modeled] = cls
        return cls
