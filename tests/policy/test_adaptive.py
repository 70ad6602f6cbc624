"""Adaptive retry mode kept: botocore's rate limiting, waits within the call's limits.

The limiter is checked against botocore's own ``ClientRateLimiter`` driven by the same
clock and the same responses (the rate after each response must be botocore's). Over
HTTP, a raw socket server's record and a ``before-send`` recorder registered after the
library's hook are the witnesses of what was sent; the clock is fake and moves only by
the recorded sleeps.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config
from botocore.exceptions import CapacityNotAvailableError
from botocore.retries import adaptive, bucket, throttling

from boto3_idempotent import ClientRateLimited, RetryPolicy, call_info, set_testing, wrap
from boto3_idempotent._plugin import PLUGIN_ATTR
from boto3_idempotent._policy.botocore_retries import registered
from boto3_idempotent._policy.botocore_retries import registered as _registered
from boto3_idempotent._policy.rate_limit import RateLimiter
from conftest import FakeClock
from helpers.answers import SendRecorder, error_in
from helpers.wire import raw_ok

# -- the limiter, against botocore's ------------------------------------------------------


class _Detector:
    """botocore's throttling detector, answering what the test says."""

    throttled = False

    def is_throttling_error(self, **kwargs) -> bool:
        return self.throttled


class _BotocoreClock:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def current_time(self) -> float:
        return self.clock()

    def sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds)


def botocores(clock: FakeClock):
    """Botocore's adaptive limiter on the fake clock, as ``register_retry_handler`` builds it."""
    time = _BotocoreClock(clock)
    detector = _Detector()
    limiter = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0, start_time=clock()),
        rate_clocker=adaptive.RateClocker(time),
        token_bucket=bucket.TokenBucket(max_rate=1, clock=time),
        throttling_detector=detector,
        clock=time,
    )
    return limiter, detector


#: (seconds since the previous response, throttled): 20/s, a burst of throttles, recovery.
RESPONSES = [(0.05, False)] * 40 + [(0.05, True)] * 3 + [(0.05, False)] * 10 + [(0.5, False)] * 30


def test_the_rate_follows_botocores_cubic_after_throttles_and_climbs_back():
    """Same clock, same responses: the same rate as botocore's limiter after every one."""
    clock = FakeClock()
    ours = RateLimiter(clock)
    theirs, detector = botocores(clock)
    rates = []
    for step, throttled in RESPONSES:
        clock.now += step
        detector.throttled = throttled
        ours.observe(throttled=throttled)
        theirs.on_receiving_response()
        assert ours.rate == pytest.approx(theirs._token_bucket.max_rate)
        assert ours.enabled is theirs._enabled
        rates.append(ours.rate)
    first, second, third = rates[40:43]  # three throttles in a row, sending at 20/s
    assert 20 > first > second > third  # each throttle lowers the rate (by botocore's beta)
    assert second == pytest.approx(first * throttling.CubicCalculator._BETA)
    assert max(rates[43:53]) > third * 1.2  # successes after them: CUBIC climbs back
    assert rates[-1] == pytest.approx(4.0)  # sending at 2/s: capped at twice that


def test_off_until_the_first_throttle():
    """As botocore's: no token is taken, and nothing waits, before a throttling response."""
    clock = FakeClock()
    limiter = RateLimiter(clock)
    for _ in range(100):
        limiter.observe(throttled=False)
        assert limiter.reserve(0.0) == (0.0, True)
    assert not limiter.enabled


def throttled_limiter(clock: FakeClock) -> RateLimiter:
    """A limiter that met a throttle at a measured 0 requests/s: its minimum rate, 0.5/s."""
    limiter = RateLimiter(clock)
    limiter.observe(throttled=True)
    assert limiter.enabled
    assert limiter.rate == pytest.approx(bucket.TokenBucket._MIN_RATE)
    return limiter


def test_a_wait_past_the_limit_takes_nothing():
    """A reservation refused for its limit leaves the bucket as it was."""
    clock = FakeClock()
    limiter = throttled_limiter(clock)
    first = limiter.reserve(None)
    refused = limiter.reserve(0.1)
    assert refused[1] is False
    assert limiter.reserve(None) == (refused[0], True)  # the same slot was still free
    assert first[1] is True


def test_sixteen_threads_share_one_limiter_without_losing_tokens():
    """16 threads x 25 reservations at a fixed time: 400 distinct slots, 1/rate apart."""
    clock = FakeClock()
    limiter = throttled_limiter(clock)
    start = threading.Barrier(16)

    def take(_):
        start.wait()
        return [limiter.reserve(None)[0] for _ in range(25)]

    with ThreadPoolExecutor(16) as pool:
        waits = sorted(w for chunk in pool.map(take, range(16)) for w in chunk)
    assert len(waits) == 400
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(waits)}
    assert gaps == {round(1 / limiter.rate, 9)}  # every token promised once, in order


def test_two_hundred_asyncio_tasks_share_one_limiter_without_losing_tokens():
    """200 tasks reserving between awaits: 200 distinct slots, 1/rate apart."""
    import asyncio

    clock = FakeClock()
    limiter = throttled_limiter(clock)

    async def take():
        await asyncio.sleep(0)
        return limiter.reserve(None)[0]

    async def everyone():
        return await asyncio.gather(*(take() for _ in range(200)))

    waits = sorted(asyncio.run(everyone()))
    assert len(set(waits)) == 200
    assert waits[-1] - waits[0] == pytest.approx(199 / limiter.rate)


# -- a wrapped adaptive client over HTTP ----------------------------------------------------


def throttling_then_ok(status: int = 400):
    """raw_server: ThrottlingException first, then success (AWS JSON)."""
    first = error_in("json", status, "ThrottlingException")
    return lambda request, n: first if n == 1 else raw_ok(request)


@pytest.fixture
def adaptive_client(make_client, raw_server, clock):
    """``make(answer, policy)``: (raw server, before-send recorder, wrapped adaptive client)."""

    def make(answer, policy=None):
        raw = raw_server(answer)
        client = make_client("dynamodb", url=raw.url, mode="adaptive")
        wrap(client, policy or RetryPolicy(), sleep=clock.sleep, clock=clock, random=lambda: 0.0)
        sent = SendRecorder()  # after the library's hook: sees what passed the limiter
        client.meta.events.register("before-send.dynamodb", sent)
        return raw, sent, client

    return make


ITEM = {"TableName": "t", "Item": {"k": {"S": "v"}}}


def test_botocores_limiter_is_gone_and_ours_is_registered(adaptive_client):
    """One rate limiter: ours, registered on before-send; botocore's removed."""
    _, _, client = adaptive_client(throttling_then_ok())
    handlers = registered(client.meta.events, "before-send.dynamodb")
    owners = [type(getattr(h, "__self__", None)).__name__ for h in handlers]
    assert "ClientRateLimiter" not in owners
    assert getattr(client, PLUGIN_ATTR).limiter is not None


def test_after_a_throttle_sends_wait_for_their_tokens(adaptive_client, clock):
    """Throttled once: the resend and the next calls wait for tokens (recorded, not slept)."""
    raw, sent, client = adaptive_client(throttling_then_ok())
    client.put_item(**ITEM)  # throttled, resent
    for _ in range(3):
        client.put_item(**ITEM)
    assert (len(raw.requests), len(sent)) == (5, 5)
    limiter = getattr(client, PLUGIN_ATTR).limiter
    assert limiter.enabled
    waits = [s for s in clock.sleeps if s > 0]
    assert len(waits) >= 3  # the bucket paces: calls after the throttle wait for tokens
    assert sum(waits) >= 3 / max(limiter.rate, 1)


def test_a_wait_past_the_deadline_fails_at_once(adaptive_client, clock):
    """The resend's token is due after the deadline: ClientRateLimited at once, no sleep."""
    raw, sent, client = adaptive_client(throttling_then_ok(), RetryPolicy(deadline=0.5))
    with pytest.raises(ClientRateLimited) as caught:
        client.put_item(**ITEM)  # throttled: the limiter now runs at 0.5 tokens/s
    assert [s for s in clock.sleeps if s > 0] == []  # never waited for a token it could not use
    assert (len(raw.requests), len(sent)) == (1, 1)  # the resend was not sent
    assert isinstance(caught.value, CapacityNotAvailableError)
    assert caught.value.wait == pytest.approx(2.0)  # 1 token at 0.5/s
    assert caught.value.limit == pytest.approx(0.5)
    info = call_info(caught.value)
    assert info is not None
    assert (info.attempts, info.stop_reason) == (1, "deadline")
    assert "dynamodb.PutItem" in str(caught.value)


def test_a_wait_inside_the_lambda_margin_fails_as_lambda_time_left(
    adaptive_client, clock, lambda_context
):
    """Inside a Lambda handler with too little time left: stop_reason lambda_time_left."""
    from boto3_idempotent import idempotent_handler

    raw, sent, client = adaptive_client(throttling_then_ok())
    client.put_item(**ITEM)
    lambda_context._ends = clock() + 1.2  # 0.2 s past the default 1 s margin

    @idempotent_handler
    def handler(event, context):
        for _ in range(3):
            client.put_item(**ITEM)

    sent_before = len(sent)
    with pytest.raises(ClientRateLimited) as caught:
        handler({}, lambda_context)
    assert call_info(caught.value).stop_reason == "lambda_time_left"
    assert len(sent) == sent_before == len(raw.requests)  # refused before sending


def test_testing_mode_never_waits(adaptive_client, clock):
    """set_testing(True): no backoff, and no rate-limit wait either."""
    raw, _, client = adaptive_client(throttling_then_ok())
    with set_testing(True):
        for _ in range(4):
            client.put_item(**ITEM)
    assert [s for s in clock.sleeps if s > 0] == []
    assert len(raw.requests) == 5


@pytest.mark.parametrize("mode", ["standard", "legacy"])
def test_other_modes_have_no_limiter(make_client, raw_server, mode):
    """Only an adaptive client gets one (and pays nothing for it otherwise)."""
    client = make_client("dynamodb", url=raw_server(throttling_then_ok()).url, mode=mode)
    wrap(client)
    assert getattr(client, PLUGIN_ATTR).limiter is None


def test_adaptive_from_the_environment(make_client, raw_server, monkeypatch):
    """AWS_RETRY_MODE=adaptive reaches the client config, and the limiter with it."""
    import boto3

    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    raw = raw_server(throttling_then_ok())
    client = boto3.client(
        "dynamodb",
        endpoint_url=raw.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(connect_timeout=2, read_timeout=5),
    )
    wrap(client)
    assert getattr(client, PLUGIN_ATTR).limiter is not None


def test_without_throttling_adaptive_is_standard(make_client, raw_server, clock):
    """500, 503, then success: an adaptive and a standard wrapped client resend alike."""
    seen = {}
    for mode in ("adaptive", "standard"):
        answers = [
            error_in("json", 500, "InternalServerError"),
            error_in("json", 503, "ServiceUnavailable"),
        ]
        raw = raw_server(lambda request, n, a=answers: a[n - 1] if n <= 2 else raw_ok(request))
        client = make_client("dynamodb", url=raw.url, mode=mode)
        before = len(clock.sleeps)
        wrap(client, RetryPolicy(), sleep=clock.sleep, clock=clock, random=lambda: 0.5)
        client.put_item(**ITEM)
        seen[mode] = (len(raw.requests), clock.sleeps[before:])
    assert seen["adaptive"] == seen["standard"]
    assert seen["adaptive"][0] == 3


@pytest.mark.parametrize(
    ("environ", "profile", "on", "source"),
    [
        ({}, "", False, "default"),
        ({"AWS_RETRY_MODE": "adaptive"}, "", True, "AWS_RETRY_MODE"),
        ({"AWS_RETRY_MODE": "standard"}, "retry_mode = adaptive\n", False, "AWS_RETRY_MODE"),
        ({}, "retry_mode = adaptive\n", True, "profile default"),
    ],
)
def test_policy_says_whether_rate_limiting_is_on(
    tmp_path, monkeypatch, environ, profile, on, source
):
    """policy: rate_limiting, on for adaptive mode from the environment or the profile."""
    import io
    import json

    from boto3_idempotent._cli.commands import show_policy

    config = tmp_path / "config"
    config.write_text(f"[default]\n{profile}")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    out = io.StringIO()
    show_policy(environ, as_json=True, out=out)
    assert json.loads(out.getvalue())["rate_limiting"] == {"value": on, "source": source}


def test_a_rewrap_keeps_the_limiter_and_follows_the_new_clock(adaptive_client, clock):
    """One limiter per client across re-wraps (its state is the client's), on the new clock."""
    raw, _, client = adaptive_client(throttling_then_ok())
    client.put_item(**ITEM)  # throttled: the limiter is on
    limiter = getattr(client, PLUGIN_ATTR).limiter
    later = FakeClock(now=clock() + 100.0)  # 100 s later: the bucket is full again
    wrap(client, RetryPolicy(), sleep=later.sleep, clock=later, random=lambda: 0.0)
    client.put_item(**ITEM)
    assert getattr(client, PLUGIN_ATTR).limiter is limiter
    assert later.sleeps == []  # a token was there: no wait on the new clock
    assert len(raw.requests) == 3


def test_client_rate_limited_after_a_500_says_the_earlier_attempt_may_have_acted(
    adaptive_client, clock
):
    """A 500 resent, the resend refused by the limiter: call_info says the 500's may have acted."""
    throttled = error_in("json", 400, "ThrottlingException")
    busy = error_in("json", 500, "InternalServerError")

    def answer(request, n):
        return throttled if n == 1 else busy if n == 3 else raw_ok(request)

    raw, sent, client = adaptive_client(answer)
    client.put_item(**ITEM)  # throttled (the limiter engages), resent after a 2 s token wait
    # A re-wrap keeps the limiter: the next send waits 0.625 s, its resend 0.284 s more.
    wrap(client, RetryPolicy(deadline=0.8), sleep=clock.sleep, clock=clock, random=lambda: 0.0)
    with pytest.raises(ClientRateLimited) as caught:
        client.put_item(**ITEM)  # a 500; its resend's token is due past the deadline

    assert (len(raw.requests), len(sent)) == (3, 3)
    info = call_info(caught.value)
    assert info is not None
    assert info.stop_reason == "deadline"
    assert info.earlier_attempt_may_have_acted is True


def test_no_call_context_outlives_its_send(adaptive_client):
    """Before botocore 1.43.72 before-send gets no context: the one noted for it is let go."""
    from boto3_idempotent import _plugin

    def refuse_to_sign(request, **kwargs):
        raise RuntimeError("not signed")

    raw, _, client = adaptive_client(throttling_then_ok())
    client.put_item(**ITEM)  # throttled, resent: the limiter is on
    assert _plugin._SENDING.get() is None  # taken by the send it was noted for
    client.meta.events.register("request-created.dynamodb", refuse_to_sign)  # after ours
    with pytest.raises(RuntimeError, match="not signed"):
        client.put_item(**ITEM)
    assert _plugin._SENDING.get() is None  # never sent: let go by after-call-error
    assert len(raw.requests) == 2


# -- no botocore retry machinery is left after wrap() --------------------------------------


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
