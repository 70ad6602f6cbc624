"""install()/uninstall(): wrapping the clients a session creates."""

from __future__ import annotations

import boto3
import pytest

from boto3_idempotent import RetryPolicy, install, uninstall
from wire import Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture
def session():
    """A fresh boto3 session."""
    return boto3.Session(region_name="us-east-1", **CREDENTIALS)


@pytest.fixture(autouse=True)
def _default_session_restored():
    """Tests that install on boto3's default session leave it as they found it."""
    before = boto3.DEFAULT_SESSION
    yield
    if boto3.DEFAULT_SESSION is not None:
        uninstall(boto3.DEFAULT_SESSION)
    boto3.DEFAULT_SESSION = before


def test_clients_created_after_install_are_wrapped(session, endpoint, server):
    """AllocateHosts gets a token, and a 500 is retried with it."""
    install(session, RetryPolicy(base_delay=0.0, max_delay=0.0))
    ec2 = session.client("ec2", endpoint_url=endpoint)
    server.plan(Reply(500, "InternalError"))

    ec2.allocate_hosts(AvailabilityZone="us-east-1a", Quantity=1)

    first, retry = server.tokens()
    assert first is not None
    assert first == retry


def test_uninstall_makes_new_clients_plain_and_leaves_old_ones_wrapped(session, endpoint, server):
    """After uninstall, AllocateHosts goes out without a token again."""
    install(session, RetryPolicy())
    before = session.client("ec2", endpoint_url=endpoint)
    uninstall(session)
    after = session.client("ec2", endpoint_url=endpoint)

    before.allocate_hosts(AvailabilityZone="us-east-1a", Quantity=1)
    after.allocate_hosts(AvailabilityZone="us-east-1a", Quantity=1)

    wrapped_token, plain_token = server.tokens()
    assert wrapped_token is not None
    assert plain_token is None


def test_installing_twice_stacks_nothing(session, endpoint, server):
    """The second install replaces the first: an outage costs the new max_attempts."""
    install(session, RetryPolicy(max_attempts=5, base_delay=0.0, max_delay=0.0))
    install(session, RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0))
    server.script = lambda seen, prior: Reply(500, "InternalError")

    with pytest.raises(session.client("ec2", endpoint_url=endpoint).exceptions.ClientError):
        session.client("ec2", endpoint_url=endpoint).run_instances(**RUN)

    assert server.count() == 2


def test_default_session_covers_boto3_client_and_resource(endpoint, server, monkeypatch):
    """install() with no session: boto3.client() and boto3.resource() come wrapped."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    boto3.DEFAULT_SESSION = None
    install(policy=RetryPolicy(base_delay=0.0, max_delay=0.0))

    boto3.client("ec2", region_name="us-east-1", endpoint_url=endpoint).allocate_hosts(
        AvailabilityZone="us-east-1a", Quantity=1
    )
    boto3.resource(
        "ec2", region_name="us-east-1", endpoint_url=endpoint
    ).meta.client.allocate_hosts(AvailabilityZone="us-east-1a", Quantity=1)

    assert all(token is not None for token in server.tokens())
    assert len(server.tokens()) == 2


def test_install_reads_the_environment_once(session, monkeypatch):
    """A bad variable fails at install, not at the first call."""
    from boto3_idempotent import ConfigError

    monkeypatch.setenv("BOTO3_IDEMPOTENT_DEADLINE", "-1")
    with pytest.raises(ConfigError, match="BOTO3_IDEMPOTENT_DEADLINE"):
        install(session)


def test_install_refuses_what_is_not_a_boto3_session():
    """A botocore client is not a session."""
    with pytest.raises(TypeError, match=r"boto3\.Session"):
        install(object())


def test_uninstall_without_install_is_harmless(session):
    """Nothing installed, nothing to undo."""
    uninstall(session)
    assert "client" not in vars(session)
