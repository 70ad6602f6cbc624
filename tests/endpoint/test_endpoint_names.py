"""FaultyEndpoint checks every service and operation name against botocore's models."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from boto3_idempotent.testing import Fault, FaultSchedule, FaultyEndpoint, _names

RUN = {"ImageId": "ami-12c6146b", "MinCount": 1, "MaxCount": 1}
ONE_ATTEMPT = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.mark.parametrize(
    ("name", "service", "message"),
    [
        ("RunInstance", None, "did you mean 'RunInstances'"),
        ("run_instance", None, "did you mean 'run_instances'"),
        ("RunInstance", "ec2", "is not an operation of service 'ec2': did you mean 'RunInstances'"),
        ("PutObject", "ec2", "is not an operation of service 'ec2'"),
        (
            "RunInstances",
            "ec3",
            "service='ec3' is not a botocore service name: did you mean .*'ec2'",
        ),
        ("RunInstances", "EC2", "service='EC2' is not a botocore service name: did you mean 'ec2'"),
        ("runinstances", None, "did you mean 'RunInstances' or 'run_instances'"),
        ("Xyzzy", None, "expected a name like 'RunInstances' or 'run_instances'"),
        ("", None, "is not an operation of any botocore service"),
    ],
)
def test_a_misspelled_name_raises_with_close_matches(faulty_endpoint, name, service, message):
    """script() refuses what no model has, naming the close matches; nothing is queued."""
    with pytest.raises(ValueError, match=message):
        faulty_endpoint.script(name, Fault.LOST_RESPONSE, service=service)

    assert faulty_endpoint._scripts == {}


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("attempts", {"operation": "RunInstance"}),
        ("created", {"operation": "run_instance"}),
        ("created", {"operation": "RunInstances", "service": "ec3"}),
        ("attempts", {"service": "dynamo"}),
    ],
)
def test_counting_a_misspelled_name_raises(faulty_endpoint, call, kwargs):
    """attempts() and created() cannot silently count 0 for a name that means nothing."""
    with pytest.raises(ValueError, match="did you mean"):
        getattr(faulty_endpoint, call)(**kwargs)


@pytest.mark.parametrize("name", ["RunInstances", "run_instances"])
def test_either_spelling_scripts_and_counts_the_same_operation(faulty_endpoint, name):
    """The model's name and the client's method name are one operation, over HTTP."""
    ec2 = faulty_endpoint.client("ec2", config=ONE_ATTEMPT)
    faulty_endpoint.script(name, Fault.LOST_RESPONSE)

    with pytest.raises(ConnectionClosedError):
        ec2.run_instances(**RUN)

    assert faulty_endpoint.records[0].operation == "RunInstances"
    assert faulty_endpoint.created(name) == faulty_endpoint.created("RunInstances") == 1
    assert faulty_endpoint.attempts(name, service="ec2") == 1


def test_a_name_of_a_service_not_met_yet_is_found_in_every_model():
    """Scripted before any client or request of that service: the global index knows it."""
    aws = FaultyEndpoint()  # names need no running server

    aws.script("create_state_machine", Fault.INTERNAL_ERROR)

    assert aws._scripts == {(None, "CreateStateMachine"): [Fault.INTERNAL_ERROR]}


def test_schedule_operations_are_checked_and_take_method_names(faulty_endpoint):
    """A schedule limited to misspelled operations is refused; method names become model names."""
    with pytest.raises(ValueError, match="did you mean 'RunInstances'"):
        faulty_endpoint.schedule = FaultSchedule(rate=1.0, operations=frozenset({"RunInstance"}))

    faulty_endpoint.schedule = FaultSchedule(
        rate=1.0, faults=(Fault.INTERNAL_ERROR,), operations=frozenset({"run_instances"})
    )
    ec2 = faulty_endpoint.client("ec2", config=ONE_ATTEMPT)
    ec2.describe_instances()
    with pytest.raises(ClientError):
        ec2.run_instances(**RUN)

    assert faulty_endpoint.schedule.operations == frozenset({"RunInstances"})
    assert [r.fault for r in faulty_endpoint.records] == [None, Fault.INTERNAL_ERROR]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"schedule": FaultSchedule(rate=0.5, operations=frozenset({"TransactWriteItem"}))},
            "did you mean 'TransactWriteItems'",
        ),
        ({"token_lifetimes": {"dynamo": 60.0}}, "service='dynamo' is not a botocore service"),
    ],
)
def test_the_constructor_checks_its_names_too(kwargs, message):
    """A misspelled operation in the schedule or service in token_lifetimes: refused at once."""
    with pytest.raises(ValueError, match=message):
        FaultyEndpoint(**kwargs)


def test_token_lifetimes_take_botocore_service_names():
    """A known service name is accepted and its lifetime used (the negative rows are above)."""
    aws = FaultyEndpoint(token_lifetimes={"dynamodb": 60.0, "stepfunctions": 900.0})

    assert aws._contract._lifetimes["dynamodb"] == 60.0
    assert aws._contract._lifetimes["stepfunctions"] == 900.0


def test_a_name_in_two_services_counts_both_without_service(faulty_endpoint):
    """ListServices is ECS's and Cloud Map's: without service= both count, with it one."""
    faulty_endpoint.backend_client("ecs").create_cluster(clusterName="default")
    faulty_endpoint.client("ecs", config=ONE_ATTEMPT).list_services()
    faulty_endpoint.client("servicediscovery", config=ONE_ATTEMPT).list_services()

    assert faulty_endpoint.attempts("list_services") == 2
    assert faulty_endpoint.attempts("list_services", service="servicediscovery") == 1


@pytest.mark.parametrize(
    ("service", "expected"),
    [(None, "stands for CreateDBInstance, CreateDbInstance in different services"), ("rds", None)],
)
def test_a_method_name_two_models_spell_differently_needs_a_service(service, expected):
    """create_db_instance is RDS's CreateDBInstance and Timestream's CreateDbInstance."""
    aws = FaultyEndpoint()
    if expected is None:
        aws.script("create_db_instance", None, service=service)
        assert list(aws._scripts) == [("rds", "CreateDBInstance")]
    else:
        with pytest.raises(ValueError, match=expected):
            aws.script("create_db_instance", None, service=service)


@pytest.mark.parametrize("service", ["ec2", "s3", "cloudfront", "lambda", "dynamodb"])
def test_the_fast_index_reads_the_same_names_as_botocore(service):
    """Reading only the "operations" object gives the model's operation names, in order."""
    names = _names.Names()
    loader = names.session.get_component("data_loader")

    fast = _names._operation_names(loader, service)

    assert fast == names.session.get_service_model(service).operation_names
