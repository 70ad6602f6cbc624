"""A call the library did not resend says so on its exception: a PEP 678 note, and no other change.

Raw socket servers answer (a 500, a throttle, a lost answer); a bare botocore client on
the same answers is the control for the exception's class, code and response; a
``before-send`` recorder counts what went out. call_info() finds the call through an
exception's chain, such as s3transfer's S3UploadFailedError over the ClientError.
"""

from __future__ import annotations

import json
import sys

import pytest
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError, ConnectionClosedError

from boto3_idempotent import EarlierAttemptMayHaveActed, RetryPolicy, call_info, wrap
from conftest import raw_client
from helpers.answers import SendRecorder
from helpers.raw_server import response

QUEUE = {
    "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
    "MessageBody": "secret-order-42",
}
JSON = {"Content-Type": "application/x-amz-json-1.0"}


def notes(error: BaseException) -> list[str]:
    """The exception's PEP 678 notes."""
    return list(getattr(error, "__notes__", []))


def sqs_error(status: int, code: str) -> bytes:
    """An SQS (AWS JSON, query-compatible) error answer."""
    body = json.dumps({"__type": f"com.amazonaws.sqs#{code}", "message": "scripted"}).encode()
    return response(status, body, {**JSON, "x-amzn-query-error": f"{code};Sender"})


def both(raw_server, answer, sleeps, service="sqs", **config):
    """(raw server, recorder, wrapped client) and a bare client on a second server of the same answers."""
    raw, control = raw_server(answer), raw_server(answer)
    client = raw_client(service, raw.url, **config)
    sent = SendRecorder()
    client.meta.events.register(f"before-send.{service}", sent)
    return (
        raw,
        sent,
        wrap(client, RetryPolicy(max_attempts=3), sleep=sleeps),
        raw_client(service, control.url, retries={"max_attempts": 0}),
    )


def test_an_unsafe_call_not_resent_after_a_500_says_why(raw_server, sleeps):
    """sqs:SendMessage, a 500: one request, the class bare botocore raises, and a note."""
    raw, sent, client, bare = both(raw_server, lambda r, n: sqs_error(500, "InternalError"), sleeps)

    with pytest.raises(ClientError) as caught:
        client.send_message(**QUEUE)
    with pytest.raises(ClientError) as control:
        bare.send_message(**QUEUE)

    assert (len(raw.requests), len(sent)) == (1, 1)
    assert type(caught.value) is type(control.value)
    assert caught.value.response["Error"] == control.value.response["Error"]
    (note,) = notes(caught.value)
    assert note.startswith("boto3-idempotent: sqs:SendMessage was not resent after InternalError:")
    assert "unsafe_to_resend" in note
    assert "Send: a second request sends" in note  # the operation's class, and why
    assert "call_info(exc) = CallInfo(attempts=1" in note
    assert "secret-order-42" not in note  # never the parameters
    assert call_info(caught.value).stop_reason == "unsafe_to_resend"


def test_attempts_run_out_says_so(raw_server, sleeps):
    """Throttled three times: the note says the attempts ran out; the class is botocore's."""
    raw, _, client, bare = both(raw_server, lambda r, n: sqs_error(400, "RequestThrottled"), sleeps)

    with pytest.raises(ClientError) as caught:
        client.send_message(**QUEUE)

    assert len(raw.requests) == 3
    (note,) = notes(caught.value)
    assert "max_attempts: its attempts ran out (3 sent)" in note
    with pytest.raises(ClientError) as control:
        bare.send_message(**QUEUE)
    assert type(caught.value) is type(control.value)


def test_a_lost_answer_to_an_unsafe_call_is_noted_on_the_connection_error(raw_server, sleeps):
    """No answer at all: the ConnectionClosedError carries the note."""
    _, sent, client, _ = both(raw_server, lambda r, n: None, sleeps)

    with pytest.raises(ConnectionClosedError) as caught:
        client.send_message(**QUEUE)

    assert len(sent) == 1
    (note,) = notes(caught.value)
    assert "sqs:SendMessage was not resent after ConnectionClosedError: unsafe_to_resend" in note


def test_a_refusal_the_service_answered_carries_no_note(raw_server, sleeps):
    """A plain 400 (the service's own answer): nothing added."""
    _, _, client, _ = both(raw_server, lambda r, n: sqs_error(400, "InvalidParameterValue"), sleeps)

    with pytest.raises(ClientError) as caught:
        client.send_message(**QUEUE)

    assert notes(caught.value) == []


def test_a_conditional_failure_after_a_lost_answer_says_the_item_was_probably_written(
    raw_server, sleeps
):
    """DynamoDB PutItem: lost, resent, ConditionalCheckFailed: typed, and the note says why."""

    def answer(request, n):
        if n == 1:
            return None
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                "message": "The conditional request failed",
            }
        ).encode()
        return response(400, body, JSON)

    raw, _, client, _ = both(raw_server, answer, sleeps, service="dynamodb")
    with pytest.raises(EarlierAttemptMayHaveActed) as caught:
        client.put_item(
            TableName="t", Item={"k": {"S": "v"}}, ConditionExpression="attribute_not_exists(k)"
        )

    assert len(raw.requests) == 2
    assert isinstance(caught.value, client.exceptions.ConditionalCheckFailedException)
    (note,) = notes(caught.value)
    assert "the first attempt probably wrote the item" in note


def test_other_after_call_handlers_still_see_the_error_answer(raw_server, sleeps):
    """The note is raised by the last after-call hook: a user's handler runs before it."""
    _, _, client, _ = both(raw_server, lambda r, n: sqs_error(500, "InternalError"), sleeps)
    seen = []
    client.meta.events.register(
        "after-call.sqs.SendMessage",
        lambda http_response, **kw: seen.append(http_response.status_code),
    )

    with pytest.raises(ClientError):
        client.send_message(**QUEUE)

    assert seen == [500]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="traceback prints notes from 3.11")
def test_the_note_is_printed_under_the_message(raw_server, sleeps):
    """Where the user looks: the traceback."""
    import traceback

    _, _, client, _ = both(raw_server, lambda r, n: sqs_error(500, "InternalError"), sleeps)
    with pytest.raises(ClientError) as caught:
        client.send_message(**QUEUE)

    printed = "".join(traceback.format_exception(caught.value))
    assert "boto3-idempotent: sqs:SendMessage was not resent" in printed


def test_the_refusal_log_record_carries_a_token_attribute_as_the_others(raw_server, sleeps, caplog):
    """A ``%(token)s`` format serves every record: the refusal's has it too (masked, or None)."""
    import logging

    _, _, client, _ = both(raw_server, lambda r, n: sqs_error(500, "InternalError"), sleeps)
    formatter = logging.Formatter("%(message)s token=%(token)s")
    with caplog.at_level(logging.DEBUG, logger="boto3_idempotent"), pytest.raises(ClientError):
        client.send_message(**QUEUE)

    (record,) = [r for r in caplog.records if r.getMessage().startswith("Not resending")]
    assert formatter.format(record).endswith("token=None")  # SendMessage carries no token


# -- call_info follows an exception's chain ------------------------------------------------


def test_call_info_follows_the_chain_of_an_error_raised_over_the_call(
    make_client, raw_server, sleeps, tmp_path
):
    """s3transfer's S3UploadFailedError: call_info reads the ClientError under it."""
    denied = response(
        403,
        b"<Error><Code>AccessDenied</Code><Message>m</Message></Error>",
        {"Content-Type": "application/xml"},
    )
    raw = raw_server(lambda request, n: denied)
    client = wrap(make_client("s3", url=raw.url, s3={"addressing_style": "path"}), sleep=sleeps)
    path = tmp_path / "small.txt"
    path.write_bytes(b"hello")
    with pytest.raises(S3UploadFailedError) as caught:
        client.upload_file(str(path), "b", "k")
    info = call_info(caught.value)
    assert info is not None
    assert (info.attempts, info.stop_reason) == (1, "not_retryable")


def test_call_info_of_an_unrelated_error_is_none():
    """An error with no call in its chain: None, and a cycle in the chain ends the walk."""
    first, second = ValueError("a"), KeyError("b")
    first.__context__, second.__context__ = second, first
    assert call_info(first) is None
