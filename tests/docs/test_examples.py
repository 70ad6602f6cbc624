"""examples/: each handler crashes after its create, is re-run, and creates one resource."""

from __future__ import annotations

import json

import pytest

from boto3_idempotent.testing import Fault
from conftest import FakeLambdaContext
from helpers.examples import AMI, aws, load, stored

__all__ = ["aws"]  # the fixture, from helpers.examples


def test_async_invocation_handler_rerun_after_a_crash_creates_one_instance(aws):
    """PutItem fails after RunInstances; Lambda re-runs with the same request id."""
    example = load("async_invocation_handler")
    event = {"order_id": "o-1", "image_id": AMI}
    aws.script("PutItem", Fault.CLIENT_ERROR)

    with pytest.raises(example.dynamodb.exceptions.ClientError):
        example.handler(event, FakeLambdaContext("req-1"))
    result = example.handler(event, FakeLambdaContext("req-1"))  # Lambda's retry

    assert aws.created("RunInstances") == 1
    launched = aws.records[0]
    assert launched.operation == "RunInstances"
    assert stored(aws) == {"o-1": result["instance_id"]}
    reservations = aws.backend_client("ec2").describe_instances()["Reservations"]
    assert [i["InstanceId"] for r in reservations for i in r["Instances"]] == [
        result["instance_id"]
    ]


def test_async_invocation_handler_survives_faults_on_the_create(aws):
    """A lost response and a 503 on RunInstances: retried in the invocation, one instance."""
    example = load("async_invocation_handler")
    aws.script("RunInstances", Fault.LOST_RESPONSE, Fault.UNAVAILABLE)

    result = example.handler({"order_id": "o-2", "image_id": AMI}, FakeLambdaContext("req-2"))

    assert aws.created("RunInstances") == 1
    assert stored(aws) == {"o-2": result["instance_id"]}


def test_sqs_handler_redelivery_after_a_crash_creates_one_instance(aws):
    """The record fails after its create, SQS redelivers it in a new invocation."""
    example = load("sqs_handler")
    message = {"messageId": "m-1", "body": json.dumps({"order_id": "o-3", "image_id": AMI})}
    other = {"messageId": "m-2", "body": json.dumps({"order_id": "o-4", "image_id": AMI})}
    aws.script("PutItem", Fault.CLIENT_ERROR)

    first = example.handler({"Records": [message, other]}, FakeLambdaContext("req-1"))
    second = example.handler({"Records": [message]}, FakeLambdaContext("req-2"))

    assert first == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert second == {"batchItemFailures": []}
    assert aws.created("RunInstances") == 2  # one per message, none for the redelivery
    tokens = [r.token for r in aws.records if r.operation == "RunInstances"]
    assert tokens[0] == tokens[2]
    assert set(stored(aws)) == {"o-3", "o-4"}
