"""wrap(): what it accepts, what it changes, and what keeps working through it."""

from __future__ import annotations

import types

import boto3
import botocore.endpoint
import pytest
from botocore.exceptions import ClientError

from boto3_idempotent import RetryPolicy, wrap
from conftest import run_in_threads
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


@pytest.mark.parametrize(
    "thing",
    [None, "ec2", object(), boto3.Session(region_name="us-east-1")],
    ids=["None", "str", "object", "Session"],
)
def test_wrap_rejects_what_is_not_a_client(thing):
    """Anything but a botocore client is a TypeError that says what to pass."""
    with pytest.raises(TypeError, match=r"boto3\.client"):
        wrap(thing)  # type: ignore[type-var]


@pytest.fixture
def resource(endpoint):
    """A boto3 EC2 resource on the scripted server."""
    return boto3.resource(
        "ec2",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_wrap_rejects_a_resource_but_takes_its_client(resource):
    """A resource is not a client; its meta.client is."""
    with pytest.raises(TypeError):
        wrap(resource)  # type: ignore[type-var]
    assert wrap(resource.meta.client, RetryPolicy()) is resource.meta.client


def test_wrap_returns_the_same_client(make_client):
    """In place: the object (and its boto3-stubs type) is the one passed in."""
    client = make_client()
    assert wrap(client, RetryPolicy()) is client


def test_wrapping_twice_stacks_nothing_and_the_last_policy_wins(make_client, server, sleeps):
    """A second wrap() replaces the policy: no doubled hooks, no multiplied attempts."""
    client = make_client()
    wrap(client, RetryPolicy(max_attempts=5), sleep=sleeps)
    wrap(client, RetryPolicy(max_attempts=2), sleep=sleeps)
    server.script = lambda seen, prior: Reply(500, "InternalError")

    with pytest.raises(ClientError):
        client.run_instances(**RUN)

    assert server.count() == 2
    assert len(set(server.tokens())) == 1


def test_wrap_reads_the_environment_when_no_policy_is_given(
    make_client, server, monkeypatch, sleeps
):
    """BOTO3_IDEMPOTENT_MAX_ATTEMPTS applies to wrap(client)."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "2")
    client = wrap(make_client(), sleep=sleeps)
    server.script = lambda seen, prior: Reply(500, "InternalError")

    with pytest.raises(ClientError):
        client.run_instances(**RUN)

    assert server.count() == 2


def test_other_clients_of_the_same_session_are_untouched(endpoint, server, sleeps, monkeypatch):
    """Hooks go on the wrapped client's own emitter, not on the session's."""
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps))
    session = boto3.Session(
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    wrap(session.client("ec2", endpoint_url=endpoint), RetryPolicy(max_attempts=2), sleep=sleeps)
    bare = session.client("ec2", endpoint_url=endpoint)

    bare.allocate_hosts(AvailabilityZone="us-east-1a", Quantity=1)

    assert server.tokens() == [None]  # no token injected into the bare client's call


def test_paginators_go_through_the_policy(make_client, server, sleeps):
    """A page that fails with a 500 is retried."""
    client = wrap(make_client(), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(500, "InternalError"))

    pages = list(client.get_paginator("describe_instances").paginate())

    assert len(pages) == 1
    assert server.count() == 2


def test_waiters_go_through_the_policy(make_client, server, sleeps):
    """The waiter's DescribeInstances survives a 503 without the waiter's own polling."""
    client = wrap(make_client(), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(503, "Unavailable"))

    client.get_waiter("instance_running").wait(InstanceIds=["i-1"])

    assert server.count() == 2


def test_resources_go_through_the_policy(resource, server, sleeps):
    """boto3.resource(...).meta.client wrapped: create_instances gets one token, retried."""
    wrap(resource.meta.client, RetryPolicy(), sleep=sleeps)
    server.plan(Reply(500, "InternalError"))

    (instance,) = resource.create_instances(**RUN)

    assert instance.id == "i-00000002"
    first, second = server.tokens("RunInstances")
    assert first == second is not None


def test_threads_sharing_one_client_never_share_a_token(make_client, server, sleeps):
    """8 threads x 10 calls; every first attempt fails: each call is 2 attempts with its own token."""
    client = wrap(make_client(max_pool_connections=8), RetryPolicy(), sleep=sleeps)
    server.script = lambda seen, prior: Reply(500, "InternalError") if prior == 0 else OK

    def work():
        for _ in range(10):
            client.run_instances(**RUN)

    run_in_threads(8, work)

    tokens = server.tokens("RunInstances")
    assert len(tokens) == 160
    assert len(set(tokens)) == 80
    assert all(tokens.count(t) == 2 for t in set(tokens))
