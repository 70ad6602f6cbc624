"""The response table, row by row, with rows that must not match."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)

from boto3_idempotent._classify import Outcome, classify_error, classify_exception

URL = "https://ec2.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (200, "", "", None),
        (204, "", "", None),
        (500, "InternalError", "", Outcome.AMBIGUOUS),
        (502, "", "", Outcome.AMBIGUOUS),
        (503, "ServiceUnavailable", "", Outcome.AMBIGUOUS),
        (504, "", "", Outcome.AMBIGUOUS),
        (503, "RequestLimitExceeded", "", Outcome.THROTTLED),
        (503, "SlowDown", "", Outcome.THROTTLED),
        (400, "Throttling", "", Outcome.THROTTLED),
        (400, "ThrottlingException", "", Outcome.THROTTLED),
        (400, "TooManyRequestsException", "", Outcome.THROTTLED),
        (400, "EC2ThrottledException", "", Outcome.THROTTLED),
        (400, "ProvisionedThroughputExceededException", "", Outcome.THROTTLED),
        (429, "", "", Outcome.THROTTLED),
        (400, "IdempotentParameterMismatch", "", Outcome.MISMATCH),
        (400, "IdempotentParameterMismatchException", "", Outcome.MISMATCH),
        (400, "IdempotentParameterMismatchError", "", Outcome.MISMATCH),
        (400, "IdempotencyParameterMismatch", "", Outcome.MISMATCH),
        (409, "IdempotencyParameterMismatchException", "", Outcome.MISMATCH),
        (400, "ValidationException", "IdempotentParameterMismatch: token", Outcome.MISMATCH),
        # Rows that must not match.
        (400, "ValidationException", "bad name", Outcome.FINAL),
        (400, "InvalidParameterValue", "IdempotentParameterMismatch", Outcome.FINAL),
        (400, "throttling", "", Outcome.FINAL),  # codes are case-sensitive
        (400, "RequestTimeout", "", Outcome.FINAL),  # 4xx: not in the table's retry rows
        (403, "AccessDenied", "", Outcome.FINAL),
        (404, "NotFound", "", Outcome.FINAL),
        (409, "Conflict", "", Outcome.FINAL),
        (501, "NotImplemented", "", Outcome.FINAL),
        (301, "PermanentRedirect", "", Outcome.FINAL),
    ],
)
def test_responses(status, code, message, expected):
    """Status and code decide; mismatch beats throttling beats status."""
    assert classify_error(status, code, message) is expected


@pytest.mark.parametrize(
    ("exception", "expected"),
    [
        (EndpointConnectionError(endpoint_url=URL), Outcome.NOT_SENT),
        (ConnectTimeoutError(endpoint_url=URL), Outcome.NOT_SENT),
        (ProxyConnectionError(proxy_url="http://proxy"), Outcome.NOT_SENT),
        (ReadTimeoutError(endpoint_url=URL), Outcome.AMBIGUOUS),
        (ConnectionClosedError(endpoint_url=URL), Outcome.AMBIGUOUS),
        (SSLError(endpoint_url=URL, error="eof"), Outcome.AMBIGUOUS),
        (HTTPClientError(error="reset"), Outcome.AMBIGUOUS),
        # Not transport failures: never retried.
        (NoCredentialsError(), Outcome.FINAL),
        (ParamValidationError(report="bad"), Outcome.FINAL),
        (ValueError("bug"), Outcome.FINAL),
    ],
)
def test_exceptions(exception, expected):
    """Connect failures were not sent; failures after sending are ambiguous; others final."""
    assert classify_exception(exception) is expected
