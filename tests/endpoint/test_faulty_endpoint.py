"""boto3_idempotent.testing: the client-token contract and the faults, over HTTP through moto."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from boto3_idempotent.testing import Fault, FaultSchedule, FaultyEndpoint

AMI = "ami-12c6146b"
RUN = {"ImageId": AMI, "MinCount": 1, "MaxCount": 1}
ONE_ATTEMPT = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture
def aws(faulty_endpoint):
    """The endpoint, reset for this test."""
    return faulty_endpoint


@pytest.fixture
def ec2(aws):
    """A bare EC2 client that makes exactly one attempt per call."""
    return aws.client("ec2", config=ONE_ATTEMPT)


def instances(aws, region="us-east-1"):
    """Instances moto really holds, asked without faults."""
    reservations = aws.backend_client("ec2", region_name=region).describe_instances()
    return [i for r in reservations["Reservations"] for i in r["Instances"]]


def create_table(ddb):
    """A DynamoDB table "t" with a string hash key "k"."""
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_moto_alone_duplicates_a_repeated_token(aws):
    """Control: moto itself makes a second instance for the same ClientToken."""
    backend = aws.backend_client("ec2")
    backend.run_instances(ClientToken="t-1", **RUN)
    backend.run_instances(ClientToken="t-1", **RUN)
    assert len(instances(aws)) == 2


def test_same_token_same_parameters_replays_the_first_answer(aws, ec2):
    """The second call gets the first instance back, and moto is not asked again."""
    first = ec2.run_instances(ClientToken="t-1", **RUN)
    second = ec2.run_instances(ClientToken="t-1", **RUN)

    assert second["Instances"][0]["InstanceId"] == first["Instances"][0]["InstanceId"]
    assert len(instances(aws)) == 1
    assert aws.created("RunInstances") == 1
    assert [r.outcome for r in aws.records] == ["forwarded", "replayed"]


def test_same_token_other_parameters_is_the_ec2_mismatch_error_on_the_wire(aws, ec2):
    """HTTP 400 IdempotentParameterMismatch in EC2's XML, and no second instance."""
    ec2.run_instances(ClientToken="t-1", **RUN)

    with pytest.raises(ClientError) as raised:
        ec2.run_instances(ClientToken="t-1", ImageId=AMI, MinCount=2, MaxCount=2)

    assert raised.value.response["Error"]["Code"] == "IdempotentParameterMismatch"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(instances(aws)) == 1


def test_tokens_are_per_region(aws):
    """The same token in another region creates anew, as AWS documents."""
    aws.client("ec2", config=ONE_ATTEMPT).run_instances(ClientToken="t-1", **RUN)
    aws.client("ec2", config=ONE_ATTEMPT, region_name="eu-west-1").run_instances(
        ClientToken="t-1", **RUN
    )
    assert aws.created("RunInstances") == 2


def test_tokens_expire_after_the_services_lifetime():
    """DynamoDB keeps a TransactWriteItems token 10 minutes; after that it applies again."""
    now = [0.0]
    with FaultyEndpoint(clock=lambda: now[0]) as aws:
        aws.reset()  # moto's state is per process, shared with the session's endpoint
        ddb = aws.client("dynamodb", config=ONE_ATTEMPT)
        create_table(ddb)
        write = {"TransactItems": [{"Put": {"TableName": "t", "Item": {"k": {"S": "1"}}}}]}
        ddb.transact_write_items(ClientRequestToken="t-1", **write)
        now[0] = 599.0
        ddb.transact_write_items(ClientRequestToken="t-1", **write)
        assert aws.created("TransactWriteItems") == 1
        now[0] = 601.0
        ddb.transact_write_items(ClientRequestToken="t-1", **write)
        assert aws.created("TransactWriteItems") == 2


def test_json_protocol_mismatch_uses_the_modeled_code(aws):
    """DynamoDB answers IdempotentParameterMismatchException, in JSON."""
    ddb = aws.client("dynamodb", config=ONE_ATTEMPT)
    create_table(ddb)
    ddb.transact_write_items(
        ClientRequestToken="t-1",
        TransactItems=[{"Put": {"TableName": "t", "Item": {"k": {"S": "1"}}}}],
    )

    with pytest.raises(ddb.exceptions.IdempotentParameterMismatchException):
        ddb.transact_write_items(
            ClientRequestToken="t-1",
            TransactItems=[{"Put": {"TableName": "t", "Item": {"k": {"S": "2"}}}}],
        )
    assert ddb.scan(TableName="t")["Count"] == 1


def test_untraited_and_nested_tokens_are_honoured(aws, ec2):
    """AllocateHosts' ClientToken and RequestSpotFleet's nested one replay like RunInstances."""
    hosts = {"AvailabilityZone": "us-east-1a", "Quantity": 1, "InstanceType": "m5.large"}
    ec2.allocate_hosts(ClientToken="h-1", **hosts)
    ec2.allocate_hosts(ClientToken="h-1", **hosts)
    fleet = {
        "ClientToken": "f-1",
        "IamFleetRole": "arn:aws:iam::123456789012:role/fleet",
        "TargetCapacity": 1,
        "SpotPrice": "0.12",
        "AllocationStrategy": "lowestPrice",
        "LaunchSpecifications": [{"ImageId": AMI, "InstanceType": "t2.micro"}],
    }
    ec2.request_spot_fleet(SpotFleetRequestConfig=fleet)
    ec2.request_spot_fleet(SpotFleetRequestConfig=fleet)

    assert aws.created("AllocateHosts") == 1
    assert aws.created("RequestSpotFleet") == 1
    assert [r.token for r in aws.records] == ["h-1", "h-1", "f-1", "f-1"]


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (Fault.INTERNAL_ERROR, 500, "InternalError"),
        (Fault.UNAVAILABLE, 503, "Unavailable"),
        (Fault.THROTTLE_503, 503, "RequestLimitExceeded"),
        (Fault.THROTTLE_400, 400, "Throttling"),
        (Fault.CLIENT_ERROR, 400, "InvalidParameterValue"),
    ],
)
def test_error_faults_answer_before_the_backend(aws, ec2, fault, status, code):
    """Each error fault has its status and EC2 code on the wire; moto is never asked."""
    aws.script("RunInstances", fault)

    with pytest.raises(ClientError) as raised:
        ec2.run_instances(**RUN)

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert raised.value.response["Error"]["Code"] == code
    assert aws.created() == 0
    assert aws.records[0].fault is fault


def test_reset_drops_the_connection_before_the_backend(aws, ec2):
    """A reset reaches the client as a connection error; nothing was created."""
    aws.script("RunInstances", Fault.RESET)

    with pytest.raises(ConnectionClosedError):
        ec2.run_instances(**RUN)

    assert len(instances(aws)) == 0


def test_lost_response_acts_then_closes(aws, ec2):
    """The backend creates the instance, the client hears nothing."""
    aws.script("RunInstances", Fault.LOST_RESPONSE)

    with pytest.raises(ConnectionClosedError):
        ec2.run_instances(**RUN)

    assert len(instances(aws)) == 1
    assert aws.created("RunInstances") == 1


def test_latency_waits_through_the_injected_sleep():
    """Latency is a sleep the endpoint takes; tests inject it."""
    waited: list[float] = []
    schedule = FaultSchedule(rate=1.0, faults=(Fault.LATENCY,), latency=2.5)
    with FaultyEndpoint(schedule, sleep=waited.append) as aws:
        aws.reset()
        aws.client("ec2", config=ONE_ATTEMPT).run_instances(**RUN)
        assert waited == [2.5]
        assert aws.created("RunInstances") == 1


def test_scripted_faults_come_first_then_the_schedule(aws, ec2):
    """script() queues exact faults for one operation; None means a clean request."""
    aws.script("RunInstances", None, Fault.INTERNAL_ERROR)

    ec2.run_instances(**RUN)
    with pytest.raises(ClientError):
        ec2.run_instances(**RUN)
    ec2.run_instances(**RUN)

    assert [r.fault for r in aws.records] == [None, Fault.INTERNAL_ERROR, None]


def test_schedules_are_reproducible_per_seed():
    """Same seed, same faults; another seed, other faults; rate 0 and 1 are exact."""
    one = FaultSchedule(rate=0.5, seed=1)
    same = [one.fault_for("RunInstances", n) for n in range(1, 200)]
    assert same == [
        FaultSchedule(rate=0.5, seed=1).fault_for("RunInstances", n) for n in range(1, 200)
    ]
    assert same != [
        FaultSchedule(rate=0.5, seed=2).fault_for("RunInstances", n) for n in range(1, 200)
    ]
    assert 60 < sum(f is not None for f in same) < 140
    assert all(FaultSchedule(rate=0.0).fault_for("X", n) is None for n in range(1, 50))
    assert all(FaultSchedule(rate=1.0).fault_for("X", n) is not None for n in range(1, 50))
    only = FaultSchedule(rate=1.0, operations=frozenset({"RunInstances"}))
    assert only.fault_for("DescribeInstances", 1) is None


@pytest.mark.parametrize(
    "kwargs", [{"rate": -0.1}, {"rate": 1.5}, {"faults": ()}, {"latency": -1.0}]
)
def test_bad_schedules_are_refused(kwargs):
    """A schedule that cannot mean anything raises ValueError naming the field."""
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        FaultSchedule(**kwargs)


def test_rest_protocols_pass_through_untouched(aws):
    """S3 (REST-XML, GET and PUT on paths) works through the proxy, recorded."""
    s3 = aws.client("s3", config=ONE_ATTEMPT)

    s3.create_bucket(Bucket="orders")
    s3.put_object(Bucket="orders", Key="a.txt", Body=b"hello")

    assert s3.get_object(Bucket="orders", Key="a.txt")["Body"].read() == b"hello"
    assert [r.service for r in aws.records] == ["s3", "s3", "s3"]
    assert all(r.status == 200 for r in aws.records)


def test_records_use_botocore_service_names_not_signing_names(aws):
    """Step Functions signs as 'states'; records, scripts and lifetimes say 'stepfunctions'."""
    aws.client("stepfunctions", config=ONE_ATTEMPT).list_state_machines()

    assert aws.records[0].service == "stepfunctions"


def test_scripts_can_name_the_service(aws):
    """ECS and Cloud Map both have ListServices: a script for one leaves the other alone."""
    aws.backend_client("ecs").create_cluster(clusterName="default")
    aws.script("ListServices", Fault.INTERNAL_ERROR, service="servicediscovery")

    aws.client("ecs", config=ONE_ATTEMPT).list_services()
    with pytest.raises(ClientError):
        aws.client("servicediscovery", config=ONE_ATTEMPT).list_services()

    assert [(r.service, r.fault) for r in aws.records] == [
        ("ecs", None),
        ("servicediscovery", Fault.INTERNAL_ERROR),
    ]
    assert aws.attempts("ListServices", service="ecs") == 1
