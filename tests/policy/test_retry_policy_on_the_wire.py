"""Deadline, retry quota and logging, over HTTP."""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from boto3_idempotent import RetryPolicy, call_info, wrap
from boto3_idempotent._policy.standard_mode import installed
from conftest import FakeClock, Sleeps, raw_client
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


def outage(server, code="InternalError", status=500):
    """Answer every request with the same error."""
    server.script = lambda seen, prior: Reply(status, code)


def test_no_sleep_starts_that_would_end_past_the_deadline(make_client, server):
    """Deadline 3 s, backoffs 1, 2, 4 s: the third would end at 7 s, so the call stops at 3 s."""
    clock = FakeClock()
    start = clock.now
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=20.0, deadline=3.0)
    client = wrap(make_client(), policy, sleep=clock.sleep, clock=clock, random=lambda: 1.0)
    outage(server)

    with pytest.raises(ClientError) as raised:
        client.run_instances(**RUN)

    assert clock.sleeps == [1.0, 2.0]
    assert server.count() == 3
    assert clock.now - start <= policy.deadline
    assert not call_info(raised.value).max_attempts_reached  # the deadline stopped it


def test_the_deadline_counts_time_spent_in_attempts_too(make_client, server):
    """Time passing during attempts (here: a slow first attempt) is charged to the deadline."""
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=20.0, deadline=3.0)
    client = wrap(make_client(), policy, sleep=clock.sleep, clock=clock, random=lambda: 1.0)

    def slow_first(seen, prior):
        clock.now += 2.5  # the first attempt took 2.5 s
        return Reply(500, "InternalError")

    server.script = slow_first

    with pytest.raises(ClientError):
        client.run_instances(**RUN)

    assert clock.sleeps == []  # 2.5 s spent + a 1 s backoff would end past 3 s
    assert server.count() == 1


def quota_model(calls: int, attempts: int = 3) -> tuple[int, int]:
    """Requests an outage of ``calls`` calls sends, and the quota left, by the installed line.

    The line's numbers: botocore 1.44 (500 tokens, 14 a retry) or classic (5 a retry).
    """
    mode = installed()
    left, sent = mode.quota_capacity, 0
    for _ in range(calls):
        sent += 1
        for _ in range(attempts - 1):
            if left < mode.retry_cost:
                break
            left -= mode.retry_cost
            sent += 1
    return sent, left


def test_the_retry_quota_stops_an_outage_from_multiplying_load(make_client, server, sleeps):
    """The quota pays for retries until it is spent; then calls make one attempt each."""
    client = wrap(make_client(), RetryPolicy(max_attempts=3), sleep=sleeps, random=lambda: 0.0)
    outage(server)
    sent, left = quota_model(60)
    assert left < installed().retry_cost  # the model agrees the quota is spent by then

    for _ in range(60):
        with pytest.raises(ClientError) as raised:
            client.run_instances(**RUN)
    assert server.count() == sent
    assert call_info(raised.value).stop_reason == "retry_quota"

    for _ in range(10):
        with pytest.raises(ClientError):
            client.run_instances(**RUN)
    assert server.count() == sent + 10


@pytest.mark.parametrize("short", [0, 1])
def test_successes_refill_the_quota(make_client, server, sleeps, short):
    """After the outage each success gives back a token; enough of them pay for a retry."""
    client = wrap(make_client(), RetryPolicy(max_attempts=3), sleep=sleeps, random=lambda: 0.0)
    outage(server)
    for _ in range(60):
        with pytest.raises(ClientError):
            client.run_instances(**RUN)
    sent, left = quota_model(60)
    server.script = None
    needed = installed().retry_cost - left

    for _ in range(needed - short):
        client.describe_instances()  # each refunds one token
    server.plan(Reply(500, "InternalError"))
    if short:
        with pytest.raises(ClientError):
            client.run_instances(**RUN)
    else:
        client.run_instances(**RUN)

    assert server.count("RunInstances") == sent + (1 if short else 2)


@pytest.mark.parametrize("long_polling", [True, False])
def test_a_long_polling_call_out_of_quota_pauses_once_before_giving_up(
    make_client, server, sleeps, long_polling
):
    """SQS ReceiveMessage with the quota spent: one backoff, then the throttle is raised."""
    client = wrap(make_client("sqs"), RetryPolicy(base_delay=1.0), sleep=sleeps, random=lambda: 1.0)
    plugin = vars(client)["_boto3_idempotent_plugin"]
    operations = frozenset({"ReceiveMessage"} if long_polling else ())
    # Declared by botocore 1.44's line; set here so every supported line runs the test.
    plugin.setup.settings = plugin.setup.settings._replace(long_polling=operations)
    plugin.quota.acquire(plugin.quota.available)
    server.script = lambda seen, prior: Reply(400, "ThrottlingException")

    with pytest.raises(ClientError) as raised:
        client.receive_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/q")

    assert server.count() == 1
    assert sleeps == ([1.0] if long_polling else [])
    assert call_info(raised.value).stop_reason == "retry_quota"


def test_each_client_has_its_own_quota(make_client, server, sleeps):
    """An outage seen by one wrapped client does not spend another's quota."""
    first = wrap(make_client(), RetryPolicy(max_attempts=3), sleep=sleeps, random=lambda: 0.0)
    second = wrap(make_client(), RetryPolicy(max_attempts=3), sleep=sleeps, random=lambda: 0.0)
    outage(server)
    for _ in range(50):
        with pytest.raises(ClientError):
            first.run_instances(**RUN)
    server.reset()
    outage(server)

    with pytest.raises(ClientError):
        second.run_instances(**RUN)

    assert server.count() == 3


def test_one_log_record_per_retry_without_parameters(make_client, server, sleeps, caplog):
    """Each retry logs operation, attempt, token, error code and delay; never the parameters."""
    policy = RetryPolicy(max_attempts=3, base_delay=1.0, throttle_base_delay=1.0)
    client = wrap(make_client(), policy, sleep=sleeps, random=lambda: 0.5)
    server.plan(Reply(500, "InternalError"), Reply(503, "RequestLimitExceeded"), OK)
    secret = "PASSWORD=hunter2"

    with caplog.at_level(logging.DEBUG, logger="boto3_idempotent"):
        client.run_instances(UserData=secret, **RUN)

    records = [r for r in caplog.records if r.name == "boto3_idempotent"]
    assert len(records) == 2  # one per retry, nothing else on a call that succeeds
    token = server.tokens()[0]
    assert [(r.operation, r.attempt, r.token, r.error_code, r.delay) for r in records] == [
        ("RunInstances", 1, token, "InternalError", 0.5),
        ("RunInstances", 2, token, "RequestLimitExceeded", 1.0),
    ]
    for record in records:
        assert secret not in record.getMessage()
        assert "ami-1" not in record.getMessage()
        assert "hunter2" not in str(record.__dict__)


def test_sdk_request_header_counts_our_attempts(make_client, server, sleeps):
    """amz-sdk-request tells the service our attempt number and our max_attempts."""
    client = wrap(make_client(), RetryPolicy(max_attempts=4), sleep=sleeps)
    server.plan(Reply(500, "InternalError"), OK)

    client.run_instances(**RUN)

    headers = [r.headers.get("amz-sdk-request", "") for r in server.requests]
    assert "attempt=1" in headers[0]
    assert "attempt=2" in headers[1]
    assert all("max=4" in h for h in headers)


# -- a slow hook cannot make the backoff overrun the deadline ------------------------------


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


# -- each resend takes its own price from the quota, which a re-wrap keeps -----------------


PLUGIN = "_boto3_idempotent_plugin"


def quota_of(client):
    """The wrapped client's retry quota."""
    return vars(client)[PLUGIN].quota


@pytest.mark.parametrize(
    ("reply", "price"),
    [
        (Reply(503, "RequestLimitExceeded"), "throttle_retry_cost"),
        (Reply(500, "InternalError"), "retry_cost"),
    ],
    ids=["throttled", "500"],
)
def test_one_resend_takes_its_own_price_from_the_quota(make_client, server, reply, price):
    """One resend, then the call fails: the quota lost exactly that failure's price on this line."""
    mode = installed()
    client = wrap(make_client(), RetryPolicy(max_attempts=2), sleep=Sleeps())
    server.script = lambda seen, prior: reply

    with pytest.raises(ClientError):
        client.run_instances(**RUN)

    assert server.count() == 2  # one resend, and nothing refunded it
    assert quota_of(client).available == mode.quota_capacity - getattr(mode, price)


def test_wrapping_again_keeps_the_quota_and_what_was_spent(make_client, server):
    """A 500 resend spends retry_cost; re-wrap: same quota object, same tokens left, still counting."""
    cost = installed().retry_cost
    client = wrap(make_client(), RetryPolicy(max_attempts=2), sleep=Sleeps())
    server.script = lambda seen, prior: Reply(500, "InternalError")
    with pytest.raises(ClientError):
        client.run_instances(**RUN)
    quota = quota_of(client)
    spent = quota.available
    assert spent == quota.capacity - cost

    wrap(client, RetryPolicy(max_attempts=2, base_delay=0.5), sleep=Sleeps())

    assert quota_of(client) is quota
    assert quota_of(client).available == spent
    with pytest.raises(ClientError):
        client.run_instances(**RUN)
    assert quota_of(client).available == quota.capacity - 2 * cost


def test_a_read_timeout_resend_takes_the_timeout_price(raw_server):
    """RunInstances times out twice (max 2 attempts): the quota lost timeout_retry_cost (10 on 1.43).

    The timeout is raised where urllib3 raises it for botocore, inside the send (a
    ``before-send`` hook standing for the socket), so the test never waits for one; botocore
    hands it to needs-retry exactly as a real one.
    """
    mode = installed()
    raw = raw_server(lambda request, number: None)
    client = raw_client("ec2", raw.url, retries={"mode": "standard"})
    sends = []

    def time_out(request, **kwargs):
        sends.append(request.url)
        raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register("before-send.ec2", time_out)
    wrap(client, RetryPolicy(max_attempts=2), sleep=Sleeps())
    with pytest.raises(ReadTimeoutError):
        client.run_instances(**RUN)

    assert len(sends) == 2
    assert quota_of(client).available == mode.quota_capacity - mode.timeout_retry_cost
