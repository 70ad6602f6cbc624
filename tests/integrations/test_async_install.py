"""install()/uninstall() with asyncio sessions: aioboto3 works, aiobotocore's AioSession is refused."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("aiobotocore")

from aiobotocore.session import AioSession

from boto3_idempotent import RetryPolicy, install, uninstall
from boto3_idempotent._integrations.aio import AioPlugin
from helpers.wire import Reply

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
HOSTS = {"AvailabilityZone": "us-east-1a", "Quantity": 1}  # a token the model forgot
POLICY = RetryPolicy(base_delay=0.0, max_delay=0.0)


def plugin_of(client):
    """The wrapped client's plugin, or None."""
    return vars(client).get("_boto3_idempotent_plugin")


def test_install_refuses_an_aiobotocore_session_and_changes_nothing():
    """AioSession: a TypeError naming what to do; its create_client is left alone."""
    session = AioSession()

    with pytest.raises(TypeError, match=r"AioSession.*wrap\(\) each client"):
        install(session, POLICY)

    assert "create_client" not in vars(session)
    assert "client" not in vars(session)


@pytest.fixture
def aioboto3_session():
    """A fresh aioboto3 session (skips where aioboto3 is not installed)."""
    aioboto3 = pytest.importorskip("aioboto3")
    return aioboto3.Session(region_name="us-east-1", **CREDENTIALS)


def test_an_installed_aioboto3_session_wraps_each_client_as_it_is_entered(
    aioboto3_session, endpoint, server
):
    """AllocateHosts gets a token, and a 500 is retried with it."""
    install(aioboto3_session, POLICY)
    server.plan(Reply(500, "InternalError"))

    async def scenario():
        async with aioboto3_session.client("ec2", endpoint_url=endpoint) as ec2:
            await ec2.allocate_hosts(**HOSTS)
            return plugin_of(ec2)

    plugin = asyncio.run(scenario())

    first, retry = server.tokens()
    assert first is not None
    assert first == retry
    assert isinstance(plugin, AioPlugin)


def test_resources_of_an_installed_aioboto3_session_are_wrapped(aioboto3_session, endpoint, server):
    """session.resource(...) goes through session.client: its meta.client is wrapped."""
    install(aioboto3_session, POLICY)

    async def scenario():
        async with aioboto3_session.resource("ec2", endpoint_url=endpoint) as ec2:
            await ec2.meta.client.allocate_hosts(**HOSTS)
            return plugin_of(ec2.meta.client)

    assert isinstance(asyncio.run(scenario()), AioPlugin)
    assert server.tokens()[0] is not None


def test_uninstall_restores_the_aioboto3_session(aioboto3_session, endpoint, server):
    """After uninstall, session.client is the class's again and new clients are plain."""
    install(aioboto3_session, POLICY)
    uninstall(aioboto3_session)

    async def scenario():
        async with aioboto3_session.client("ec2", endpoint_url=endpoint) as ec2:
            await ec2.allocate_hosts(**HOSTS)
            return plugin_of(ec2)

    assert asyncio.run(scenario()) is None
    assert "client" not in vars(aioboto3_session)
    assert server.tokens() == [None]


def test_install_for_every_session_covers_aioboto3_sessions(aioboto3_session, endpoint, server):
    """install() patches boto3's Session class, which aioboto3's Session subclasses."""
    install(policy=POLICY)

    async def scenario():
        async with aioboto3_session.client("ec2", endpoint_url=endpoint) as ec2:
            return plugin_of(ec2)

    assert isinstance(asyncio.run(scenario()), AioPlugin)
    uninstall()

    assert asyncio.run(scenario()) is None


def test_uninstall_puts_back_a_tracers_wrapper_on_an_aioboto3_session(aioboto3_session, endpoint):
    """A wrapper installed before ours is exactly what uninstall restores."""
    original = aioboto3_session.client
    seen: list[str] = []

    def traced(*args, **kwargs):
        seen.append(args[0])
        return original(*args, **kwargs)

    aioboto3_session.client = traced
    install(aioboto3_session, POLICY)

    async def scenario():
        async with aioboto3_session.client("ec2", endpoint_url=endpoint) as ec2:
            return plugin_of(ec2)

    wrapped = asyncio.run(scenario())
    uninstall(aioboto3_session)

    assert isinstance(wrapped, AioPlugin)
    assert aioboto3_session.client is traced
    assert seen == ["ec2"]
