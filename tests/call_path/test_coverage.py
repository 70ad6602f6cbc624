"""Over HTTP: every documented token, caller references, and repeats answered as conflicts.

The answers come from raw_server (a plain socket server that parses nothing AWS-specific),
so what it records is what went over the wire.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from boto3_idempotent import (
    EarlierAttemptSucceeded,
    InvalidClientToken,
    RetryPolicy,
    call_info,
    wrap,
)
from conftest import raw_client
from helpers.raw_server import response
from helpers.wire import OK, Reply

R53 = "https://route53.amazonaws.com/doc/2013-04-01/"
ZONE = (
    f'<CreateHostedZoneResponse xmlns="{R53}"><HostedZone><Id>/hostedzone/Z1</Id>'
    "<Name>example.com.</Name><CallerReference>ref-1</CallerReference>"
    "<ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>"
    "<ChangeInfo><Id>/change/C1</Id><Status>PENDING</Status>"
    "<SubmittedAt>2026-11-23T00:00:00Z</SubmittedAt></ChangeInfo>"
    "<DelegationSet><NameServers><NameServer>ns-1.example</NameServer></NameServers>"
    "</DelegationSet></CreateHostedZoneResponse>"
).encode()


def r53_error(status: int, code: str) -> bytes:
    """A Route 53 (rest-xml) error response."""
    body = (
        f'<ErrorResponse xmlns="{R53}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{code}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    ).encode()
    return response(status, body, {"Content-Type": "text/xml"})


CREATED = response(201, ZONE, {"Content-Type": "text/xml", "Location": "/hostedzone/Z1"})


def references(raw) -> list[str]:
    """The CallerReference of every request the raw server read."""
    return [r.body.split(b"<CallerReference>")[1].split(b"<")[0].decode() for r in raw.requests]


def route53(raw):
    """A wrapped Route 53 client on a raw server, backing off without sleeping."""
    return wrap(raw_client("route53", raw.url), RetryPolicy(), sleep=lambda _: None)


def test_route53_create_with_a_caller_reference_survives_a_500(raw_server):
    """The reference AWS documents for safe retries makes the call resent: success on attempt 2."""
    raw = raw_server(lambda request, n: r53_error(500, "InternalError") if n == 1 else CREATED)

    zone = route53(raw).create_hosted_zone(Name="example.com", CallerReference="ref-1")

    assert zone["HostedZone"]["Id"] == "/hostedzone/Z1"
    assert references(raw) == ["ref-1", "ref-1"]
    assert call_info(zone).attempts == 2
    assert call_info(zone).token == "ref-1"


def test_a_lost_create_answered_already_exists_on_the_retry_is_typed(raw_server):
    """First answer lost, then HostedZoneAlreadyExists: EarlierAttemptSucceeded, with the reference."""
    raw = raw_server(
        lambda request, n: None if n == 1 else r53_error(409, "HostedZoneAlreadyExists")
    )
    client = route53(raw)

    with pytest.raises(EarlierAttemptSucceeded) as raised:
        client.create_hosted_zone(Name="example.com", CallerReference="ref-1")

    assert isinstance(raised.value, client.exceptions.HostedZoneAlreadyExists)
    assert (raised.value.token, raised.value.attempts) == ("ref-1", 2)
    assert raised.value.operation_name == "CreateHostedZone"
    assert references(raw) == ["ref-1", "ref-1"]


def test_already_exists_on_a_first_attempt_is_the_services_own_error(raw_server):
    """The reference was used before by the caller: the modeled error, not EarlierAttemptSucceeded."""
    raw = raw_server(lambda request, n: r53_error(409, "HostedZoneAlreadyExists"))
    client = route53(raw)

    with pytest.raises(client.exceptions.HostedZoneAlreadyExists) as raised:
        client.create_hosted_zone(Name="example.com", CallerReference="ref-1")

    assert not isinstance(raised.value, EarlierAttemptSucceeded)
    assert len(raw.requests) == 1


def test_already_exists_after_a_throttle_is_not_read_as_success(raw_server):
    """A throttled first attempt did nothing: a conflict after it is the service's own error."""
    throttled = r53_error(400, "Throttling")
    raw = raw_server(
        lambda request, n: throttled if n == 1 else r53_error(409, "HostedZoneAlreadyExists")
    )
    client = route53(raw)

    with pytest.raises(client.exceptions.HostedZoneAlreadyExists) as raised:
        client.create_hosted_zone(Name="example.com", CallerReference="ref-1")

    assert not isinstance(raised.value, EarlierAttemptSucceeded)


def json_answers(first: bytes, then: bytes):
    """First answer ``first``, every later one ``then``."""
    return lambda request, n: first if n == 1 else then


JSON = {"Content-Type": "application/x-amz-json-1.1"}


def test_ram_create_resource_share_carries_one_token_on_every_attempt(raw_server):
    """RAM's untraited clientToken: generated, and the same after a 500."""
    error = response(500, b'{"message": "boom"}', {"x-amzn-ErrorType": "ServerInternalException"})
    share = response(200, json.dumps({"resourceShare": {"name": "s"}}).encode(), JSON)
    raw = raw_server(json_answers(error, share))
    ram = wrap(raw_client("ram", raw.url), RetryPolicy(), sleep=lambda _: None)

    ram.create_resource_share(name="s")

    tokens = [json.loads(r.body).get("clientToken") for r in raw.requests]
    assert len(tokens) == 2
    assert tokens[0] is not None
    assert tokens[0] == tokens[1]


def test_codebuild_start_build_carries_one_token_on_every_attempt(raw_server):
    """CodeBuild's untraited idempotencyToken: generated, and the same after a 500."""
    error = response(500, b'{"__type": "InternalFailure", "message": "boom"}', JSON)
    build = response(200, json.dumps({"build": {"id": "p:1"}}).encode(), JSON)
    raw = raw_server(json_answers(error, build))
    codebuild = wrap(raw_client("codebuild", raw.url), RetryPolicy(), sleep=lambda _: None)

    codebuild.start_build(projectName="p")

    tokens = [json.loads(r.body).get("idempotencyToken") for r in raw.requests]
    assert len(tokens) == 2
    assert tokens[0] is not None
    assert tokens[0] == tokens[1]


@pytest.mark.parametrize(("length", "refused"), [(36, False), (37, True)])
def test_ecs_documents_36_characters_and_the_client_holds_to_it(
    make_client, server, length, refused
):
    """ECS: 'Up to 36 ASCII characters in the range of 33-126': 37 is refused, nothing sent."""
    ecs = wrap(make_client("ecs"), RetryPolicy())
    token = "t" * length

    if refused:
        with pytest.raises(InvalidClientToken, match="expected 1 to 36"):
            ecs.create_service(serviceName="s", clientToken=token)
        assert server.count() == 0
    else:
        ecs.create_service(serviceName="s", clientToken=token)
        assert server.tokens() == [token]


def test_ecs_refuses_a_space_its_documentation_excludes(make_client, server):
    """Characters 33-126 only: a space (32) is printable but refused before sending."""
    ecs = wrap(make_client("ecs"), RetryPolicy())

    with pytest.raises(InvalidClientToken, match=r"matching '\[\\\\x21-\\\\x7e\]\+'"):
        ecs.create_service(serviceName="s", clientToken="has space")
    assert server.count() == 0


@pytest.mark.parametrize(("every_entry", "attempts"), [(True, 2), (False, 1)])
def test_a_batch_is_protected_only_when_every_entry_carries_its_reference(
    make_client, server, every_entry, attempts
):
    """SQS SendMessageBatch: MessageDeduplicationId on every entry makes a 500 safe to resend."""
    from helpers.wire import OK, Reply

    sqs = wrap(make_client("sqs"), RetryPolicy(), sleep=lambda _: None)
    server.plan(Reply(500, "InternalError"), OK)
    entries = [
        {"Id": "1", "MessageBody": "a", "MessageGroupId": "g", "MessageDeduplicationId": "d1"},
        {"Id": "2", "MessageBody": "b", "MessageGroupId": "g", "MessageDeduplicationId": "d2"},
    ]
    if not every_entry:
        del entries[1]["MessageDeduplicationId"]

    if every_entry:
        sqs.send_message_batch(
            QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q.fifo", Entries=entries
        )
    else:
        with pytest.raises(ClientError):
            sqs.send_message_batch(
                QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q.fifo", Entries=entries
            )

    assert server.count() == attempts


def test_a_reference_left_out_leaves_the_call_unprotected(make_client, server):
    """SQS SendMessage without MessageDeduplicationId: a 500 is not resent (it could duplicate)."""
    from helpers.wire import Reply

    sqs = wrap(make_client("sqs"), RetryPolicy(), sleep=lambda _: None)
    server.plan(Reply(500, "InternalError"))

    with pytest.raises(ClientError) as raised:
        sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", MessageBody="x")

    assert server.count() == 1
    assert call_info(raised.value).stop_reason == "unsafe_to_resend"


@pytest.mark.parametrize("lost_first", [True, False])
def test_cloudformations_token_already_exists_reads_by_what_came_before(
    make_client, server, lost_first
):
    """After a lost answer: EarlierAttemptSucceeded; on a first attempt: a mismatch, as before."""
    from boto3_idempotent import IdempotentParameterMismatch
    from helpers.wire import Drop, Reply

    cfn = wrap(make_client("cloudformation"), RetryPolicy(), sleep=lambda _: None)
    conflict = Reply(400, "TokenAlreadyExistsException")
    server.plan(*((Drop(), conflict) if lost_first else (conflict,)))
    expected = EarlierAttemptSucceeded if lost_first else IdempotentParameterMismatch

    with pytest.raises(expected) as raised:
        cfn.create_stack(StackName="s", TemplateBody="{}")

    assert isinstance(raised.value, cfn.exceptions.TokenAlreadyExistsException)
    assert len(set(server.tokens())) == 1
    assert server.count() == (2 if lost_first else 1)


# -- "already exists" read as our success only where documented for this reference ---------


def test_a_name_clash_after_a_503_is_the_services_own_error(raw_server):
    """Route 53 KSK: 503, then KeySigningKeyAlreadyExists (a name clash): not our success."""
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


# -- references and tokens in headers, entries and members of the same role ----------------


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
