"""What importing and the success path load: nothing heavy, nothing from the network."""

from __future__ import annotations

import pytest

from helpers.interpreter import run

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
        print(sorted(m for m in sys.modules if m.startswith("boto3_idempotent._knowledge")))
        """
    )
    assert out == "[]"


def test_import_loads_only_the_package_file():
    """PEP 562: no submodule at import; each public name loads its module at first use."""
    out = run(
        """
        import sys
        import boto3_idempotent
        print(sorted(m for m in sys.modules if m.startswith("boto3_idempotent")))
        boto3_idempotent.IdempotentParameterMismatch
        print(sorted(m for m in sys.modules if m.startswith("boto3_idempotent")))
        """
    )
    assert out.splitlines() == [
        "['boto3_idempotent']",
        "['boto3_idempotent', 'boto3_idempotent._exceptions']",
    ]


#: What a successful call may never load: the failure path, typed errors, telemetry, the
#: reviewed tables as modules, and what only keys, hooks, logs or Lambda handlers need.
NOT_ON_THE_SUCCESS_PATH = (
    "_exceptions", "_callinfo", "_hooks", "_masking", "_failure", "_policy.retrying",
    "_policy.classify", "_integrations.telemetry", "_knowledge.token_table",
    "_knowledge.resend_table", "_knowledge.resend_evidence", "_scope",
    "_integrations.aws_lambda", "_integrations.install", "_knowledge.refine",
    "_knowledge.dynamodb_update", "_knowledge.lifetimes", "_warnings",
)  # fmt: skip


def test_a_wrapped_success_loads_nothing_of_the_failure_path():
    """wrap() and a first successful call load the plugin and one service's knowledge only."""
    out = run(
        CANNED_CLIENT.format(
            status=200,
            body=b"<DescribeInstancesResponse><requestId>r</requestId></DescribeInstancesResponse>",
        ).replace(
            'print("tenacity" in sys.modules)',
            'print(sorted(m.split(".", 1)[1] for m in sys.modules if m.startswith("boto3_idempotent.")))',
        )
    )
    loaded = set(eval(out))  # noqa: S307  (our own subprocess's printed list)
    assert {"_wrap", "_plugin", "_knowledge.loader", "_knowledge.operations"} <= loaded
    assert not loaded & set(NOT_ON_THE_SUCCESS_PATH), loaded & set(NOT_ON_THE_SUCCESS_PATH)
