"""Unknown ``BOTO3_IDEMPOTENT_*`` variables: a misspelt one is named, never silently ignored.

``wrap()`` and ``install()`` call ``warn_unknown_variables`` each time, so the
check is a prefix test over the environment's names; the close-match search and the
warning happen once per unknown name per process.
"""

from __future__ import annotations

import functools
import os
import threading
import warnings
from collections.abc import Mapping

from ._config import ENV_PREFIX, ENV_VARS, _parse_bool

__all__ = [
    "TELEMETRY_ENV",
    "describe",
    "known_variables",
    "telemetry_on",
    "unknown_variables",
    "warn_unknown_variables",
]

#: Whether wrapped clients record to OpenTelemetry (read at ``wrap()``; see
#: ``_integrations/telemetry``).
TELEMETRY_ENV = "BOTO3_IDEMPOTENT_TELEMETRY"
_TELEMETRY_EXPECTED = (
    "one of on/off, true/false, yes/no, 1/0 (unset: on when OpenTelemetry is in use)"
)

# The all-lowercase spelling is ours too: on POSIX it is a different, ignored, variable.
_PREFIXES = (ENV_PREFIX, ENV_PREFIX.lower())

_warned: set[str] = set()
_lock = threading.Lock()


@functools.cache
def known_variables() -> frozenset[str]:
    """Every ``BOTO3_IDEMPOTENT_*`` variable some setting reads."""
    from ._integrations.aws_lambda import (  # noqa: PLC0415  (keeps this module's imports light)
        JOURNAL_EXPIRES_ENV,
        JOURNAL_TABLE_ENV,
        MARGIN_ENV,
    )
    from ._scope import SECRET_ENV  # noqa: PLC0415

    return frozenset(
        {
            *ENV_VARS.values(),
            MARGIN_ENV,
            SECRET_ENV,
            TELEMETRY_ENV,
            JOURNAL_TABLE_ENV,
            JOURNAL_EXPIRES_ENV,
        }
    )


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[tuple[str, str | None]]:
    """The ``BOTO3_IDEMPOTENT_*`` names no setting reads, sorted, each with the one meant.

    Args:
        environ: The mapping to read; ``os.environ`` when ``None``.

    Returns:
        ``(name, closest known name or None)`` pairs.
    """
    env = os.environ if environ is None else environ
    known = known_variables()
    found = []
    for name in sorted(n for n in env if _candidate(n) and n not in known):
        meant = _meant(name, known)
        if name.startswith(_PREFIXES) or meant is not None:  # a misspelt prefix: if close
            found.append((name, meant))
    return found


def _candidate(name: str) -> bool:
    """Ours, or a misspelling of our prefix (``BOTO3_IDEMPOTNET_``, ``BOTO_IDEMPOTENT_``)."""
    if name.startswith(_PREFIXES):
        return True
    upper = name.upper()
    return upper.startswith("BOTO") and "IDEM" in upper


def _meant(name: str, known: frozenset[str]) -> str | None:
    """The known variable ``name`` most likely stands for."""
    upper = name.upper()
    if upper in known:  # boto3_idempotent_max_attempts
        return upper
    import difflib  # noqa: PLC0415  (only for an unknown name: import stays cheap)

    if not upper.startswith(ENV_PREFIX):  # the prefix itself misspelt: the whole name
        close = difflib.get_close_matches(upper, sorted(known), n=1, cutoff=0.85)
        return close[0] if close else None
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
    """Warn (``ConfigWarning``) about each unknown variable, once per name per process."""
    names = [n for n in os.environ if _candidate(n)]  # usually empty or known
    if not names:
        return
    known = known_variables()
    with _lock:
        new = sorted(n for n in names if n not in known and n not in _warned)
        _warned.update(new)
    from ._exceptions import ConfigWarning  # noqa: PLC0415  (an unknown name: rare)
    from ._warnings import user_stacklevel  # noqa: PLC0415

    for name in new:
        meant = _meant(name, known)
        if name.startswith(_PREFIXES) or meant is not None:  # a misspelt prefix: if close
            warnings.warn(describe(name, meant), ConfigWarning, stacklevel=user_stacklevel())


def telemetry_on(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``BOTO3_IDEMPOTENT_TELEMETRY`` lets wrapped clients record (default: yes).

    Here, not in ``_integrations/telemetry``: ``wrap()`` reads it, and must not load the recorder.

    Raises:
        ConfigError: the variable holds something else than a yes/no word.
    """
    env = os.environ if environ is None else environ
    raw = env.get(TELEMETRY_ENV, "").strip()
    if not raw:
        return True
    try:
        return _parse_bool(raw)
    except ValueError:
        from ._exceptions import ConfigError  # noqa: PLC0415  (a bad value: rare)

        raise ConfigError(TELEMETRY_ENV, raw, _TELEMETRY_EXPECTED) from None
