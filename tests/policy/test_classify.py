"""The response table, row by row, with rows that must not match.

Then the same rules over HTTP: errors the model marks retryable and try-again codes are
resent; a modeled-retryable 5xx is ambiguous (an unsafe call is sent once, a refusal or a
protected call resent); and a walk over every operation of the installed botocore whose
model lists a retryable server error.
"""

from __future__ import annotations

import inspect
import json
import re
import socket
import types

import botocore.httpsession
import pytest
from botocore.exceptions import (
    ClientError,
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
from urllib3.exceptions import NameResolutionError, NewConnectionError, ProtocolError

from boto3_idempotent import RetryPolicy, wrap
from boto3_idempotent._failure import classify
from boto3_idempotent._knowledge.operations import operation_info
from boto3_idempotent._knowledge.resend_table import REFUSED_ERRORS
from boto3_idempotent._policy.classify import (
    THROTTLING_CODES,
    Outcome,
    classify_error,
    classify_exception,
)
from conftest import require_model
from helpers.safety import SESSION, failing, on_raw, sent_once, sent_twice  # noqa: F401
from helpers.wire import OK, Reply

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
        (400, "RequestTimeout", "", Outcome.REFUSED),  # S3: the body never arrived
        (400, "IDPCommunicationError", "", Outcome.REFUSED),  # STS
        (400, "TokenAlreadyExistsException", "", Outcome.MISMATCH),  # CloudFormation
        (409, "ClientTokenConflictException", "", Outcome.MISMATCH),  # Cloud Control
        (400, "IdempotencyConflictException", "", Outcome.MISMATCH),  # Marketplace Metering
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
    ("code", "expected"),
    [
        ("ReplicatedWriteConflictException", Outcome.REFUSED),
        ("SomeThrottlingException", Outcome.THROTTLED),
        ("ConditionalCheckFailedException", Outcome.FINAL),  # not marked retryable
    ],
)
def test_errors_the_model_marks_retryable(code, expected):
    """The operation's modeled retryable errors are refusals (throttling when it says so)."""
    modeled = {"ReplicatedWriteConflictException": False, "SomeThrottlingException": True}
    assert classify_error(400, code, "", modeled) is expected


MODELED = {
    "InternalServerException": False,
    "ServiceUnavailableException": False,
    "DependencyException": False,
    "ClientTimeoutException": False,
    "ConflictException": False,
    "ReplicatedWriteConflictException": False,
    "QueryLimitExceededException": False,
    "RequestTimeoutException": False,
}


@pytest.mark.parametrize(
    ("status", "code", "refused", "expected"),
    [
        # A modeled-retryable server error may have acted: resent only where that is safe.
        (500, "InternalServerException", (), Outcome.AMBIGUOUS),
        (503, "ServiceUnavailableException", (), Outcome.AMBIGUOUS),
        (502, "DependencyException", (), Outcome.AMBIGUOUS),
        (
            501,
            "InternalServerException",
            (),
            Outcome.AMBIGUOUS,
        ),  # not a transient status, still 5xx
        (408, "ClientTimeoutException", (), Outcome.AMBIGUOUS),  # "timed out in the client"
        (408, "RequestTimeoutException", (), Outcome.AMBIGUOUS),
        # The model gives no status: the wire's decides.
        (500, "ConflictException", (), Outcome.AMBIGUOUS),
        # A retryable 4xx was refused: always resent.
        (409, "ConflictException", (), Outcome.REFUSED),
        (400, "ReplicatedWriteConflictException", (), Outcome.REFUSED),
        # Documented as turned away before it ran: refused whatever the status.
        (500, "QueryLimitExceededException", ("QueryLimitExceededException",), Outcome.REFUSED),
        (408, "RequestTimeoutException", ("RequestTimeoutException",), Outcome.REFUSED),
        (500, "QueryLimitExceededException", (), Outcome.AMBIGUOUS),  # another operation's
        # Throttling is refused at any status.
        (500, "ThrottlingException", (), Outcome.THROTTLED),
        (503, "SlowDown", (), Outcome.THROTTLED),
        (429, "InternalServerException", (), Outcome.THROTTLED),
    ],
)
def test_a_modeled_retryable_server_error_is_ambiguous(status, code, refused, expected):
    """The retryable trait says a client may retry, not that the service did nothing."""
    assert classify_error(status, code, "", MODELED, refused) is expected


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "RequestTimeout", Outcome.REFUSED),  # S3: the body did not arrive in time
        (400, "IDPCommunicationError", Outcome.REFUSED),
        (408, "RequestTimeoutException", Outcome.AMBIGUOUS),  # unmodeled, a timeout: may have run
        (500, "RequestTimeout", Outcome.AMBIGUOUS),
    ],
)
def test_try_again_codes_are_refusals_only_below_500(status, code, expected):
    """Botocore's transient codes mean refused only as a 4xx other than 408."""
    assert classify_error(status, code, "") is expected


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


def new_connection_error():
    """What urllib3 raises when connect() fails."""
    return NewConnectionError(None, "Failed to establish a new connection: refused")


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (None, Outcome.NOT_SENT),  # no cause given: botocore's word for it
        (new_connection_error(), Outcome.NOT_SENT),
        (NameResolutionError("host", None, socket.gaierror(-2, "unknown")), Outcome.NOT_SENT),
        (socket.gaierror(-2, "Name or service not known"), Outcome.NOT_SENT),
        # Causes after the request may have been written: not "not sent".
        (ConnectionResetError(104, "Connection reset by peer"), Outcome.AMBIGUOUS),
        (
            ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")),
            Outcome.AMBIGUOUS,
        ),
        (OSError(104, "reset"), Outcome.AMBIGUOUS),
        (TimeoutError(), Outcome.AMBIGUOUS),
        (ValueError("anything else"), Outcome.AMBIGUOUS),
    ],
)
def test_endpoint_connection_error_is_judged_by_its_cause(cause, expected):
    """Only a connect-phase cause means nothing was sent (aiohttp wraps resets too)."""
    kwargs = {} if cause is None else {"error": cause}
    assert classify_exception(EndpointConnectionError(endpoint_url=URL, **kwargs)) is expected


def test_every_cause_botocore_wraps_in_endpoint_connection_error_is_connect_phase():
    """Sync botocore's sessions: the new rule cannot change what a sync client resends."""
    source = inspect.getsource(botocore.httpsession)
    raised_under = re.findall(
        r"except \(?([\w., ]+?)\)? as e:\s+raise EndpointConnectionError\(", source
    )
    caught = {name.strip() for clause in raised_under for name in clause.split(",")}

    assert caught == {"NewConnectionError", "socket.gaierror"}
    assert source.count("EndpointConnectionError(") == len(raised_under) == 1
    for cause in (new_connection_error(), socket.gaierror(-2, "unknown")):
        error = EndpointConnectionError(endpoint_url=URL, error=cause)
        assert classify_exception(error) is Outcome.NOT_SENT


def test_neptunes_busy_query_reaches_a_client_as_refused_and_is_resent(
    make_client, raw_server, sleeps
):
    """Neptune's busy query, refused: an unsafe ExecuteOpenCypherQuery is resent.

    QueryLimitExceededException ("can be retried when the system is less busy") reaches the
    client through the knowledge file, as bare botocore resends it.
    """
    from boto3_idempotent import RetryPolicy, wrap
    from helpers.raw_server import response

    def answer(request, n):
        if n == 1:
            headers = {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": "QueryLimitExceededException",
            }
            return response(500, b'{"message": "busy"}', headers)
        return response(200, b'{"results": []}', {"Content-Type": "application/json"})

    raw = raw_server(answer)
    client = wrap(make_client("neptunedata", url=raw.url), RetryPolicy(), sleep=sleeps)

    result = client.execute_open_cypher_query(openCypherQuery="MATCH (n) RETURN n")

    assert len(raw.requests) == 2
    assert result["ResponseMetadata"]["RetryAttempts"] == 1


# -- modeled-retryable errors and try-again codes, over HTTP -------------------------------


@pytest.fixture
def ec2(make_client, sleeps):
    """A wrapped EC2 client on the scripted server."""
    return wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps)


def test_errors_the_model_marks_retryable_are_resent(make_client, server, sleeps):
    """DynamoDB PutItem's ReplicatedWriteConflictException (modeled retryable) is retried."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(400, "ReplicatedWriteConflictException"), OK)

    ddb.put_item(TableName="t", Item={"k": {"S": "1"}})

    assert server.count() == 2


def test_s3_style_request_timeout_is_resent_even_for_unprotected_mutations(ec2, server):
    """RequestTimeout says the request was not processed: CreateTags is sent again."""
    server.plan(Reply(400, "RequestTimeout"), OK)

    ec2.create_tags(Resources=["i-1"], Tags=[{"Key": "k", "Value": "v"}])

    assert server.count() == 2


# -- a modeled-retryable 5xx is ambiguous; 4xx refusals are still resent -------------------


SMS = {"DestinationPhoneNumber": "+15555550100", "MessageBody": "your code is 1234"}


BRIDGE = {
    "Name": "b",
    "PlacementArn": "arn:aws:ec2:us-east-1:123456789012:placement-group/p",
    "Sources": [
        {
            "NetworkSource": {
                "Name": "s",
                "MulticastIp": "224.0.0.1",
                "Port": 5000,
                "Protocol": "rtp",
                "NetworkName": "n",
            }
        }
    ],
}


@pytest.mark.parametrize(
    ("service", "method", "kwargs", "protocol", "status", "code"),
    [
        ("pinpoint-sms-voice-v2", "send_text_message", SMS, "json", 500, "InternalServerException"),
        (
            "b2bi",
            "create_profile",
            {"name": "p", "phone": "5555550100", "businessName": "b", "logging": "ENABLED"},
            "json",
            500,
            "InternalServerException",
        ),
        ("mediaconnect", "create_bridge", BRIDGE, "rest-json", 500, "InternalServerErrorException"),
        ("mediaconnect", "create_bridge", BRIDGE, "rest-json", 503, "ServiceUnavailableException"),
    ],
)
def test_a_retryable_server_error_does_not_resend_an_unsafe_call(
    on_raw,  # noqa: F811
    service,
    method,
    kwargs,
    protocol,
    status,
    code,
):
    """The model says retryable; the status says it may have acted: a text is sent once."""
    raw, sent, client = on_raw(service, failing(protocol, status, code))
    with pytest.raises(ClientError) as caught:
        getattr(client, method)(**kwargs)
    sent_once(raw, sent, caught)
    assert caught.value.response["Error"]["Code"] == code


@pytest.mark.parametrize(
    ("status", "code"), [(409, "ConflictException"), (429, "TooManyRequestsException")]
)
def test_a_refusal_of_an_unsafe_call_is_still_resent(on_raw, status, code):  # noqa: F811
    """A 409 conflict or a 429 was turned away before it ran: resent, as before."""
    raw, sent, client = on_raw("mediaconnect", failing("rest-json", status, code))
    sent_twice(raw, sent, client.create_bridge(**BRIDGE))


def test_a_protected_call_is_resent_after_a_retryable_server_error(on_raw):  # noqa: F811
    """With its token, the same 500 is resent: the service replays the first answer."""
    require_model("mediaconnect", "CreateRouterNetworkInterface")
    raw, sent, client = on_raw(
        "mediaconnect", failing("rest-json", 500, "InternalServerErrorException")
    )
    result = client.create_router_network_interface(
        Name="ni", Configuration={"Public": {"AllowRules": [{"Cidr": "10.0.0.0/16"}]}}
    )
    sent_twice(raw, sent, result)
    tokens = [json.loads(r.body)["clientToken"] for r in raw.requests]
    assert tokens[0] == tokens[1]


# -- the walk: every operation whose model lists a retryable server error ------------------


def _retryable_server_errors(model):
    for shape in model.error_shapes:
        retryable = shape.metadata.get("retryable")
        status = shape.metadata.get("error", {}).get("httpStatusCode")
        if isinstance(retryable, dict) and (status is None or status >= 500 or status == 408):
            yield getattr(shape, "error_code", None) or shape.name, status or 500


def test_no_unsafe_operation_is_resent_after_a_retryable_server_error():
    """Every unsafe operation of the installed botocore, every retryable 5xx or 408 it models."""
    settings = types.SimpleNamespace(mode=types.SimpleNamespace(retry_after=False))
    walked, resent = 0, []
    for service in SESSION.get_available_services():
        model = SESSION.get_service_model(service)
        for name in model.operation_names:
            operation = model.operation_model(name)
            info = operation_info(service, operation)
            if info.protectable or info.resend.kind != "unsafe" or info.resend.refine:
                continue
            for code, status in _retryable_server_errors(operation):
                walked += 1
                http = types.SimpleNamespace(status_code=status, headers={})
                parsed = {"Error": {"Code": code, "Message": ""}}
                outcome = classify(settings, (http, parsed), None, info).outcome
                refused = (service, code) in REFUSED_ERRORS or code in THROTTLING_CODES
                if outcome is not Outcome.AMBIGUOUS and not refused:
                    resent.append(f"{service}.{name}: {status} {code} -> {outcome.name}")
    # Not vacuous: 205 on 1.44.18, 183 on 1.43 (fewer unsafe since the evidence review).
    assert walked > 100
    assert resent == []
