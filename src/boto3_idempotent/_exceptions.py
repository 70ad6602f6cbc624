"""Exceptions and warnings raised by boto3-idempotent.

    ValueError
    ├── ConfigError                  a bad policy value or environment variable
    └── InvalidClientToken           a caller-supplied token the service would reject
                                     (also a botocore ParamValidationError)

    botocore.exceptions.ClientError
    ├── IdempotentParameterMismatch  same token, different parameters
    ├── IdempotentInstanceTerminated EC2: the token's instance has terminated since
    └── EarlierAttemptMayHaveActed   a resend after a lost or 5xx answer was refused
        │                            by a conflict the earlier attempt may have caused
        │                            ("already exists", a failed condition)
        └── EarlierAttemptSucceeded  ... by the answer the service documents for a
                                     repeat of this very token: it most likely did
        (each combined with the service's own modeled class, when it has one,
         e.g. DynamoDB's IdempotentParameterMismatchException, Route 53's
         HostedZoneAlreadyExists)

    botocore.exceptions.ConnectionClosedError
    └── IncompleteResponseError      the response ended before its Content-Length

    botocore.exceptions.CapacityNotAvailableError
    └── ClientRateLimited            adaptive mode: the next send is due past the
                                     call's deadline or the Lambda margin

    RuntimeError
    └── JournalUnavailable           the journal's table could not be read or written:
                                     the call was not sent

    UserWarning
    ├── ConfigWarning                a BOTO3_IDEMPOTENT_* variable the library does not know
    ├── UnprotectedCallWarning       inside a key scope, a call a re-run would send again
    ├── TokenLifetimeWarning         (in _knowledge/lifetimes)
    ├── TokenSecretWarning           (in _scope)
    └── RetryModeWarning             (no longer issued: adaptive mode is kept)

Each one subclasses what callers already catch, so adopting the library breaks
no ``except`` clause: a mismatch is still a ``ClientError`` and, where the
service models one, still ``client.exceptions.<ModeledError>``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, TypeVar

from botocore.exceptions import (
    CapacityNotAvailableError,
    ClientError,
    ConnectionClosedError,
    ParamValidationError,
)

__all__ = [
    "ClientRateLimited",
    "ConfigError",
    "ConfigWarning",
    "EarlierAttemptMayHaveActed",
    "EarlierAttemptSucceeded",
    "IdempotentInstanceTerminated",
    "IdempotentParameterMismatch",
    "IncompleteResponseError",
    "InvalidClientToken",
    "JournalUnavailable",
    "RetryModeWarning",
    "UnprotectedCallWarning",
    "combined_class",
]


class ConfigError(ValueError):
    """A retry policy value, or the environment variable it came from, is invalid.

    A ``ValueError``.

    Attributes:
        name: The field or environment variable at fault (the first, if several).
        value: The value it had.
        expected: The form it should have.
        errors: Every problem found, this one first: reading the environment reports
            all bad variables at once.
    """

    def __init__(
        self, name: str, value: object, expected: str, *, more: Sequence[ConfigError] = ()
    ) -> None:
        """Build the message from the variable, its value and the expected form."""
        self.name = name
        self.value = value
        self.expected = expected
        self.errors: tuple[ConfigError, ...] = (self, *more)
        message = f"{name}={value!r} is invalid: expected {expected}"
        super().__init__("; ".join([message, *(str(error) for error in more)]))

    @classmethod
    def combine(cls, errors: Sequence[ConfigError]) -> ConfigError:
        """One error that reports all of ``errors`` (at least one)."""
        first, *more = errors
        if not more:
            return first
        return cls(first.name, first.value, first.expected, more=more)


class InvalidClientToken(ParamValidationError, ValueError):  # noqa: N818  (reads as what it is, like botocore's ParamValidationError)
    """A caller-supplied client token that the service would reject; nothing was sent.

    A ``botocore.exceptions.ParamValidationError`` (so ``except BotoCoreError`` and
    ``except ParamValidationError``, written for botocore's own client-side checks,
    catch it) and a ``ValueError``. Not raised for a client made with
    ``Config(parameter_validation=False)``: the token is sent as given, and the
    service judges it.
    """

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        """``message`` says what is wrong, never the token itself."""
        super().__init__(report=kwargs.get("report", message))


class _TokenError(ClientError):
    """A ``ClientError`` about the client token a call sent: it carries the token."""

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
        # The public classes subclass this one directly; combined ones subclass them.
        plain = next(c for c in type(self).__mro__ if _TokenError in c.__bases__)
        return (plain, (self.response, self.operation_name, self.token))


class IdempotentParameterMismatch(_TokenError):  # noqa: N818  (the error code's own name)
    """The service saw this client token before, with different parameters.

    A ``botocore.exceptions.ClientError``, and the service's own modeled class where it
    has one (DynamoDB's ``IdempotentParameterMismatchException``).

    Raised instead of the service's own error (``IdempotentParameterMismatch``,
    ``...Exception``, ``...Error``, S3's ``IdempotencyParameterMismatch``, Proton's
    ``ValidationException`` naming it). Never retried: the same request would get
    the same answer. Usually a bug: a token reused for a different request.

    Attributes:
        operation_name: The operation, e.g. ``"RunInstances"`` (from ``ClientError``).
        token: The client token that was sent, or ``None`` if it is not known.
    """


class IdempotentInstanceTerminated(_TokenError):  # noqa: N818  (the error code's own name)
    """EC2: the instance this client token launched has terminated since.

    A ``botocore.exceptions.ClientError``.

    EC2 answers ``RunInstances`` with ``IdempotentInstanceTerminated`` when the
    token's earlier launch succeeded and its instance is gone (boto/boto3#4406). A
    deterministic key (``idempotency_key``, ``idempotent_handler``) re-run after
    cleanup meets it: the token stands for a launch already made. To launch anew,
    use a new key (or token); to treat the work as done, catch this. Never retried.

    Attributes:
        operation_name: The operation (``"RunInstances"``).
        token: The client token that was sent.
    """


class EarlierAttemptMayHaveActed(ClientError):  # noqa: N818  (says what happened)
    """A resend after a lost answer was refused by a conflict the earlier attempt may have caused.

    A ``botocore.exceptions.ClientError``, and the service's own modeled class. The first
    attempt's answer was lost (a 5xx, a timeout, a dropped connection),
    so the call was sent again; the service then refused it with a conflict that
    the first attempt itself could have caused: "already exists" after a create of
    a unique name, DynamoDB ``ConditionalCheckFailedException`` after a conditional
    write, S3 ``PreconditionFailed`` after ``PutObject`` with ``IfNoneMatch="*"``.
    The work may be done: look it up before treating the call as failed.

    Raised as the service's own class too (``except
    client.exceptions.ConditionalCheckFailedException`` and ``except ClientError``
    still catch it). The same error on a call whose earlier attempts were all
    answered (or on a first attempt) is the service's error alone: then it is not
    the call's own doing.

    Attributes:
        operation_name: The operation, e.g. ``"PutItem"``.
        token: The client token every attempt carried, or ``None``.
        attempts: Attempts sent, the first one included.
    """

    def __init__(
        self,
        error_response: Any,
        operation_name: str,
        token: str | None = None,
        attempts: int = 0,
    ) -> None:
        """Wrap the parsed error response as botocore does, plus the token and attempts."""
        super().__init__(error_response, operation_name)
        self.token = token
        self.attempts = attempts

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as our own class: the combined classes are built at run time."""
        args = (self.response, self.operation_name, self.token, self.attempts)
        return (_base_of(type(self)), args)


class EarlierAttemptSucceeded(EarlierAttemptMayHaveActed):
    """A retried create was told "already exists": the earlier attempt most likely succeeded.

    An ``EarlierAttemptMayHaveActed`` (so a ``ClientError``, and the service's class).

    Some services answer a repeated caller reference with an error instead of the
    first answer: Route 53 ``HostedZoneAlreadyExists`` "when a hosted zone has already
    been created with the specified CallerReference", CloudFront
    ``DistributionAlreadyExists``, ... When that error comes back on a *retry* after
    an ambiguous failure (a 5xx, a lost response), the attempt whose answer was lost
    most likely did the work. Look the resource up by its reference instead of
    treating the call as failed. On a first attempt the service's own error is
    raised as usual (the reference was used before: your code's doing).

    Attributes:
        operation_name: The operation, e.g. ``"CreateHostedZone"``.
        token: The reference or client token every attempt carried.
        attempts: Attempts sent, the first one included.
    """


def _base_of(cls: type) -> type:
    """Our class among a combined class's bases (itself when it is ours)."""
    for base in cls.__mro__:
        if base in (EarlierAttemptSucceeded, EarlierAttemptMayHaveActed):
            return base
    return cls


class IncompleteResponseError(ConnectionClosedError):
    """The response ended before the bytes its ``Content-Length`` announced.

    A ``botocore.exceptions.ConnectionClosedError``.

    The request may have been carried out: like a connection lost after sending, it
    is resent only when that is safe, and otherwise raised rather than returning a
    partial body as a success.
    """

    fmt = (
        "The response from {endpoint_url} ended after {received} of its {expected} bytes;"
        " the request may have been carried out"
    )


class ConfigWarning(UserWarning):
    """A ``BOTO3_IDEMPOTENT_*`` variable that no setting reads: misspelt, so ignored.

    A ``UserWarning``.

    Issued once per variable per process, by ``wrap`` and ``install``; the
    message names the variable and, when one is close, the variable meant.
    """


class UnprotectedCallWarning(UserWarning):
    """Inside a key scope, a call that a re-run of the unit of work would send again.

    A ``UserWarning``.

    Issued before the call is sent, at the caller's line (so the warnings filter
    decides how often it shows: once per line by default), for a call that carries
    no client token, has no name AWS deduplicates it by, is not idempotent (as a
    whole or for this request) and is not journaled: SQS ``SendMessage`` to a
    standard queue, SNS ``Publish``, EventBridge ``PutEvents``, a DynamoDB counter.
    The message names ``service:Operation`` and the remedies that fit it (a FIFO
    queue or topic, the ``CallJournal``, a durable step). Never issued outside a key
    scope: a single call is not re-run. ``call_info(response).on_rerun`` is
    ``"repeated"`` for such a call.
    """


class JournalUnavailable(RuntimeError):  # noqa: N818  (says what happened)
    """The journal's DynamoDB table could not be read or written: the call was not sent.

    A ``RuntimeError``.

    A journaled call is recorded before it is sent; when that record cannot be
    written (no such table, no permission, no connection), sending anyway would let a
    re-run repeat it, so the call fails here instead. The cause is chained
    (``__cause__``); the message names the table and the call, never its parameters.

    Attributes:
        table_name: The journal's table.
        call: ``service:Operation`` of the call that was not sent.
    """

    def __init__(self, table_name: str, call: str, reason: str) -> None:
        """Name the table, the call and what went wrong."""
        super().__init__(
            f"the call journal's table {table_name!r} could not be used ({reason}):"
            f" {call} was not sent"
        )
        self.table_name = table_name
        self.call = call

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by its arguments."""
        reason = str(self).split(" (", 1)[-1].rsplit("):", 1)[0]
        return (type(self), (self.table_name, self.call, reason))


class RetryModeWarning(UserWarning):
    """Kept for ``warnings.filterwarnings`` lines: no longer issued (adaptive mode is kept).

    A ``UserWarning``.
    """


class ClientRateLimited(CapacityNotAvailableError):  # noqa: N818  (says what happened)
    """Adaptive mode: the next send would wait past the call's deadline or Lambda margin.

    Raised before the send, so nothing went out for this attempt; earlier attempts
    may have. ``call_info(exc)`` gives the attempts made and ``stop_reason``
    (``"deadline"`` or ``"lambda_time_left"``). A ``CapacityNotAvailableError``, as
    botocore's own bucket raises when it cannot hand out a token.

    Attributes:
        wait: The seconds the send would have waited for its token.
        limit: The seconds the call had left.
    """

    fmt = (
        "Client-side rate limit (adaptive retry mode): the next send of {operation} is due"
        " in {wait:.3f} s, past the {limit:.3f} s the call has left ({reason})"
    )

    def __init__(self, operation: str, wait: float, limit: float, reason: str) -> None:
        """The operation, the wait it would need, the time it has, and which limit."""
        super().__init__(operation=operation, wait=wait, limit=limit, reason=reason)
        self.wait = wait
        self.limit = limit


_E = TypeVar("_E", bound=ClientError)
_combined: dict[tuple[type[ClientError], type[ClientError]], type[ClientError]] = {}
_combined_lock = threading.Lock()


def combined_class(ours: type[_E], modeled: type[ClientError]) -> type[_E]:
    """Return the class to raise in place of the service's ``modeled`` class.

    For a service that models the error (DynamoDB's
    ``IdempotentParameterMismatchException``, Route 53's ``HostedZoneAlreadyExists``),
    the result subclasses both ``ours`` and ``modeled``, so ``except
    client.exceptions.<ModeledError>`` keeps working. Built once per pair.
    """
    if modeled is ClientError or issubclass(modeled, ours):
        return ours
    with _combined_lock:
        cls = _combined.get((ours, modeled))
        if cls is None:
            cls = type(
                modeled.__name__,
                (ours, modeled),
                {"__module__": __name__, "__doc__": ours.__doc__},
            )
            _combined[ours, modeled] = cls
        return cls  # type: ignore[return-value]
