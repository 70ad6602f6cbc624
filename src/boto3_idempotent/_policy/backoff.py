"""Exponential backoff with full jitter (the SDKs' standard mode, and AWS's advice)."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["full_jitter"]

# 2 ** 62 times any useful base_delay is past any useful max_delay; capping the
# exponent keeps the float finite however many attempts a policy allows.
_MAX_EXPONENT = 62


def full_jitter(
    retry_number: int,
    base_delay: float,
    max_delay: float,
    random: Callable[[], float],
) -> float:
    """Seconds to wait before retry ``retry_number`` (1 for the first retry).

    Drawn uniformly from ``[0, min(max_delay, base_delay * 2 ** (retry_number - 1))]``.

    Args:
        retry_number: 1 before the second attempt, 2 before the third, ...
        base_delay: Seconds; the ceiling of the first draw.
        max_delay: Seconds; the ceiling of every draw.
        random: Returns a float in ``[0, 1)``; injected so tests can pin it.
    """
    exponent = min(retry_number - 1, _MAX_EXPONENT)
    ceiling = min(max_delay, base_delay * 2.0**exponent)
    return random() * ceiling
