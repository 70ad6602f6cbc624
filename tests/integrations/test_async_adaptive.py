"""Adaptive mode on aiobotocore clients: one limiter per client, awaited, never time.sleep.

aiobotocore's own limiter (``AsyncClientRateLimiter``) is removed; the library's waits
with the injected async sleep or ``asyncio.sleep``. The scripted server counts what
arrived; a ``before-send`` recorder registered after the library's hook counts what
passed the limiter.
"""

from __future__ import annotations

import asyncio
import time

import pytest

pytest.importorskip("aiobotocore")

from boto3_idempotent import ClientRateLimited, RetryPolicy, call_info, wrap
from boto3_idempotent._plugin import PLUGIN_ATTR
from boto3_idempotent._policy.botocore_retries import registered
from conftest import FakeClock
from helpers.aio import BACKENDS, AsyncSleeps, aio_client
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


class Recorder:
    """A ``before-send`` handler that notes each request and lets it go out (hashable)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, request, **kwargs) -> None:
        self.urls.append(request.url)


@pytest.fixture
def no_time_sleep(monkeypatch):
    """time.sleep on the event loop fails the test."""

    def refuse(seconds):
        raise AssertionError(f"time.sleep({seconds}) on the event loop")

    monkeypatch.setattr(time, "sleep", refuse)


@pytest.mark.parametrize("backend", BACKENDS)
def test_after_a_throttle_sends_await_their_tokens(endpoint, server, backend, no_time_sleep):
    """Throttled once: the resend and later calls await tokens; aiobotocore's limiter is gone."""
    server.plan(Reply(400, "RequestLimitExceeded"), OK, OK, OK)
    clock = FakeClock()
    sleeps = AsyncSleeps()

    async def advancing(seconds):
        clock.now += seconds
        await sleeps(seconds)

    async def scenario():
        async with aio_client("ec2", endpoint, backend=backend, mode="adaptive") as ec2:
            wrap(ec2, RetryPolicy(), sleep=advancing, clock=clock, random=lambda: 0.0)
            sent = Recorder()
            ec2.meta.events.register("before-send.ec2", sent)
            owners = {
                type(getattr(h, "__self__", None)).__name__
                for h in registered(ec2.meta.events, "before-send.ec2")
            }
            for _ in range(3):
                await ec2.run_instances(**RUN)
            return sent, owners, getattr(ec2, PLUGIN_ATTR).limiter

    sent, owners, limiter = asyncio.run(scenario())
    assert "AsyncClientRateLimiter" not in owners
    assert limiter is not None
    assert limiter.enabled
    assert (server.count(), len(sent.urls)) == (4, 4)
    assert len([s for s in sleeps if s > 0]) >= 2  # the bucket paced the sends


def test_a_wait_past_the_deadline_fails_at_once(endpoint, server, no_time_sleep):
    """The resend's token is due past the deadline: ClientRateLimited, nothing awaited."""
    server.plan(Reply(400, "RequestLimitExceeded"), OK)
    clock = FakeClock()
    sleeps = AsyncSleeps()

    async def scenario():
        async with aio_client("ec2", endpoint, mode="adaptive") as ec2:
            wrap(ec2, RetryPolicy(deadline=0.5), sleep=sleeps, clock=clock, random=lambda: 0.0)
            await ec2.run_instances(**RUN)

    with pytest.raises(ClientRateLimited) as caught:
        asyncio.run(scenario())
    assert [s for s in sleeps if s > 0] == []
    assert server.count() == 1
    assert call_info(caught.value).stop_reason == "deadline"


def test_two_hundred_tasks_share_one_limiter(endpoint, server, no_time_sleep):
    """200 concurrent calls through one throttled client: every one sent once, paced."""
    server.plan(Reply(400, "RequestLimitExceeded"))
    clock = FakeClock()
    sleeps = AsyncSleeps()

    async def scenario():
        async with aio_client("ec2", endpoint, mode="adaptive", max_pool_connections=50) as ec2:
            wrap(ec2, RetryPolicy(), sleep=sleeps, clock=clock, random=lambda: 0.0)
            await ec2.run_instances(**RUN)  # throttled once, then the limiter is on
            await asyncio.gather(*(ec2.run_instances(**RUN) for _ in range(200)))
            return getattr(ec2, PLUGIN_ATTR).limiter

    limiter = asyncio.run(scenario())
    assert server.count() == 202  # the throttled attempt, its resend, 200 calls
    waits = sorted(s for s in sleeps if s > 0)
    # the clock stood still: each task was promised its own slot, 1/rate apart
    assert len(set(waits)) == len(waits) >= 199
    assert waits[-1] - waits[0] == pytest.approx((len(waits) - 1) / limiter.rate)
