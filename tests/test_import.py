"""What importing and the success path load: nothing heavy, nothing from the network."""

from __future__ import annotations

import subprocess
import sys
import textwrap


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


def test_import_and_successful_calls_do_not_load_tenacity():
    """The tenacity package loads at a client's first failed attempt, never on success."""
    out = run(
        """
        import sys
        import boto3
        from botocore.awsrequest import AWSResponse
        import boto3_idempotent

        class Raw:
            def stream(self, **kwargs):
                yield b"<DescribeInstancesResponse><requestId>r</requestId></DescribeInstancesResponse>"

        client = boto3_idempotent.wrap(boto3.client(
            "ec2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"))
        client.meta.events.register(
            "before-send", lambda request, **kw: AWSResponse(request.url, 200, {}, Raw()))
        client.describe_instances()
        client.run_instances(ImageId="ami-1", MinCount=1, MaxCount=1)
        print("tenacity" in sys.modules)
        """
    )
    assert out == "False"


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
