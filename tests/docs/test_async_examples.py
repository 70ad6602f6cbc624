"""examples/aioboto3_handler.py: crashes after its create, is re-run, creates one instance."""

from __future__ import annotations

import pytest

pytest.importorskip("aioboto3")

from botocore.exceptions import ClientError

from boto3_idempotent.testing import Fault
from conftest import FakeLambdaContext
from helpers.examples import AMI, aws, load, stored

__all__ = ["aws"]  # the fixture, from helpers.examples


def test_aioboto3_handler_rerun_after_a_crash_creates_one_instance(aws):
    """PutItem fails after RunInstances; Lambda re-runs with the same request id."""
    example = load("aioboto3_handler")
    event = {"order_id": "o-1", "image_id": AMI}
    aws.script("PutItem", Fault.CLIENT_ERROR)

    with pytest.raises(ClientError):
        example.handler(event, FakeLambdaContext("req-1"))
    result = example.handler(event, FakeLambdaContext("req-1"))  # Lambda's retry

    assert aws.created("RunInstances") == 1
    tokens = [r.token for r in aws.records if r.operation == "RunInstances"]
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]
    assert stored(aws) == {"o-1": result["instance_id"]}
    reservations = aws.backend_client("ec2").describe_instances()["Reservations"]
    assert [i["InstanceId"] for r in reservations for i in r["Instances"]] == [
        result["instance_id"]
    ]


def test_aioboto3_handler_survives_faults_on_the_create(aws):
    """A lost response and a 503 on RunInstances: retried in the invocation, one instance."""
    example = load("aioboto3_handler")
    aws.script("RunInstances", Fault.LOST_RESPONSE, Fault.UNAVAILABLE)

    result = example.handler({"order_id": "o-2", "image_id": AMI}, FakeLambdaContext("req-2"))

    assert aws.created("RunInstances") == 1
    assert aws.attempts("RunInstances") == 3
    assert stored(aws) == {"o-2": result["instance_id"]}
