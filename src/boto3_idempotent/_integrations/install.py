"""``install``: wrap every client boto3 creates, for code that builds its own clients.

``install()`` patches ``boto3.session.Session.client`` on the class, so every
session gets wrapped clients: boto3's default session whenever it is created (no
session is created here), sessions made later, and the one moto's ``mock_aws``
puts in place of the default. ``install(session)`` patches one session instead.
``uninstall`` puts back exactly what was there before, a wrapper another library
(a tracer) installed included.

aioboto3 sessions (subclasses of boto3's) return an async context manager from
``client()`` (and ``resource()`` goes through ``client()``): it is replaced by one
that wraps the client as it is entered. An aiobotocore ``AioSession`` is refused:
its ``create_client`` also makes the STS and SSO clients of its own credential
providers, which a boto3 session's ``client`` never does.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from boto3_idempotent._config import RetryPolicy
from boto3_idempotent._env_names import warn_unknown_variables
from boto3_idempotent._loaded import is_instance
from boto3_idempotent._wrap import wrap

__all__ = ["install", "uninstall"]

_MISSING = object()
_lock = threading.Lock()


class _Installed:
    """Our ``client`` replacement, and what it replaced (to put back)."""

    def __init__(self, create: Callable[..., Any], policy: RetryPolicy, previous: object) -> None:
        self.create = create
        self.policy = policy
        self.previous = previous  # the attribute as it was (_MISSING: none of its own)
        self.active = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        made = self.create(*args, **kwargs)
        if not self.active:
            return made
        if is_instance(made, *_AIO_CLIENT_CONTEXT):  # an aioboto3 session's client(...)
            return _WrappingClientContext(made, self.policy)
        return wrap(made, self.policy)


_AIO_CLIENT_CONTEXT = ("aiobotocore.session", "ClientCreatorContext")
_AIO_SESSION = ("aiobotocore.session", "AioSession")


class _WrappingClientContext:
    """aiobotocore's client context, wrapping the client as it is entered."""

    __slots__ = ("_inner", "_policy")

    def __init__(self, inner: Any, policy: RetryPolicy) -> None:
        self._inner = inner
        self._policy = policy

    async def __aenter__(self) -> Any:
        return wrap(await self._inner.__aenter__(), self._policy)

    async def __aexit__(self, *exc_info: object) -> Any:
        return await self._inner.__aexit__(*exc_info)


def _refuse_aiobotocore(session: Any) -> None:
    if is_instance(session, *_AIO_SESSION):
        raise TypeError(
            "install() takes a boto3.Session or an aioboto3.Session, not aiobotocore's"
            " AioSession (its create_client also makes its credential providers' STS and"
            " SSO clients): use aioboto3.Session(botocore_session=...), or wrap() each"
            " client as you enter it: async with session.create_client(...) as client:"
            " wrap(client)"
        )


def install(session: Any = None, policy: RetryPolicy | None = None) -> None:
    """Wrap every client created from now on: by ``session``, or by any boto3 session.

    For code that makes its own clients (a library, a framework) and so cannot
    call ``wrap`` on them. Clients created before stay as they are; resources
    are covered (their clients come from the same place). Installing again
    replaces the policy.

    Args:
        session: A ``boto3.Session`` or an ``aioboto3.Session`` (its clients are
            wrapped as they are entered). ``None``: every ``boto3.Session``, those that
            exist and those made later (boto3's default session, which
            ``boto3.client()`` and ``boto3.resource()`` use, whenever boto3 creates
            it; the one moto's ``mock_aws`` makes). No session is created here.
        policy: For every new client; ``None``: read from the environment now.

    Warns:
        ConfigWarning: a ``BOTO3_IDEMPOTENT_*`` variable no setting reads (misspelt?),
            once per name per process.

    Raises:
        TypeError: ``session`` is not a boto3 (or aioboto3) session.
        ConfigError: ``policy`` is ``None`` and an environment variable is invalid.
    """
    if session is not None:
        _refuse_aiobotocore(session)
        if not callable(getattr(session, "client", None)) or not hasattr(session, "_session"):
            raise TypeError(f"install() takes a boto3.Session, not {type(session).__name__}")
    warn_unknown_variables()
    if policy is None:
        policy = RetryPolicy.from_env()
    with _lock:
        target = _class() if session is None else session
        current = vars(target).get("client", _MISSING)
        if isinstance(current, _Installed):
            current.policy = policy  # installing again replaces the policy
            return
        if session is None:
            create = target.client  # the function on the class
            replacement: Any = _Installed(create, policy, current)

            @functools.wraps(create)
            def client(self: Any, *args: Any, **kwargs: Any) -> Any:
                return replacement(self, *args, **kwargs)

            client._boto3_idempotent = replacement  # type: ignore[attr-defined]  # noqa: SLF001
            target.client = client
        else:
            installed = _Installed(session.client, policy, current)
            functools.update_wrapper(installed, session.client)
            session.client = installed


def uninstall(session: Any = None) -> None:
    """Undo ``install`` for ``session`` (``None``: the all-sessions install).

    Puts back exactly what was there, even a wrapper installed after ours stays
    working (ours then passes clients through unwrapped). Clients already created
    stay wrapped. Harmless when nothing was installed.
    """
    with _lock:
        target = _class() if session is None else session
        current = vars(target).get("client", _MISSING)
        ours = getattr(current, "_boto3_idempotent", current)
        if isinstance(ours, _Installed):
            ours.active = False
            if ours.previous is _MISSING:
                delattr(target, "client")
            else:
                target.client = ours.previous
            return
        # Someone wrapped on top of ours: leave theirs in place, turn ours off.
        for candidate in _chain(current):
            if isinstance(candidate, _Installed):
                candidate.active = False


def _class() -> Any:
    import boto3.session  # noqa: PLC0415  (boto3 is the caller's, not a dependency of ours)

    return boto3.session.Session


def _chain(attribute: object) -> list[object]:
    """Objects a wrapper may hold ours in: functools' ``__wrapped__`` chain."""
    seen: list[object] = []
    while attribute is not None and attribute is not _MISSING and len(seen) < 32:
        seen.append(getattr(attribute, "_boto3_idempotent", attribute))
        attribute = getattr(attribute, "__wrapped__", None)
    return seen
