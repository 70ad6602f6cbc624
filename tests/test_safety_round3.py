"""A resend never acts twice: modeled-retryable 5xx, operations that run or mint, DynamoDB updates.

Over HTTP with two witnesses: raw_server's record of the requests that reached it and a
``before-send`` recorder on the client. Where a resend could act twice the call is sent
once and stops with ``unsafe_to_resend``; where it cannot, it is sent twice and
succeeds; refusals (429, a 409 conflict) are still resent. DynamoDB's end state is read
back from moto after a lost answer. A last test walks every operation of the installed
botocore whose model lists a retryable server error.
"""

from __future__ import annotations

import json
import types

import botocore.config
import botocore.endpoint
import botocore.session
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from boto3_idempotent import RetryPolicy, call_info, wrap
from boto3_idempotent._failure import classify
from boto3_idempotent._knowledge.operations import operation_info
from boto3_idempotent._knowledge.refine import dynamodb_update_item
from boto3_idempotent._knowledge.resend_table import REFUSED_ERRORS
from boto3_idempotent._policy.classify import THROTTLING_CODES, Outcome
from boto3_idempotent.testing import Fault
from conftest import require_model
from helpers.answers import SendRecorder, error_in
from helpers.raw_server import response
from helpers.wire import raw_ok

SESSION = botocore.session.get_session()


def failing(protocol: str, status: int, code: str):
    """A raw_server script: ``status``/``code`` first, then success, in ``protocol``'s form."""
    first = error_in(protocol, status, code)

    def answer(request, n):
        if n == 1:
            return first
        if protocol == "rest-json":
            return response(200, b"{}", {"Content-Type": "application/json"})
        if protocol == "query":
            action = dict(p.split("=", 1) for p in request.body.decode().split("&"))["Action"]
            xml = f"<{action}Response><{action}Result/></{action}Response>"
            return response(200, xml.encode(), {"Content-Type": "text/xml"})
        return raw_ok(request)

    return answer


@pytest.fixture
def on_raw(make_client, raw_server, sleeps):
    """``on_raw(service, answer)``: (raw server, before-send recorder, wrapped client)."""

    def make(service: str, answer):
        raw = raw_server(answer)
        client = make_client(service, url=raw.url, inject_host_prefix=False)  # "sync-" hosts
        sent = SendRecorder()
        event = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-send.{event}", sent)
        return raw, sent, wrap(client, RetryPolicy(), sleep=sleeps)

    return make


def sent_once(raw, sent, caught) -> None:
    """One request on the wire, by both witnesses, and the call says why."""
    assert (len(raw.requests), len(sent)) == (1, 1)
    info = call_info(caught.value)
    assert info is not None
    assert (info.attempts, info.stop_reason) == (1, "unsafe_to_resend")


def sent_twice(raw, sent, result) -> None:
    """Two identical requests on the wire, by both witnesses, and a success."""
    assert (len(raw.requests), len(sent)) == (2, 2)
    first, second = raw.requests
    assert (first.path, first.body) == (second.path, second.body)
    assert result["ResponseMetadata"]["RetryAttempts"] == 1


# -- 1. a modeled-retryable 5xx is ambiguous; 4xx refusals are still resent ------------------

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
    on_raw, service, method, kwargs, protocol, status, code
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
def test_a_refusal_of_an_unsafe_call_is_still_resent(on_raw, status, code):
    """A 409 conflict or a 429 was turned away before it ran: resent, as before."""
    raw, sent, client = on_raw("mediaconnect", failing("rest-json", status, code))
    sent_twice(raw, sent, client.create_bridge(**BRIDGE))


def test_a_protected_call_is_resent_after_a_retryable_server_error(on_raw):
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


# -- 2. operations that run, deploy, notify or mint -----------------------------------------

PER_CALL = [
    # (service, method, acting request, harmless request, protocol)
    (
        "ecs",
        "update_service",
        {"service": "s", "forceNewDeployment": True},
        {"service": "s", "desiredCount": 2},
        "json",
    ),
    (
        "stepfunctions",
        "test_state",
        {"definition": "{}"},
        {"definition": "{}", "mock": {"result": "{}"}},
        "json",
    ),
    (
        "ssm",
        "update_association",
        {"AssociationId": "a"},
        {"AssociationId": "a", "ApplyOnlyAtCronInterval": True},
        "json",
    ),
    (
        "ec2",
        "associate_vpc_cidr_block",
        {"VpcId": "vpc-1", "AmazonProvidedIpv6CidrBlock": True},
        {"VpcId": "vpc-1", "CidrBlock": "10.1.0.0/16"},
        "ec2",
    ),
    (
        "ec2",
        "associate_vpc_cidr_block",
        {"VpcId": "vpc-1", "Ipv4IpamPoolId": "ipam-pool-1", "Ipv4NetmaskLength": 24},
        {"VpcId": "vpc-1", "CidrBlock": "10.1.0.0/16"},
        "ec2",
    ),
    (
        "bedrock-agent-runtime",
        "put_invocation_step",
        {
            "sessionIdentifier": "s",
            "invocationIdentifier": "i",
            "invocationStepTime": 0,
            "payload": {"contentBlocks": [{"text": "t"}]},
        },
        {
            "sessionIdentifier": "s",
            "invocationIdentifier": "i",
            "invocationStepId": "step-1",
            "invocationStepTime": 0,
            "payload": {"contentBlocks": [{"text": "t"}]},
        },
        "rest-json",
    ),
]


@pytest.mark.parametrize(
    ("service", "method", "acting", "harmless", "protocol"),
    PER_CALL,
    ids=[f"{row[0]}:{row[1]}-{i}" for i, row in enumerate(PER_CALL)],
)
def test_the_request_decides_whether_a_resend_could_act_twice(
    on_raw, service, method, acting, harmless, protocol
):
    """A request that deploys, runs or mints is sent once; the same operation otherwise twice."""
    status, code = (500, "InternalServerError") if protocol != "ec2" else (500, "InternalError")
    require_model(service, method, *acting)
    raw, sent, client = on_raw(service, failing(protocol, status, code))
    with pytest.raises(ClientError) as caught:
        getattr(client, method)(**acting)
    sent_once(raw, sent, caught)

    require_model(service, method, *harmless)  # the member that makes it harmless may be newer
    raw, sent, client = on_raw(service, failing(protocol, status, code))
    sent_twice(raw, sent, getattr(client, method)(**harmless))


@pytest.mark.parametrize(
    ("service", "method", "kwargs", "protocol"),
    [
        ("ses", "verify_email_identity", {"EmailAddress": "a@example.com"}, "query"),
        ("lightsail", "test_alarm", {"alarmName": "a", "state": "ALARM"}, "json"),
        (
            "connect",
            "create_contact_flow_version",
            {"InstanceId": "i", "ContactFlowId": "c"},
            "rest-json",
        ),
        (
            "lexv2-models",
            "create_export",
            {
                "resourceSpecification": {
                    "botExportSpecification": {"botId": "ABCDEFGHIJ", "botVersion": "1"}
                },
                "fileFormat": "LexJson",
            },
            "rest-json",
        ),
        (
            "ecs",
            "update_daemon",
            {
                "daemonArn": "arn:aws:ecs:us-east-1:123456789012:daemon/d",
                "daemonTaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:daemon-task-definition/t:1",
                "capacityProviderArns": ["arn:aws:ecs:us-east-1:123456789012:capacity-provider/c"],
            },
            "json",
        ),
    ],
)
def test_operations_that_mail_notify_deploy_or_mint_are_sent_once(
    on_raw, service, method, kwargs, protocol
):
    """A second mail, notification, deployment or version (REST PUT creates): never resent."""
    code = "InternalError" if protocol in ("query", "ec2") else "InternalServerError"
    require_model(service, method, *kwargs)
    raw, sent, client = on_raw(service, failing(protocol, 500, code))
    with pytest.raises(ClientError) as caught:
        getattr(client, method)(**kwargs)
    sent_once(raw, sent, caught)


# -- 3. DynamoDB UpdateItem, decided exactly ------------------------------------------------

N = {":one": {"N": "1"}}
V = {":v": {"S": "x"}}


@pytest.mark.parametrize(
    ("params", "idempotent"),
    [
        ({"UpdateExpression": "REMOVE l[0]"}, False),
        ({"UpdateExpression": "remove l[2].x"}, False),
        ({"UpdateExpression": "SET prev = cur, cur = :v", "ExpressionAttributeValues": V}, False),
        (
            {
                "UpdateExpression": "SET #p = #c, #c = :v",
                "ExpressionAttributeNames": {"#p": "prev", "#c": "cur"},
                "ExpressionAttributeValues": V,
            },
            False,
        ),
        ({"UpdateExpression": "SET a.b = a.c"}, False),  # reads what it writes (conservative)
        (
            {
                "UpdateExpression": "SET a = if_not_exists(b, :v), b = :v",
                "ExpressionAttributeValues": V,
            },
            False,
        ),
        ({"UpdateExpression": "ADD n :one", "ExpressionAttributeValues": N}, False),
        ({"UpdateExpression": "ADD n :x", "ExpressionAttributeValues": {":x": {"L": []}}}, False),
        ({"UpdateExpression": "ADD n :missing"}, False),  # its type unknown
        ({"UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": N}, False),
        ({"UpdateExpression": "SET l = list_append(l, :v)"}, False),
        ({"AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "1"}}}}, False),
        ({"AttributeUpdates": {"l": {"Action": "ADD", "Value": {"L": [{"S": "x"}]}}}}, False),
        ({"AttributeUpdates": {"s": {"Action": "ADD"}}}, False),
        ({"UpdateExpression": "SET a = :v FROB b"}, False),  # unreadable
        ({"UpdateExpression": "SET = :v"}, False),
        ({"UpdateExpression": "SET a = :v", "ExpressionAttributeNames": ["#a"]}, False),
        # Idempotent: placeholders, if_not_exists into itself, removes, set changes.
        ({"UpdateExpression": "SET a = :v, b = :v", "ExpressionAttributeValues": V}, True),
        (
            {"UpdateExpression": "SET a = if_not_exists(a, :v)", "ExpressionAttributeValues": V},
            True,
        ),
        (
            {"UpdateExpression": "SET a = other", "ExpressionAttributeValues": V},
            True,
        ),  # reads what it does not write
        ({"UpdateExpression": "REMOVE a, m.k"}, True),
        (
            {"UpdateExpression": "DELETE s :x", "ExpressionAttributeValues": {":x": {"SS": ["a"]}}},
            True,
        ),
        (
            {"UpdateExpression": "ADD s :x", "ExpressionAttributeValues": {":x": {"NS": ["1"]}}},
            True,
        ),
        (
            {
                "UpdateExpression": "add s :x set a = :x",
                "ExpressionAttributeValues": {":x": {"SS": ["a"]}},
            },
            True,
        ),
        ({"AttributeUpdates": {"s": {"Action": "ADD", "Value": {"SS": ["a"]}}}}, True),
        # An optimistic lock: a second request fails its condition.
        (
            {
                "UpdateExpression": "SET v = v + :one ADD n :one",
                "ConditionExpression": "v = :old",
                "ExpressionAttributeValues": {**N, ":old": {"N": "3"}},
            },
            True,
        ),
        (
            {
                "UpdateExpression": "SET v = :new, l = list_append(l, :v)",
                "ConditionExpression": "v = :old AND attribute_exists(k)",
                "ExpressionAttributeValues": {**V, ":new": {"N": "4"}, ":old": {"N": "3"}},
            },
            True,
        ),
        (
            {
                "UpdateExpression": "ADD n :one SET done = :t",
                "ConditionExpression": "attribute_not_exists(done)",
                "ExpressionAttributeValues": {**N, ":t": {"BOOL": True}},
            },
            True,
        ),
        (
            {
                "UpdateExpression": "SET prev = cur, cur = :new",
                "ConditionExpression": ":old = cur",
                "ExpressionAttributeValues": {":new": {"S": "b"}, ":old": {"S": "a"}},
            },
            True,
        ),
        # Not a lock: the same value, an OR, a comparison that is not equality.
        (
            {
                "UpdateExpression": "SET v = :same ADD n :one",
                "ConditionExpression": "v = :same",
                "ExpressionAttributeValues": {**N, ":same": {"N": "3"}},
            },
            False,
        ),
        (
            {
                "UpdateExpression": "SET v = v + :one ADD n :one",
                "ConditionExpression": "v = :old OR attribute_not_exists(v)",
                "ExpressionAttributeValues": {**N, ":old": {"N": "3"}},
            },
            False,
        ),
        (
            {
                "UpdateExpression": "SET v = v + :one ADD n :one",
                "ConditionExpression": "v <= :old",
                "ExpressionAttributeValues": {**N, ":old": {"N": "3"}},
            },
            False,
        ),
        (
            {
                "UpdateExpression": "SET v = v + :zero ADD n :one",
                "ConditionExpression": "v = :old",
                "ExpressionAttributeValues": {**N, ":zero": {"N": "0"}, ":old": {"N": "3"}},
            },
            False,
        ),
        (
            {
                "UpdateExpression": "ADD n :one",
                "ConditionExpression": "other = :old",
                "ExpressionAttributeValues": {**N, ":old": {"N": "3"}},
            },
            False,
        ),
    ],
)
def test_update_item_expressions(params, idempotent):
    """A resend that would change the item again is unsafe; everything else is resent."""
    assert dynamodb_update_item(params) is idempotent


KEY = {"k": {"S": "order-1"}}


@pytest.mark.parametrize(
    ("expression", "values", "idempotent"),
    [
        ("REMOVE l[0]", None, False),
        ("SET prev = cur, cur = :n", {":n": {"S": "c"}}, False),
        ("SET v = v + :one, cur = :n", {":one": {"N": "1"}, ":n": {"S": "c"}}, False),
        ("REMOVE l", None, True),
        ("SET cur = :n", {":n": {"S": "c"}}, True),
    ],
)
def test_update_item_over_http(on_raw, expression, values, idempotent):
    """Over HTTP after a 500: sent once when a resend changes the item again, else twice."""
    raw, sent, client = on_raw("dynamodb", failing("json", 500, "InternalServerError"))
    params = {"TableName": "t", "Key": KEY, "UpdateExpression": expression}
    if values:
        params["ExpressionAttributeValues"] = values
    if idempotent:
        sent_twice(raw, sent, client.update_item(**params))
        return
    with pytest.raises(ClientError) as caught:
        client.update_item(**params)
    sent_once(raw, sent, caught)


@pytest.fixture
def table(faulty_endpoint):
    """Table "t" on moto with one item, and its backend client to read it back."""
    backend = faulty_endpoint.backend_client("dynamodb")
    backend.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {
        **KEY,
        "l": {"L": [{"S": "x1"}, {"S": "x2"}, {"S": "x3"}]},
        "cur": {"S": "b"},
        "prev": {"S": "a"},
    }
    backend.put_item(TableName="t", Item=item)
    return faulty_endpoint, backend


def _read(backend):
    item = backend.get_item(TableName="t", Key=KEY, ConsistentRead=True)["Item"]
    return [e["S"] for e in item["l"]["L"]], item["prev"]["S"], item["cur"]["S"]


@pytest.mark.parametrize("wrapped", [True, False])
@pytest.mark.parametrize(
    ("params", "acted_once", "acted_twice"),
    [
        ({"UpdateExpression": "REMOVE l[0]"}, (["x2", "x3"], "a", "b"), (["x3"], "a", "b")),
        (
            {
                "UpdateExpression": "SET prev = cur, cur = :n",
                "ExpressionAttributeValues": {":n": {"S": "c"}},
            },
            (["x1", "x2", "x3"], "b", "c"),
            (["x1", "x2", "x3"], "c", "c"),
        ),
    ],
    ids=["REMOVE l[0]", "SET prev = cur, cur = :n"],
)
def test_update_item_end_state_on_moto_after_a_lost_answer(
    table, sleeps, monkeypatch, wrapped, params, acted_once, acted_twice
):
    """Moto's item after a lost answer: the wrapped client leaves it acted on once; bare, twice."""
    aws, backend = table
    aws.script("UpdateItem", Fault.LOST_RESPONSE, service="dynamodb")
    client = aws.client(
        "dynamodb", config=botocore.config.Config(retries={"mode": "standard"}, read_timeout=2)
    )
    sent = SendRecorder()
    client.meta.events.register("before-send.dynamodb", sent)
    if wrapped:
        wrap(client, RetryPolicy(), sleep=sleeps)
        with pytest.raises((ConnectionClosedError, ReadTimeoutError)) as caught:
            client.update_item(TableName="t", Key=KEY, **params)
        assert call_info(caught.value).stop_reason == "unsafe_to_resend"
    else:  # bare botocore backs off through its endpoint module's time: recorded, not slept
        monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps))
        client.update_item(TableName="t", Key=KEY, **params)
        assert len(sleeps) == 1
    attempts = 1 if wrapped else 2
    assert (aws.attempts("UpdateItem", service="dynamodb"), len(sent)) == (attempts, attempts)
    assert _read(backend) == (acted_once if wrapped else acted_twice)


# -- the walk: every operation whose model lists a retryable server error -------------------


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
