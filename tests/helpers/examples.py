"""The examples/ handlers, imported afresh, and the endpoint and table they run against.

``aws`` (a fixture: import it into a test module) is the faulty endpoint with an orders
table and a deployed function's environment; ``load`` imports an example as on a cold
start; ``stored`` reads the orders table back.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AMI = "ami-12c6146b"


@pytest.fixture
def aws(faulty_endpoint, monkeypatch):
    """The endpoint, an orders table, and the environment a deployed function would have."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", faulty_endpoint.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    monkeypatch.setenv("BOTO3_IDEMPOTENT_BASE_DELAY", "0")  # retries without waiting
    faulty_endpoint.backend_client("dynamodb").create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return faulty_endpoint


def load(name):
    """Import an example afresh (its clients are built at import, as on a cold start)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.pop(spec.name, None)
    spec.loader.exec_module(module)
    return module


def stored(aws):
    """The orders table as moto holds it: {order_id: instance_id}."""
    items = aws.backend_client("dynamodb").scan(TableName="orders")["Items"]
    return {i["order_id"]["S"]: i["instance_id"]["S"] for i in items}
