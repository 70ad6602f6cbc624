"""Resend safety by class against moto's server: a multipart upload and Powertools' idempotency.

FaultyEndpoint (moto behind a fault proxy) injects the faults and records every
request it handled; a ``before-send`` recorder on the client's event system is the
second witness. The end state is read back from moto directly, without faults.
"""

from __future__ import annotations

import hashlib
import json
import random
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig

from boto3_idempotent import RetryPolicy, install, wrap
from boto3_idempotent._plugin import PLUGIN_ATTR
from boto3_idempotent.testing import Fault

MiB = 1024 * 1024
#: Three parts (5, 5 and 2 MiB), sent one after another.
TRANSFER = TransferConfig(
    multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=1
)
TABLE = "idempotency"


class SendRecorder(list):
    """A ``before-send`` handler: notes each request botocore sends, and lets it go out."""

    def __call__(self, request, **kwargs) -> None:
        self.append(request)
        # Returning None: botocore sends the request itself.

    def part_numbers(self) -> list[int]:
        """The partNumber of every UploadPart request sent, in order."""
        queries = [parse_qs(urlsplit(r.url).query) for r in self]
        return [int(q["partNumber"][0]) for q in queries if "partNumber" in q]

    def targets(self) -> list[str]:
        """The operation of every AWS JSON request sent (its X-Amz-Target), in order."""
        return [r.headers["X-Amz-Target"].decode().rsplit(".", 1)[-1] for r in self]


@pytest.fixture
def aws(faulty_endpoint):
    """The endpoint, reset for this test; wrapped clients back off without sleeping."""
    return faulty_endpoint


# -- 5. a multipart upload through faults on two of its parts ------------------------------


@pytest.fixture
def big_file(tmp_path):
    """A 12 MiB file of reproducible random bytes: (path, its bytes)."""
    data = random.Random(12).randbytes(12 * MiB)  # noqa: S311  (test data, not crypto)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    return path, data


def uploading_s3(aws, policy: RetryPolicy) -> tuple[object, SendRecorder]:
    """A wrapped S3 client on the endpoint, with bucket "orders", and its before-send recorder."""
    aws.backend_client("s3").create_bucket(Bucket="orders")
    s3 = wrap(aws.client("s3"), policy)
    sent = SendRecorder()
    s3.meta.events.register("before-send.s3", sent)
    return s3, sent


def upload_part_faults(aws) -> list[tuple[Fault | None, str]]:
    """(fault, outcome) of every UploadPart request the endpoint handled, in order."""
    return [(r.fault, r.outcome) for r in aws.records if r.operation == "UploadPart"]


def test_a_multipart_upload_survives_a_500_and_a_lost_response_on_its_parts(aws, big_file):
    """upload_file, 3 parts: part 2 gets a 500, part 3's answer is lost; every byte arrives."""
    path, data = big_file
    s3, sent = uploading_s3(aws, RetryPolicy())
    # Requests in arrival order: part 1; part 2 (500), part 2; part 3 (lost), part 3.
    aws.script("UploadPart", None, Fault.INTERNAL_ERROR, None, Fault.LOST_RESPONSE, service="s3")

    s3.upload_file(str(path), "orders", "big.bin", Config=TRANSFER)

    assert sent.part_numbers() == [1, 2, 2, 3, 3]
    assert upload_part_faults(aws) == [
        (None, "forwarded"),
        (Fault.INTERNAL_ERROR, "fault"),
        (None, "forwarded"),
        (Fault.LOST_RESPONSE, "forwarded"),  # moto stored part 3; its answer never came
        (None, "forwarded"),
    ]
    assert aws.attempts("CreateMultipartUpload") == aws.attempts("CompleteMultipartUpload") == 1
    stored = aws.backend_client("s3").get_object(Bucket="orders", Key="big.bin")
    body = stored["Body"].read()
    assert stored["ContentLength"] == len(data) == 12 * MiB
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(data).hexdigest()
    assert body == data
    assert stored["ETag"].endswith('-3"')  # a multipart object of three parts


def test_the_same_upload_fails_if_upload_part_is_treated_as_unsafe(aws, big_file):
    """Control: with UploadPart not resent, the 500 on part 2 fails the upload; no object."""
    path, _ = big_file
    s3, sent = uploading_s3(aws, RetryPolicy(treat_as_unsafe=["s3:UploadPart"]))
    aws.script("UploadPart", None, Fault.INTERNAL_ERROR, service="s3")

    with pytest.raises(S3UploadFailedError, match="InternalError"):
        s3.upload_file(str(path), "orders", "big.bin", Config=TRANSFER)

    assert sent.part_numbers() == [1, 2]
    assert upload_part_faults(aws) == [(None, "forwarded"), (Fault.INTERNAL_ERROR, "fault")]
    listed = aws.backend_client("s3").list_objects_v2(Bucket="orders")
    assert listed.get("Contents", []) == []


# -- 6. Powertools' idempotency layer on a wrapped DynamoDB client -------------------------


@pytest.fixture
def powertools_env(aws, monkeypatch):
    """Region, dummy credentials and AWS_ENDPOINT_URL for clients made by code we do not own."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    aws.backend_client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def charge_function(session, lambda_context, runs: list):
    """A Powertools idempotent_function on its own DynamoDB client, made from ``session``."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    persistence = DynamoDBPersistenceLayer(table_name=TABLE, boto3_session=session)
    config = IdempotencyConfig()
    config.register_lambda_context(lambda_context)

    @idempotent_function(
        data_keyword_argument="order", persistence_store=persistence, config=config
    )
    def charge(order: dict) -> dict:
        runs.append(order["id"])
        return {"charged": order["id"], "amount": order["amount"]}

    return charge, persistence


def recorded_session() -> tuple[boto3.session.Session, SendRecorder]:
    """A boto3 session whose clients (made later) carry a before-send recorder for DynamoDB."""
    session = boto3.session.Session()
    sent = SendRecorder()
    session.events.register("before-send.dynamodb", sent)  # clients copy the session's hooks
    return session, sent


def test_powertools_idempotent_function_survives_a_500_on_its_put_item(
    aws, powertools_env, lambda_context
):
    """install(): Powertools' own client resends its PutItem after a 500; the function runs once."""
    install()
    session, sent = recorded_session()
    runs: list[str] = []
    charge, persistence = charge_function(session, lambda_context, runs)
    assert PLUGIN_ATTR in vars(persistence.client)  # Powertools' client is wrapped
    aws.script("PutItem", Fault.INTERNAL_ERROR, service="dynamodb")

    result = charge(order={"id": "order-1", "amount": 5})

    assert result == {"charged": "order-1", "amount": 5}
    assert runs == ["order-1"]
    assert sent.targets() == ["PutItem", "PutItem", "UpdateItem"]
    assert [(r.operation, r.fault, r.outcome) for r in aws.records] == [
        ("PutItem", Fault.INTERNAL_ERROR, "fault"),
        ("PutItem", None, "forwarded"),
        ("UpdateItem", None, "forwarded"),  # SET status = COMPLETED, data = the result
    ]
    (item,) = aws.backend_client("dynamodb").scan(TableName=TABLE)["Items"]
    assert item["status"] == {"S": "COMPLETED"}
    assert json.loads(item["data"]["S"]) == result

    assert charge(order={"id": "order-1", "amount": 5}) == result  # the saved result
    assert runs == ["order-1"]


def test_powertools_fails_the_call_if_put_item_is_treated_as_unsafe(
    aws, powertools_env, lambda_context
):
    """Control: with PutItem not resent, the 500 reaches Powertools and the function never runs."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyPersistenceLayerError,
    )

    install(policy=RetryPolicy(treat_as_unsafe=["dynamodb:PutItem"]))
    session, sent = recorded_session()
    runs: list[str] = []
    charge, _ = charge_function(session, lambda_context, runs)
    aws.script("PutItem", Fault.INTERNAL_ERROR, service="dynamodb")

    with pytest.raises(IdempotencyPersistenceLayerError):
        charge(order={"id": "order-1", "amount": 5})

    assert runs == []
    assert sent.targets() == ["PutItem"]
    assert [(r.operation, r.fault) for r in aws.records] == [("PutItem", Fault.INTERNAL_ERROR)]
    assert aws.backend_client("dynamodb").scan(TableName=TABLE)["Items"] == []


# -- 7. CreateMultipartUpload is resent: an upload is never less reliable than bare ---------


@pytest.mark.parametrize("fault", [Fault.INTERNAL_ERROR, Fault.LOST_RESPONSE])
def test_a_multipart_upload_survives_a_fault_on_create_multipart_upload(aws, big_file, fault):
    """A 500 or a lost answer on CreateMultipartUpload: resent, as bare boto3 does; one object.

    A lost answer leaves moto one empty upload id that no part is sent to: listed by
    ListMultipartUploads until aborted (a lifecycle rule does that), never an object.
    """
    path, data = big_file
    s3, sent = uploading_s3(aws, RetryPolicy())
    aws.script("CreateMultipartUpload", fault, service="s3")

    s3.upload_file(str(path), "orders", "big.bin", Config=TRANSFER)

    assert aws.attempts("CreateMultipartUpload") == 2
    creates = [r for r in sent if r.method == "POST" and r.url.endswith("?uploads")]
    assert len(creates) == 2
    stored = aws.backend_client("s3").get_object(Bucket="orders", Key="big.bin")
    assert stored["Body"].read() == data
    objects = aws.backend_client("s3").list_objects_v2(Bucket="orders")["Contents"]
    assert [o["Key"] for o in objects] == ["big.bin"]
    pending = aws.backend_client("s3").list_multipart_uploads(Bucket="orders").get("Uploads", [])
    assert len(pending) == (1 if fault is Fault.LOST_RESPONSE else 0)
