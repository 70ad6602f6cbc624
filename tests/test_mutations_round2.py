"""Issue 18, item 13: seven small changes to the core that every other test let through.

Each test here fails on one of them (named in its section) and passes on the real code:
quota costs per failure kind and botocore line, the caller-token mask's key, the Lambda
time left at sleep time, the quota kept across a re-wrap, the attempt count kept in
step with botocore's after an S3 redirect, and the token-secret warning said once.
"""

from __future__ import annotations

import hashlib
import hmac
import warnings

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from boto3_idempotent import (
    RetryEvent,
    RetryPolicy,
    TokenSecretWarning,
    call_info,
    idempotency_key,
    idempotent_handler,
    wrap,
)
from boto3_idempotent import _scope as scope_module
from boto3_idempotent._policy.standard_mode import installed
from conftest import FakeLambdaContext, Sleeps, raw_client
from helpers.raw_server import response
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
PLUGIN = "_boto3_idempotent_plugin"


def quota_of(client):
    """The wrapped client's retry quota."""
    return vars(client)[PLUGIN].quota


# -- 1. a throttled resend costs the throttle price, a 500 resend the plain one ---------


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


# -- 2. the caller-token mask is keyed even when no secret is set -------------------------


def _masked(make_client, server, token: str) -> str:
    events: list[RetryEvent] = []
    client = wrap(make_client(), RetryPolicy(on_retry=[events.append]), sleep=Sleeps())
    server.plan(Reply(500, "InternalError"), OK)
    client.run_instances(ClientToken=token, **RUN)
    assert events[0].token is not None
    return events[0].token


def test_without_a_secret_the_mask_is_not_keyed_with_an_empty_key(make_client, server):
    """No BOTO3_IDEMPOTENT_TOKEN_SECRET: caller:<digest> is not HMAC keyed with b'' (guessable)."""
    shown = _masked(make_client, server, "order-1234")

    empty_key = hmac.new(b"", b"order-1234", hashlib.sha256).hexdigest()[:12]
    assert shown.startswith("caller:")
    assert shown != "caller:" + empty_key


def test_with_a_secret_the_mask_is_keyed_with_it(make_client, server, monkeypatch):
    """BOTO3_IDEMPOTENT_TOKEN_SECRET set: caller:<HMAC-SHA256(secret, token)[:12]>."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", "s3cr3t")
    shown = _masked(make_client, server, "order-1234")

    assert shown == "caller:" + hmac.new(b"s3cr3t", b"order-1234", hashlib.sha256).hexdigest()[:12]


# -- 3. the Lambda time left still shortens the backoff at sleep time ---------------------


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


# -- 4. wrapping again keeps the client's retry quota ------------------------------------


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


# -- 5. a resend after a read timeout takes the timeout price ----------------------------


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


# -- 6. the attempt count is botocore's, also after an S3 region redirect -----------------

_S3_ERROR = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b"<Error><Code>%s</Code><Message>scripted</Message><RequestId>r</RequestId></Error>"
)


def _s3(status: int, code: bytes, headers: dict[str, str] | None = None) -> bytes:
    return response(
        status, _S3_ERROR % code, {"Content-Type": "application/xml", **(headers or {})}
    )


#: A 301 naming the bucket's region: botocore's S3RegionRedirectorv2 re-sends on its own
#: (needs-retry answers 0), and botocore counts that re-send as an attempt.
REDIRECT = _s3(301, b"PermanentRedirect", {"x-amz-bucket-region": "us-west-2"})
ERROR_500 = _s3(500, b"InternalError")


@pytest.mark.parametrize(
    ("first", "second", "sleeps_made"),
    [
        (REDIRECT, ERROR_500, [1.0]),  # one resend, after attempt 2: ceiling 0.5 * 2
        (ERROR_500, REDIRECT, [0.5]),  # one resend, after attempt 1: ceiling 0.5
    ],
    ids=["redirect-first", "redirect-after-a-500"],
)
def test_an_s3_redirect_counts_as_an_attempt_as_botocore_counts_it(
    raw_server, first, second, sleeps_made
):
    """A 301 redirect among 500s, max_attempts=3: 3 requests in all, backoffs by botocore's count."""
    raw = raw_server(lambda request, number: {1: first, 2: second}.get(number, ERROR_500))
    sleeps = Sleeps()
    policy = RetryPolicy(max_attempts=3, base_delay=0.5)
    s3 = wrap(raw_client("s3", raw.url), policy, sleep=sleeps, random=lambda: 1.0)

    with pytest.raises(ClientError, match="InternalError") as raised:
        s3.get_object(Bucket="bucket", Key="key")

    assert len(raw.requests) == 3  # the redirect's re-send used an attempt: no 4th request
    assert sleeps == sleeps_made
    info = call_info(raised.value)
    assert (info.attempts, info.stop_reason) == (3, "max_attempts")


# -- 7. the token-secret warning is said once per process ---------------------------------


def test_the_token_secret_warning_is_said_once_however_many_scopes(monkeypatch):
    """Three scopes without a secret, every warning recorded: exactly one TokenSecretWarning."""
    monkeypatch.setattr(scope_module, "_warned_no_secret", False)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for key in ("order-1", "order-2", "order-1"):
            with idempotency_key(key):
                pass

    assert [w.category for w in caught] == [TokenSecretWarning]
