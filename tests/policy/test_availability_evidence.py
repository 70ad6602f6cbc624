"""Availability from evidence (issue 25): what cannot act twice is resent, what can is not.

Over HTTP, with two witnesses (the raw server's log and a before-send recorder): a sample of
operations the evidence review moved to idempotent survives a 500 as bare botocore does,
sent twice with the same body; operations that can act twice are still sent once. On moto
behind the faulty endpoint: a resend after a lost answer that is refused by a conflict the
first attempt caused raises ``EarlierAttemptMayHaveActed``, which is also the service's own
class; the same conflict without a lost answer is the service's error alone. DynamoDB
UpdateItem: over HTTP, a request whose resend would change the item again is sent once;
on moto, the item after a lost answer is acted on once by a wrapped client, twice by a
bare one.
"""

from __future__ import annotations

import json
import types
from pathlib import Path

import botocore.config
import botocore.endpoint
import botocore.session
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from boto3_idempotent import (
    EarlierAttemptMayHaveActed,
    EarlierAttemptSucceeded,
    RetryPolicy,
    call_info,
    wrap,
)
from boto3_idempotent._knowledge import resend_table as _resend_table
from boto3_idempotent._knowledge.operations import operation_info
from boto3_idempotent._knowledge.resend_evidence import REVIEW_5, REVIEWED
from boto3_idempotent.testing import Fault
from helpers.answers import SendRecorder
from helpers.raw_server import response
from helpers.safety import SESSION, failing, on_raw, sent_once, sent_twice  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]

# (service, method, kwargs, protocol, the evidence in a few words)
NEWLY_IDEMPOTENT = [
    ("stepfunctions", "create_activity", {"name": "a"}, "json", "name unique; idempotent by name"),
    (
        "sagemaker",
        "create_training_job",
        {
            "TrainingJobName": "j",
            "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "i"},
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 1,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 60},
        },
        "json",
        "TrainingJobName unique in the Region; ResourceInUse",
    ),
    ("kms", "create_alias", {"AliasName": "alias/a", "TargetKeyId": "k"}, "json", "AlreadyExists"),
    (
        "rds",
        "create_db_instance",
        {"DBInstanceIdentifier": "d", "DBInstanceClass": "db.t3.micro", "Engine": "postgres"},
        "query",
        "DBInstanceAlreadyExists",
    ),
    (
        "kafka",
        "create_cluster",
        {
            "ClusterName": "c",
            "KafkaVersion": "3.6.0",
            "NumberOfBrokerNodes": 3,
            "BrokerNodeGroupInfo": {
                "InstanceType": "kafka.m5.large",
                "ClientSubnets": ["s1", "s2", "s3"],
            },
        },
        "rest-json",
        "ClusterName; ConflictException",
    ),
    ("geo-places", "reverse_geocode", {"QueryPosition": [1.0, 2.0]}, "rest-json", "a read"),
]
STILL_UNSAFE = [
    (
        "sesv2",
        "send_email",
        {
            "Destination": {"ToAddresses": ["a@example.com"]},
            "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        },
        "rest-json",
    ),
    (
        "sagemaker",
        "create_domain",
        {
            "DomainName": "d",
            "AuthMode": "IAM",
            "DefaultUserSettings": {},
            "SubnetIds": ["s"],
            "VpcId": "v",
        },
        "json",
    ),
    ("cloudtrail", "start_query", {"QueryStatement": "SELECT 1"}, "json"),
    (
        "stepfunctions",
        "start_execution",
        {"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m"},
        "json",
    ),
]


def _model_name(service: str, method: str) -> str:
    model = SESSION.get_service_model(service)
    return next(n for n in model.operation_names if botocore.xform_name(n) == method)


@pytest.mark.parametrize(("service", "method", "kwargs", "protocol", "evidence"), NEWLY_IDEMPOTENT)
def test_a_newly_idempotent_operation_survives_a_500_as_bare_botocore_does(
    on_raw,  # noqa: F811  (the fixture, imported)
    service,
    method,
    kwargs,
    protocol,
    evidence,
):
    """A 500, then 200: two identical requests by both witnesses, and a success."""
    name = _model_name(service, method)
    assert REVIEWED[service, name][0] == "idempotent", evidence
    raw, sent, client = on_raw(service, failing(protocol, 500, "InternalServerException"))

    sent_twice(raw, sent, getattr(client, method)(**kwargs))


@pytest.mark.parametrize(("service", "method", "kwargs", "protocol"), STILL_UNSAFE)
def test_an_operation_that_can_act_twice_is_still_sent_once(
    on_raw,  # noqa: F811  (the fixture, imported)
    service,
    method,
    kwargs,
    protocol,
):
    """Sends, service-generated creates, new runs: once, whatever a Smithy trait says."""
    raw, sent, client = on_raw(service, failing(protocol, 500, "InternalServerException"))

    with pytest.raises(ClientError) as caught:
        getattr(client, method)(**kwargs)

    sent_once(raw, sent, caught)


def test_the_review_covers_every_operation_it_moved_and_every_strong_signal():
    """Every decision of the review is recorded with its why; the table holds what it must."""
    review = json.loads((ROOT / "tools/data/resend_review.json").read_text())
    decisions = {(d["service"], d["operation"]): d for d in review["decisions"]}
    assert len(decisions) == len(review["decisions"])  # one decision per operation
    for key, (kind, why) in REVIEWED.items():
        assert decisions[key]["kind"] == kind
        assert decisions[key]["why"] == why
        assert 20 <= len(why) <= 200
    by_hand = {**_resend_table._BY_HAND, **_resend_table.PER_CALL}
    for key, decision in decisions.items():
        if decision["kind"] == "idempotent" and key not in by_hand:  # a hand entry wins
            assert key in REVIEWED, key
    # The review and the hand table agree wherever both decided (SQS PurgeQueue: unsafe).
    assert not [k for k, d in decisions.items() if k in by_hand and d["kind"] == "idempotent"]
    strong_unsafe = [k for k, (kind, _) in REVIEWED.items() if kind == "unsafe"]
    assert all(
        decisions[k]["signals"]["smithy"] or decisions[k]["signals"]["exists"]
        for k in strong_unsafe
    )


@pytest.mark.parametrize(
    ("service", "name"),
    [
        ("sesv2", "SendEmail"),
        ("sns", "Publish"),
        ("lambda", "Invoke"),
        ("stepfunctions", "StartExecution"),
        ("glue", "StartJobRun"),
        ("codebuild", "StartBuild"),
        ("cloudwatch", "PutMetricData"),
        ("firehose", "PutRecord"),
        ("lambda", "PublishLayerVersion"),
        ("ecs", "RegisterTaskDefinition"),
        ("iam", "CreateAccessKey"),
        ("ec2", "CreateSnapshot"),
        ("sagemaker", "CreatePresignedDomainUrl"),
        ("pinpoint-sms-voice-v2", "SendTextMessage"),
        ("ec2", "RebootInstances"),
        ("ssm", "SendCommand"),
    ],
)
def test_what_can_act_twice_did_not_move(service, name):
    """Sends, publishes, invokes, appends, new runs and versions, credentials: unsafe still."""
    model = SESSION.get_service_model(service).operation_model(name)
    info = operation_info(service, model)
    assert info.resend.kind == "unsafe" or info.tokens, (service, name, info.resend)


# -- 3. typed "may have been mine", on moto ----------------------------------------------------

KEY = {"k": {"S": "order-1"}}


@pytest.fixture
def orders(faulty_endpoint):
    """DynamoDB table "orders" and S3 bucket "receipts" on moto."""
    faulty_endpoint.backend_client("dynamodb").create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    faulty_endpoint.backend_client("s3").create_bucket(Bucket="receipts")
    return faulty_endpoint


def _client(aws, service, sleeps):
    client = aws.client(service, config=botocore.config.Config(read_timeout=2))
    sent = SendRecorder()
    client.meta.events.register(f"before-send.{service}", sent)
    return wrap(client, RetryPolicy(), sleep=sleeps), sent


def test_a_conditional_put_item_refused_after_a_lost_answer_is_typed(orders, sleeps):
    """The lost first attempt wrote the item; the resend's condition fails: ours and DynamoDB's."""
    ddb, sent = _client(orders, "dynamodb", sleeps)
    orders.script("PutItem", Fault.LOST_RESPONSE, service="dynamodb")
    item = {**KEY, "total": {"N": "12"}}

    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        ddb.put_item(TableName="orders", Item=item, ConditionExpression="attribute_not_exists(k)")

    assert isinstance(caught.value, EarlierAttemptMayHaveActed)
    assert isinstance(caught.value, ClientError)
    assert not isinstance(caught.value, EarlierAttemptSucceeded)
    assert (caught.value.operation_name, caught.value.attempts) == ("PutItem", 2)
    assert len(sent) == 2
    info = call_info(caught.value)
    assert (info.attempts, info.stop_reason, info.earlier_attempt_may_have_acted) == (
        2,
        "not_retryable",
        True,
    )
    stored = orders.backend_client("dynamodb").get_item(TableName="orders", Key=KEY)["Item"]
    assert stored == item  # the first attempt's write, once


def test_the_same_conditional_failure_without_a_lost_answer_is_the_services_alone(orders, sleeps):
    """The item was there before the call: no earlier attempt of this call, nothing of ours."""
    orders.backend_client("dynamodb").put_item(TableName="orders", Item=KEY)
    ddb, sent = _client(orders, "dynamodb", sleeps)

    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        ddb.put_item(TableName="orders", Item=KEY, ConditionExpression="attribute_not_exists(k)")

    assert not isinstance(caught.value, EarlierAttemptMayHaveActed)
    assert len(sent) == 1
    assert call_info(caught.value).earlier_attempt_may_have_acted is False


def test_an_s3_put_if_none_match_refused_after_a_lost_answer_is_typed(orders, sleeps):
    """PutObject IfNoneMatch="*": the first attempt stored it; the resend's 412 is ours too."""
    s3, sent = _client(orders, "s3", sleeps)
    orders.script("PutObject", Fault.LOST_RESPONSE, service="s3")

    with pytest.raises(EarlierAttemptMayHaveActed) as caught:
        s3.put_object(Bucket="receipts", Key="r1", Body=b"paid", IfNoneMatch="*")

    assert isinstance(caught.value, ClientError)
    assert caught.value.response["Error"]["Code"] == "PreconditionFailed"
    assert [method for method, _ in sent] == ["PUT", "PUT"]
    body = orders.backend_client("s3").get_object(Bucket="receipts", Key="r1")["Body"].read()
    assert body == b"paid"

    with pytest.raises(ClientError) as again:  # a second call: the object is there, not ours
        s3.put_object(Bucket="receipts", Key="r1", Body=b"paid", IfNoneMatch="*")
    assert not isinstance(again.value, EarlierAttemptMayHaveActed)


def test_bare_botocore_gives_the_same_conflict_untyped(orders, sleeps, monkeypatch):
    """The control: bare botocore resends too, and raises the service's error, nothing more."""
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps))
    ddb = orders.client(
        "dynamodb", config=botocore.config.Config(retries={"mode": "standard"}, read_timeout=2)
    )
    orders.script("PutItem", Fault.LOST_RESPONSE, service="dynamodb")

    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        ddb.put_item(TableName="orders", Item=KEY, ConditionExpression="attribute_not_exists(k)")

    assert not isinstance(caught.value, EarlierAttemptMayHaveActed)
    assert orders.attempts("PutItem", service="dynamodb") == 2


# -- classes from the model as published (review 5) -----------------------------------------

_S3_ERROR = b"<Error><Code>%s</Code><Message>m</Message></Error>"


def test_create_bucket_is_resent_after_botocore_rewrote_the_s3_model(on_raw, raw_server):  # noqa: F811
    """Botocore strips /{Bucket} from S3's loaded model at a first call: the class is the published one."""
    import boto3

    from conftest import raw_client

    earlier = raw_server(lambda request, n: response(200, b""))
    raw_client("s3", earlier.url).create_bucket(Bucket="bucket-0")  # rewrites the shared model

    def answer(request, n):
        return response(500, _S3_ERROR % b"InternalError") if n == 1 else response(200, b"")

    raw, sent, s3 = on_raw("s3", answer)
    created = s3.create_bucket(Bucket="bucket-1")

    sent_twice(raw, sent, created)
    rewritten = s3.meta.service_model.operation_model("CreateBucket")
    assert rewritten.http["requestUri"] == ""  # the rewrite did happen
    published = botocore.session.Session().get_service_model("s3").operation_model("CreateBucket")
    runtime, cli = operation_info("s3", rewritten).resend, operation_info("s3", published).resend
    assert (runtime.kind, runtime.source) == (cli.kind, cli.source) == ("idempotent", "method")
    assert boto3  # the earlier client is boto3's, as a user's would be


@pytest.mark.parametrize(
    ("code", "ours"),
    [(b"BucketAlreadyExists", False), (b"BucketAlreadyOwnedByYou", True)],
)
def test_a_bucket_name_taken_by_another_account_is_not_our_earlier_attempt(on_raw, code, ours):  # noqa: F811
    """After a 500, BucketAlreadyExists is S3's plain error: another account owns the name."""

    def answer(request, n):
        if n == 1:
            return response(500, _S3_ERROR % b"InternalError")
        return response(409, _S3_ERROR % code)

    raw, sent, s3 = on_raw("s3", answer)
    with pytest.raises(ClientError) as caught:
        s3.create_bucket(Bucket="bucket-1")

    assert (len(raw.requests), len(sent)) == (2, 2)
    assert isinstance(caught.value, EarlierAttemptMayHaveActed) is ours
    assert caught.value.response["Error"]["Code"] == code.decode()
    assert call_info(caught.value).earlier_attempt_may_have_acted is True


# -- review round 5: what the phrase scan and the needless-refusal read moved ----------------

ROUND_5_UNSAFE = [
    (
        "storagegateway",
        "update_gateway_software_now",
        {"GatewayARN": "arn:aws:storagegateway:us-east-1:123456789012:gateway/sgw-12A3456B"},
        "json",
    ),
    (
        "bedrock-runtime",
        "converse",
        {"modelId": "m", "messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        "rest-json",
    ),
    (
        "cloudwatch",
        "set_alarm_state",
        {"AlarmName": "a", "StateValue": "ALARM", "StateReason": "test"},
        "query",
    ),
    (
        "cognito-idp",
        "get_user_attribute_verification_code",
        {"AccessToken": "t", "AttributeName": "email"},
        "json",
    ),
    (
        "elasticbeanstalk",
        "update_environment",
        {"EnvironmentName": "orders", "VersionLabel": "v2"},
        "query",
    ),
]
ROUND_5_IDEMPOTENT = [
    ("lexv2-models", "create_upload_url", {}, "rest-json"),
    (
        "qapps",
        "create_presigned_url",
        {
            "instanceId": "i",
            "cardId": "c",
            "appId": "a",
            "fileContentsSha256": "x",
            "fileName": "f",
            "scope": "APPLICATION",
        },
        "rest-json",
    ),
]


@pytest.mark.parametrize(("service", "method", "kwargs", "protocol"), ROUND_5_UNSAFE)
def test_what_the_phrase_scan_found_acting_is_sent_once(on_raw, service, method, kwargs, protocol):  # noqa: F811
    """Restarts, model runs, alarm actions, codes sent, deploys: once after a 500."""
    name = _model_name(service, method)
    assert REVIEW_5[service, name][0] == "unsafe"
    raw, sent, client = on_raw(service, failing(protocol, 500, "InternalServerException"))

    with pytest.raises(ClientError) as caught:
        getattr(client, method)(**kwargs)

    sent_once(raw, sent, caught)


@pytest.mark.parametrize(("service", "method", "kwargs", "protocol"), ROUND_5_IDEMPOTENT)
def test_an_empty_expiring_upload_slot_is_resent(on_raw, service, method, kwargs, protocol):  # noqa: F811
    """A presigned upload URL the caller never saw: resent after a 500, as bare botocore does."""
    name = _model_name(service, method)
    assert REVIEW_5[service, name][0] == "idempotent"
    raw, sent, client = on_raw(service, failing(protocol, 500, "InternalServerException"))

    sent_twice(raw, sent, getattr(client, method)(**kwargs))


def test_round_5_keeps_the_earlier_rounds_unsafe_operations_unsafe():
    """No move of round 5 makes idempotent what an earlier round's hand table made unsafe."""
    by_hand = {**_resend_table._BY_HAND}
    moved = [key for key, (kind, _) in REVIEW_5.items() if kind == "idempotent"]
    assert not [k for k in moved if by_hand.get(k, ("",))[0] == "unsafe"]
    assert not [k for k in moved if REVIEWED.get(k, ("",))[0] == "unsafe"]
    record = json.loads((ROOT / "tools/data/review5.json").read_text())
    assert {tuple(k.split(":", 1)) for k in record["moves"]} == set(REVIEW_5)
    for why in (why for _, why in REVIEW_5.values()):
        assert 20 <= len(why) <= 200


# -- item 6: a resend refused as the review says a repeat is: the first attempt acted --------


def _after_a_500(code: bytes, message: bytes, protocol: str):
    from helpers.answers import error_in

    def answer(request, n):
        if n == 1:
            return error_in(protocol, 500, "InternalFailure")
        if protocol == "rest-xml":
            body = (
                b"<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error></ErrorResponse>"
                % (code, message)
            )
            return response(400, body, {"Content-Type": "text/xml"})
        body = (
            b"<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>"
            b"</Error><RequestId>r-1</RequestId></ErrorResponse>" % (code, message)
        )
        return response(400, body, {"Content-Type": "text/xml"})

    return answer


def test_a_start_refused_as_already_starting_after_a_500_is_the_first_attempts_doing(on_raw):  # noqa: F811
    """RDS StartDBCluster: a 500, then InvalidDBClusterStateFault: typed, still RDS's class."""
    raw, sent, rds = on_raw(
        "rds", _after_a_500(b"InvalidDBClusterStateFault", b"is starting", "query")
    )

    with pytest.raises(EarlierAttemptMayHaveActed) as caught:
        rds.start_db_cluster(DBClusterIdentifier="orders")

    assert (len(raw.requests), len(sent)) == (2, 2)
    assert isinstance(caught.value, rds.exceptions.InvalidDBClusterStateFault)


def test_the_same_refusal_of_a_first_attempt_is_rdss_alone(on_raw):  # noqa: F811
    """No lost answer before it: the service's error, not ours."""
    from helpers.answers import error_in

    raw, _, rds = on_raw("rds", lambda r, n: error_in("query", 400, "InvalidDBClusterStateFault"))
    with pytest.raises(ClientError) as caught:
        rds.start_db_cluster(DBClusterIdentifier="orders")

    assert len(raw.requests) == 1
    assert not isinstance(caught.value, EarlierAttemptMayHaveActed)


@pytest.mark.parametrize(
    ("message", "ours"),
    [
        (
            b"Tried to create resource record set [name='a.example.com.', type='A'] but it already exists",
            True,
        ),
        (b"Invalid XML ; cvc-complex-type.2.4.a", False),
    ],
)
def test_route53_create_refused_as_existing_after_a_500_needs_its_marker(on_raw, message, ours):  # noqa: F811
    """InvalidChangeBatch is ours only when it says "already exists" (it also means bad input)."""
    raw, _, route53 = on_raw("route53", _after_a_500(b"InvalidChangeBatch", message, "rest-xml"))
    change = {
        "Action": "CREATE",
        "ResourceRecordSet": {
            "Name": "a.example.com",
            "Type": "A",
            "TTL": 60,
            "ResourceRecords": [{"Value": "192.0.2.1"}],
        },
    }

    with pytest.raises(ClientError) as caught:
        route53.change_resource_record_sets(HostedZoneId="Z1", ChangeBatch={"Changes": [change]})

    assert len(raw.requests) == 2
    assert isinstance(caught.value, EarlierAttemptMayHaveActed) is ours
    assert caught.value.response["Error"]["Code"] == "InvalidChangeBatch"


def test_every_repeat_refusal_is_a_modeled_error_of_an_idempotent_entry():
    """The data: each code modeled on its operation, each operation resent (idempotent)."""
    available = set(SESSION.get_available_services())
    for (service, name), (codes, marker, quote) in _resend_table.REPEAT_REFUSALS.items():
        assert 20 <= len(quote) <= 200
        service_model = SESSION.get_service_model(service) if service in available else None
        if service_model is None or name not in service_model.operation_names:
            continue  # newer than the installed botocore (1.43 lacks RDS MoveDataGroup)
        model = service_model.operation_model(name)
        modeled = {e.error_code or e.name for e in model.error_shapes}
        assert set(codes) <= modeled, (service, name, codes)
        assert operation_info(service, model).resend.kind == "idempotent", (service, name)
        assert 20 <= len(quote) <= 200
        assert marker is None or marker in quote


# -- DynamoDB UpdateItem over HTTP, and its end state on moto after a lost answer ----------


@pytest.mark.parametrize(
    ("expression", "values", "idempotent"),
    [
        ("REMOVE l[0]", None, False),
        ("SET prev = cur, cur = :n", {":n": {"S": "c"}}, False),
        ("SET v = v + :one, cur = :n", {":one": {"N": "1"}, ":n": {"S": "c"}}, False),
        ("REMOVE l", None, True),
        ("SET cur = :n", {":n": {"S": "c"}}, True),
    ],
)
def test_update_item_over_http(on_raw, expression, values, idempotent):  # noqa: F811
    """Over HTTP after a 500: sent once when a resend changes the item again, else twice."""
    raw, sent, client = on_raw("dynamodb", failing("json", 500, "InternalServerError"))
    params = {"TableName": "t", "Key": KEY, "UpdateExpression": expression}
    if values:
        params["ExpressionAttributeValues"] = values
    if idempotent:
        sent_twice(raw, sent, client.update_item(**params))
        return
    with pytest.raises(ClientError) as caught:
        client.update_item(**params)
    sent_once(raw, sent, caught)


@pytest.fixture
def table(faulty_endpoint):
    """Table "t" on moto with one item, and its backend client to read it back."""
    backend = faulty_endpoint.backend_client("dynamodb")
    backend.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {
        **KEY,
        "l": {"L": [{"S": "x1"}, {"S": "x2"}, {"S": "x3"}]},
        "cur": {"S": "b"},
        "prev": {"S": "a"},
    }
    backend.put_item(TableName="t", Item=item)
    return faulty_endpoint, backend


def _read(backend):
    item = backend.get_item(TableName="t", Key=KEY, ConsistentRead=True)["Item"]
    return [e["S"] for e in item["l"]["L"]], item["prev"]["S"], item["cur"]["S"]


@pytest.mark.parametrize("wrapped", [True, False])
@pytest.mark.parametrize(
    ("params", "acted_once", "acted_twice"),
    [
        ({"UpdateExpression": "REMOVE l[0]"}, (["x2", "x3"], "a", "b"), (["x3"], "a", "b")),
        (
            {
                "UpdateExpression": "SET prev = cur, cur = :n",
                "ExpressionAttributeValues": {":n": {"S": "c"}},
            },
            (["x1", "x2", "x3"], "b", "c"),
            (["x1", "x2", "x3"], "c", "c"),
        ),
    ],
    ids=["REMOVE l[0]", "SET prev = cur, cur = :n"],
)
def test_update_item_end_state_on_moto_after_a_lost_answer(
    table, sleeps, monkeypatch, wrapped, params, acted_once, acted_twice
):
    """Moto's item after a lost answer: the wrapped client leaves it acted on once; bare, twice."""
    aws, backend = table
    aws.script("UpdateItem", Fault.LOST_RESPONSE, service="dynamodb")
    client = aws.client(
        "dynamodb", config=botocore.config.Config(retries={"mode": "standard"}, read_timeout=2)
    )
    sent = SendRecorder()
    client.meta.events.register("before-send.dynamodb", sent)
    if wrapped:
        wrap(client, RetryPolicy(), sleep=sleeps)
        with pytest.raises((ConnectionClosedError, ReadTimeoutError)) as caught:
            client.update_item(TableName="t", Key=KEY, **params)
        assert call_info(caught.value).stop_reason == "unsafe_to_resend"
    else:  # bare botocore backs off through its endpoint module's time: recorded, not slept
        monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps))
        client.update_item(TableName="t", Key=KEY, **params)
        assert len(sleeps) == 1
    attempts = 1 if wrapped else 2
    assert (aws.attempts("UpdateItem", service="dynamodb"), len(sent)) == (attempts, attempts)
    assert _read(backend) == (acted_once if wrapped else acted_twice)
