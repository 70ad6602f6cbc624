"""Taking botocore's own retry machinery off a client, so that exactly one layer retries.

The retry handler (legacy, standard and adaptive modes) and botocore 1.44's
attempt-header seeder have unique ids. Standard mode's quota refund and adaptive
mode's client-side rate limiter do not: they are found by their owners' types
through the emitter's handler trie (botocore offers no public way to list
handlers; this is guarded and tested on every supported line). The rate limiter
sleeps on its own, knowing nothing of the deadline, a Lambda handler's remaining
time or testing mode, so it goes too.

aiobotocore registers its own retry handlers under the same unique ids, and
botocore's quota refund, but adaptive mode's limiter is its own class
(``AsyncClientRateLimiter``, not a ``ClientRateLimiter``). It is looked up in
``sys.modules``: whenever an aiobotocore client exists, aiobotocore's client
module has imported it, and nothing here imports aiobotocore.
"""

from __future__ import annotations

from typing import Any

from botocore.retries.adaptive import ClientRateLimiter
from botocore.retries.standard import RetryQuotaChecker

from boto3_idempotent._loaded import loaded_type

__all__ = ["registered", "remove_botocore_retries"]

# unique_ids botocore registers its retry handlers under (legacy, standard, adaptive).
_RETRY_ID = "retry-config-{}"
_MAX_SEEDER_ID = "seed-max-attempts-{}"  # botocore >= 1.44: amz-sdk-request max=
# aiobotocore's adaptive-mode limiter (the httpx backend's is a subclass).
_AIO_LIMITER = ("aiobotocore.retries.adaptive", "AsyncClientRateLimiter")


def registered(events: Any, event: str) -> list[Any]:
    """Handlers registered for ``event`` (botocore offers no public way to list them)."""
    emitter = getattr(events, "_emitter", events)
    trie = getattr(emitter, "_handlers", None)
    return list(trie.prefix_search(event)) if trie is not None else []


def remove_botocore_retries(
    events: Any, name: str, owners: tuple[tuple[str, type], ...] | None = None
) -> None:
    """Unregister all of botocore's retry machinery for service ``name`` from ``events``.

    Args:
        events: The client's emitter (``client.meta.events``).
        name: The hyphenated service id the handlers were registered for.
        owners: ``(event, class)`` pairs of handlers registered without a unique id,
            found by the class of the object they are bound to; by default botocore's,
            and aiobotocore's rate limiter.
    """
    events.unregister(f"needs-retry.{name}", unique_id=_RETRY_ID.format(name))
    events.unregister(f"request-created.{name}", unique_id=_MAX_SEEDER_ID.format(name))
    if owners is None:
        owners = (
            (f"after-call.{name}", RetryQuotaChecker),
            ("before-send", ClientRateLimiter),
            ("needs-retry", ClientRateLimiter),
        )
        aio_limiter = loaded_type(*_AIO_LIMITER)
        if aio_limiter is not None:
            owners += (("before-send", aio_limiter), ("needs-retry", aio_limiter))
    for event, owner in owners:
        for handler in registered(events, event):
            if isinstance(getattr(handler, "__self__", None), owner):
                events.unregister(event, handler)
