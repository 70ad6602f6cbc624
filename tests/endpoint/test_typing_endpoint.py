"""A user's program type-checks under ``mypy --strict``: FaultyEndpoint's clients are typed."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # mypy --strict over user programs: the slow tier (pyproject)

pytest.importorskip("mypy", reason="mypy is not installed (it comes with the dev extra)")
pytest.importorskip("mypy_boto3_ec2", reason="boto3-stubs[ec2] is not installed (dev extra)")
pytest.importorskip("mypy_boto3_dynamodb", reason="boto3-stubs[dynamodb] is not installed")

PROGRAM = """
from __future__ import annotations

import boto3
from mypy_boto3_dynamodb import DynamoDBClient
from mypy_boto3_ec2 import EC2Client
from typing_extensions import assert_type

from boto3_idempotent import wrap
from boto3_idempotent.testing import ClientKwargs, Fault, FaultyEndpoint


def launch(aws: FaultyEndpoint) -> str:
    ec2 = wrap(aws.client("ec2", region_name="eu-west-1"))
    aws.script("RunInstances", Fault.LOST_RESPONSE)
    reservation = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
    return reservation["Instances"][0]["InstanceId"]


def check(aws: FaultyEndpoint) -> None:
    assert_type(aws.client("ec2"), EC2Client)
    assert_type(aws.backend_client("dynamodb"), DynamoDBClient)
    assert_type(aws.client_kwargs(), ClientKwargs)
    assert_type(boto3.client("ec2", **aws.client_kwargs()), EC2Client)
    assert_type(aws.created("run_instances"), int)


def misuse(aws: FaultyEndpoint) -> None:
    aws.client("ec2").run_instance(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)  # line 29
    aws.client("ec2", backend=True)  # line 30
    aws.script("RunInstances", "lost")  # line 31
"""


def test_a_users_program_type_checks_strictly(tmp_path):
    """Typed clients under --strict; misuse is an error, so the clients are not Any."""
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)

    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "c")]
    result = subprocess.run(
        [*command, str(program)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )

    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert [e.split(":")[1] for e in errors] == ["29", "30", "30", "31"], result.stdout
    assert '"EC2Client" has no attribute "run_instance"' in errors[0]
    assert 'Unexpected keyword argument "backend"' in errors[1]
    assert 'Argument 2 to "script" of "FaultyEndpoint" has incompatible type "str"' in errors[3]
