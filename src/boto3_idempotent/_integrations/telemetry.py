"""Retries visible in OpenTelemetry: the AWS SDKs' client metrics, and span events.

Loaded only when a wrapped client finds ``opentelemetry`` already imported (a program
that configured OpenTelemetry, or an instrumentation such as the botocore one, has
imported it) and ``BOTO3_IDEMPOTENT_TELEMETRY`` is not off; never imported by
``import boto3_idempotent``. ``opentelemetry-api`` is never a dependency of ours.

Through the global meter provider (a no-op until the program sets one), per wrapped
client, with ``rpc.system="aws-api"``, ``rpc.service`` (the service id, ``EC2``) and
``rpc.method`` (``RunInstances``), as the Smithy runtimes of the Java, Kotlin and Go v2
SDKs name them:

=======================================  =========  ===========================================
instrument                               kind       recorded
=======================================  =========  ===========================================
``smithy.client.call.attempts``          counter    attempts on the wire, at the call's end
``smithy.client.call.errors``            counter    each failed attempt; ``error.type``
``smithy.client.call.duration``          histogram  seconds per logical call
``smithy.client.call.attempt_duration``  histogram  seconds per attempt (request built to
                                                    response parsed)
``boto3_idempotent.resends``             counter    each resend; ``reason``: the failure's
                                                    class (``ambiguous``, ``throttled``, ...)
``boto3_idempotent.not_resent``          counter    each failed call; ``reason``: its stop
                                                    reason (``unsafe_to_resend``, ...)
=======================================  =========  ===========================================

On the current span (the botocore instrumentation's, X-Ray's, or the caller's): an
event ``boto3_idempotent.resend`` per resend (``attempt``, ``delay``, ``error.type``),
and at the call's end the attributes ``boto3_idempotent.attempts`` and, for a failed
call, ``boto3_idempotent.stop_reason``. Never parameters, never tokens.

Telemetry never breaks a call: an instrument, a view, an exporter or a span that
raises is logged once per client (the exception's type, nothing of the call) and the
call goes on as if nothing was recorded. ``error.type`` is bounded: a code the library
knows (its response table's) or the operation's model declares, else ``_OTHER``, and
at most 128 characters, so that a server's free-form codes (or one that echoes a client
token) neither make a metric series each nor reach an exporter.
"""

from __future__ import annotations

import logging
from typing import Any

from boto3_idempotent._env_names import TELEMETRY_ENV, telemetry_on

__all__ = ["TELEMETRY_ENV", "Telemetry", "telemetry_on"]

OTHER_ERROR = "_OTHER"  # OpenTelemetry's word for a value outside the known set
_MAX_ERROR_TYPE = 128
#: Exceptions raised instead of a response, named as the library records them.
_EXCEPTION_TYPES = frozenset(
    {
        "ChecksumError",
        "ClientRateLimited",
        "ConnectTimeoutError",
        "ConnectionClosedError",
        "EndpointConnectionError",
        "HTTPClientError",
        "IncompleteResponseError",
        "ProxyConnectionError",
        "ReadTimeoutError",
        "SSLError",
    }
)
#: Generic server-error codes that services answer with but rarely model.
_SERVER_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "InternalServiceError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ServiceException",
        "Unavailable",
    }
)
logger = logging.getLogger("boto3_idempotent")


class Telemetry:
    """One wrapped client's instruments; cheap calls into OpenTelemetry's API."""

    __slots__ = (
        "_attempt_duration",
        "_attempts",
        "_attributes",
        "_duration",
        "_errors",
        "_failed",
        "_known_codes",
        "_not_resent",
        "_resends",
        "_service",
        "_trace",
    )

    def __init__(self, service_id: str) -> None:
        """Create the instruments on the global meter provider (a proxy until one is set)."""
        from opentelemetry import metrics, trace  # noqa: PLC0415  (only where already in use)

        from boto3_idempotent import __version__  # noqa: PLC0415

        meter = metrics.get_meter("boto3_idempotent", __version__)
        self._attempts = meter.create_counter(
            "smithy.client.call.attempts", unit="{attempt}", description="Attempts on the wire"
        )
        self._errors = meter.create_counter(
            "smithy.client.call.errors", unit="{error}", description="Failed attempts"
        )
        self._duration = meter.create_histogram(
            "smithy.client.call.duration", unit="s", description="Logical call duration"
        )
        self._attempt_duration = meter.create_histogram(
            "smithy.client.call.attempt_duration", unit="s", description="One attempt's duration"
        )
        self._resends = meter.create_counter(
            "boto3_idempotent.resends", unit="{attempt}", description="Attempts resent"
        )
        self._not_resent = meter.create_counter(
            "boto3_idempotent.not_resent", unit="{call}", description="Failed calls not resent"
        )
        self._trace = trace
        self._service = service_id
        self._attributes: dict[str, dict[str, str]] = {}
        self._known_codes: dict[str, frozenset[str]] = {}
        self._failed = False

    def _broke(self, exc: Exception) -> None:
        """An instrument or span raised: log it once for this client, never to the call."""
        if not self._failed:
            self._failed = True
            logger.warning(
                "OpenTelemetry recording failed (%s); the AWS call goes on, and this client"
                " logs no further failure of it",
                type(exc).__name__,
            )

    def error_type(self, operation: Any, code: str) -> str:
        """``code`` if the library or the operation's model knows it, else ``_OTHER``."""
        known = self._known_codes.get(operation.name)
        if known is None:
            from boto3_idempotent._policy.classify import (  # noqa: PLC0415
                MISMATCH_CODES,
                REFUSED_CODES,
                THROTTLING_CODES,
            )

            modeled = {
                getattr(shape, "error_code", None) or shape.name
                for shape in getattr(operation, "error_shapes", ())
            }
            known = self._known_codes[operation.name] = frozenset(
                modeled | MISMATCH_CODES | REFUSED_CODES | THROTTLING_CODES
            )
        if (code in known or code in _SERVER_CODES or code in _EXCEPTION_TYPES) and len(
            code
        ) <= _MAX_ERROR_TYPE:
            return code
        return OTHER_ERROR

    def _of(self, operation: str) -> dict[str, str]:
        attributes = self._attributes.get(operation)
        if attributes is None:
            attributes = self._attributes[operation] = {
                "rpc.system": "aws-api",
                "rpc.service": self._service,
                "rpc.method": operation,
            }
        return attributes

    def attempt_ended(self, operation: str, seconds: float | None, error_type: str | None) -> None:
        """One attempt's duration (when measured), and its error if it failed."""
        try:
            self._attempt_ended(operation, seconds, error_type)
        except Exception as exc:  # noqa: BLE001  (telemetry never reaches the call)
            self._broke(exc)

    def _attempt_ended(self, operation: str, seconds: float | None, error_type: str | None) -> None:
        attributes = self._of(operation)
        if seconds is not None:
            self._attempt_duration.record(seconds, attributes)
        if error_type is not None:
            self._errors.add(1, {**attributes, "error.type": error_type})

    def resent(
        self, operation: str, attempt: int, delay: float, error_type: str, reason: str
    ) -> None:
        """A resend decided: the counter, and an event on the current span."""
        try:
            self._resent(operation, attempt, delay, error_type, reason)
        except Exception as exc:  # noqa: BLE001  (telemetry never reaches the call)
            self._broke(exc)

    def _resent(
        self, operation: str, attempt: int, delay: float, error_type: str, reason: str
    ) -> None:
        self._resends.add(1, {**self._of(operation), "reason": reason})
        span = self._trace.get_current_span()
        if span.is_recording():
            span.add_event(
                "boto3_idempotent.resend",
                {"attempt": attempt, "delay": delay, "error.type": error_type},
            )

    def call_ended(
        self, operation: str, attempts: int, seconds: float | None, stop_reason: str | None
    ) -> None:
        """The logical call's attempts, duration and, if it failed, why it was not resent."""
        try:
            self._call_ended(operation, attempts, seconds, stop_reason)
        except Exception as exc:  # noqa: BLE001  (telemetry never reaches the call)
            self._broke(exc)

    def _call_ended(
        self, operation: str, attempts: int, seconds: float | None, stop_reason: str | None
    ) -> None:
        attributes = self._of(operation)
        self._attempts.add(attempts, attributes)
        if seconds is not None:
            self._duration.record(seconds, attributes)
        if stop_reason is not None:
            self._not_resent.add(1, {**attributes, "reason": stop_reason})
        span: Any = self._trace.get_current_span()
        if span.is_recording():
            span.set_attribute("boto3_idempotent.attempts", attempts)
            if stop_reason is not None:
                span.set_attribute("boto3_idempotent.stop_reason", stop_reason)
