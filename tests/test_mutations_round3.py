"""The third mutation audit's survivors (issue 26): each now fails a test named here.

Each test names the plausible one-line change it catches. Wire claims have two
witnesses: the scripted server's record and a ``before-send`` recorder.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from boto3_idempotent import RetryPolicy, call_info, idempotency_key, wrap
from boto3_idempotent._knowledge.refine import dynamodb_update_item
from conftest import FakeClock
from helpers.answers import SendRecorder
from helpers.otel import install_providers
from helpers.wire import OK, Drop, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


def _ec2(make_client, policy, sleeps):
    client = make_client("ec2")
    sent = SendRecorder()
    client.meta.events.register("before-send.ec2", sent)
    return wrap(client, policy, sleep=sleeps, random=lambda: 0.0), sent


def test_treat_as_unsafe_wins_over_a_token(make_client, server, sleeps):
    """Catches: treat_as_unsafe checked after the call's protection (a token)."""
    client, sent = _ec2(make_client, RetryPolicy(treat_as_unsafe=["ec2:RunInstances"]), sleeps)
    server.plan(Reply(500, "InternalError"), OK)
    with pytest.raises(ClientError) as caught:
        client.run_instances(**RUN)
    assert (server.count(), len(sent)) == (1, 1)
    assert call_info(caught.value).stop_reason == "unsafe_to_resend"
    assert server.tokens()[0] is not None  # it carried its token, and still was not resent


def test_treat_as_unsafe_wins_over_retry_unsafe(make_client, server, sleeps):
    """Catches: treat_as_unsafe checked after retry_unsafe=True."""
    policy = RetryPolicy(retry_unsafe=True, treat_as_unsafe=["ec2:AllocateAddress"])
    client, sent = _ec2(make_client, policy, sleeps)
    server.plan(Reply(500, "InternalError"))  # then OK
    with pytest.raises(ClientError):
        client.allocate_address()
    assert (server.count(), len(sent)) == (1, 1)
    server.plan(Reply(500, "InternalError"))
    client.associate_address(InstanceId="i-1", AllocationId="eipalloc-1")  # resent as before
    assert server.count() == 3


def test_a_raised_error_carries_earlier_attempt_may_have_acted(make_client, server, sleeps):
    """Catches: the flag dropped from the CallInfo attached to an exception (500, then lost)."""
    client, sent = _ec2(make_client, RetryPolicy(max_attempts=2), sleeps)
    server.plan(Reply(500, "InternalError"), Drop())
    with pytest.raises((ConnectionClosedError, ReadTimeoutError)) as caught:
        client.create_tags(Resources=["i-1"], Tags=[{"Key": "k", "Value": "v"}])
    info = call_info(caught.value)
    assert (server.count(), len(sent)) == (2, 2)
    assert info.attempts == 2
    assert info.earlier_attempt_may_have_acted is True


def test_list_append_with_a_space_before_its_parenthesis_is_unsafe():
    """Catches: the list_append pattern without the optional space (DynamoDB allows it).

    ``list_append (:a, :b)`` reads no attribute, so only the list_append rule makes it
    unsafe; with ``l`` read, the read-what-it-writes rule would hide the mutation.
    """
    assert dynamodb_update_item({"UpdateExpression": "SET l = list_append (:a, :b)"}) is False
    assert dynamodb_update_item({"UpdateExpression": "SET l = list_append (l, :v)"}) is False


def test_a_key_with_a_lone_surrogate_derives_tokens(make_client, server, sleeps):
    """Catches: the scope's key encoded with str.encode() (a UnicodeEncodeError on a call)."""
    client, _ = _ec2(make_client, RetryPolicy(), sleeps)
    tokens = []
    for key in ("order-\udcff", "order-\udcfe", "order-\udcff"):
        with idempotency_key(key, secret=b"s"):
            tokens.append(call_info(client.run_instances(**RUN)).token)
    assert tokens[0] == tokens[2] != tokens[1]


# -- telemetry durations, read, not only counted ----------------------------------------------


def _histogram(name: str):
    """(sum, count, unit) of a histogram of ours, over every attribute set."""
    from helpers.otel import READER

    total = count = 0.0
    unit = None
    data = READER.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            if scope.scope.name != "boto3_idempotent":
                continue
            for metric in scope.metrics:
                if metric.name == name:
                    unit = metric.unit
                    for point in metric.data.data_points:
                        total += point.sum
                        count += point.count
    return total, count, unit


def test_durations_are_seconds_of_the_whole_call_and_of_each_attempt(make_client, server):
    """Catches: call duration from the last attempt, an attempt start stamped once, unit ms.

    On a fake clock that moves only by the backoff (0.5 s): the call lasts 0.5 s, and each
    attempt 0 s (the backoff is between attempts, in neither).
    """
    install_providers()
    clock = FakeClock()
    client = wrap(
        make_client("ec2"),
        RetryPolicy(base_delay=0.5, max_delay=0.5),
        sleep=clock.sleep,
        clock=clock,
        random=lambda: 1.0,
    )
    call_before = _histogram("smithy.client.call.duration")
    attempt_before = _histogram("smithy.client.call.attempt_duration")
    server.plan(Reply(500, "InternalError"), OK)
    client.run_instances(**RUN)
    call_sum, call_count, call_unit = _histogram("smithy.client.call.duration")
    attempt_sum, attempt_count, attempt_unit = _histogram("smithy.client.call.attempt_duration")
    assert clock.sleeps == [0.5]
    assert call_count - call_before[1] == 1
    assert call_sum - call_before[0] == pytest.approx(0.5)
    assert attempt_count - attempt_before[1] == 2
    assert attempt_sum - attempt_before[0] == pytest.approx(0.0)
    assert (call_unit, attempt_unit) == ("s", "s")
