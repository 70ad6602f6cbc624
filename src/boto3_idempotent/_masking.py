"""Log-safe forms of caller tokens: a keyed digest, so logs and hooks never carry business data.

A token you pass may be an order number. Logs, ``RetryEvent.token`` and the
README's metrics and tracing recipes show it as ``caller:<12 hex>``:
HMAC-SHA256 keyed with ``BOTO3_IDEMPOTENT_TOKEN_SECRET`` when it is set (stable
across processes, so retries of one order can be found in every invocation's log),
else with a random key drawn once per process (so a guess such as ``order-1234``
cannot be confirmed by hashing it). Generated tokens are random or derived and
carry nothing: they are shown as they are.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from ._scope import SECRET_ENV, as_bytes

__all__ = ["log_safe"]

_PROCESS_KEY = secrets.token_bytes(32)


def log_safe(token: str | None, *, from_caller: bool) -> str | None:
    """The form of ``token`` that logs and hooks may see."""
    if token is None or not from_caller:
        return token
    secret = os.environ.get(SECRET_ENV, "")
    key = as_bytes(secret) if secret else _PROCESS_KEY
    return "caller:" + hmac.new(key, as_bytes(token), hashlib.sha256).hexdigest()[:12]
