"""The second review's findings (issue 18), each with a test that failed before its fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from boto3_idempotent import CallInfo, RetryPolicy, call_info, idempotency_key, wrap
from helpers.wire import OK, Reply

# A secret as `head -c 32 /dev/urandom` makes it: not UTF-8. os.environ holds such bytes
# as lone surrogates (PEP 383); this is what it holds for these bytes.
RAW_SECRET = bytes(range(0x80, 0xA0))
ENV_SECRET = os.fsdecode(RAW_SECRET)
RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


@pytest.fixture
def ec2(make_client, sleeps):
    """A wrapped EC2 client on the scripted server."""
    return wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps, random=lambda: 0.0)


def test_a_non_utf8_secret_derives_tokens_from_its_bytes(ec2, server, monkeypatch):
    """The variable's raw bytes are the secret: the tokens equal those of secret=<the bytes>."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", ENV_SECRET)
    server.plan(Reply(500, "InternalError"), OK, OK)

    with idempotency_key("order-1"):
        ec2.run_instances(**RUN)
    with idempotency_key("order-1", secret=RAW_SECRET):
        ec2.run_instances(**RUN)

    first, resent, again = server.tokens("RunInstances")
    assert first == resent == again


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


def test_policy_shows_a_non_utf8_secret_as_set_and_never_prints_it():
    """`policy` with raw bytes in the variable: exit 0, "set", not the bytes."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOTO3_IDEMPOTENT_")}
    environ["BOTO3_IDEMPOTENT_TOKEN_SECRET"] = ENV_SECRET  # subprocess passes the raw bytes
    result = subprocess.run(
        [sys.executable, "-m", "boto3_idempotent", "policy"],
        capture_output=True,
        timeout=120,
        check=False,
        env=environ,
    )
    assert result.returncode == 0, result.stderr
    assert b"token_secret" in result.stdout
    assert RAW_SECRET not in result.stdout + result.stderr


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


def _policy(env):
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOTO3_IDEMPOTENT_", "AWS_"))
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "boto3_idempotent", "policy"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
    )


@pytest.mark.parametrize("value", ["garbage", "0", "-3", "2.5", "\u0663"])
def test_policy_refuses_an_aws_max_attempts_that_boto3_refuses(value):
    """What boto3.client() refuses to start with, `policy` refuses too, naming the variable."""
    result = _policy({"AWS_MAX_ATTEMPTS": value})

    assert result.returncode == 2
    assert result.stdout == ""
    assert f"AWS_MAX_ATTEMPTS={value!r} is invalid" in result.stderr


def test_policy_takes_a_good_aws_max_attempts():
    """A whole number >= 1 is botocore's budget, shown with its source."""
    result = _policy({"AWS_MAX_ATTEMPTS": "6"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == ["max_attempts", "6", "AWS_MAX_ATTEMPTS"]


def test_a_token_whose_instance_terminated_raises_typed(ec2, server):
    """EC2's IdempotentInstanceTerminated: a typed ClientError with the token, sent once."""
    from botocore.exceptions import ClientError

    from boto3_idempotent import IdempotentInstanceTerminated

    message = (
        "The client token you have provided is associated with a resource that is already deleted."
    )
    server.plan(Reply(400, "IdempotentInstanceTerminated", message))
    sent = []
    ec2.meta.events.register("before-send.ec2", lambda request, **kw: sent.append(request))

    with pytest.raises(IdempotentInstanceTerminated) as raised:
        ec2.run_instances(**RUN, ClientToken="key-1-launch")

    assert isinstance(raised.value, ClientError)
    assert raised.value.token == "key-1-launch"
    assert raised.value.response["Error"]["Code"] == "IdempotentInstanceTerminated"
    assert call_info(raised.value).stop_reason == "not_retryable"
    assert server.count() == len(sent) == 1


# -- (1) an upload at an offset, over HTTPS (aws-chunked with a trailing checksum) ---------


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


# -- (3) "already exists" read as our success only where documented for this reference ---


def test_a_name_clash_after_a_503_is_the_services_own_error(raw_server):
    """Route 53 KSK: 503, then KeySigningKeyAlreadyExists (a name clash): not our success."""
    from test_coverage import r53_error, references

    from boto3_idempotent import EarlierAttemptSucceeded
    from conftest import raw_client

    raw = raw_server(
        lambda request, n: (
            r53_error(503, "ServiceUnavailable")
            if n == 1
            else r53_error(409, "KeySigningKeyAlreadyExists")
        )
    )
    client = wrap(raw_client("route53", raw.url), RetryPolicy(), sleep=lambda _: None)
    sent = []
    client.meta.events.register("before-send.route-53", lambda request, **kw: sent.append(1))

    with pytest.raises(client.exceptions.KeySigningKeyAlreadyExists) as raised:
        client.create_key_signing_key(
            CallerReference="ref-1",
            HostedZoneId="Z1",
            KeyManagementServiceArn="arn:aws:kms:us-east-1:111122223333:key/k",
            Name="ksk",
            Status="ACTIVE",
        )

    assert not isinstance(raised.value, EarlierAttemptSucceeded)
    info = call_info(raised.value)
    assert (info.attempts, info.stop_reason) == (2, "not_retryable")
    assert info.earlier_attempt_may_have_acted is True
    assert references(raw) == ["ref-1", "ref-1"]
    assert len(sent) == 2


# -- (7) references and tokens the table missed; (8) a member of the same role ------------


def _lambda_error(status, code):
    from helpers.raw_server import response

    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
    return response(status, b'{"message": "scripted"}', headers)


@pytest.mark.parametrize(("name", "sent"), [("order-1", 2), (None, 1)])
def test_lambda_invoke_with_a_durable_execution_name_is_resent(raw_server, name, sent):
    """Invoke carrying DurableExecutionName is protected (resent with it); without, unsafe."""
    from conftest import raw_client, require_model
    from helpers.raw_server import response

    raw = raw_server(
        lambda request, n: (
            _lambda_error(500, "ServiceException")
            if n == 1
            else response(200, b"{}", {"Content-Type": "application/json"})
        )
    )
    client = wrap(raw_client("lambda", raw.url), RetryPolicy(), sleep=lambda _: None)
    headers = []
    client.meta.events.register(
        "before-send.lambda", lambda request, **kw: headers.append(request.headers)
    )
    kwargs = {"FunctionName": "f", "Payload": b"{}"}
    if name is not None:
        require_model("lambda", "Invoke", "DurableExecutionName")
        kwargs["DurableExecutionName"] = name

    if sent == 2:
        result = client.invoke(**kwargs)
        result["Payload"].close()
        assert call_info(result).token == name
    else:
        from botocore.exceptions import ClientError

        with pytest.raises(ClientError) as raised:
            client.invoke(**kwargs)
        assert call_info(raised.value).stop_reason == "unsafe_to_resend"
    assert len(raw.requests) == len(headers) == sent
    assert {r.headers.get("x-amz-durable-execution-name") for r in raw.requests} == {name}


@pytest.mark.parametrize(
    ("entries", "sent"),
    [
        (
            [
                {"SystemMetadata": {"DeduplicationId": "e-1"}},
                {"SystemMetadata": {"DeduplicationId": "e-2"}},
            ],
            2,
        ),
        ([{"SystemMetadata": {"DeduplicationId": "e-1"}}, {}], 1),  # one entry without: unsafe
    ],
)
def test_eventbridge_v2_put_events_is_resent_only_when_every_entry_has_its_id(
    raw_server, entries, sent
):
    """EventBridge (v2) PutEvents: per-entry DeduplicationId protects the call, all or nothing."""
    import botocore.session
    from botocore.exceptions import ClientError

    from conftest import raw_client
    from helpers.raw_server import response

    if "eventbridgev2" not in botocore.session.get_session().get_available_services():
        pytest.skip("EventBridge v2 is newer than this botocore")
    cbor = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
    raw = raw_server(  # smithy-rpc-v2-cbor: an empty map (0xa0) is a whole answer
        lambda request, n: response(500 if n == 1 else 200, b"\xa0", cbor)
    )
    client = wrap(raw_client("eventbridgev2", raw.url), RetryPolicy(), sleep=lambda _: None)
    base = {"Source": "shop", "DetailType": "order", "Detail": "{}"}
    calls = [{**base, **entry} for entry in entries]

    bus = "arn:aws:events:us-east-1:111122223333:event-bus/orders.fifo"
    if sent == 2:
        client.put_events(EventBusArn=bus, Entries=calls)
    else:
        with pytest.raises(ClientError) as raised:
            client.put_events(EventBusArn=bus, Entries=calls)
        assert call_info(raised.value).stop_reason == "unsafe_to_resend"
    assert len(raw.requests) == sent


def test_gamelift_game_session_id_stands_for_the_token(make_client, server, sleeps):
    """CreateGameSession with the deprecated GameSessionId: no IdempotencyToken is generated."""
    client = wrap(make_client("gamelift"), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(500, "InternalServiceException"), OK, OK)
    sent = []
    client.meta.events.register(
        "before-send.gamelift", lambda request, **kw: sent.append(request.body)
    )

    client.create_game_session(FleetId="fleet-1", MaximumPlayerSessionCount=2, GameSessionId="gs-1")
    client.create_game_session(FleetId="fleet-1", MaximumPlayerSessionCount=2)

    bodies = [json.loads(body) for body in sent]
    assert [b.get("GameSessionId") for b in bodies] == ["gs-1", "gs-1", None]
    assert [("IdempotencyToken" in b) for b in bodies] == [False, False, True]
    assert server.count() == 3  # the one with GameSessionId was resent: it stands for the token


def test_greengrass_deployment_gets_a_token_header(make_client, server, sleeps):
    """Greengrass CreateDeployment: X-Amzn-Client-Token generated and the same on the resend."""
    client = wrap(make_client("greengrass"), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(500, "InternalServerErrorException"), OK)
    headers = []
    client.meta.events.register(
        "before-send.greengrass", lambda request, **kw: headers.append(request.headers)
    )

    client.create_deployment(GroupId="g-1", DeploymentType="NewDeployment", GroupVersionId="v-1")

    tokens = [h.get("X-Amzn-Client-Token") for h in headers]
    assert len(tokens) == 2
    assert tokens[0] is not None
    assert tokens[0] == tokens[1]
