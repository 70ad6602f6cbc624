"""What one failed attempt means, following the documented response table.

==========================================  ===========  ===========================
response                                    outcome      retried?
==========================================  ===========  ===========================
2xx                                         (success)    no
throttling error code (any status), 429     THROTTLED    yes: the service refused it
code documented as turned away (any status) REFUSED      yes: the service refused it
modeled retryable, 4xx other than 408       REFUSED      yes: the service refused it
"try again" code, 4xx other than 408        REFUSED      yes: the service refused it
modeled retryable, 5xx or 408               AMBIGUOUS    yes, if resending is safe
connect failure (nothing was sent)          NOT_SENT     yes: nothing happened
"connection error" raised after sending     AMBIGUOUS    yes, if resending is safe
500, 502, 503, 504                          AMBIGUOUS    yes, if resending is safe
read timeout, connection lost or reset      AMBIGUOUS    yes, if resending is safe
mismatch code in any spelling               MISMATCH     never; raised typed
any other 4xx, any other exception          FINAL        no
==========================================  ===========  ===========================

"Safe" is decided per call elsewhere (the call's request carries its token or
caller reference, or the operation is read-only or documented idempotent). Codes
and exception types are data, tested row by row.

A model's ``retryable`` trait says a client *may* send the request again, not that
the service did nothing: newer models mark ``InternalServerException`` (500),
``ServiceUnavailableException`` (503) or a 408 ``ClientTimeoutException`` retryable
because every SDK retries them. So the status on the wire decides: a retryable 4xx
(a 409 conflict, a 429) was refused; a retryable 5xx or 408 may have been acted on,
and is resent only where resending is safe. The exceptions are codes whose
documentation says the request was turned away before it ran (Neptune's
``QueryLimitExceededException``: "The query in question can be retried when the
system is less busy"): ``_knowledge/resend_table.REFUSED_ERRORS``, each with its quote, passed
here per operation as ``refused``.

``EndpointConnectionError`` is judged by the transport error it wraps: botocore
raises it only when connecting failed, but aiobotocore's aiohttp session also
raises it for a connection reset while the answer was awaited, after the request
was written. Only a connect-phase cause (``CONNECT_PHASE_ERRORS``) means
nothing was sent. Those types belong to optional libraries (aiohttp, httpx), so
they are named, and looked up in ``sys.modules``: never imported here, and an
error of a library that was never imported cannot exist.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from types import MappingProxyType

from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)

from boto3_idempotent._loaded import is_instance

__all__ = [
    "AMBIGUOUS_EXCEPTIONS",
    "CONNECT_PHASE_ERRORS",
    "MISMATCH_CODES",
    "NOT_SENT_EXCEPTIONS",
    "REFUSED_CODES",
    "THROTTLING_CODES",
    "TIMEOUT_EXCEPTIONS",
    "TRANSIENT_STATUS_CODES",
    "Outcome",
    "classify_error",
    "classify_exception",
]


class Outcome(enum.Enum):
    """What a failed attempt tells about the request."""

    THROTTLED = "throttled"  # refused before any work: always safe to resend
    REFUSED = "refused"  # "not now, try again" without throttling: always safe to resend
    NOT_SENT = "not sent"  # never left the client: always safe to resend
    AMBIGUOUS = "ambiguous"  # may or may not have been acted on
    MISMATCH = "mismatch"  # token reused with different parameters
    FINAL = "final"  # the request will not succeed as sent


#: Error codes that mean "slow down, try later" (botocore's standard-mode list, plus
#: the legacy-mode spellings). Alibaba's page: a 4xx that says "try it later".
THROTTLING_CODES = frozenset(
    {
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "LimitExceededException",
        "PriorRequestNotComplete",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ThrottledException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "TransactionInProgressException",
    }
)

#: Codes that say "this request was not processed; send it again" without being
#: throttling (botocore's standard-mode transient codes, and STS's). 4xx, yet safe.
REFUSED_CODES = frozenset(
    {
        "RequestTimeout",  # S3: the request body did not arrive in time
        "RequestTimeoutException",
        "IDPCommunicationError",  # STS: the identity provider did not answer
    }
)

#: Every spelling services use for "this token was used for a different request".
MISMATCH_CODES = frozenset(
    {
        "IdempotentParameterMismatch",  # EC2 (unmodeled), Config, SSM, Alibaba VPC
        "IdempotentParameterMismatchException",  # DynamoDB, Glue, GameLift, RAM, ...
        "IdempotentParameterMismatchError",  # Auto Scaling
        "IdempotencyParameterMismatch",  # S3
        "IdempotencyParameterMismatchException",  # CodeCommit
        "TokenAlreadyExistsException",  # CloudFormation: "a client request token already exists"
        "ClientTokenConflictException",  # Cloud Control API
        "IdempotencyConflictException",  # Marketplace Metering
        "IdempotencyTokenInUseException",  # Compute Optimizer automation
    }
)

#: Codes whose *message* names the mismatch (Proton: ValidationException).
_MISMATCH_IN_MESSAGE_CODES = frozenset({"ValidationException"})
_MISMATCH_WORD = "IdempotentParameterMismatch"

TRANSIENT_STATUS_CODES = frozenset({500, 502, 503, 504})
_NOTHING_MODELED: Mapping[str, bool] = MappingProxyType({})
_THROTTLING_STATUS = 429
_REQUEST_TIMEOUT = 408
_FIRST_SERVER_ERROR = 500

#: The connection was never made, so the service cannot have acted.
NOT_SENT_EXCEPTIONS: tuple[type[Exception], ...] = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ProxyConnectionError,
)

#: The request may have reached the service: resend only where that is safe.
#: SSLError can happen after the request was written, so it is not "not sent".
AMBIGUOUS_EXCEPTIONS: tuple[type[Exception], ...] = (
    ReadTimeoutError,
    ConnectionClosedError,
    SSLError,
    HTTPClientError,  # urllib3 ProtocolError: connection reset or aborted mid-call
)

#: Transport errors (module, class) raised while connecting, before any byte of the
#: request was written: what an ``EndpointConnectionError`` must wrap to be NOT_SENT.
CONNECT_PHASE_ERRORS: tuple[tuple[str, str], ...] = (
    ("socket", "gaierror"),  # name resolution (botocore, aiohttp)
    ("urllib3.exceptions", "NewConnectionError"),  # botocore: connect() failed
    ("aiohttp", "ClientConnectorError"),  # connect(), DNS, proxy connect; not ClientOSError
    ("httpx", "ConnectError"),  # aiobotocore's httpx backend
    ("httpx2", "ConnectError"),
)

#: Failures that cost the retry quota more (as in the SDKs' standard mode).
TIMEOUT_EXCEPTIONS: tuple[type[Exception], ...] = (ReadTimeoutError, ConnectTimeoutError)


def classify_error(
    status: int,
    code: str,
    message: str,
    modeled: Mapping[str, bool] = _NOTHING_MODELED,
    refused: Collection[str] = (),
) -> Outcome | None:
    """Classify an HTTP response; ``None`` for a success (status below 300).

    Args:
        status: The HTTP status code on the wire.
        code: The parsed error code, ``""`` if none.
        message: The parsed error message, ``""`` if none.
        modeled: The operation's errors the model marks ``retryable``, mapped to
            whether they are throttling.
        refused: The operation's error codes documented to mean the request was
            turned away before it ran, whatever their status.
    """
    if status < 300:
        return None
    if code in MISMATCH_CODES or (code in _MISMATCH_IN_MESSAGE_CODES and _MISMATCH_WORD in message):
        return Outcome.MISMATCH
    if code in THROTTLING_CODES or status == _THROTTLING_STATUS or modeled.get(code) is True:
        return Outcome.THROTTLED
    server_side = status >= _FIRST_SERVER_ERROR or status == _REQUEST_TIMEOUT
    if code in refused or ((code in modeled or code in REFUSED_CODES) and not server_side):
        return Outcome.REFUSED
    if status in TRANSIENT_STATUS_CODES or (
        server_side and (code in modeled or code in REFUSED_CODES)
    ):
        return Outcome.AMBIGUOUS
    return Outcome.FINAL


def classify_exception(exc: BaseException) -> Outcome:
    """Classify an exception raised instead of a response (nothing was parsed)."""
    # NOT_SENT first: ConnectTimeoutError and friends are not HTTPClientErrors, but
    # the order keeps it obvious should botocore's hierarchy move.
    if isinstance(exc, NOT_SENT_EXCEPTIONS):
        if isinstance(exc, EndpointConnectionError) and not _connect_phase(exc):
            return Outcome.AMBIGUOUS  # aiohttp: reset while awaiting the answer
        return Outcome.NOT_SENT
    if isinstance(exc, AMBIGUOUS_EXCEPTIONS):
        return Outcome.AMBIGUOUS
    return Outcome.FINAL


def _connect_phase(exc: EndpointConnectionError) -> bool:
    """Whether the error botocore wrapped happened while connecting (none given: yes)."""
    cause: object = exc.kwargs.get("error")  # the stubs say always given
    if cause is None:  # raised without its cause: take botocore's word for it
        return True
    return any(is_instance(cause, *where) for where in CONNECT_PHASE_ERRORS)
