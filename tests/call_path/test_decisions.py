"""Every decision not to resend is explained: a DEBUG record and call_info's stop_reason.

And resend safety is decided per call: a call whose request carries no token (it
was already on its way when the client was wrapped) is never resent after an
ambiguous failure, even for an operation that has a token member.
"""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError

from boto3_idempotent import RetryPolicy, call_info, idempotent_handler, wrap
from conftest import FakeClock, FakeLambdaContext
from helpers.raw_server import response
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
SECRET = "hunter2-in-userdata"


def decisions(caplog):
    """The library's 'not resending' records."""
    return [r for r in caplog.records if r.name == "boto3_idempotent" and hasattr(r, "stop_reason")]


@pytest.mark.parametrize(
    ("call", "reply", "reason", "code"),
    [
        (
            lambda ec2: ec2.create_subnet(
                VpcId="vpc-1", Ipv4IpamPoolId="ipam-pool-1", Ipv4NetmaskLength=24
            ),
            Reply(500, "InternalError"),
            "unsafe_to_resend",
            "InternalError",
        ),
        (
            lambda ec2: ec2.create_snapshot(VolumeId="vol-1", Description=SECRET),
            Reply(503, "Unavailable"),
            "unsafe_to_resend",
            "Unavailable",
        ),
        (
            lambda ec2: ec2.run_instances(UserData=SECRET, **RUN),
            Reply(400, "InvalidParameterValue"),
            "not_retryable",
            "InvalidParameterValue",
        ),
    ],
)
def test_a_decision_not_to_resend_is_logged_and_told(
    make_client, server, caplog, call, reply, reason, code
):
    """DEBUG: operation, reason and error code; call_info says the same; no parameters."""
    ec2 = wrap(make_client(), RetryPolicy(max_attempts=6), sleep=lambda _: None)
    server.plan(reply)

    with (
        caplog.at_level(logging.DEBUG, logger="boto3_idempotent"),
        pytest.raises(ClientError) as raised,
    ):
        call(ec2)

    (record,) = decisions(caplog)
    assert record.levelno == logging.DEBUG
    assert (record.stop_reason, record.error_code) == (reason, code)
    assert call_info(raised.value).stop_reason == reason
    assert call_info(raised.value).attempts == 1
    assert SECRET not in record.getMessage()
    assert SECRET not in str(record.__dict__)


def test_running_out_of_attempts_is_told(make_client, server, caplog):
    """Persistent 500 on RunInstances: max_attempts, and MaxAttemptsReached."""
    ec2 = wrap(make_client(), RetryPolicy(max_attempts=2), sleep=lambda _: None)
    server.script = lambda seen, prior: Reply(500, "InternalError")

    with (
        caplog.at_level(logging.DEBUG, logger="boto3_idempotent"),
        pytest.raises(ClientError) as raised,
    ):
        ec2.run_instances(**RUN)

    info = call_info(raised.value)
    assert (info.attempts, info.stop_reason, info.max_attempts_reached) == (2, "max_attempts", True)
    assert [r.stop_reason for r in decisions(caplog)] == ["max_attempts"]


def test_the_lambda_time_left_is_told(make_client, server, clock):
    """A backoff that would run into the Lambda margin: lambda_time_left."""
    ec2 = wrap(
        make_client(),
        RetryPolicy(max_attempts=5, base_delay=1.0),
        sleep=clock.sleep,
        clock=clock,
        random=lambda: 1.0,
    )
    server.script = lambda seen, prior: Reply(500, "InternalError")

    @idempotent_handler
    def handler(event, context):
        ec2.run_instances(**RUN)

    with pytest.raises(ClientError) as raised:
        handler({}, FakeLambdaContext(timeout=1.5, clock=clock))

    assert call_info(raised.value).stop_reason == "lambda_time_left"


def test_a_timeout_without_a_response_carries_its_reason_too(make_client):
    """No response at all (nothing listens): the exception itself carries the CallInfo."""
    from botocore.exceptions import EndpointConnectionError

    from helpers.wire import closed_port_url

    ec2 = wrap(
        make_client(url=closed_port_url()), RetryPolicy(max_attempts=2), sleep=lambda _: None
    )

    with pytest.raises(EndpointConnectionError) as raised:
        ec2.create_subnet(VpcId="vpc-1", CidrBlock="10.0.0.0/24")

    info = call_info(raised.value)
    assert (info.attempts, info.stop_reason) == (2, "max_attempts")


def test_the_quota_running_out_is_logged_at_info(make_client, server, caplog):
    """An outage signal, not a single call's detail: INFO."""
    ec2 = wrap(make_client(), RetryPolicy(max_attempts=2), sleep=lambda _: None)
    plugin = vars(ec2)["_boto3_idempotent_plugin"]
    plugin.quota.acquire(plugin.quota.available)
    server.plan(Reply(500, "InternalError"))

    with caplog.at_level(logging.INFO, logger="boto3_idempotent"), pytest.raises(ClientError):
        ec2.run_instances(**RUN)

    (record,) = decisions(caplog)
    assert (record.levelno, record.stop_reason) == (logging.INFO, "retry_quota")


def test_a_call_already_on_its_way_when_wrapped_is_not_resent(make_client, server):
    """Wrapped while RunInstances was in flight: its request has no token of ours, so a 500 ends it."""
    ec2 = make_client()

    def wrap_meanwhile(seen, prior):
        if len(server.requests) == 1:
            wrap(ec2, RetryPolicy(max_attempts=5), sleep=lambda _: None)
            return Reply(500, "InternalError")
        return OK

    server.script = wrap_meanwhile

    with pytest.raises(ClientError) as raised:
        ec2.run_instances(**RUN)

    assert server.count() == 1
    assert call_info(raised.value).stop_reason == "unsafe_to_resend"
    ec2.run_instances(**RUN)  # the next call is wrapped from its start: protected
    assert server.tokens()[1] is not None


def test_the_same_call_made_after_wrapping_is_resent(make_client, server):
    """The control for the test above: a call that starts wrapped is resent after a 500."""
    ec2 = wrap(make_client(), RetryPolicy(max_attempts=5), sleep=lambda _: None)
    server.plan(Reply(500, "InternalError"), OK)

    ec2.run_instances(**RUN)

    assert server.count() == 2
    assert len(set(server.tokens())) == 1


def test_a_deadline_stop_is_told(make_client, server):
    """deadline: the next backoff would have ended past it."""
    clock = FakeClock()
    ec2 = wrap(
        make_client(),
        RetryPolicy(max_attempts=5, base_delay=1.0, deadline=0.5),
        sleep=clock.sleep,
        clock=clock,
        random=lambda: 1.0,
    )
    server.plan(Reply(500, "InternalError"))

    with pytest.raises(ClientError) as raised:
        ec2.run_instances(**RUN)

    assert call_info(raised.value).stop_reason == "deadline"
    assert clock.sleeps == []


# -- a redirect is botocore's --------------------------------------------------------------


def test_a_3xx_is_not_logged_as_a_refused_resend(make_client, raw_server, sleeps, caplog):
    """A 304 (GetObject with If-None-Match) or a 301 is botocore's: no 'Not resending'."""
    not_modified = response(304, b"", {"ETag": '"abc"'})
    raw = raw_server(lambda request, n: not_modified)
    client = wrap(make_client("s3", url=raw.url, s3={"addressing_style": "path"}), sleep=sleeps)
    with (
        caplog.at_level(logging.DEBUG, logger="boto3_idempotent"),
        pytest.raises(ClientError) as caught,
    ):
        client.get_object(Bucket="b", Key="k", IfNoneMatch='"abc"')
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    assert not [r for r in caplog.records if "Not resending" in r.getMessage()]
    assert len(raw.requests) == 1
