"""install()/uninstall(): wrapping the clients a session creates."""

from __future__ import annotations

import functools

import boto3
import pytest

from boto3_idempotent import RetryPolicy, call_info, install, uninstall
from helpers.wire import Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture
def session():
    """A fresh boto3 session."""
    return boto3.Session(region_name="us-east-1", **CREDENTIALS)


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


def test_install_creates_no_session(monkeypatch):
    """No default session is made (moto, or a profile set later, would not see it)."""
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")  # creating a session would fail

    install()

    assert boto3.DEFAULT_SESSION is None


def test_sessions_made_after_install_are_covered(endpoint, server):
    """install(): a session created afterwards still makes wrapped clients."""
    install(policy=RetryPolicy(base_delay=0.0))
    later = boto3.Session(region_name="us-east-1", **CREDENTIALS)

    later.client("ec2", endpoint_url=endpoint).allocate_hosts(
        AvailabilityZone="us-east-1a", Quantity=1
    )

    assert server.tokens()[0] is not None


@pytest.mark.parametrize("reset_boto3_session", [True, False])
def test_install_then_moto_gives_wrapped_clients_talking_to_moto(monkeypatch, reset_boto3_session):
    """install() before mock_aws: clients inside are wrapped (a token goes out) and reach moto."""
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    install(policy=RetryPolicy())
    sent: list[str] = []

    with mock_aws(config={"core": {"reset_boto3_session": reset_boto3_session}}):
        ec2 = boto3.client("ec2", region_name="us-east-1")
        # Registered after moto's own before-send stub would answer: a more specific
        # event runs first, so this sees every request before moto does.
        ec2.meta.events.register(
            "before-send.ec2", lambda request, **_: sent.append(str(request.body))
        )
        reservation = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
        hosts = ec2.allocate_hosts(AvailabilityZone="us-east-1a", Quantity=1)

    assert reservation["Instances"][0]["InstanceId"].startswith("i-")  # moto answered
    assert hosts["HostIds"]
    assert len(sent) == 2
    assert all("ClientToken=" in body for body in sent)
    assert call_info(hosts).token is not None


def test_uninstall_puts_back_a_wrapper_that_was_there_before(session, endpoint):
    """A tracer's session.client wrapper, installed first, is what uninstall restores."""
    original = session.client
    calls: list[str] = []

    def traced(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    session.client = traced
    install(session, RetryPolicy())
    wrapped = session.client("ec2", endpoint_url=endpoint)
    uninstall(session)

    assert session.client is traced
    assert calls == ["ec2"]  # the tracer saw the client made while installed
    assert vars(wrapped).get("_boto3_idempotent_plugin") is not None


def test_uninstall_of_every_session_restores_the_class_attribute(monkeypatch, endpoint):
    """A tracer's patch of Session.client on the class survives install() and uninstall()."""
    cls = boto3.session.Session
    original = cls.client
    seen: list[str] = []

    def traced(self, *args, **kwargs):
        seen.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "client", traced)
    install(policy=RetryPolicy())
    client = boto3.Session(region_name="us-east-1", **CREDENTIALS).client(
        "ec2", endpoint_url=endpoint
    )
    uninstall()

    assert cls.__dict__["client"] is traced
    assert seen == ["ec2"]
    assert vars(client).get("_boto3_idempotent_plugin") is not None


def test_a_wrapper_put_on_top_of_ours_keeps_working_after_uninstall(session, endpoint, server):
    """Someone wrapped our install: uninstall leaves theirs, and ours stops wrapping."""
    install(session, RetryPolicy())
    ours = session.client

    @functools.wraps(ours)  # records ours as __wrapped__, as tracers do
    def tracer(*args, **kwargs):
        return ours(*args, **kwargs)

    session.client = tracer
    uninstall(session)

    session.client("ec2", endpoint_url=endpoint).allocate_hosts(
        AvailabilityZone="us-east-1a", Quantity=1
    )

    assert server.tokens() == [None]  # plain again: AllocateHosts is untraited


def test_uninstall_without_a_default_session_creates_none(monkeypatch):
    """Nothing installed and no default session: nothing happens, not even a profile lookup."""
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")

    uninstall()

    assert boto3.DEFAULT_SESSION is None
