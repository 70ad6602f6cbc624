"""A retry quota per wrapped client, so an outage does not multiply load.

The SDKs' standard-mode token bucket: it starts full; each retry takes tokens (how
many depends on the failure and the botocore line, see ``_standard_mode``); a success
gives back one token, or what its last retry took. When the bucket cannot pay, the
error of the current attempt is raised instead of retrying. Success after success
keeps it full.
"""

from __future__ import annotations

import threading

__all__ = ["CTX_COST", "RetryQuota"]

#: Where a call notes what its last retry cost (in botocore's per-call context), so
#: that its success gives exactly that back.
CTX_COST = "boto3_idempotent.retry_cost"


class RetryQuota:
    """A thread-safe bucket of retry tokens."""

    def __init__(self, capacity: int) -> None:
        """Start full, with ``capacity`` tokens."""
        self.capacity = capacity
        self._available = capacity
        self._lock = threading.Lock()

    @property
    def available(self) -> int:
        """Tokens left now."""
        return self._available

    def acquire(self, amount: int) -> bool:
        """Take ``amount`` tokens for a retry; ``False`` (and take none) if short."""
        with self._lock:
            if amount > self._available:
                return False
            self._available -= amount
            return True

    def release(self, amount: int) -> None:
        """Give back ``amount`` tokens after a success, up to the capacity."""
        # The success path of every call lands here: skip the lock while full.
        if self._available >= self.capacity:
            return
        with self._lock:
            self._available = min(self.capacity, self._available + amount)
