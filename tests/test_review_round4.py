"""Review of the lazy package, the one-decision failure path and the typed conflict (round 4).

Each test pins a defect a review found in the first version of this round's changes:
the modeled class of a query-compatible service's error (SQS), the typed conflict firing
on reads and on refusals the first attempt cannot have caused, the knowledge file inside a
zip, values pickled by the dataclass versions, and which bad variable is named first.
"""

from __future__ import annotations

import copyreg
import json
import weakref
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from test_knowledge import fresh

from boto3_idempotent import (
    CallInfo,
    ConfigError,
    EarlierAttemptMayHaveActed,
    RetryEvent,
    RetryPolicy,
    call_info,
    wrap,
)
from boto3_idempotent._failure import Failure, _earlier_conflict
from boto3_idempotent._knowledge.operations import operation_info
from helpers.answers import error_in
from helpers.raw_server import response
from test_safety_round3 import SESSION

ROOT = Path(__file__).resolve().parents[1]


def _then(first: bytes, second: bytes):
    def answer(request, n):
        return first if n == 1 else second

    return answer


def _sqs_conflict() -> bytes:
    body = json.dumps({"__type": "com.amazonaws.sqs#QueueNameExists", "message": "exists"})
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "x-amzn-query-error": "QueueAlreadyExists;Sender",
    }
    return response(400, body.encode(), headers)


def test_sqs_conflict_after_a_lost_answer_is_its_modeled_class(make_client, raw_server, sleeps):
    """SQS answers JSON with a query code: the raised class is still QueueNameExists."""
    raw = raw_server(_then(error_in("json", 500, "InternalError"), _sqs_conflict()))
    sqs = wrap(make_client("sqs", url=raw.url), RetryPolicy(), sleep=sleeps)

    with pytest.raises(sqs.exceptions.QueueNameExists) as caught:
        sqs.create_queue(QueueName="orders", Attributes={"DelaySeconds": "5"})

    assert isinstance(caught.value, EarlierAttemptMayHaveActed)
    assert len(raw.requests) == 2


@pytest.mark.parametrize(
    ("service", "method", "kwargs", "protocol", "second"),
    [
        # A read acted on nothing: its 412 is the object's, not ours.
        (
            "s3",
            "get_object",
            {"Bucket": "b", "Key": "k", "IfMatch": '"e"'},
            "rest-xml",
            (412, "PreconditionFailed"),
        ),
        (
            "dynamodb",
            "get_item",
            {"TableName": "t", "Key": {"k": {"S": "v"}}},
            "json",
            (400, "ResourceInUseException"),
        ),
        # A refusal that says the first attempt did not act, or someone else did.
        ("iam", "delete_role", {"RoleName": "r"}, "query", (409, "DeleteConflict")),
        ("s3", "delete_bucket", {"Bucket": "b"}, "rest-xml", (409, "BucketNotEmpty")),
        (
            "dynamodb",
            "put_item",
            {"TableName": "t", "Item": {"k": {"S": "v"}}},
            "json",
            (400, "TransactionConflictException"),
        ),
    ],
)
def test_refusals_the_first_attempt_cannot_have_caused_are_not_ours(
    make_client, raw_server, sleeps, service, method, kwargs, protocol, second
):
    """After a 500, these answers are the service's error alone; call_info still says 'may'."""
    raw = raw_server(_then(error_in(protocol, 500, "InternalError"), error_in(protocol, *second)))
    client = wrap(make_client(service, url=raw.url), RetryPolicy(), sleep=sleeps)

    with pytest.raises(ClientError) as caught:
        getattr(client, method)(**kwargs)

    assert not isinstance(caught.value, EarlierAttemptMayHaveActed)
    assert len(raw.requests) == 2
    assert call_info(caught.value).earlier_attempt_may_have_acted is True


def _info(service: str, name: str):
    return operation_info(service, SESSION.get_service_model(service).operation_model(name))


@pytest.mark.parametrize(
    ("service", "name", "code", "ours"),
    [
        ("dynamodb", "PutItem", "ConditionalCheckFailedException", True),
        ("s3", "PutObject", "PreconditionFailed", True),
        ("ec2", "CreateSecurityGroup", "InvalidGroup.Duplicate", True),
        ("kafka", "CreateCluster", "ConflictException", True),
        ("iam", "CreateRole", "EntityAlreadyExists", True),
        ("s3", "CreateBucket", "BucketAlreadyOwnedByYou", True),
        ("dynamodb", "DeleteTable", "ResourceInUseException", True),
        ("organizations", "CreatePolicy", "DuplicatePolicyException", True),
        ("s3", "GetObject", "PreconditionFailed", False),
        ("s3", "HeadObject", "PreconditionFailed", False),
        ("dynamodb", "GetItem", "ResourceInUseException", False),
        ("iam", "DeleteRole", "DeleteConflict", False),
        ("dynamodb", "PutItem", "TransactionConflictException", False),
        ("ec2", "CreateTags", "InvalidParameterValue", False),
        ("sts", "AssumeRole", "EntityNotExistsException", False),
        ("codecommit", "MergeBranchesByThreeWay", "InvalidConflictResolutionException", False),
        ("ec2", "CreateTags", "DuplicateTagKeys", False),
        ("lambda", "CreateFunction", "NoSuchFunctionExists", False),
        ("s3", "PutObject", "MaximumConflictsExceeded", False),
    ],
)
def test_which_refusals_read_as_the_earlier_attempts(service, name, code, ours):
    """The rule, row by row (a pure function of the code and the operation)."""
    failure = Failure(None, code, {}, None)  # type: ignore[arg-type]
    assert _earlier_conflict(failure, _info(service, name)) is ours


def test_the_package_works_from_a_zip(tmp_path):
    """zipapp, pex, zipimport: the knowledge file is read through the package's loader."""
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in (ROOT / "src" / "boto3_idempotent").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, path.relative_to(ROOT / "src"))
    out = fresh(
        """
        assert ".zip" in boto3_idempotent.__file__, boto3_idempotent.__file__
        from boto3_idempotent._knowledge.operations import operation_info
        model = ddb.meta.service_model.operation_model("UpdateItem")
        print(operation_info("dynamodb", model).resend.source)
        """,
        PYTHONPATH=str(archive),
    )
    assert out == ["per call"]


def test_values_pickled_as_dataclasses_still_load_and_behave_as_dataclasses():
    """A dataclass pickle's state is a __dict__; match statements and weak references work."""
    record = copyreg.__newobj__(CallInfo)  # what unpickling an old CallInfo does first
    record.__setstate__({"attempts": 2, "token": "t", "max_attempts_reached": False,
                         "stop_reason": "max_attempts", "earlier_attempt_may_have_acted": True})  # fmt: skip
    assert record == CallInfo(2, "t", False, "max_attempts", True)
    match record:
        case CallInfo(attempts, token):
            assert (attempts, token) == (2, "t")
    assert weakref.ref(record)() is record
    assert weakref.ref(RetryPolicy())() is not None
    event = RetryEvent("s3", "PutObject", 1, None, "InternalError", 0.1, 0.2)
    assert weakref.ref(event)() is event
    assert RetryPolicy.__match_args__[0] == "max_attempts"


def test_a_bad_policy_variable_is_named_before_a_bad_telemetry_switch(monkeypatch, make_client):
    """Both wrong: the policy's variable is the one named, as before the environment cache."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "many")
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TELEMETRY", "maybe")

    with pytest.raises(ConfigError) as caught:
        wrap(make_client("ec2"))

    assert caught.value.name == "BOTO3_IDEMPOTENT_MAX_ATTEMPTS"
    monkeypatch.delenv("BOTO3_IDEMPOTENT_MAX_ATTEMPTS")
    with pytest.raises(ConfigError) as again:  # read again: the environment changed
        wrap(make_client("ec2"))
    assert again.value.name == "BOTO3_IDEMPOTENT_TELEMETRY"
