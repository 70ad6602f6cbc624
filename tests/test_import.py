"""What importing and the success path load: nothing heavy, nothing from the network."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (a cold start) and return what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        env={"AWS_EC2_METADATA_DISABLED": "true", "PATH": ""},
    )
    return result.stdout.strip()


CANNED_CLIENT = """
import sys
import boto3
from botocore.awsrequest import AWSResponse
import boto3_idempotent

class Raw:
    def stream(self, **kwargs):
        yield {body!r}

client = boto3_idempotent.wrap(boto3.client(
    "ec2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"))
client.meta.events.register(
    "before-send", lambda request, **kw: AWSResponse(request.url, {status}, {{}}, Raw()))
calls = [(client.describe_instances, {{}}), (client.run_instances, {{"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}})]
for call, kwargs in calls:
    try:
        call(**kwargs)
    except client.exceptions.ClientError:
        pass
print("tenacity" in sys.modules)
"""


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<DescribeInstancesResponse><requestId>r</requestId></DescribeInstancesResponse>"),
        (
            400,
            b"<Response><Errors><Error><Code>InvalidParameterValue</Code></Error></Errors></Response>",
        ),
    ],
    ids=["success", "plain-4xx"],
)
def test_tenacity_loads_only_when_something_is_retried(status, body):
    """Neither import, nor successes, nor errors that are never retried load tenacity."""
    assert run(CANNED_CLIENT.format(status=status, body=body)) == "False"


def test_import_creates_no_client_and_opens_no_socket():
    """Importing the package builds no botocore client and opens no connection."""
    out = run(
        """
        import socket
        opened = []
        real = socket.socket.connect
        socket.socket.connect = lambda self, *a: opened.append(a) or real(self, *a)
        import boto3_idempotent
        import gc, botocore.client
        clients = [o for o in gc.get_objects() if isinstance(o, botocore.client.BaseClient)]
        print(len(opened), len(clients))
        """
    )
    assert out == "0 0"


def test_operation_tables_load_at_a_first_call_not_at_import():
    """The token and resend tables are data for a client's first call, not for import."""
    out = run(
        """
        import sys
        import boto3_idempotent
        print(sorted(m for m in sys.modules if m.endswith(("_token_table", "_resend_table", "_resend"))))
        """
    )
    assert out == "[]"
