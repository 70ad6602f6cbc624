"""Resend safety by class, over HTTP: idempotent calls survive what bare botocore survives.

Each claim has two witnesses: raw_server's record of the requests that reached it (a
plain socket server that parses nothing AWS-specific), and a ``before-send`` recorder
on the client's own event system (what botocore handed to its HTTP session). A bare
client (standard retry mode, as conftest builds them) is the control: a wrapped
client resends an idempotent call exactly as it does, and an unsafe one not at all.
"""

from __future__ import annotations

import contextlib
import types

import botocore.endpoint
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from botocore.response import StreamingBody

from boto3_idempotent import ConfigError, RetryPolicy, call_info, wrap
from boto3_idempotent._plugin import PLUGIN_ATTR
from conftest import Sleeps
from helpers.answers import PROTOCOLS, SendRecorder, answers, error, error_in, first_answer
from helpers.answers import recorded_ec2 as _ec2
from helpers.wire import OK, Drop, Reply, raw_ok

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"  # standard: no .fifo
KEY = {"k": {"S": "order-1"}}
ONE = {":one": {"N": "1"}}


# One row per call: the tables read better unwrapped.
# fmt: off
#: Calls a resend leaves in the same end state: resent after an ambiguous failure.
IDEMPOTENT = [
    pytest.param("s3", "put_object", {"Bucket": "b", "Key": "k", "Body": b"hello"}, id="s3:PutObject"),
    pytest.param("s3", "upload_part", {"Bucket": "b", "Key": "k", "PartNumber": 2, "UploadId": "u-1", "Body": b"part two"}, id="s3:UploadPart"),
    pytest.param("s3", "delete_object", {"Bucket": "b", "Key": "k"}, id="s3:DeleteObject"),
    pytest.param("s3", "put_bucket_tagging", {"Bucket": "b", "Tagging": {"TagSet": [{"Key": "team", "Value": "a"}]}}, id="s3:PutBucketTagging"),
    pytest.param("dynamodb", "put_item", {"TableName": "t", "Item": {**KEY, "a": {"S": "v"}}}, id="dynamodb:PutItem"),
    pytest.param("dynamodb", "put_item", {"TableName": "t", "Item": {**KEY, "a": {"S": "v"}}, "ConditionExpression": "attribute_not_exists(k)"}, id="dynamodb:PutItem-conditional"),
    pytest.param("dynamodb", "delete_item", {"TableName": "t", "Key": KEY}, id="dynamodb:DeleteItem"),
    pytest.param("dynamodb", "update_item", {"TableName": "t", "Key": KEY, "UpdateExpression": "SET a = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}}, id="dynamodb:UpdateItem-SET"),
    pytest.param("sqs", "delete_message", {"QueueUrl": QUEUE, "ReceiptHandle": "receipt-1"}, id="sqs:DeleteMessage"),
    pytest.param("ssm", "put_parameter", {"Name": "/app/colour", "Value": "blue", "Type": "String", "Overwrite": True}, id="ssm:PutParameter-Overwrite"),
    pytest.param("lambda", "put_function_concurrency", {"FunctionName": "f", "ReservedConcurrentExecutions": 5}, id="lambda:PutFunctionConcurrency"),
    pytest.param("ec2", "create_tags", {"Resources": ["i-1"], "Tags": [{"Key": "team", "Value": "a"}]}, id="ec2:CreateTags"),
    pytest.param("iam", "attach_role_policy", {"RoleName": "r", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, id="iam:AttachRolePolicy"),
]

#: Calls a second request may carry out a second time: never resent after an ambiguous failure.
UNSAFE = [
    pytest.param("sqs", "send_message", {"QueueUrl": QUEUE, "MessageBody": "charge order-1"}, id="sqs:SendMessage-standard"),
    pytest.param("dynamodb", "update_item", {"TableName": "t", "Key": KEY, "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": ONE}, id="dynamodb:UpdateItem-ADD"),
    pytest.param("dynamodb", "update_item", {"TableName": "t", "Key": KEY, "UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": ONE}, id="dynamodb:UpdateItem-SET-plus"),
    pytest.param("dynamodb", "update_item", {"TableName": "t", "Key": KEY, "UpdateExpression": "SET l = list_append(l, :more)", "ExpressionAttributeValues": {":more": {"L": [{"S": "x"}]}}}, id="dynamodb:UpdateItem-list_append"),
    pytest.param("lambda", "invoke", {"FunctionName": "f", "Payload": b'{"order": 1}'}, id="lambda:Invoke"),
]
# fmt: on

#: The ambiguous failures: the server read the request, and the client cannot tell what it did.
AMBIGUOUS = ["500", "lost response", "reset"]


@pytest.fixture
def botocore_sleeps(monkeypatch) -> Sleeps:
    """A bare client's backoffs, recorded (botocore sleeps through its module's ``time``)."""
    recorded = Sleeps()
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=recorded))
    return recorded


@pytest.fixture
def on_raw(make_client, raw_server):
    """``on_raw(service, answer)``: (raw server, before-send recorder, bare client on it)."""

    def make(service: str, answer):
        raw = raw_server(answer)
        extra = {"s3": {"addressing_style": "path"}} if service == "s3" else {}
        client = make_client(service, url=raw.url, **extra)
        sent = SendRecorder()
        event = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-send.{event}", sent)
        return raw, sent, client

    return make


def call(client, method: str, kwargs):
    """``client.method(**kwargs)``; a streamed body (Lambda Invoke's Payload) read and closed."""
    result = getattr(client, method)(**kwargs)
    for value in result.values():
        if isinstance(value, StreamingBody):
            with contextlib.closing(value):
                value.read()
    return result


def witnesses(raw, sent) -> tuple[int, int]:
    """(requests the server read, requests botocore sent): the two counts must agree."""
    return len(raw.requests), len(sent)


# -- 1. idempotent operations: resent like bare botocore ----------------------------------


@pytest.mark.parametrize("fault", AMBIGUOUS)
@pytest.mark.parametrize(("service", "method", "kwargs"), IDEMPOTENT)
def test_an_idempotent_call_survives_an_ambiguous_failure_as_bare_botocore_does(
    on_raw, botocore_sleeps, sleeps, service, method, kwargs, fault
):
    """One 500, lost response or reset, then 200: bare and wrapped both send twice and succeed."""
    seen = {}
    for kind in ("bare", "wrapped"):
        raw, sent, client = on_raw(service, answers(service, first_answer(service, fault)))
        if kind == "wrapped":
            wrap(client, RetryPolicy(), sleep=sleeps)

        result = call(client, method, kwargs)

        assert result["ResponseMetadata"]["HTTPStatusCode"] < 300
        first, second = raw.requests
        assert (second.method, second.path, second.body) == (first.method, first.path, first.body)
        seen[kind] = (*witnesses(raw, sent), result["ResponseMetadata"]["RetryAttempts"])
    assert seen == {"bare": (2, 2, 1), "wrapped": (2, 2, 1)}


@pytest.mark.parametrize(("service", "method", "kwargs"), IDEMPOTENT)
def test_an_idempotent_call_reports_its_two_attempts(on_raw, sleeps, service, method, kwargs):
    """call_info of the success: 2 attempts, nothing stopped it, no client token."""
    raw, sent, client = on_raw(service, answers(service, error(service, 500, "InternalError")))
    wrap(client, RetryPolicy(), sleep=sleeps)

    info = call_info(call(client, method, kwargs))

    assert info is not None
    assert (info.attempts, info.stop_reason, info.token) == (2, None, None)
    assert witnesses(raw, sent) == (2, 2)
    assert len(sleeps) == 1  # one backoff, recorded, never slept


# -- 2. unsafe operations: sent once, where bare botocore sends twice ---------------------


@pytest.mark.parametrize("fault", AMBIGUOUS)
@pytest.mark.parametrize(("service", "method", "kwargs"), UNSAFE)
def test_an_unsafe_call_is_sent_once_where_bare_botocore_sends_it_twice(
    on_raw, botocore_sleeps, sleeps, service, method, kwargs, fault
):
    """An ambiguous failure: bare botocore resends (a second message, a second +1); wrapped not."""
    raw, sent, bare = on_raw(service, answers(service, first_answer(service, fault)))
    call(bare, method, kwargs)
    assert witnesses(raw, sent) == (2, 2)  # the control: the duplicate the library prevents

    raw, sent, client = on_raw(service, answers(service, first_answer(service, fault)))
    wrap(client, RetryPolicy(), sleep=sleeps)
    expected = ClientError if fault == "500" else ConnectionClosedError

    with pytest.raises(expected) as raised:
        getattr(client, method)(**kwargs)

    assert witnesses(raw, sent) == (1, 1)
    info = call_info(raised.value)
    assert info is not None
    assert info.stop_reason == "unsafe_to_resend"
    assert info.attempts == 1
    assert not info.earlier_attempt_may_have_acted
    assert sleeps == []


@pytest.mark.parametrize(("service", "method", "kwargs"), UNSAFE)
def test_an_unsafe_call_is_still_resent_after_a_throttle(on_raw, sleeps, service, method, kwargs):
    """Throttled: refused, nothing happened, so even an unsafe call is resent (and succeeds)."""
    code = {"json": "ThrottlingException", "rest-json": "TooManyRequestsException"}
    throttled = error(service, 429 if service == "lambda" else 400, code[PROTOCOLS[service]])
    raw, sent, client = on_raw(service, answers(service, throttled))
    wrap(client, RetryPolicy(), sleep=sleeps)

    info = call_info(call(client, method, kwargs))

    assert info is not None
    assert info.attempts == 2
    assert witnesses(raw, sent) == (2, 2)


# -- 3. an error answered to a resend: the earlier attempt may have acted -----------------

CONDITIONAL_DELETE = {
    "TableName": "t",
    "Key": KEY,
    "ConditionExpression": "attribute_exists(k)",
}


@pytest.mark.parametrize(
    ("before", "acted"),
    [
        ("500", True),
        ("lost response", True),
        ("reset", True),
        ("throttled", False),  # refused: the first attempt did nothing
        (None, False),  # the condition failed on the first attempt
    ],
)
def test_a_conditional_delete_failing_on_its_resend_says_the_earlier_attempt_may_have_acted(
    on_raw, sleeps, before, acted
):
    """DeleteItem attribute_exists(k): 500 then ConditionalCheckFailed: the first may have deleted."""
    failed = error("dynamodb", 400, "ConditionalCheckFailedException")
    throttled = error("dynamodb", 400, "ThrottlingException")
    if before is None:
        script = answers("dynamodb", failed)
    elif before == "throttled":
        script = answers("dynamodb", throttled, failed)
    else:
        script = answers("dynamodb", first_answer("dynamodb", before), failed)
    raw, sent, client = on_raw("dynamodb", script)
    wrap(client, RetryPolicy(), sleep=sleeps)

    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as raised:
        client.delete_item(**CONDITIONAL_DELETE)

    attempts = 1 if before is None else 2
    assert witnesses(raw, sent) == (attempts, attempts)
    info = call_info(raised.value)
    assert info is not None
    assert info.earlier_attempt_may_have_acted is acted
    assert info.stop_reason == "not_retryable"
    assert info.attempts == attempts
    metadata = raised.value.response["ResponseMetadata"]
    assert metadata.get("EarlierAttemptMayHaveActed", False) is acted


# -- 4. the caller's lists: retry_unsafe and treat_as_unsafe ------------------------------

SEND = ("sqs", "send_message", {"QueueUrl": QUEUE, "MessageBody": "charge order-1"})
INVOKE = ("lambda", "invoke", {"FunctionName": "f", "Payload": b"{}"})
PUT = ("s3", "put_object", {"Bucket": "b", "Key": "k", "Body": b"hello"})
DELETE = ("s3", "delete_object", {"Bucket": "b", "Key": "k"})
ADD = ("dynamodb", "update_item", {"TableName": "t", "Key": KEY, "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": ONE})  # fmt: skip


def after_a_500(on_raw, sleeps, policy, operation) -> tuple[tuple[int, int], str | None]:
    """Make ``operation``'s call on a server that answers 500 once: (witnesses, stop_reason or None)."""
    service, method, kwargs = operation
    raw, sent, client = on_raw(service, answers(service, error(service, 500, "InternalError")))
    wrap(client, policy, sleep=sleeps)
    try:
        call(client, method, kwargs)
    except ClientError as exc:
        info = call_info(exc)
        assert info is not None
        assert info.attempts == len(raw.requests)
        return witnesses(raw, sent), info.stop_reason
    return witnesses(raw, sent), None


RETRY_SQS = RetryPolicy(retry_unsafe=["sqs:SendMessage"])


@pytest.mark.parametrize(
    ("operation", "outcome"),
    [
        pytest.param(SEND, ((2, 2), None), id="sqs:SendMessage-listed"),
        pytest.param(INVOKE, ((1, 1), "unsafe_to_resend"), id="lambda:Invoke-not-listed"),
        pytest.param(ADD, ((1, 1), "unsafe_to_resend"), id="dynamodb:UpdateItem-ADD-not-listed"),
    ],
)
def test_retry_unsafe_resends_the_operations_it_names_only(on_raw, sleeps, operation, outcome):
    """RetryPolicy(retry_unsafe=["sqs:SendMessage"]): SendMessage resent after a 500; Invoke not."""
    assert after_a_500(on_raw, sleeps, RETRY_SQS, operation) == outcome


TREAT_PUT = RetryPolicy(treat_as_unsafe=["s3:PutObject"])


@pytest.mark.parametrize(
    ("operation", "outcome"),
    [
        pytest.param(PUT, ((1, 1), "unsafe_to_resend"), id="s3:PutObject-listed"),
        pytest.param(DELETE, ((2, 2), None), id="s3:DeleteObject-not-listed"),
    ],
)
def test_treat_as_unsafe_stops_resending_the_operations_it_names(
    on_raw, sleeps, operation, outcome
):
    """RetryPolicy(treat_as_unsafe=["s3:PutObject"]): PutObject is not resent; DeleteObject is."""
    assert after_a_500(on_raw, sleeps, TREAT_PUT, operation) == outcome


RETRY_VAR, TREAT_VAR = "BOTO3_IDEMPOTENT_RETRY_UNSAFE", "BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE"
# fmt: off
ENV_ROWS = [
    pytest.param(RETRY_VAR, "sqs:SendMessage,lambda:Invoke", SEND, ((2, 2), None), id="retry-unsafe-sqs:SendMessage"),
    pytest.param(RETRY_VAR, "sqs:SendMessage,lambda:Invoke", INVOKE, ((2, 2), None), id="retry-unsafe-lambda:Invoke"),
    pytest.param(RETRY_VAR, "sqs:SendMessage,lambda:Invoke", ADD, ((1, 1), "unsafe_to_resend"), id="retry-unsafe-dynamodb:UpdateItem-not-listed"),
    pytest.param(TREAT_VAR, "s3:PutObject", PUT, ((1, 1), "unsafe_to_resend"), id="treat-as-unsafe-s3:PutObject"),
    pytest.param(TREAT_VAR, "s3:PutObject", DELETE, ((2, 2), None), id="treat-as-unsafe-s3:DeleteObject-not-listed"),
]
# fmt: on


@pytest.mark.parametrize(("variable", "value", "operation", "outcome"), ENV_ROWS)
def test_the_environment_variables_set_the_same_lists(
    on_raw, sleeps, monkeypatch, variable, value, operation, outcome
):
    """BOTO3_IDEMPOTENT_RETRY_UNSAFE / _TREAT_AS_UNSAFE, read by wrap() without a policy."""
    monkeypatch.setenv(variable, value)

    assert after_a_500(on_raw, sleeps, None, operation) == outcome


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOTO3_IDEMPOTENT_RETRY_UNSAFE", "sqs-SendMessage"),
        ("BOTO3_IDEMPOTENT_RETRY_UNSAFE", "sqs:SendMessage,lambda"),
        ("BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE", "s3:putObject"),
        ("BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE", "true"),
    ],
)
def test_a_malformed_operation_list_is_refused_before_any_request(
    on_raw, sleeps, monkeypatch, variable, value
):
    """A bad service:Operation list: ConfigError naming the variable and value; nothing sent."""
    monkeypatch.setenv(variable, value)
    raw, sent, client = on_raw("sqs", answers("sqs"))

    with pytest.raises(ConfigError) as raised:
        wrap(client, sleep=sleeps)

    assert raised.value.name == variable
    assert raised.value.value == value
    assert variable in str(raised.value)
    assert PLUGIN_ATTR not in vars(client)  # refused whole: no hooks left half-installed
    assert witnesses(raw, sent) == (0, 0)


# -- 5. misspelt and known names in the lists, on the wire ---------------------------------


ITEM = {"TableName": "t", "Item": {"k": {"S": "v"}}}


def test_known_names_pass_and_protect_on_the_wire(make_client, raw_server, sleeps, monkeypatch):
    """The name meant, spelt right: PutItem is sent once after a 500 (it would be resent)."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE", "dynamodb:PutItem")
    first = error_in("json", 500, "InternalServerError")
    raw = raw_server(lambda request, n: first if n == 1 else raw_ok(request))
    client = make_client("dynamodb", url=raw.url)
    sent = SendRecorder()
    client.meta.events.register("before-send.dynamodb", sent)
    wrap(client, sleep=sleeps)
    with pytest.raises(ClientError):
        client.put_item(**ITEM)
    assert (len(raw.requests), len(sent)) == (1, 1)


def test_a_misspelt_name_fails_before_anything_is_sent(make_client, raw_server, monkeypatch):
    """wrap() itself refuses it: no client runs with a protection the user did not get."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE", "dynamo:PutItem")
    raw = raw_server(lambda request, n: raw_ok(request))
    client = make_client("dynamodb", url=raw.url)
    with pytest.raises(ConfigError):
        wrap(client)
    assert raw.requests == []


# -- 6. treat_as_unsafe wins; a raised error says the earlier attempt may have acted -------


RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


def test_treat_as_unsafe_wins_over_a_token(make_client, server, sleeps):
    """treat_as_unsafe wins over the call's token: sent once after a 500 (not checked after it)."""
    client, sent = _ec2(make_client, RetryPolicy(treat_as_unsafe=["ec2:RunInstances"]), sleeps)
    server.plan(Reply(500, "InternalError"), OK)
    with pytest.raises(ClientError) as caught:
        client.run_instances(**RUN)
    assert (server.count(), len(sent)) == (1, 1)
    assert call_info(caught.value).stop_reason == "unsafe_to_resend"
    assert server.tokens()[0] is not None  # it carried its token, and still was not resent


def test_treat_as_unsafe_wins_over_retry_unsafe(make_client, server, sleeps):
    """treat_as_unsafe wins over retry_unsafe=True for the operation it names; others resent."""
    policy = RetryPolicy(retry_unsafe=True, treat_as_unsafe=["ec2:AllocateAddress"])
    client, sent = _ec2(make_client, policy, sleeps)
    server.plan(Reply(500, "InternalError"))  # then OK
    with pytest.raises(ClientError):
        client.allocate_address()
    assert (server.count(), len(sent)) == (1, 1)
    server.plan(Reply(500, "InternalError"))
    client.associate_address(InstanceId="i-1", AllocationId="eipalloc-1")  # resent as before
    assert server.count() == 3


def test_a_raised_error_carries_earlier_attempt_may_have_acted(make_client, server, sleeps):
    """A raised error's CallInfo says the earlier attempt may have acted (a 500, then lost)."""
    client, sent = _ec2(make_client, RetryPolicy(max_attempts=2), sleeps)
    server.plan(Reply(500, "InternalError"), Drop())
    with pytest.raises((ConnectionClosedError, ReadTimeoutError)) as caught:
        client.create_tags(Resources=["i-1"], Tags=[{"Key": "k", "Value": "v"}])
    info = call_info(caught.value)
    assert (server.count(), len(sent)) == (2, 2)
    assert info.attempts == 2
    assert info.earlier_attempt_may_have_acted is True
