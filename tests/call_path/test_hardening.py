"""Hardening, each proven over HTTP (from issue 11's reproducers on): each failed before its fix.

Atomic re-wrap under a thread storm; upload streams kept at their offset, also over HTTPS;
truncated bodies and bodies failing their checksum never returned as successes; caller
tokens masked (keyed) in logs, for hooks and in call_info's repr; an empty token secret;
inputs refused early; nested scopes with one key; a resent call's state freed without the
cyclic gc.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import io
import json
import logging
import re
import sys
import threading
import weakref
import zlib

import pytest
from botocore.exceptions import ChecksumError, ClientError

from boto3_idempotent import (
    CallInfo,
    ConfigError,
    IncompleteResponseError,
    InvalidClientToken,
    RetryEvent,
    RetryPolicy,
    call_info,
    idempotency_key,
    idempotent_handler,
    process_sqs_batch,
    wrap,
)
from conftest import FakeClock, Sleeps, raw_client, run_in_threads
from helpers.raw_server import response
from helpers.token_secret import ENV_SECRET
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
HOSTS = {"AvailabilityZone": "us-east-1a", "Quantity": 1}


# -- 1. re-wrapping a shared client is atomic ------------------------------------------


def test_rewrapping_under_load_never_sends_a_call_without_its_token(make_client, server):
    """Threads create hosts (each meets a 500 first) while another thread re-wraps non-stop."""
    client = wrap(make_client("ec2"), RetryPolicy(max_attempts=3), sleep=lambda _: None)
    server.script = lambda seen, prior: Reply(500, "InternalError") if prior == 0 else OK
    stop = threading.Event()
    rewraps = 0

    def rewrap() -> None:
        nonlocal rewraps
        policies = [RetryPolicy(max_attempts=3), RetryPolicy(max_attempts=4)]
        while not stop.is_set():
            wrap(client, policies[rewraps % 2], sleep=lambda _: None)
            rewraps += 1

    def creates() -> None:
        for _ in range(40):
            client.allocate_hosts(**HOSTS)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    rewrapper = threading.Thread(target=rewrap)
    rewrapper.start()
    try:
        run_in_threads(4, creates)  # a KeyError or a missing token would raise here
    finally:
        stop.set()
        rewrapper.join()
        sys.setswitchinterval(switch)

    tokens = server.tokens("AllocateHosts")
    assert rewraps > 10  # the race really ran
    assert None not in tokens  # every attempt carried a token
    assert len(tokens) == 2 * 160  # each call: the 500, then its resend
    assert len(set(tokens)) == 160  # ... with the same token


def test_a_call_under_way_when_rewrapped_finishes_under_the_new_policy(make_client, server):
    """Re-wrapped between two attempts: the call's retry state carries over (no KeyError)."""
    sleeps: list[float] = []
    client = wrap(make_client("ec2"), RetryPolicy(max_attempts=2), sleep=sleeps.append)

    def rewrap_then_fail(seen, prior):
        if len(server.requests) == 1:
            wrap(client, RetryPolicy(max_attempts=3, base_delay=0.0), sleep=sleeps.append)
        return Reply(500, "InternalError") if len(server.requests) < 3 else OK

    server.script = rewrap_then_fail

    client.run_instances(**RUN)

    assert server.count() == 3  # the new policy's three attempts
    assert len(set(server.tokens())) == 1


# -- 3. upload streams are put back where the caller had them ---------------------------

SLOW_DOWN = response(
    503,
    b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>",
    {"Content-Type": "application/xml"},
)
STORED = response(200, b"", {"ETag": '"etag"'})


@pytest.fixture
def s3_server(raw_server):
    """A raw server: SlowDown to the first request, 200 after."""
    return raw_server(lambda request, number: SLOW_DOWN if number == 1 else STORED)


@pytest.mark.parametrize("kind", ["bytesio", "file"])
def test_a_retried_upload_sends_the_bytes_from_the_callers_offset(s3_server, tmp_path, kind):
    """A body at byte 30 is resent from byte 30 after SlowDown (botocore alone rewinds to 0)."""
    data = bytes(range(100))
    path = tmp_path / "part.bin"
    path.write_bytes(data)
    body = io.BytesIO(data) if kind == "bytesio" else path.open("rb")
    body.seek(30)
    s3 = wrap(raw_client("s3", s3_server.url), RetryPolicy(), sleep=lambda _: None)

    with body:
        s3.put_object(Bucket="bucket", Key="part", Body=body)

    assert [r.method for r in s3_server.requests] == ["PUT", "PUT"]
    assert [r.body for r in s3_server.requests] == [data[30:], data[30:]]


def test_bare_botocore_would_resend_from_byte_zero(s3_server):
    """The bug the library fixes, shown on a bare client: the oracle can see it."""
    data = bytes(range(100))
    body = io.BytesIO(data)
    body.seek(30)

    raw_client("s3", s3_server.url).put_object(Bucket="bucket", Key="part", Body=body)

    assert [r.body for r in s3_server.requests] == [data[30:], data]


# -- 4. a truncated body is never a success ----------------------------------------------

CLUSTER = json.dumps({"cluster": {"name": "c", "arn": "arn:aws:eks:us-east-1:1:cluster/c"}})


def truncated_then_whole(body: bytes, content_type: str, cut: int):
    """First answer: headers promise the whole body, 'cut' bytes follow; then the whole body."""

    def answer(request, number):
        headers = {"Content-Type": content_type}
        if number == 1:
            return response(200, body[:cut], headers, content_length=len(body))
        return response(200, body, headers)

    return answer


def wrapped_on(raw, service: str):
    """A wrapped client of ``service`` on a raw server, backing off without sleeping."""
    return wrap(raw_client(service, raw.url), RetryPolicy(), sleep=lambda _: None)


@pytest.mark.parametrize("cut", [0, 10])
def test_a_truncated_json_success_is_resent_when_the_call_is_protected(raw_server, cut):
    """EKS CreateCluster (clientRequestToken): resent, and the whole answer is returned."""
    raw = raw_server(truncated_then_whole(CLUSTER.encode(), "application/json", cut))
    eks = wrapped_on(raw, "eks")

    result = eks.create_cluster(name="c", roleArn="arn:aws:iam::1:role/r", resourcesVpcConfig={})

    assert result["cluster"]["name"] == "c"
    tokens = [json.loads(r.body)["clientRequestToken"] for r in raw.requests]
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]


def test_a_truncated_answer_to_an_unprotected_call_raises_instead_of_returning_it(raw_server):
    """EC2 AllocateAddress has no token (unsafe): one attempt, IncompleteResponseError, never {}."""
    body = (
        b'<AllocateAddressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        b"<publicIp>192.0.2.1</publicIp></AllocateAddressResponse>"
    )
    raw = raw_server(truncated_then_whole(body, "text/xml", 12))
    ec2 = wrapped_on(raw, "ec2")

    with pytest.raises(IncompleteResponseError) as raised:
        ec2.allocate_address(Domain="vpc")

    assert len(raw.requests) == 1
    assert "ended after 12 of its" in str(raised.value)
    assert call_info(raised.value).stop_reason == "unsafe_to_resend"


def test_a_truncated_answer_to_an_idempotent_call_is_resent(raw_server):
    """EC2 CreateTags has no token but is idempotent: resent after a cut body, as bare botocore."""
    body = (
        b'<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        b"<return>true</return></CreateTagsResponse>"
    )
    raw = raw_server(truncated_then_whole(body, "text/xml", 12))

    wrapped_on(raw, "ec2").create_tags(Resources=["i-1"], Tags=[{"Key": "k", "Value": "v"}])

    assert len(raw.requests) == 2


def test_a_truncated_xml_success_is_resent_when_protected(raw_server):
    """EC2 RunInstances cut after 10 bytes: resent with its token, no ResponseParserError."""
    body = (
        b'<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        b"<requestId>r</requestId><reservationId>r-1</reservationId></RunInstancesResponse>"
    )
    raw = raw_server(truncated_then_whole(body, "text/xml", 10))

    reservation = wrapped_on(raw, "ec2").run_instances(**RUN)

    assert reservation["ReservationId"] == "r-1"
    tokens = [re.search(rb"ClientToken=([^&]+)", r.body)[1] for r in raw.requests]
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]


def test_a_head_response_has_no_body_to_check(raw_server):
    """HEAD answers carry the object's Content-Length and no body: not a truncation."""
    raw = raw_server(lambda request, number: response(200, b"", {"ETag": '"e"'}, content_length=5))

    head = wrapped_on(raw, "s3").head_object(Bucket="bucket", Key="key")

    assert head["ContentLength"] == 5
    assert len(raw.requests) == 1


# -- 5. caller tokens are log-safe for hooks too, keyed by the secret -------------------


def _retried_with(make_client, server, token, monkeypatch, secret=None):
    if secret is not None:
        monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", secret)
    events: list[RetryEvent] = []
    client = wrap(make_client(), RetryPolicy(on_retry=[events.append]), sleep=lambda _: None)
    server.plan(Reply(500, "InternalError"), OK)
    client.run_instances(ClientToken=token, **RUN)
    return events[0]


def test_hooks_see_a_callers_token_masked_and_can_still_reach_the_raw_one(
    make_client, server, monkeypatch
):
    """event.token is caller:<digest>; the raw token is there, out of repr, for who needs it."""
    event = _retried_with(make_client, server, "order-1234", monkeypatch)

    assert event.token.startswith("caller:")
    assert "order-1234" not in repr(event)
    assert event.raw_token == "order-1234"


def test_without_a_secret_the_mask_is_not_a_plain_hash(make_client, server, monkeypatch):
    """An unkeyed sha256 of 'order-N' can be brute-forced; the mask is keyed per process."""
    event = _retried_with(make_client, server, "order-1234", monkeypatch)

    plain = hashlib.sha256(b"order-1234").hexdigest()[:12]
    assert event.token != "caller:" + plain


def test_with_a_secret_the_mask_is_its_hmac(make_client, server, monkeypatch):
    """With BOTO3_IDEMPOTENT_TOKEN_SECRET, masks are stable across processes: HMAC(secret)."""
    event = _retried_with(make_client, server, "order-1234", monkeypatch, secret="s3cr3t")

    expected = hmac.new(b"s3cr3t", b"order-1234", hashlib.sha256).hexdigest()[:12]
    assert event.token == "caller:" + expected


# -- 6. an empty token secret counts as unset --------------------------------------------


def test_an_empty_secret_is_unset_not_an_error_at_every_invocation(
    make_client, server, monkeypatch, lambda_context
):
    """BOTO3_IDEMPOTENT_TOKEN_SECRET='' derives what an unset variable derives."""
    ec2 = wrap(make_client(), RetryPolicy())

    @idempotent_handler
    def handler(event, context):
        ec2.run_instances(**RUN)

    handler({}, lambda_context)
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", "")
    handler({}, lambda_context)

    first, second = server.tokens()
    assert first == second


# -- 7. inputs refused early, and clearly --------------------------------------------------


@pytest.mark.parametrize("margin", [True, "1", -1.0, float("nan"), float("inf")])
def test_a_bad_margin_argument_is_a_config_error(margin):
    """margin=True or "1" is refused when decorating, naming margin."""
    with pytest.raises(ConfigError, match=r"^margin="):
        idempotent_handler(margin=margin)


def test_a_context_answering_none_for_time_left_does_not_hide_the_real_error(make_client, server):
    """get_remaining_time_in_millis() -> None: no limit, and the ClientError comes through."""
    ec2 = wrap(make_client(), RetryPolicy(max_attempts=2), sleep=lambda _: None)
    server.script = lambda seen, prior: Reply(400, "InvalidParameterValue")

    class Context:
        aws_request_id = "req-1"

        def get_remaining_time_in_millis(self):
            return None

    @idempotent_handler
    def handler(event, context):
        ec2.run_instances(**RUN)

    with pytest.raises(ClientError, match="InvalidParameterValue"):
        handler({}, Context())


def test_a_non_numeric_crc32_header_is_a_checksum_failure(make_client, server):
    """GetItem with x-amz-crc32: junk is fetched again (it is safe), not a ValueError."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=lambda _: None)
    server.plan(Reply(headers=(("x-amz-crc32", "not-a-number"),)), OK)

    ddb.get_item(TableName="t", Key={"k": {"S": "1"}})

    assert server.count() == 2


@pytest.mark.parametrize("length", [65, 32_000])
def test_an_overlong_caller_token_is_refused_before_any_pattern_runs(make_client, server, length):
    """Length is checked first: a 32,000-character token fails at once, nothing is sent."""
    ec2 = wrap(make_client(), RetryPolicy())

    with pytest.raises(InvalidClientToken, match=f"got a client token of {length} characters"):
        ec2.run_instances(ClientToken="a" * length, **RUN)

    assert server.count() == 0


def test_a_member_the_model_leaves_open_is_bounded_too(make_client, server):
    """DynamoDB ExportTableToPointInTime's ClientToken has no max: 4096 bounds it all the same."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy())

    with pytest.raises(InvalidClientToken, match="expected 1 to 4096 printable ASCII"):
        ddb.export_table_to_point_in_time(
            TableArn="arn:aws:dynamodb:us-east-1:1:table/t", S3Bucket="b", ClientToken="a" * 32_000
        )

    assert server.count() == 0


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"source": "aws.events", "detail-type": "x", "detail": {}},  # EventBridge
        {"httpMethod": "POST", "body": "{}"},  # API Gateway
        {"Records": {"messageId": "1"}},  # a dict, not a list
        {"Records": [{"eventSource": "aws:s3", "s3": {}}]},  # S3, not SQS
        None,
    ],
)
def test_process_sqs_batch_refuses_what_is_not_an_sqs_batch(event):
    """A wrong event is a ValueError, never an empty list of failures."""
    with pytest.raises(ValueError, match="SQS event"):
        process_sqs_batch(event, lambda record: None)


# -- 9. a nested scope with the same key continues its numbering ------------------------


def test_nested_scopes_with_one_key_never_give_two_calls_one_token(make_client, server):
    """idempotency_key(k) inside idempotency_key(k): calls 1 and 2, as one scope would number them."""
    ec2 = wrap(make_client(), RetryPolicy())

    with idempotency_key("job-7"):
        ec2.run_instances(**RUN)
        with idempotency_key("job-7"):
            ec2.run_instances(**RUN)
    nested = server.tokens()
    server.reset()
    with idempotency_key("job-7"):
        ec2.run_instances(**RUN)
        ec2.run_instances(**RUN)

    assert nested[0] != nested[1]
    assert server.tokens() == nested


# -- the deadline and quota describe resends that happen ---------------------------------


def test_the_quota_is_charged_only_for_resends_made(make_client, server):
    """A retry refused by the deadline costs nothing; one made costs exactly its price."""
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, deadline=1.5)
    client = wrap(make_client(), policy, sleep=clock.sleep, clock=clock, random=lambda: 1.0)
    plugin = vars(client)["_boto3_idempotent_plugin"]
    server.script = lambda seen, prior: Reply(500, "InternalError")
    full = plugin.quota.available

    with pytest.raises(ClientError) as raised:
        client.run_instances(**RUN)

    assert server.count() == 2  # 1 s fits in 1.5 s; the next 2 s does not
    assert full - plugin.quota.available == plugin.setup.settings.mode.retry_cost
    assert call_info(raised.value).stop_reason == "deadline"


# -- a body that fails its checksum is never a success -------------------------------------


BAD_CRC = Reply(headers=(("x-amz-crc32", str(zlib.crc32(b"something else"))),))


def test_dynamodb_body_failing_its_checksum_is_retried_when_safe(make_client, server, sleeps):
    """GetItem (read-only): a corrupted body is fetched again, as botocore would."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=sleeps)
    server.plan(BAD_CRC, Reply(headers=(("x-amz-crc32", str(zlib.crc32(b"{}"))),)))

    ddb.get_item(TableName="t", Key={"k": {"S": "1"}})

    assert server.count() == 2


def test_dynamodb_body_failing_its_checksum_is_never_returned(make_client, server, sleeps):
    """A counter's UpdateItem (not safe to resend): ChecksumError, not a corrupted success."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=sleeps)
    server.plan(BAD_CRC)

    with pytest.raises(ChecksumError):
        ddb.update_item(
            TableName="t",
            Key={"k": {"S": "1"}},
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    assert server.count() == 1


def test_dynamodb_put_item_failing_its_checksum_is_resent(make_client, server, sleeps):
    """PutItem (idempotent: a whole item) is resent after a body that fails its checksum."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=sleeps)
    server.plan(BAD_CRC, OK)

    ddb.put_item(TableName="t", Item={"k": {"S": "1"}})
    assert server.count() == 2


# -- an upload at an offset, over HTTPS (aws-chunked with a trailing checksum) -------------


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: the server's context and the client's CA file."""
    from helpers.tls import self_signed

    return self_signed(tmp_path_factory.mktemp("tls"))


DATA = bytes(range(256)) * 400  # 102,400 bytes


OFFSET = 5_000


def _s3_over_tls(url, ca_file):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        verify=ca_file,
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}),
    )


@pytest.mark.parametrize("operation", ["put_object", "upload_part"])
def test_an_upload_at_an_offset_over_https_resends_from_that_offset(tls, tmp_path, operation):
    """aws-chunked over TLS, a 500 first: every attempt carries the bytes from the caller's offset."""
    from helpers.raw_server import decode_aws_chunked, response

    context, ca_file = tls

    def answer(request, number):
        if number == 1:
            return response(500, b"<Error><Code>InternalError</Code></Error>")
        return response(200, b"", {"ETag": '"e"'})

    from helpers.raw_server import RawServer

    server = RawServer(answer, tls=context)
    try:
        client = wrap(_s3_over_tls(server.url, ca_file), RetryPolicy(), sleep=lambda s: None)
        headers = []
        client.meta.events.register(
            "before-send.s3", lambda request, **kw: headers.append(dict(request.headers))
        )
        path = tmp_path / "part.bin"
        path.write_bytes(DATA)
        with path.open("rb") as body:
            body.seek(OFFSET)
            kwargs = {"Bucket": "b", "Key": "k", "Body": body}
            if operation == "upload_part":
                kwargs.update(PartNumber=1, UploadId="u")
            getattr(client, operation)(**kwargs)
    finally:
        server.close()

    assert len(server.requests) == len(headers) == 2
    for request, sent in zip(server.requests, headers, strict=True):
        assert request.headers["content-encoding"] == "aws-chunked"  # the HTTPS path
        data, trailers = decode_aws_chunked(request.body)
        assert data == DATA[OFFSET:]
        assert trailers  # the trailing checksum came
        assert request.headers["x-amz-decoded-content-length"] == str(len(DATA) - OFFSET)
        decoded_length = sent["X-Amz-Decoded-Content-Length"]
        if isinstance(decoded_length, bytes):
            decoded_length = decoded_length.decode()
        assert decoded_length == str(len(DATA) - OFFSET)


# -- a caller's token is masked wherever it is shown: logs, hooks, call_info ---------------


@pytest.fixture
def ec2(make_client, sleeps):
    """A wrapped EC2 client on the scripted server."""
    return wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps, random=lambda: 0.0)


def test_caller_tokens_are_masked_in_log_records(ec2, server, caplog):
    """A caller's token may be business data: logs carry a digest, generated ones stay."""
    server.plan(Reply(500, "InternalError"), OK, Reply(500, "InternalError"), OK)

    with caplog.at_level(logging.INFO, logger="boto3_idempotent"):
        ec2.run_instances(ClientToken="order-4711", **RUN)
        ec2.run_instances(**RUN)

    caller, generated = [r for r in caplog.records if r.name == "boto3_idempotent"]
    assert caller.token.startswith("caller:")
    assert "order-4711" not in caller.getMessage()
    assert generated.token == server.tokens()[2]


def test_a_non_utf8_secret_masks_a_caller_token_after_a_failure(ec2, server, monkeypatch):
    """A caller token meeting a 500 is masked with the secret's bytes; nothing raises or leaks."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", ENV_SECRET)
    events = []
    client = wrap(ec2, RetryPolicy(on_retry=events.append), sleep=lambda s: None)
    server.plan(Reply(500, "InternalError"), OK)

    response = client.run_instances(**RUN, ClientToken="order-48213")

    assert call_info(response).attempts == 2
    assert events[0].token.startswith("caller:")
    assert ENV_SECRET not in repr(events) + repr(call_info(response))


@pytest.mark.parametrize(
    ("token", "shown"),
    [
        ("order-48213-alice@example.com", False),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", True),  # a generated form carries nothing
        ("0f8fad5bd9cb469fa16570867728950e", True),
    ],
)
def test_call_info_repr_masks_a_token_of_yours(token, shown):
    """repr(call_info(...)) never shows a caller's raw token; .token still holds it."""
    info = CallInfo(attempts=2, token=token)

    assert (token in repr(info)) is shown
    if not shown:
        assert "token='caller:" in repr(info)
    assert info.token == token


def test_call_info_repr_of_a_real_call_masks_the_caller_token(ec2, server):
    """Over HTTP: the response's call_info, printed as README prints it, hides the order number."""
    server.plan(OK)

    info = call_info(ec2.run_instances(**RUN, ClientToken="order-48213-alice"))

    assert info.token == "order-48213-alice"
    assert "order-48213" not in repr(info)
    assert "order-48213" not in str(info)


def _masked(make_client, server, token: str) -> str:
    events: list[RetryEvent] = []
    client = wrap(make_client(), RetryPolicy(on_retry=[events.append]), sleep=Sleeps())
    server.plan(Reply(500, "InternalError"), OK)
    client.run_instances(ClientToken=token, **RUN)
    assert events[0].token is not None
    return events[0].token


def test_without_a_secret_the_mask_is_not_keyed_with_an_empty_key(make_client, server):
    """No BOTO3_IDEMPOTENT_TOKEN_SECRET: caller:<digest> is not HMAC keyed with b'' (guessable)."""
    shown = _masked(make_client, server, "order-1234")

    empty_key = hmac.new(b"", b"order-1234", hashlib.sha256).hexdigest()[:12]
    assert shown.startswith("caller:")
    assert shown != "caller:" + empty_key


def test_with_a_secret_the_mask_is_keyed_with_it(make_client, server, monkeypatch):
    """BOTO3_IDEMPOTENT_TOKEN_SECRET set: caller:<HMAC-SHA256(secret, token)[:12]>."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", "s3cr3t")
    shown = _masked(make_client, server, "order-1234")

    assert shown == "caller:" + hmac.new(b"s3cr3t", b"order-1234", hashlib.sha256).hexdigest()[:12]


# -- no reference cycle from a resent call -------------------------------------------------


def test_a_resent_calls_state_is_freed_without_the_cyclic_gc(make_client, server, sleeps):
    """With gc disabled, the context of a resent call, and tenacity's state in it, go away."""
    client = wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps, random=lambda: 0.0)
    contexts = []
    client.meta.events.register(  # an AWSRequest: its context on every botocore
        "request-created.ec2", lambda request, **kw: contexts.append(request.context)
    )
    server.plan(Reply(500, "InternalError"), OK)
    gc.collect()
    gc.disable()
    try:
        client.run_instances(**RUN)
        context = contexts[0]
        held = next(v for k, v in context.items() if k.endswith("retry_state"))
        state = weakref.ref(held[1])
        assert held[1].args == ()
        del contexts[:], context, held
        assert state() is None  # freed by reference counting alone
    finally:
        gc.enable()
