"""Full-jitter backoff bounds (properties) and the retry quota's arithmetic."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from boto3_idempotent._policy.backoff import full_jitter
from boto3_idempotent._policy.setup import RetryQuota
from conftest import run_in_threads

delays = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
unit = st.floats(min_value=0, max_value=1, exclude_max=True)


@given(st.integers(min_value=1, max_value=10_000), delays, delays, unit)
def test_backoff_stays_within_zero_and_its_ceiling(retry, base, cap, draw):
    """Every delay lies in [0, min(cap, base * 2**(n-1))], for any attempt count."""
    base, cap = min(base, cap), max(base, cap)
    delay = full_jitter(retry, base, cap, lambda: draw)
    assert 0 <= delay <= cap
    assert delay <= base * 2.0 ** min(retry - 1, 62)


@given(st.integers(min_value=1, max_value=60), unit)
def test_backoff_grows_with_the_attempt_until_the_cap(retry, draw):
    """With the draw fixed, a later retry never waits less than an earlier one."""
    assert full_jitter(retry, 1.0, 20.0, lambda: draw) <= full_jitter(
        retry + 1, 1.0, 20.0, lambda: draw
    )


def test_backoff_exact_values():
    """Ceilings 1, 2, 4, 8, 16, then the 20 s cap; the draw scales them."""
    assert [full_jitter(n, 1.0, 20.0, lambda: 1.0) for n in range(1, 8)] == [1, 2, 4, 8, 16, 20, 20]
    assert full_jitter(3, 1.0, 20.0, lambda: 0.25) == 1.0


def test_quota_acquires_until_it_cannot_pay():
    """Takes whole amounts; refuses (and takes nothing) when short."""
    quota = RetryQuota(12)
    assert quota.acquire(5)
    assert quota.acquire(5)
    assert not quota.acquire(5)
    assert quota.available == 2


def test_quota_release_never_exceeds_capacity():
    """Refunds stop at the capacity."""
    quota = RetryQuota(10)
    quota.acquire(3)
    quota.release(1)
    assert quota.available == 8
    quota.release(100)
    assert quota.available == 10


def test_quota_is_exact_under_threads():
    """500 tokens, 8 threads grabbing 5 at a time: exactly 100 grants."""
    quota = RetryQuota(500)
    grants: list[bool] = []
    lock = threading.Lock()

    def grab():
        for _ in range(50):
            granted = quota.acquire(5)
            with lock:
                grants.append(granted)

    run_in_threads(8, grab)
    assert grants.count(True) == 100
    assert quota.available == 0
