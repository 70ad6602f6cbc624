"""idempotent_handler and process_sqs_batch, with a fake Lambda context, over HTTP."""

from __future__ import annotations

import asyncio
import inspect
import logging

import pytest
from botocore.exceptions import ClientError

from boto3_idempotent import (
    ConfigError,
    IdempotentParameterMismatch,
    RetryEvent,
    RetryPolicy,
    call_info,
    idempotent_handler,
    process_sqs_batch,
    wrap,
)
from conftest import FakeLambdaContext
from helpers.wire import Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


@pytest.fixture
def ec2(make_client, clock):
    """A wrapped EC2 client whose sleeps advance the fake clock."""
    return wrap(
        make_client("ec2"),
        RetryPolicy(max_attempts=10, base_delay=1.0),
        sleep=clock.sleep,
        clock=clock,
        random=lambda: 1.0,
    )


def test_bare_decorator_keys_tokens_by_request_id(ec2, server, clock):
    """A re-run with the same request id sends the same tokens; another id, others."""

    @idempotent_handler
    def handler(event, context):
        ec2.run_instances(**RUN)
        ec2.run_instances(**RUN)

    handler({}, FakeLambdaContext("req-1", clock=clock))
    handler({}, FakeLambdaContext("req-1", clock=clock))
    handler({}, FakeLambdaContext("req-2", clock=clock))

    first, rerun, other = server.tokens()[:2], server.tokens()[2:4], server.tokens()[4:]
    assert first == rerun
    assert not set(first) & set(other)


def test_key_function_picks_the_key(ec2, server, clock):
    """key=(event, context) -> str: the same order keys the same tokens across request ids."""

    @idempotent_handler(key=lambda event, context: event["order_id"])
    def handler(event, context):
        return ec2.run_instances(**RUN)

    handler({"order_id": "o-1"}, FakeLambdaContext("req-1", clock=clock))
    handler({"order_id": "o-1"}, FakeLambdaContext("req-2", clock=clock))

    assert len(set(server.tokens())) == 1


def test_a_bad_key_fails_before_any_call(ec2, server, clock):
    """A key function returning an empty string raises ValueError; nothing is sent."""

    @idempotent_handler(key=lambda event, context: "")
    def handler(event, context):
        ec2.run_instances(**RUN)

    with pytest.raises(ValueError, match="non-empty"):
        handler({}, FakeLambdaContext(clock=clock))
    assert server.count() == 0


def test_without_a_context_the_default_key_is_a_clear_error():
    """No aws_request_id: a TypeError that says to pass key=."""

    @idempotent_handler
    def handler(event, context):
        return "ran"

    with pytest.raises(TypeError, match="key="):
        handler({}, None)


@pytest.mark.parametrize(
    ("margin", "sleeps"),
    [
        # 3.5 s left less 1 s: a 1 s backoff fits; then 2.5 s left less 1 s: 2 s does not.
        (None, [1.0]),
        # No margin: 1 s fits in 3.5 s, 2 s in 2.5 s; then 4 s in 0.5 s does not.
        ("0", [1.0, 2.0]),
    ],
)
def test_retries_stop_before_the_functions_remaining_time(
    ec2, server, clock, monkeypatch, margin, sleeps
):
    """No backoff ends inside the margin (BOTO3_IDEMPOTENT_LAMBDA_MARGIN, default 1 s)."""
    if margin is not None:
        monkeypatch.setenv("BOTO3_IDEMPOTENT_LAMBDA_MARGIN", margin)

    @idempotent_handler
    def handler(event, context):
        ec2.run_instances(**RUN)

    server.script = lambda seen, prior: Reply(500, "InternalError")

    with pytest.raises(ClientError):
        handler({}, FakeLambdaContext(timeout=3.5, clock=clock))

    assert clock.sleeps == sleeps
    assert server.count() == len(sleeps) + 1


@pytest.mark.parametrize("value", ["-1", "soon", "nan", "inf"])
def test_a_bad_margin_variable_fails_at_decoration(monkeypatch, value):
    """Checked at cold start: the error names the variable, value and form."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_LAMBDA_MARGIN", value)
    with pytest.raises(ConfigError, match="BOTO3_IDEMPOTENT_LAMBDA_MARGIN"):
        idempotent_handler(lambda event, context: None)


def test_a_bad_margin_argument_is_refused():
    """margin=-1 is not seconds."""
    with pytest.raises(ConfigError, match="margin"):
        idempotent_handler(margin=-1.0)


def test_the_time_limit_ends_with_the_handler(ec2, server, clock):
    """After the handler returns, the client's retries are no longer bounded by it."""

    @idempotent_handler
    def handler(event, context):
        return None

    handler({}, FakeLambdaContext(timeout=0.5, clock=clock))
    server.plan(Reply(500, "InternalError"))

    ec2.run_instances(**RUN)

    assert server.count() == 2


def test_an_async_handler_keeps_its_scope_and_time_limit_while_it_runs(ec2, server, clock):
    """An async def handler: the time limit stops a retry, and the re-run repeats the derived token."""
    from boto3_idempotent import call_info

    @idempotent_handler
    async def handler(event, context):
        await asyncio.sleep(0)  # the coroutine runs after the decorator's call returned
        return await asyncio.to_thread(ec2.run_instances, **RUN)  # carries the context

    server.script = lambda seen, prior: Reply(500, "InternalError") if prior == 0 else Reply()

    assert inspect.iscoroutinefunction(handler)
    with pytest.raises(ClientError) as raised:  # 0.5 s left after the margin: no 1 s backoff
        asyncio.run(handler({}, FakeLambdaContext("req-1", timeout=1.5, clock=clock)))
    asyncio.run(handler({}, FakeLambdaContext("req-1", clock=clock)))  # Lambda's re-run

    assert call_info(raised.value).stop_reason == "lambda_time_left"
    first, rerun = server.tokens()
    assert first == rerun  # derived from the request id, not random
    assert clock.sleeps == []


def test_an_async_handler_without_a_context_runs_unbounded(ec2, server):
    """Invoked locally with a key function and no Lambda context: a scope, no time limit."""
    from boto3_idempotent._scope import current_scope, current_time_left

    @idempotent_handler(key=lambda event, context: event["id"])
    async def handler(event, context):
        await asyncio.sleep(0)
        return current_scope() is not None, current_time_left()

    assert asyncio.run(handler({"id": "o-1"}, None)) == (True, None)


def test_an_async_record_handler_is_refused_before_any_record():
    """process_sqs_batch cannot await: an async def handler would never run."""

    async def launch(record):
        return None

    with pytest.raises(TypeError, match="async def"):
        process_sqs_batch({"Records": [{"messageId": "m-1", "body": "{}"}]}, launch)


def sqs_event(*message_ids):
    """An SQS event with one record per message id."""
    return {"Records": [{"messageId": m, "body": "{}"} for m in message_ids]}


def test_sqs_records_get_tokens_from_their_message_id(ec2, server):
    """A redelivered message sends the tokens its first delivery sent."""
    process_sqs_batch(sqs_event("m-1", "m-2"), lambda record: ec2.run_instances(**RUN))
    process_sqs_batch(sqs_event("m-2"), lambda record: ec2.run_instances(**RUN))

    first_m1, first_m2, again_m2 = server.tokens()
    assert first_m2 == again_m2
    assert first_m1 != first_m2


def test_sqs_failures_are_reported_for_redelivery(ec2, server, caplog):
    """A record that raises is listed in batchItemFailures; the others are handled."""

    def launch(record):
        if record["messageId"] == "m-2":
            raise RuntimeError("downstream failed")
        ec2.run_instances(**RUN)

    with caplog.at_level(logging.WARNING, logger="boto3_idempotent"):
        response = process_sqs_batch(sqs_event("m-1", "m-2", "m-3"), launch)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert server.count() == 2
    assert "m-2" in caplog.text


def test_sqs_failure_logs_never_carry_the_exception_message(caplog):
    """Exception messages can hold parameters (botocore's validation quotes values)."""

    def launch(record):
        raise ValueError("Invalid type for parameter Item.password.S, value: 912873465")

    with caplog.at_level(logging.DEBUG, logger="boto3_idempotent"):
        process_sqs_batch(sqs_event("m-1"), launch)

    assert "912873465" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)
    assert "ValueError" in caplog.text


def test_a_fifo_batch_stops_at_the_first_failure():
    """FIFO: the failed record and every later one go back, in order; none is handled."""
    handled = []

    def launch(record):
        if record["messageId"] == "m-2":
            raise RuntimeError("failed")
        handled.append(record["messageId"])

    event = sqs_event("m-1", "m-2", "m-3")
    for record in event["Records"]:
        record["eventSourceARN"] = "arn:aws:sqs:us-east-1:123456789012:orders.fifo"

    response = process_sqs_batch(event, launch)

    assert handled == ["m-1"]
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-2"}, {"itemIdentifier": "m-3"}]}


def test_a_record_without_message_id_is_not_an_sqs_event():
    """Fails before handling anything, saying what it expected."""
    with pytest.raises(ValueError, match="messageId"):
        process_sqs_batch({"Records": [{"body": "{}"}]}, lambda record: None)


def test_an_empty_batch_reports_nothing():
    """No records, no failures."""
    assert process_sqs_batch({"Records": []}, lambda record: None) == {"batchItemFailures": []}


def test_a_rerun_that_changes_its_calls_gets_a_mismatch_not_a_duplicate(faulty_endpoint):
    """The re-run's first RunInstances has other parameters under the same token: refused."""
    ec2 = wrap(faulty_endpoint.client("ec2"), RetryPolicy(base_delay=0.0, max_delay=0.0))
    image = ["ami-12c6146b"]

    @idempotent_handler
    def handler(event, context):
        return ec2.run_instances(ImageId=image[0], MinCount=1, MaxCount=1)

    handler({}, FakeLambdaContext("req-1"))
    image[0] = "ami-1e749f67"  # the code (or the event it reads) changed between runs

    with pytest.raises(IdempotentParameterMismatch):
        handler({}, FakeLambdaContext("req-1"))
    assert faulty_endpoint.created("RunInstances") == 1
    held = faulty_endpoint.backend_client("ec2").describe_instances()["Reservations"]
    assert [len(r["Instances"]) for r in held] == [1]  # moto's own count agrees


def test_the_tighter_of_the_deadline_and_the_lambda_time_left_wins():
    """Whichever ends first limits backoffs and rate waits (the larger would outlive the function)."""
    from types import SimpleNamespace

    from boto3_idempotent._context import START, TIME_LEFT
    from boto3_idempotent._plugin import remaining

    now = [100.0]
    setup = SimpleNamespace(clock=lambda: now[0], settings=SimpleNamespace(deadline=10.0))
    lambda_short = {START: 100.0, TIME_LEFT: lambda: 2.0}
    lambda_long = {START: 100.0, TIME_LEFT: lambda: 30.0}

    assert remaining(setup, lambda_short) == (2.0, "lambda_time_left")
    assert remaining(setup, lambda_long) == (10.0, "deadline")
    now[0] = 108.5
    assert remaining(setup, lambda_long) == (1.5, "deadline")
    assert remaining(
        SimpleNamespace(clock=setup.clock, settings=SimpleNamespace(deadline=None)), lambda_long
    ) == (30.0, "lambda_time_left")


# -- a slow hook cannot make the backoff overrun the Lambda time left ----------------------


def test_a_slow_hook_cannot_make_the_backoff_overrun_the_lambda_time_left(
    make_client, server, clock
):
    """10 s left less the 1 s margin; a hook eats 8.5 s of it: the 1 s backoff is cut to 0.5 s."""
    events: list[RetryEvent] = []

    def slow_hook(event: RetryEvent) -> None:
        events.append(event)
        clock.now += 8.5  # the hook took 8.5 s

    policy = RetryPolicy(max_attempts=5, base_delay=1.0, on_retry=[slow_hook])
    ec2 = wrap(make_client(), policy, sleep=clock.sleep, clock=clock, random=lambda: 1.0)
    server.script = lambda seen, prior: Reply(500, "InternalError")

    @idempotent_handler
    def handler(event, context):
        ec2.run_instances(**RUN)

    with pytest.raises(ClientError) as raised:
        handler({}, FakeLambdaContext(timeout=10.0, clock=clock))

    assert clock.sleeps == [0.5]  # 1 s decided with 9 s left; 8.5 s in the hook; 0.5 s left
    assert server.count() == 2  # the announced resend was made
    assert len(events) == 1
    assert call_info(raised.value).stop_reason == "lambda_time_left"
