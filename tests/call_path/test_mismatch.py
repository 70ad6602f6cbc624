"""Same token, different parameters: raised as IdempotentParameterMismatch, never retried.

And the other typed conflicts: a token whose instance terminated, and a refusal after a
resend typed as the earlier attempt's only where the first attempt can have caused it.
"""

from __future__ import annotations

import json
import pickle

import pytest
from botocore.exceptions import ClientError

from boto3_idempotent import (
    EarlierAttemptMayHaveActed,
    IdempotentParameterMismatch,
    RetryPolicy,
    call_info,
    wrap,
)
from boto3_idempotent._failure import Failure, _earlier_conflict
from boto3_idempotent._knowledge.operations import operation_info
from helpers.answers import error_in
from helpers.raw_server import response
from helpers.safety import SESSION
from helpers.wire import Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
ITEMS = [
    {
        "ConditionCheck": {
            "TableName": "t",
            "Key": {"k": {"S": "1"}},
            "ConditionExpression": "attribute_exists(k)",
        }
    }
]


@pytest.fixture
def wrapped(make_client, sleeps):
    """Build wrapped clients against the scripted server."""
    return lambda service="ec2": wrap(make_client(service), RetryPolicy(), sleep=sleeps)


def test_ec2_mismatch_is_typed_carries_operation_and_token_and_is_not_retried(wrapped, server):
    """EC2's unmodeled IdempotentParameterMismatch (HTTP 400) becomes the typed exception."""
    server.plan(Reply(400, "IdempotentParameterMismatch", "token reused"))

    with pytest.raises(IdempotentParameterMismatch) as raised:
        wrapped().run_instances(ClientToken="launch-1", **RUN)

    error = raised.value
    assert isinstance(error, ClientError)
    assert error.operation_name == "RunInstances"
    assert error.token == "launch-1"
    assert error.response["Error"]["Code"] == "IdempotentParameterMismatch"
    assert server.count() == 1
    assert call_info(error).attempts == 1


def test_a_mismatch_after_a_retry_reports_both_attempts(wrapped, server):
    """A 500 then a mismatch: two attempts, one token, typed error."""
    server.plan(Reply(500, "InternalError"), Reply(400, "IdempotentParameterMismatch"))

    with pytest.raises(IdempotentParameterMismatch) as raised:
        wrapped().run_instances(**RUN)

    assert server.count() == 2
    assert call_info(raised.value).attempts == 2
    assert raised.value.token == server.tokens()[0]


def test_modeled_mismatch_stays_catchable_as_the_services_own_class(wrapped, server):
    """DynamoDB models IdempotentParameterMismatchException: both except clauses still work."""
    client = wrapped("dynamodb")
    server.plan(Reply(400, "IdempotentParameterMismatchException"))

    with pytest.raises(client.exceptions.IdempotentParameterMismatchException) as raised:
        client.transact_write_items(TransactItems=ITEMS)

    assert isinstance(raised.value, IdempotentParameterMismatch)
    assert raised.value.token == server.tokens()[0]


def test_proton_validation_exception_naming_the_mismatch_is_typed(wrapped, server):
    """Proton says it in a ValidationException's message."""
    client = wrapped("proton")
    server.plan(Reply(400, "ValidationException", "IdempotentParameterMismatch: token reused"))

    with pytest.raises(IdempotentParameterMismatch) as raised:
        client.create_environment_template(name="t")

    assert isinstance(raised.value, client.exceptions.ValidationException)


def test_other_validation_exceptions_are_left_alone(wrapped, server):
    """A ValidationException that does not name the mismatch stays what it was."""
    client = wrapped("proton")
    server.plan(Reply(400, "ValidationException", "name is too long"))

    with pytest.raises(client.exceptions.ValidationException) as raised:
        client.create_environment_template(name="t")

    assert not isinstance(raised.value, IdempotentParameterMismatch)


def test_the_typed_mismatch_pickles(wrapped, server):
    """Combined classes are built at run time; the error still crosses process boundaries."""
    client = wrapped("dynamodb")
    server.plan(Reply(400, "IdempotentParameterMismatchException"))
    with pytest.raises(IdempotentParameterMismatch) as raised:
        client.transact_write_items(TransactItems=ITEMS)

    copy = pickle.loads(pickle.dumps(raised.value))  # noqa: S301  (our own object)

    assert isinstance(copy, IdempotentParameterMismatch)
    assert copy.token == raised.value.token
    assert copy.operation_name == "TransactWriteItems"


# -- repeats answered with an error: the marker, and pickling the combined class --------------

_HIT = {
    "LifetimeInSeconds": 600,
    "AssignmentDurationInSeconds": 60,
    "Reward": "0.10",
    "Title": "t",
    "Description": "d",
    "Question": "<QuestionForm/>",
    "UniqueRequestToken": "order-1",
}


def _mturk_after_a_500(make_client, raw_server, sleeps, message: str):
    """CreateHIT: a 500, then the resend answered RequestError with ``message``."""
    import json

    from helpers.raw_server import response

    def answer(request, n):
        if n == 1:
            return response(
                500,
                b'{"__type": "ServiceFault", "Message": "busy"}',
                {"Content-Type": "application/x-amz-json-1.1"},
            )
        body = json.dumps({"__type": "RequestError", "Message": message}).encode()
        return response(400, body, {"Content-Type": "application/x-amz-json-1.1"})

    raw = raw_server(answer)
    client = wrap(make_client("mturk", url=raw.url), RetryPolicy(), sleep=sleeps)
    with pytest.raises(ClientError) as caught:
        client.create_hit(**_HIT)
    assert len(raw.requests) == 2
    return caught.value


def test_mturk_needs_its_marker_before_a_request_error_means_success(
    make_client, raw_server, sleeps
):
    """RequestError is MTurk's answer to many things: only HitAlreadyExists in it is the repeat."""
    from boto3_idempotent import EarlierAttemptSucceeded

    plain = _mturk_after_a_500(make_client, raw_server, sleeps, "Reward is too low")
    repeat = _mturk_after_a_500(
        make_client, raw_server, sleeps, "AWS.MechanicalTurk.HitAlreadyExists: HITId 3ABC"
    )

    assert not isinstance(plain, EarlierAttemptSucceeded)
    assert isinstance(repeat, EarlierAttemptSucceeded)
    assert repeat.response["Error"]["Code"] == "RequestError"


def test_an_earlier_attempt_error_combined_with_the_services_class_pickles(
    make_client, raw_server, sleeps
):
    """EarlierAttemptMayHaveActed + RequestError (a combined class built at run time) round-trips."""
    from boto3_idempotent import EarlierAttemptMayHaveActed

    repeat = _mturk_after_a_500(
        make_client, raw_server, sleeps, "AWS.MechanicalTurk.HitAlreadyExists: HITId 3ABC"
    )
    assert type(repeat) is not EarlierAttemptMayHaveActed  # the combined class
    loaded = pickle.loads(pickle.dumps(repeat))  # noqa: S301  (our own object)

    assert isinstance(loaded, EarlierAttemptMayHaveActed)
    assert loaded.response == repeat.response
    assert (loaded.operation_name, loaded.token, loaded.attempts) == ("CreateHIT", "order-1", 2)


# -- a token whose instance terminated -----------------------------------------------------


@pytest.fixture
def ec2(make_client, sleeps):
    """A wrapped EC2 client on the scripted server."""
    return wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps, random=lambda: 0.0)


def test_a_token_whose_instance_terminated_raises_typed(ec2, server):
    """EC2's IdempotentInstanceTerminated: a typed ClientError with the token, sent once."""
    from botocore.exceptions import ClientError

    from boto3_idempotent import IdempotentInstanceTerminated

    message = (
        "The client token you have provided is associated with a resource that is already deleted."
    )
    server.plan(Reply(400, "IdempotentInstanceTerminated", message))
    sent = []
    ec2.meta.events.register("before-send.ec2", lambda request, **kw: sent.append(request))

    with pytest.raises(IdempotentInstanceTerminated) as raised:
        ec2.run_instances(**RUN, ClientToken="key-1-launch")

    assert isinstance(raised.value, ClientError)
    assert raised.value.token == "key-1-launch"
    assert raised.value.response["Error"]["Code"] == "IdempotentInstanceTerminated"
    assert call_info(raised.value).stop_reason == "not_retryable"
    assert server.count() == len(sent) == 1


# -- a conflict after a resend: the earlier attempt's, or the service's error alone --------


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
