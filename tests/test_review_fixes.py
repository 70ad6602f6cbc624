"""Behaviour found missing in review, proven over HTTP.

Checksums, modeled retryable errors, adaptive mode's limiter, token lengths, traited
members that are not tokens, deadlines after slow hooks, masked caller tokens.
"""

from __future__ import annotations

import logging
import zlib

import pytest
from botocore.exceptions import ChecksumError, ClientError

from boto3_idempotent import (
    RetryPolicy,
    TokenSecretWarning,
    _scope,
    call_info,
    idempotency_key,
    uninstall,
    wrap,
)
from boto3_idempotent._policy.botocore_retries import registered as _registered
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
BAD_CRC = Reply(headers=(("x-amz-crc32", str(zlib.crc32(b"something else"))),))


def test_dynamodb_body_failing_its_checksum_is_retried_when_safe(make_client, server, sleeps):
    """GetItem (read-only): a corrupted body is fetched again, as botocore would."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=sleeps)
    server.plan(BAD_CRC, Reply(headers=(("x-amz-crc32", str(zlib.crc32(b"{}"))),)))

    ddb.get_item(TableName="t", Key={"k": {"S": "1"}})

    assert server.count() == 2


def test_dynamodb_body_failing_its_checksum_is_never_returned(make_client, server, sleeps):
    """A counter's UpdateItem (not safe to resend): ChecksumError, not a corrupted success."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=sleeps)
    server.plan(BAD_CRC)

    with pytest.raises(ChecksumError):
        ddb.update_item(
            TableName="t",
            Key={"k": {"S": "1"}},
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    assert server.count() == 1


def test_dynamodb_put_item_failing_its_checksum_is_resent(make_client, server, sleeps):
    """PutItem (idempotent: a whole item) is resent after a body that fails its checksum."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=sleeps)
    server.plan(BAD_CRC, OK)

    ddb.put_item(TableName="t", Item={"k": {"S": "1"}})
    assert server.count() == 2


def test_errors_the_model_marks_retryable_are_resent(make_client, server, sleeps):
    """DynamoDB PutItem's ReplicatedWriteConflictException (modeled retryable) is retried."""
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(400, "ReplicatedWriteConflictException"), OK)

    ddb.put_item(TableName="t", Item={"k": {"S": "1"}})

    assert server.count() == 2


def test_s3_style_request_timeout_is_resent_even_for_unprotected_mutations(ec2, server):
    """RequestTimeout says the request was not processed: CreateTags is sent again."""
    server.plan(Reply(400, "RequestTimeout"), OK)

    ec2.create_tags(Resources=["i-1"], Tags=[{"Key": "k", "Value": "v"}])

    assert server.count() == 2


@pytest.fixture
def ec2(make_client, sleeps):
    """A wrapped EC2 client on the scripted server."""
    return wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps)


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_no_botocore_retry_machinery_is_left(make_client, mode):
    """Adaptive mode's rate limiter and standard mode's quota refund go with the handler."""
    client = make_client("ec2", mode=mode)
    owners = lambda: {  # noqa: E731
        type(getattr(h, "__self__", None)).__name__
        for event in ("before-send", "needs-retry", "after-call.ec2")
        for h in _registered(client.meta.events, event)
    }
    before = owners()
    wrap(client, RetryPolicy())
    after = owners()

    assert "RetryQuotaChecker" in before
    assert ("ClientRateLimiter" in before) == (mode == "adaptive")
    assert "RetryQuotaChecker" not in after
    assert "ClientRateLimiter" not in after


def test_a_long_caller_token_is_fine_where_ec2_documents_no_64_limit(ec2, server):
    """CreateLaunchTemplate allows 128 characters: the 64 limit is for the idempotency page's list."""
    token = "t" * 100

    ec2.create_launch_template(LaunchTemplateName="lt-1", LaunchTemplateData={}, ClientToken=token)

    assert server.tokens() == [token]


def test_a_traited_session_id_does_not_make_an_invocation_safe_to_resend(
    make_client, server, sleeps
):
    """bedrock-agentcore's runtimeSessionId is no idempotency token: a 500 is not resent."""
    client = wrap(make_client("bedrock-agentcore"), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(500, "InternalServerException"))

    with pytest.raises(ClientError):
        client.invoke_agent_runtime(
            agentRuntimeArn="arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/r",
            payload=b"{}",
        )

    assert server.count() == 1


def test_a_slow_hook_cannot_make_the_backoff_overrun_the_deadline(make_client, server, clock):
    """The hook eats 1.5 of 2 s: the announced retry happens, its backoff cut to what is left."""
    events = []

    def slow_hook(event):
        events.append(event)
        clock.now += 1.5  # the hook took 1.5 s

    policy = RetryPolicy(max_attempts=5, base_delay=1.0, deadline=2.0, on_retry=[slow_hook])
    client = wrap(make_client(), policy, sleep=clock.sleep, clock=clock, random=lambda: 1.0)
    server.script = lambda seen, prior: Reply(500, "InternalError")

    with pytest.raises(ClientError) as raised:
        client.run_instances(**RUN)

    assert clock.sleeps == [0.5]  # 1 s decided at 0 s; 1.5 s spent in the hook; 0.5 s left
    assert server.count() == 2  # the retry the hook was told about was made
    assert len(events) == 1  # and the one after it, which would end past 2 s, was not
    assert call_info(raised.value).stop_reason == "deadline"


def test_caller_tokens_are_masked_in_log_records(ec2, server, caplog):
    """A caller's token may be business data: logs carry a digest, generated ones stay."""
    server.plan(Reply(500, "InternalError"), OK, Reply(500, "InternalError"), OK)

    with caplog.at_level(logging.INFO, logger="boto3_idempotent"):
        ec2.run_instances(ClientToken="order-4711", **RUN)
        ec2.run_instances(**RUN)

    caller, generated = [r for r in caplog.records if r.name == "boto3_idempotent"]
    assert caller.token.startswith("caller:")
    assert "order-4711" not in caller.getMessage()
    assert generated.token == server.tokens()[2]


def test_a_key_of_yours_without_a_secret_warns_once(ec2, server, monkeypatch):
    """Guessable keys can be confirmed from tokens unless a secret is set: said once."""
    monkeypatch.setattr(_scope, "_warned_no_secret", False)

    with pytest.warns(TokenSecretWarning) as caught, idempotency_key("order-42"):
        ec2.run_instances(**RUN)
    assert caught[0].filename == __file__  # the user's with-statement, not contextlib's
    with idempotency_key("order-43"):  # once is enough (an error here under -W error)
        ec2.run_instances(**RUN)


def test_a_secret_or_a_random_key_does_not_warn(ec2, server, monkeypatch, recwarn):
    """With BOTO3_IDEMPOTENT_TOKEN_SECRET, no warning."""
    monkeypatch.setattr(_scope, "_warned_no_secret", False)
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", "s")

    with idempotency_key("order-42"):
        ec2.run_instances(**RUN)

    assert not [w for w in recwarn if issubclass(w.category, TokenSecretWarning)]


def test_uninstall_without_a_default_session_creates_none(monkeypatch):
    """Nothing installed and no default session: nothing happens, not even a profile lookup."""
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")

    uninstall()

    assert boto3.DEFAULT_SESSION is None
