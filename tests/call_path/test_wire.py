"""Tokens, attempts and classification, proven over real HTTP through the boto3 stack."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from boto3_idempotent import RetryPolicy, call_info, wrap
from helpers.wire import OK, Drop, Reply

RUN = {"ImageId": "ami-12345678", "MinCount": 1, "MaxCount": 1}
POLICY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=20.0)


@pytest.fixture
def ec2(make_client, sleeps):
    """A wrapped EC2 client that sleeps into a list, with jitter pinned at its ceiling."""
    return wrap(make_client("ec2"), POLICY, sleep=sleeps, random=lambda: 1.0)


def test_run_instances_through_500_503_and_lost_response_sends_one_token(ec2, server, sleeps):
    """The README promise: 500, 503 and a lost response, then success, all with one token."""
    server.plan(Reply(500, "InternalError"), Reply(503, "Unavailable"), Drop(), OK)

    response = ec2.run_instances(**RUN)

    tokens = server.tokens("RunInstances")
    assert len(tokens) == 4
    assert len(set(tokens)) == 1
    assert tokens[0] is not None
    assert len(tokens[0]) == 36
    assert response["Instances"][0]["InstanceId"] == "i-00000004"
    assert call_info(response).attempts == 4
    assert call_info(response).token == tokens[0]
    assert sleeps == [0.5, 1.0, 2.0]


def test_each_call_gets_its_own_token(ec2, server):
    """Two logical calls never share a token."""
    ec2.run_instances(**RUN)
    ec2.run_instances(**RUN)

    first, second = server.tokens("RunInstances")
    assert first != second


def test_caller_token_is_kept_on_every_attempt(ec2, server):
    """A caller-supplied token goes out unchanged, on every attempt."""
    server.plan(Reply(500, "InternalError"), OK)

    ec2.run_instances(ClientToken="order-42-launch", **RUN)

    assert server.tokens("RunInstances") == ["order-42-launch", "order-42-launch"]


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_attempts_never_exceed_max_attempts_whatever_the_retry_mode(
    make_client, server, sleeps, mode
):
    """Botocore's own retries are replaced, not stacked: an outage costs max_attempts."""
    client = wrap(make_client("ec2", mode=mode), POLICY, sleep=sleeps, random=lambda: 0.0)
    server.script = lambda seen, prior: Reply(500, "InternalError")

    with pytest.raises(ClientError) as raised:
        client.run_instances(**RUN)

    assert server.count() == POLICY.max_attempts
    assert type(raised.value) is ClientError  # type unchanged: except ClientError still works
    info = call_info(raised.value)
    assert info is not None
    assert info.attempts == POLICY.max_attempts
    assert info.max_attempts_reached
    assert info.token == server.tokens()[0]


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_a_bare_client_stacks_its_own_retries(make_client, server, sleeps, monkeypatch, mode):
    """Control: unwrapped, botocore retries by itself, with a new token for each call."""
    import types

    import botocore.endpoint

    # botocore sleeps through its module's `time`; swap only that reference.
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps))
    client = make_client("ec2", mode=mode)
    server.script = lambda seen, prior: Reply(500, "InternalError")

    for _ in range(2):  # a naive retry loop around the client
        with pytest.raises(ClientError):
            client.run_instances(**RUN)

    assert server.count() == 2 * (5 if mode == "legacy" else 3)
    assert len(set(server.tokens())) == 2


@pytest.mark.parametrize(
    ("reply", "retried"),
    [
        (Reply(500, "InternalError"), True),
        (Reply(502, "BadGateway"), True),
        (Reply(503, "Unavailable"), True),
        (Reply(504, "GatewayTimeout"), True),
        (Reply(503, "RequestLimitExceeded"), True),
        (Reply(400, "Throttling"), True),
        (Reply(429, "TooManyRequests"), True),
        (Reply(400, "InvalidParameterValue"), False),
        (Reply(403, "UnauthorizedOperation"), False),
        (Reply(404, "InvalidAMIID.NotFound"), False),
        (Reply(409, "IncorrectState"), False),
        (Reply(501, "NotImplemented"), False),
    ],
)
def test_response_table_for_a_token_protected_operation(ec2, server, reply, retried):
    """5xx and throttling are retried; other 4xx (and 501) are raised at once."""
    server.plan(reply)

    if retried:
        ec2.run_instances(**RUN)
        assert server.count() == 2
    else:
        with pytest.raises(ClientError) as raised:
            ec2.run_instances(**RUN)
        assert server.count() == 1
        assert raised.value.response["Error"]["Code"] == reply.code


@pytest.mark.parametrize(
    ("reply", "retried"),
    [
        (Reply(500, "InternalError"), False),  # ambiguous: the address may have been allocated
        (Reply(503, "Unavailable"), False),
        (Drop(), False),
        (Reply(503, "RequestLimitExceeded"), True),  # throttled: refused, nothing happened
        (Reply(400, "Throttling"), True),
    ],
)
def test_unprotected_mutation_is_retried_only_when_nothing_happened(ec2, server, reply, retried):
    """AllocateAddress has no token and is unsafe: an ambiguous failure is not resent, a throttle is."""
    server.plan(reply)

    if retried:
        ec2.allocate_address(Domain="vpc")
    else:
        with pytest.raises((ClientError, ConnectionClosedError)):
            ec2.allocate_address(Domain="vpc")
    assert server.count() == (2 if retried else 1)


@pytest.mark.parametrize("reply", [Reply(500, "InternalError"), Reply(503, "Unavailable"), Drop()])
def test_an_idempotent_mutation_is_resent_like_bare_botocore(ec2, server, reply):
    """CreateTags has no token but sets tags: an ambiguous failure is resent, as bare botocore does."""
    server.plan(reply)

    ec2.create_tags(Resources=["i-1"], Tags=[{"Key": "k", "Value": "v"}])

    assert server.count() == 2


def test_retry_unsafe_opts_in_to_resending_unprotected_mutations(make_client, server, sleeps):
    """BOTO3_IDEMPOTENT_RETRY_UNSAFE=true resends AllocateAddress (unsafe) after a 500."""
    client = wrap(make_client("ec2"), RetryPolicy(retry_unsafe=True), sleep=sleeps)
    server.plan(Reply(500, "InternalError"))

    client.allocate_address(Domain="vpc")

    assert server.count() == 2


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("describe_instances", {}),  # read-only by name
        ("terminate_instances", {"InstanceIds": ["i-1"]}),  # documented idempotent
        ("associate_address", {"InstanceId": "i-1", "AllocationId": "eipalloc-1"}),
    ],
)
def test_read_only_and_documented_idempotent_operations_are_resent(ec2, server, call, kwargs):
    """Operations that are safe to resend without a token survive a 500 and a lost response."""
    server.plan(Reply(500, "InternalError"), Drop())

    getattr(ec2, call)(**kwargs)

    assert server.count() == 3


def test_connect_failure_is_retried_even_for_unprotected_mutations(make_client, sleeps):
    """Nothing listens: the request never left, so CreateTags is retried, then raised as is."""
    from helpers.wire import closed_port_url

    client = wrap(make_client("ec2", url=closed_port_url()), POLICY, sleep=sleeps)

    with pytest.raises(EndpointConnectionError) as raised:
        client.create_tags(Resources=["i-1"], Tags=[{"Key": "k", "Value": "v"}])

    assert len(sleeps) == POLICY.max_attempts - 1
    info = call_info(raised.value)
    assert info is not None
    assert info.attempts == POLICY.max_attempts


@pytest.mark.parametrize(
    ("call", "kwargs", "sent"),
    [
        ("allocate_address", {"Domain": "vpc"}, 1),  # unsafe: not sent again
        ("create_tags", {"Resources": ["i-1"], "Tags": [{"Key": "k", "Value": "v"}]}, 2),
        ("describe_instances", {}, 2),  # read-only: safe to resend
    ],
)
def test_a_reset_after_the_request_was_read_is_ambiguous(
    make_client, sleeps, raw_server, call, kwargs, sent
):
    """Raw socket: the server read the request, then reset; AllocateAddress is not sent again."""
    from helpers.raw_server import RESET
    from helpers.wire import raw_ok

    raw = raw_server(lambda request, n: RESET if n == 1 else raw_ok(request))
    client = wrap(make_client("ec2", url=raw.url), POLICY, sleep=sleeps)

    if sent == 1:
        with pytest.raises(ConnectionClosedError):
            getattr(client, call)(**kwargs)
    else:
        getattr(client, call)(**kwargs)

    assert len(raw.requests) == sent


def test_read_timeout_is_retried_with_the_same_token(make_client, server, sleeps):
    """A read timeout is ambiguous; a token-protected call is resent with its token.

    The first attempt times out where urllib3 raises it for botocore, inside the send (a
    before-send hook stands for the socket), so no test time goes by waiting for one.
    Witnesses: the hook's record of both attempts' bodies, and the server's of the resend.
    """
    from urllib.parse import parse_qs

    from botocore.exceptions import ReadTimeoutError

    client = wrap(make_client("ec2"), POLICY, sleep=sleeps)
    bodies = []

    def first_times_out(request, **kwargs):
        bodies.append(
            parse_qs(request.body.decode() if isinstance(request.body, bytes) else request.body)
        )
        if len(bodies) == 1:
            raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register("before-send.ec2", first_times_out)

    client.run_instances(**RUN)

    tokens = server.tokens("RunInstances")
    assert len(tokens) == 1  # the timed-out attempt never reached the server
    assert [b["ClientToken"][0] for b in bodies] == [tokens[0], tokens[0]]
