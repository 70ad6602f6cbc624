"""Backoff bases, caps and quota costs follow the installed botocore's standard mode.

Checked without sleeping: the recorded backoffs of a wrapped client over HTTP, and
botocore's own classes driven with a pinned random, must agree on this botocore line
(CI runs the suite on 1.44 and on 1.43).
"""

from __future__ import annotations

from inspect import signature
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from botocore.retries import quota as botocore_quota
from botocore.retries import standard as botocore_standard

from boto3_idempotent import RetryPolicy, call_info, wrap
from boto3_idempotent._policy.settings import resolve
from boto3_idempotent._policy.standard_mode import CLASSIC, NEW_RETRIES, installed
from conftest import Sleeps, raw_client
from helpers.raw_server import response
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


def botocore_delay(service_id: str, *, throttled: bool, attempt: int = 1) -> float:
    """Botocore's standard-mode backoff ceiling before retry ``attempt`` (random pinned to 1)."""
    error = {"Error": {"Code": "Throttling" if throttled else "InternalError"}}
    context = botocore_standard.RetryContext(
        attempt_number=attempt,
        parsed_response=error,
        http_response=SimpleNamespace(status_code=400 if throttled else 500, headers={}),
    )
    detector = botocore_standard.ThrottlingErrorDetector(botocore_standard.RetryEventAdapter())
    kwargs = {"random": lambda: 1.0}
    if installed() is not CLASSIC and installed().name == NEW_RETRIES.name:
        kwargs |= {"service_name": service_id, "throttling_detector": detector}
    return botocore_standard.ExponentialBackoff(**kwargs).delay_amount(context)


@pytest.mark.parametrize("service_id", ["ec2", "dynamodb", "s3"])
@pytest.mark.parametrize("throttled", [False, True])
def test_our_bases_are_botocores_on_this_line(service_id, throttled):
    """Resolved bases equal what botocore's own ExponentialBackoff computes here."""
    settings = resolve(RetryPolicy(), service_id=service_id)
    ours = settings.throttle_base_delay if throttled else settings.base_delay

    assert ours == botocore_delay(service_id, throttled=throttled)
    assert settings.max_delay == botocore_standard.ExponentialBackoff._MAX_BACKOFF


def test_our_quota_costs_are_botocores_on_this_line():
    """A retry and a throttled retry take from a 500-token quota what botocore's checker takes."""
    mode = installed()
    for throttled, cost in ((False, mode.retry_cost), (True, mode.throttle_retry_cost)):
        bucket = botocore_quota.RetryQuota()
        detector = botocore_standard.ThrottlingErrorDetector(botocore_standard.RetryEventAdapter())
        # The throttle-aware checker (1.44) takes the detector; the classic one charges a
        # throttled retry what it charges any retry (CLASSIC.throttle_retry_cost == retry_cost).
        takes_detector = (
            "throttling_detector" in signature(botocore_standard.RetryQuotaChecker).parameters
        )
        checker = (
            botocore_standard.RetryQuotaChecker(bucket, detector)
            if takes_detector
            else botocore_standard.RetryQuotaChecker(bucket)
        )
        code = "Throttling" if throttled else "InternalError"
        context = botocore_standard.RetryContext(
            attempt_number=1,
            parsed_response={"Error": {"Code": code}},
            http_response=SimpleNamespace(status_code=400 if throttled else 500, headers={}),
        )
        assert checker.acquire_retry_quota(context)
        assert (mode.quota_capacity, bucket.available_capacity) == (500, 500 - cost)


def test_our_attempts_are_botocores_on_this_line():
    """Default attempts per service: botocore's DEFAULT_MAX_ATTEMPTS and its service table."""
    mode = installed()
    assert mode.max_attempts == botocore_standard.DEFAULT_MAX_ATTEMPTS
    if mode.name == NEW_RETRIES.name:
        assert dict(mode.service_max_attempts) == botocore_standard._SERVICE_MAX_ATTEMPTS


@pytest.mark.parametrize(
    ("mode", "service_id", "expected"),
    [
        # (attempts, transient base, throttle base, cap, retry cost, timeout cost, throttle cost)
        (NEW_RETRIES, "ec2", (3, 0.05, 1.0, 20.0, 14, 14, 5)),
        (NEW_RETRIES, "dynamodb", (4, 0.025, 1.0, 20.0, 14, 14, 5)),
        (NEW_RETRIES, "dynamodb-streams", (4, 0.025, 1.0, 20.0, 14, 14, 5)),
        (CLASSIC, "ec2", (3, 1.0, 1.0, 20.0, 5, 10, 5)),
        (CLASSIC, "dynamodb", (3, 1.0, 1.0, 20.0, 5, 10, 5)),
    ],
)
def test_the_tables_for_each_line(mode, service_id, expected):
    """Both lines' fallbacks, row by row, whichever botocore is installed."""
    settings = resolve(RetryPolicy(), service_id=service_id, mode=mode)
    assert (
        settings.max_attempts,
        settings.base_delay,
        settings.throttle_base_delay,
        settings.max_delay,
        mode.retry_cost,
        mode.timeout_retry_cost,
        mode.throttle_retry_cost,
    ) == expected


def test_a_policy_and_the_variables_override_the_line():
    """Set in code or in BOTO3_IDEMPOTENT_*: the user's numbers win over botocore's."""
    environ = {"BOTO3_IDEMPOTENT_THROTTLE_BASE_DELAY": "2", "BOTO3_IDEMPOTENT_BASE_DELAY": "0.5"}
    settings = resolve(RetryPolicy.from_env(environ), service_id="dynamodb", mode=NEW_RETRIES)

    assert (settings.base_delay, settings.throttle_base_delay) == (0.5, 2.0)
    assert settings.sources["base_delay"] == "BOTO3_IDEMPOTENT_BASE_DELAY"
    assert settings.sources["max_delay"] == NEW_RETRIES.name


def test_a_base_above_botocores_cap_lifts_the_cap():
    """base_delay=30 with no cap of the user's: backoffs are not cut to botocore's 20 s."""
    settings = resolve(RetryPolicy(base_delay=30.0), service_id="ec2", mode=NEW_RETRIES)
    assert settings.max_delay == 30.0


@pytest.mark.parametrize(
    ("service", "reply", "throttled"),
    [
        ("ec2", Reply(500, "InternalError"), False),
        ("ec2", Reply(503, "RequestLimitExceeded"), True),
        ("dynamodb", Reply(500, "InternalServerError"), False),
        ("dynamodb", Reply(400, "ThrottlingException"), True),
    ],
)
def test_a_wrapped_clients_backoffs_on_the_wire(make_client, server, service, reply, throttled):
    """Over HTTP, the recorded backoffs (random pinned to 1) are botocore's ceilings."""
    sleeps: list[float] = []
    client = wrap(
        make_client(service), RetryPolicy(max_attempts=3), sleep=sleeps.append, random=lambda: 1.0
    )
    server.plan(reply, reply, OK)
    service_id = client.meta.service_model.service_id.hyphenize()

    if service == "ec2":
        client.run_instances(**RUN)
    else:
        client.get_item(TableName="t", Key={"k": {"S": "1"}})

    assert sleeps == [
        botocore_delay(service_id, throttled=throttled, attempt=1),
        botocore_delay(service_id, throttled=throttled, attempt=2),
    ]


def test_x_amz_retry_after_lengthens_the_backoff_where_botocore_honours_it(make_client, server):
    """A 503 asking 3000 ms: at least 3 s (1.44), capped at the draw plus 5 s; classic ignores it."""
    sleeps: list[float] = []
    client = wrap(make_client(), RetryPolicy(), sleep=sleeps.append, random=lambda: 0.5)
    server.plan(Reply(503, "Unavailable", headers=(("x-amz-retry-after", "3000"),)), OK)

    client.run_instances(**RUN)

    drawn = 0.5 * installed().base_delay
    assert sleeps == ([3.0] if installed().retry_after else [drawn])


def test_a_long_poll_out_of_quota_still_backs_off_once(make_client, server):
    """SQS ReceiveMessage throttled with the quota spent: one backoff, then the error (1.44)."""
    sleeps: list[float] = []
    sqs = wrap(make_client("sqs"), RetryPolicy(), sleep=sleeps.append, random=lambda: 1.0)
    plugin = vars(sqs)["_boto3_idempotent_plugin"]
    plugin.quota.acquire(plugin.quota.available)  # an outage spent it
    server.plan(Reply(400, "RequestThrottled"))

    with pytest.raises(ClientError) as raised:
        sqs.receive_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q")

    assert call_info(raised.value).stop_reason == "retry_quota"
    assert server.count() == 1
    if installed().long_polling:
        assert sleeps == [installed().throttle_base_delay]
    else:
        assert sleeps == []


# -- the attempt count is botocore's, also after an S3 region redirect ---------------------


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
