"""set_testing(), on_retry hooks and response metadata, over HTTP."""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError

from boto3_idempotent import (
    TOKEN_METADATA_KEY,
    ConfigError,
    RetryEvent,
    RetryPolicy,
    is_testing,
    set_testing,
    wrap,
)
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


@pytest.fixture(autouse=True)
def _testing_off():
    """Every test starts and ends outside testing mode."""
    with set_testing(False):
        yield


def outage(server):
    """Every request fails with a 500."""
    server.script = lambda seen, prior: Reply(500, "InternalError")


def test_testing_mode_removes_backoff_sleeps(make_client, server, sleeps):
    """Same retries, same tokens, no sleep."""
    client = wrap(make_client(), RetryPolicy(max_attempts=4), sleep=sleeps)
    outage(server)

    with set_testing(True), pytest.raises(ClientError):
        client.run_instances(**RUN)

    assert server.count() == 4
    assert sleeps == []


def test_testing_mode_can_cap_attempts(make_client, server, sleeps):
    """attempts=1: no retries at all; the policy's 4 attempts are capped."""
    client = wrap(make_client(), RetryPolicy(max_attempts=4), sleep=sleeps)
    outage(server)

    with set_testing(True, attempts=1), pytest.raises(ClientError):
        client.run_instances(**RUN)

    assert server.count() == 1


def test_the_context_manager_restores_the_previous_state(make_client, server, sleeps):
    """Nested blocks unwind to what was set before; after the last, sleeps are back."""
    policy = RetryPolicy(max_attempts=2, base_delay=1.0)
    client = wrap(make_client(), policy, sleep=sleeps, random=lambda: 0.5)
    set_testing(True, attempts=3)
    with set_testing(False):
        assert not is_testing()
    assert is_testing()
    set_testing(False)
    outage(server)

    with pytest.raises(ClientError):
        client.run_instances(**RUN)

    assert sleeps == [0.5]


@pytest.mark.parametrize("attempts", [0, -1, 1.5, True])
def test_testing_attempts_must_be_a_whole_number(attempts):
    """A cap below one attempt cannot mean anything."""
    with pytest.raises(ValueError, match="attempts"):
        set_testing(True, attempts=attempts)


def test_on_retry_hooks_get_a_frozen_record(make_client, server, clock):
    """Each retry calls every hook with operation, attempt, token, code, delay and elapsed."""
    events: list[RetryEvent] = []
    policy = RetryPolicy(max_attempts=3, base_delay=1.0, on_retry=[events.append])
    client = wrap(make_client(), policy, sleep=clock.sleep, clock=clock, random=lambda: 1.0)
    server.plan(Reply(500, "InternalError"), Reply(503, "RequestLimitExceeded"), OK)

    client.run_instances(**RUN)

    token = server.tokens()[0]
    assert events == [
        RetryEvent("ec2", "RunInstances", 1, token, "InternalError", 1.0, 0.0),
        RetryEvent("ec2", "RunInstances", 2, token, "RequestLimitExceeded", 2.0, 1.0),
    ]
    with pytest.raises(AttributeError):
        events[0].attempt = 5  # type: ignore[misc]


def test_a_failing_hook_is_logged_and_the_call_goes_on(make_client, server, sleeps, caplog):
    """A broken metrics hook never breaks a production write."""

    def broken(event):
        raise RuntimeError("metrics backend down")

    seen: list[RetryEvent] = []
    client = wrap(make_client(), RetryPolicy(on_retry=(broken, seen.append)), sleep=sleeps)
    server.plan(Reply(500, "InternalError"))

    with caplog.at_level(logging.WARNING, logger="boto3_idempotent"):
        client.run_instances(**RUN)

    assert server.count() == 2
    assert len(seen) == 1
    assert "on_retry hook" in caplog.text


def test_a_single_callable_is_accepted_and_junk_is_refused():
    """on_retry=fn is a one-hook tuple; a non-callable is a ConfigError."""
    assert RetryPolicy(on_retry=print).on_retry == (print,)
    with pytest.raises(ConfigError, match="on_retry"):
        RetryPolicy(on_retry=["not callable"])  # type: ignore[list-item]


def test_successful_response_metadata_carries_token_and_retries(make_client, server, sleeps):
    """ResponseMetadata: the token sent and the wrapper's own retries."""
    client = wrap(make_client(), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(503, "Unavailable"), OK)

    metadata = client.run_instances(**RUN)["ResponseMetadata"]

    assert metadata[TOKEN_METADATA_KEY] == server.tokens()[0]
    assert metadata["RetryAttempts"] == 1
