"""examples/powertools_handler.py: a crash after the create, re-invoked under a new request id.

Powertools' ``@idempotent`` and ``@idempotent_handler`` are both keyed by the event's
order id, in either decorator order. The invocation fails after EC2 launched the
instance and before Powertools saved the result; a new invocation of the same event,
under a new ``aws_request_id``, runs the handler again. Two witnesses count the
instances: the endpoint's records, and moto itself through a bare client.
"""

from __future__ import annotations

import inspect

import pytest
from aws_lambda_powertools.utilities.idempotency import idempotent
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
)
from botocore.exceptions import ConnectionClosedError

from boto3_idempotent import call_info, idempotent_handler
from boto3_idempotent.testing import Fault
from conftest import FakeLambdaContext
from helpers.examples import AMI, load

TABLE = "idempotency"
EVENT = {"order_id": "o-1", "image_id": AMI}
ATTEMPTS = 3
ORDERS = ["idempotent_handler outside", "idempotent outside"]


@pytest.fixture
def aws(faulty_endpoint, monkeypatch):
    """The endpoint, Powertools' table, and the environment a deployed function would have."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", faulty_endpoint.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", "test-secret")
    monkeypatch.setenv("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", str(ATTEMPTS))
    faulty_endpoint.backend_client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return faulty_endpoint


def recipe(order, tokens_key="order id"):
    """The example's handler, its decorators in ``order``, its tokens keyed by ``tokens_key``.

    ``tokens_key="request id"`` keeps Powertools keyed by the order id but leaves
    ``idempotent_handler`` on its default key, ``context.aws_request_id``.
    """
    example = load("powertools_handler")
    if order == "idempotent_handler outside" and tokens_key == "order id":
        return example.handler  # as the example is written
    body = inspect.unwrap(example.handler)  # the undecorated function
    assert body is not example.handler
    if tokens_key == "order id":
        tokens = idempotent_handler(key=example.order_key)
    else:
        tokens = idempotent_handler
    records = idempotent(persistence_store=example.persistence, config=example.config)
    if order == "idempotent_handler outside":
        return tokens(records(body))
    return records(tokens(body))


def instances(aws):
    """Instance ids as moto holds them, read straight from moto (no proxy, no faults)."""
    reservations = aws.backend_client("ec2").describe_instances()["Reservations"]
    return [i["InstanceId"] for r in reservations for i in r["Instances"]]


def powertools_records(aws):
    """Powertools' records in moto: [(status, item)]."""
    items = aws.backend_client("dynamodb").scan(TableName=TABLE)["Items"]
    return [(item["status"]["S"], item) for item in items]


def expire_in_progress(aws):
    """Move the in-progress record's expiry an hour back, as a timed-out invocation's would be."""
    ((status, item),) = powertools_records(aws)
    assert status == "INPROGRESS"
    expiry = int(item["in_progress_expiration"]["N"]) - 3_600_000
    aws.backend_client("dynamodb").update_item(
        TableName=TABLE,
        Key={"id": item["id"]},
        UpdateExpression="SET in_progress_expiration = :past",
        ExpressionAttributeValues={":past": {"N": str(expiry)}},
    )


def run_instances(aws):
    """(outcome, token) of every RunInstances request the endpoint handled."""
    return [(r.outcome, r.token) for r in aws.records if r.operation == "RunInstances"]


@pytest.mark.parametrize("order", ORDERS)
def test_lost_create_answers_then_a_new_request_id_launch_one_instance(aws, order):
    """RunInstances acts but no answer arrives; the re-invocation gets the same instance."""
    handler = recipe(order)
    aws.script("RunInstances", *[Fault.LOST_RESPONSE] * ATTEMPTS)

    with pytest.raises(ConnectionClosedError):
        handler(EVENT, FakeLambdaContext("req-1"))
    assert powertools_records(aws) == []  # the handler raised: Powertools deleted its record
    (launched,) = instances(aws)

    result = handler(EVENT, FakeLambdaContext("req-2"))  # a new invocation of the event

    assert result == {"order_id": "o-1", "instance_id": launched}
    assert instances(aws) == [launched]
    assert aws.created("RunInstances") == 1
    sent = run_instances(aws)
    assert [outcome for outcome, _ in sent] == ["forwarded"] + ["replayed"] * ATTEMPTS
    assert len({token for _, token in sent}) == 1  # the re-run sent the first run's token
    ((status, _),) = powertools_records(aws)
    assert status == "COMPLETED"

    assert handler(EVENT, FakeLambdaContext("req-3")) == result  # Powertools' stored result
    assert len(run_instances(aws)) == ATTEMPTS + 1


@pytest.mark.parametrize("order", ORDERS)
def test_a_failed_save_then_a_new_request_id_after_expiry_launch_one_instance(aws, order):
    """Powertools' save fails after the create; once its record expires, the re-run replays."""
    handler = recipe(order)
    aws.script("UpdateItem", Fault.CLIENT_ERROR, service="dynamodb")  # save_success: a 400

    with pytest.raises(IdempotencyPersistenceLayerError):
        handler(EVENT, FakeLambdaContext("req-1"))
    (launched,) = instances(aws)
    with pytest.raises(IdempotencyAlreadyInProgressError):  # the record is still in progress
        handler(EVENT, FakeLambdaContext("req-2"))
    assert len(run_instances(aws)) == 1
    expire_in_progress(aws)

    result = handler(EVENT, FakeLambdaContext("req-3"))

    assert result == {"order_id": "o-1", "instance_id": launched}
    assert instances(aws) == [launched]
    assert aws.created("RunInstances") == 1
    (first, rerun) = run_instances(aws)
    assert (first[0], rerun[0]) == ("forwarded", "replayed")
    assert first[1] == rerun[1]
    ((status, _),) = powertools_records(aws)
    assert status == "COMPLETED"


@pytest.mark.parametrize("order", ORDERS)
def test_keyed_by_the_request_id_the_re_invocation_launches_a_second_instance(aws, order):
    """The pitfall: Powertools lets the new invocation run, and a new request id is a new token."""
    handler = recipe(order, tokens_key="request id")
    aws.script("RunInstances", *[Fault.LOST_RESPONSE] * ATTEMPTS)

    with pytest.raises(ConnectionClosedError):
        handler(EVENT, FakeLambdaContext("req-1"))
    (launched,) = instances(aws)

    result = handler(EVENT, FakeLambdaContext("req-2"))

    assert len(instances(aws)) == 2
    assert aws.created("RunInstances") == 2
    assert result["instance_id"] != launched
    assert set(instances(aws)) == {launched, result["instance_id"]}
    tokens = [token for _, token in run_instances(aws)]
    assert tokens[0] != tokens[-1]


def test_inside_idempotent_handler_powertools_save_stops_before_the_timeout(aws):
    """The example's order: 0.5 s left, under the 1 s margin, a 500 on the save is not resent."""
    handler = recipe("idempotent_handler outside")
    aws.script("UpdateItem", Fault.INTERNAL_ERROR, service="dynamodb")

    with pytest.raises(IdempotencyPersistenceLayerError) as raised:
        handler(EVENT, FakeLambdaContext("req-1", timeout=0.5))

    assert call_info(raised.value.__cause__).stop_reason == "lambda_time_left"
    assert aws.attempts("UpdateItem", service="dynamodb") == 1
    assert len(instances(aws)) == 1


def test_outside_idempotent_handler_powertools_save_ignores_the_time_left(aws):
    """The other order: Powertools' calls run outside the time limit, so the save is resent."""
    handler = recipe("idempotent outside")
    aws.script("UpdateItem", Fault.INTERNAL_ERROR, service="dynamodb")

    result = handler(EVENT, FakeLambdaContext("req-1", timeout=0.5))

    assert aws.attempts("UpdateItem", service="dynamodb") == 2
    assert instances(aws) == [result["instance_id"]]
