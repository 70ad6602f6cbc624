"""Deterministic tokens: ``idempotency_key`` scopes, and the Lambda time limit, in contextvars.

Inside ``with idempotency_key(key):`` a generated token is not random but derived:

    seed  = HMAC-SHA256(secret, "v1" | key | service | region | operation | ordinal)
    token = SHA-256(seed | member path), formatted as a UUID (or 32 hex characters)

``ordinal`` counts the calls of that operation, in that service and region, made in
the scope (1, 2, ...). The same key and the same sequence of calls give the same
tokens, so a re-run (Lambda retrying an invocation, SQS redelivering a message)
sends what the first run sent and the service replays its first answers. The key
cannot be read back from a token; with a secret (``BOTO3_IDEMPOTENT_TOKEN_SECRET``)
a guessed key cannot even be confirmed.

Scopes nest: the innermost one wins, with its own ordinals; when it ends, the outer
one resumes where it was. A nested scope with the *same* key and secret as an
enclosing one continues that scope's numbering (it would otherwise hand its first
call the token the enclosing scope's first call already sent). State lives in
contextvars, so threads and asyncio tasks each see their own scope (a thread started
inside a scope does not inherit it unless run in a copied context).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from . import _context
from ._warnings import user_stacklevel

if TYPE_CHECKING:
    from ._integrations.journal import CallJournal

__all__ = [
    "SECRET_ENV",
    "KeyScope",
    "TokenSecretWarning",
    "as_bytes",
    "current_scope",
    "current_time_left",
    "idempotency_key",
    "keyed",
]

SECRET_ENV = "BOTO3_IDEMPOTENT_TOKEN_SECRET"  # noqa: S105  (the variable's name)
_DEFAULT_SECRET = b"boto3-idempotent/token/v1"


def as_bytes(text: str) -> bytes:
    """``text`` as the bytes it stands for, never an error.

    A variable set from raw bytes (``head -c 32 /dev/urandom``) reaches ``os.environ``
    with its non-UTF-8 bytes as lone surrogates (PEP 383); ``surrogateescape`` gives
    those bytes back exactly. Any other lone surrogate (only code can make one) is
    kept by ``surrogatepass``. So a secret is used as the bytes it was, and no
    ``UnicodeEncodeError`` (whose ``repr`` would hold the whole text) is raised.
    """
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


class KeyScope:
    """One ``idempotency_key`` scope: its key, secret, call counters and journal."""

    __slots__ = ("_counters", "_key", "_lock", "_secret", "journal", "outer")

    def __init__(
        self,
        key: str | bytes,
        secret: bytes,
        outer: KeyScope | None = None,
        journal: CallJournal | None = None,
    ) -> None:
        """Hold the key, secret and journal; counters start at zero."""
        self._key = as_bytes(key) if isinstance(key, str) else key
        self._secret = secret
        self._counters: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()  # a scope may be shared through a copied context
        self.outer = outer
        self.journal = journal

    def with_journal(self, journal: CallJournal | None, outer: KeyScope | None) -> KeyScope:
        """This scope's key and numbering (shared, not copied), with another journal."""
        scope = KeyScope(self._key, self._secret, outer, journal)
        scope._counters = self._counters
        scope._lock = self._lock
        return scope

    def same(self, key: bytes, secret: bytes) -> bool:
        """Whether this scope derives from ``key`` with ``secret``."""
        return hmac.compare_digest(self._key, key) and hmac.compare_digest(self._secret, secret)

    def seed(self, service: str, region: str, operation: str) -> bytes:
        """The next call's seed for ``operation``: counts the call, then derives."""
        where = (service, region, operation)
        with self._lock:
            ordinal = self._counters.get(where, 0) + 1
            self._counters[where] = ordinal
        fields = (b"v1", self._key, *(f.encode() for f in where), str(ordinal).encode())
        message = b"".join(len(f).to_bytes(4, "big") + f for f in fields)
        return hmac.new(self._secret, message, hashlib.sha256).digest()


# The context variables live in _context, which a wrapped call reads on every call
# without loading this module; a scope and a time limit are set here.
_scope = _context.SCOPE
_time_left = _context.TIME_LIMIT
current_scope = _context.current_scope
current_time_left = _context.current_time_left


class TokenSecretWarning(UserWarning):
    """Tokens are derived from a key of yours without ``BOTO3_IDEMPOTENT_TOKEN_SECRET``.

    A ``UserWarning``.
    """


_warned_no_secret = False


def idempotency_key(
    key: str,
    *,
    secret: str | bytes | None = None,
    journal: CallJournal | None = None,
) -> AbstractContextManager[None]:
    """Derive the tokens of calls made inside from ``key`` instead of drawing them at random.

    Args:
        key: What identifies the unit of work across re-runs: a Lambda request id, an
            SQS message id, an order number. Never shown in tokens or logs.
        secret: HMAC key; defaults to ``BOTO3_IDEMPOTENT_TOKEN_SECRET``, else a fixed,
            public one. Without a secret of yours, whoever sees a token (CloudTrail) and
            can guess candidate keys (order numbers) can check a guess; a
            ``TokenSecretWarning`` says so, once per process. Changing the secret
            changes every token, as a new key would.
        journal: Where the calls a re-run would repeat (no token, not idempotent:
            SQS ``SendMessage``, SNS ``Publish``, ...) are journaled, so that a re-run
            with this key gets their first answers without sending them again (see
            ``CallJournal``). ``None``: the enclosing scope's, if any.

    Raises:
        ValueError: ``key`` is not a non-empty string, or ``secret`` is empty.
        ConfigError: ``journal`` is not a ``CallJournal``.
    """
    return keyed(key, secret=secret, journal=journal)


@contextmanager
def keyed(
    key: str,
    *,
    secret: str | bytes | None = None,
    journal: CallJournal | None = None,
    random_key: bool = False,
) -> Iterator[None]:
    """``idempotency_key``, and ``random_key``: the key is random (no TokenSecretWarning).

    The Lambda entry points key by ``aws_request_id`` and SQS ``messageId``, random ids
    no one can guess; a key of the caller's may be guessed without a secret.
    """
    global _warned_no_secret  # noqa: PLW0603  (warn once per process)
    if not isinstance(key, str) or not key:
        raise ValueError("idempotency_key() needs a non-empty str key")
    if journal is not None:
        from ._integrations.journal import check_journal  # noqa: PLC0415  (journaled scopes only)

        check_journal(journal, "journal")
    if secret is None:
        # Empty counts as unset, as for every other variable of ours.
        secret = os.environ.get(SECRET_ENV) or None
    if secret is None:
        secret = _DEFAULT_SECRET
        # Lambda request ids and SQS message ids are random: nothing to guess.
        if not random_key and not _warned_no_secret:
            _warned_no_secret = True
            warnings.warn(
                f"idempotency_key() without {SECRET_ENV}: anyone who sees a token and can "
                "guess candidate keys can confirm a guess; set a secret",
                TokenSecretWarning,
                stacklevel=user_stacklevel(),
            )
    raw = as_bytes(secret) if isinstance(secret, str) else secret
    if not raw:
        raise ValueError("secret= is empty: pass a non-empty secret, or None")
    reset = _scope.set(_entered(as_bytes(key), raw, journal))
    try:
        yield
    finally:
        _scope.reset(reset)


def _entered(key: bytes, secret: bytes, journal: CallJournal | None) -> KeyScope:
    """The scope a block keyed by ``key`` runs in, inside the current one."""
    enclosing: KeyScope | None = _scope.get()
    scope = enclosing
    if journal is None and enclosing is not None:
        journal = enclosing.journal
    while scope is not None and not scope.same(key, secret):
        scope = scope.outer
    # The same key again: share the enclosing scope's numbering, never restart it.
    if scope is None:
        return KeyScope(key, secret, enclosing, journal)
    if scope.journal is not journal:
        return scope.with_journal(journal, enclosing)
    return scope


@contextmanager
def time_limit(time_left: Callable[[], float]) -> Iterator[None]:
    """Within this block, no retry sleeps longer than ``time_left()`` seconds."""
    reset = _time_left.set(time_left)
    try:
        yield
    finally:
        _time_left.reset(reset)
