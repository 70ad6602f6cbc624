"""Operations that run, deploy, notify or mint: a resend could act twice, so it is not made.

Over HTTP with two witnesses: raw_server's record of the requests that reached it and a
``before-send`` recorder on the client. After a 500, a request that deploys, runs, mails,
notifies or mints a version is sent once and stops with ``unsafe_to_resend``; the same
operation with a request that cannot act twice is sent twice and succeeds.
"""

from __future__ import annotations

import copy

import botocore
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from boto3_idempotent._knowledge.resend_table import REQUEST_CONDITIONS
from boto3_idempotent._knowledge.review import REVIEWED_WITH
from conftest import require_model
from helpers.requests import drop, fill, member_at, minimal, present
from helpers.safety import SESSION, failing, on_raw, sent_once, sent_twice  # noqa: F401

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
    on_raw,  # noqa: F811
    service,
    method,
    acting,
    harmless,
    protocol,
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
    on_raw,  # noqa: F811
    service,
    method,
    kwargs,
    protocol,
):
    """A second mail, notification, deployment or version (REST PUT creates): never resent."""
    code = "InternalError" if protocol in ("query", "ec2") else "InternalServerError"
    require_model(service, method, *kwargs)
    raw, sent, client = on_raw(service, failing(protocol, 500, code))
    with pytest.raises(ClientError) as caught:
        getattr(client, method)(**kwargs)
    sent_once(raw, sent, caught)


# -- every request condition, over HTTP -------------------------------------------------------


def _required(shape, path) -> bool:
    """Whether the member at ``path`` must be in a request."""
    return path[-1] in member_at(shape, path[:-1]).required_members


def _other_than(shape, values):
    """A valid value of ``shape`` that is none of ``values``; ``None`` if its model has none."""
    if shape.type_name == "boolean":
        return not values[0]
    if shape.enum:  # an older model may know only the harmless values
        return next((value for value in shape.enum if value not in values), None)
    if shape.type_name == "string":
        return "x" + max(values, key=len)
    return max(values) + 1  # a number


def _requests(service: str, operation: str, when) -> tuple[list[dict], dict]:
    """(requests the condition refuses, one per clause broken alone; one it allows)."""
    shape = SESSION.get_service_model(service).operation_model(operation).input_shape
    harmless = minimal(shape)
    for clause in when.clauses:
        path, test = clause[0], clause[1]
        if test == "given":
            fill(harmless, shape, path, present(member_at(shape, path)))
        elif test == "in":
            fill(harmless, shape, path, clause[2][0])
        # absent, not_in: left out (for not_in, the documented default is safe)
    acting = []
    for clause in when.clauses:
        path, test = clause[0], clause[1]
        request = copy.deepcopy(harmless)
        if test == "in" and _required(shape, path):  # a value outside the list, not none
            other = _other_than(member_at(shape, path), clause[2])
            if other is None:
                continue
            fill(request, shape, path, other)
        elif test in ("given", "in"):
            drop(request, path)
        elif test == "absent":
            fill(request, shape, path, present(member_at(shape, path)))
        else:  # not_in
            fill(request, shape, path, clause[2][0])
        acting.append(request)
    return acting, harmless


CONDITIONS = sorted(REQUEST_CONDITIONS.items())


@pytest.mark.parametrize(("key", "when"), CONDITIONS, ids=[f"{s}:{o}" for (s, o), _ in CONDITIONS])
def test_each_request_condition_decides_on_the_wire(on_raw, key, when):  # noqa: F811
    """Every REQUEST_CONDITIONS entry decides on the wire: refused once, allowed twice.

    After a 500, each request that breaks one clause (the others held) is sent once and one
    that holds them all twice, by the raw server's record and a ``before-send`` recorder. A
    clause an older model cannot break (every value it knows is harmless) has no refused
    request there.
    """
    service, operation = key
    require_model(service, operation, *{clause[0][0] for clause in when.clauses})
    model = SESSION.get_service_model(service)
    protocol = getattr(model, "resolved_protocol", model.protocol)  # what the client speaks
    method = xform_name(operation)
    acting, harmless = _requests(service, operation, when)
    code = "InternalError" if protocol == "ec2" else "InternalServerError"

    for request in acting:
        raw, sent, client = on_raw(service, failing(protocol, 500, code))
        with pytest.raises(ClientError) as caught:
            getattr(client, method)(**request)
        sent_once(raw, sent, caught)

    raw, sent, client = on_raw(service, failing(protocol, 500, code))
    sent_twice(raw, sent, getattr(client, method)(**harmless))
    assert acting or botocore.__version__ != REVIEWED_WITH  # each clause breakable there


# -- a request condition against moto: the resend meets what the first attempt made ---------


def test_a_subnet_with_its_cidr_is_resent_after_a_lost_answer_and_made_once(moto):
    """CreateSubnet with a CidrBlock after a lost answer: resent, and one subnet is made.

    moto made the subnet and the answer was lost; the resend overlaps it
    (InvalidSubnet.Conflict), raised as the earlier attempt having acted.
    """
    from boto3_idempotent import EarlierAttemptMayHaveActed, set_testing, wrap

    direct = moto.client("ec2", direct=True)
    vpc = direct.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    client = wrap(moto.client("ec2"))
    moto.lose("CreateSubnet")
    with set_testing(True), pytest.raises(EarlierAttemptMayHaveActed) as caught:  # no sleeps
        client.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")
    assert moto.count("CreateSubnet") == 2
    assert caught.value.response["Error"]["Code"] == "InvalidSubnet.Conflict"
    subnets = direct.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    assert [s["CidrBlock"] for s in subnets] == ["10.0.1.0/24"]
