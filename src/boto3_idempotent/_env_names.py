"""Unknown ``BOTO3_IDEMPOTENT_*`` variables: a misspelt one is named, never silently ignored.

``wrap()`` and ``install()`` call :func:`warn_unknown_variables` each time, so the
check is a prefix test over the environment's names; the close-match search and the
warning happen once per unknown name per process.
"""

from __future__ import annotations

import functools
import os
import threading
import warnings
from collections.abc import Mapping

from ._config import ENV_PREFIX, ENV_VARS
from ._exceptions import ConfigWarning
from ._warnings import user_stacklevel

__all__ = ["describe", "known_variables", "unknown_variables", "warn_unknown_variables"]

# The all-lowercase spelling is ours too: on POSIX it is a different, ignored, variable.
_PREFIXES = (ENV_PREFIX, ENV_PREFIX.lower())

_warned: set[str] = set()
_lock = threading.Lock()


@functools.cache
def known_variables() -> frozenset[str]:
    """Every ``BOTO3_IDEMPOTENT_*`` variable some setting reads."""
    from ._lambda import MARGIN_ENV  # noqa: PLC0415  (keeps this module's imports light)
    from ._scope import SECRET_ENV  # noqa: PLC0415
    from ._telemetry import TELEMETRY_ENV  # noqa: PLC0415

    return frozenset({*ENV_VARS.values(), MARGIN_ENV, SECRET_ENV, TELEMETRY_ENV})


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[tuple[str, str | None]]:
    """The ``BOTO3_IDEMPOTENT_*`` names no setting reads, sorted, each with the one meant.

    Args:
        environ: The mapping to read; ``os.environ`` when ``None``.

    Returns:
        ``(name, closest known name or None)`` pairs.
    """
    env = os.environ if environ is None else environ
    known = known_variables()
    unknown = sorted(name for name in env if name.startswith(_PREFIXES) and name not in known)
    return [(name, _meant(name, known)) for name in unknown]


def _meant(name: str, known: frozenset[str]) -> str | None:
    """The known variable ``name`` most likely stands for (its part after the prefix)."""
    upper = name.upper()
    if upper in known:  # boto3_idempotent_max_attempts
        return upper
    import difflib  # noqa: PLC0415  (only for an unknown name: import stays cheap)

    start = len(ENV_PREFIX)
    close = difflib.get_close_matches(upper[start:], sorted(k[start:] for k in known), n=1)
    return ENV_PREFIX + close[0] if close else None


def describe(name: str, meant: str | None) -> str:
    """One sentence about an unknown variable, for the warning and for ``policy``."""
    if meant is not None:
        return f"{name} is not a boto3-idempotent variable and is ignored; did you mean {meant}?"
    return (
        f"{name} is not a boto3-idempotent variable and is ignored; the variables are"
        f" {', '.join(sorted(known_variables()))}"
    )


def warn_unknown_variables() -> None:
    """Warn (:class:`ConfigWarning`) about each unknown variable, once per name per process."""
    names = [n for n in os.environ if n.startswith(_PREFIXES)]  # usually empty or known
    if not names:
        return
    known = known_variables()
    with _lock:
        new = sorted(n for n in names if n not in known and n not in _warned)
        _warned.update(new)
    for name in new:
        warnings.warn(
            describe(name, _meant(name, known)), ConfigWarning, stacklevel=user_stacklevel()
        )
