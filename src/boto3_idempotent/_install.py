"""``install``: wrap every client a boto3 session creates, for code that builds its own clients."""

from __future__ import annotations

from typing import Any

from ._config import RetryPolicy
from ._plugin import wrap

__all__ = ["install", "uninstall"]

_INSTALLED_ATTR = "_boto3_idempotent_installed"


def _session(session: Any) -> Any:
    if session is not None:
        return session
    import boto3  # noqa: PLC0415  (boto3 is the caller's, not a dependency of ours)

    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    return boto3.DEFAULT_SESSION


def install(session: Any = None, policy: RetryPolicy | None = None) -> None:
    """Wrap every client that ``session`` creates from now on.

    For code that makes its own clients (a library, a framework) and so cannot
    call :func:`wrap` on them: ``session.client(...)``, and with no session given
    ``boto3.client(...)``, then return wrapped clients; so do resources, whose
    clients come from the same place. Clients created before stay as they are.
    Installing again replaces the policy.

    Args:
        session: A ``boto3.Session``; ``None``: boto3's default session (created if
            needed), which ``boto3.client()`` and ``boto3.resource()`` use.
        policy: For every new client; ``None``: read from the environment now.

    Raises:
        TypeError: ``session`` is not a boto3 session.
        ConfigError: ``policy`` is ``None`` and an environment variable is invalid.
    """
    target = _session(session)
    if not callable(getattr(target, "client", None)) or not hasattr(target, "_session"):
        raise TypeError(f"install() takes a boto3.Session, not {type(target).__name__}")
    if policy is None:
        policy = RetryPolicy.from_env()
    uninstall(target)
    create = target.client  # the class's method, bound: what we restore on uninstall

    def client(*args: Any, **kwargs: Any) -> Any:
        return wrap(create(*args, **kwargs), policy)

    client.__doc__ = create.__doc__
    target.client = client
    setattr(target, _INSTALLED_ATTR, True)


def uninstall(session: Any = None) -> None:
    """Undo :func:`install`: new clients of ``session`` are plain again.

    Clients already created stay wrapped. Harmless when nothing was installed (and
    creates no default session to find that out).
    """
    if session is None:
        import boto3  # noqa: PLC0415

        session = boto3.DEFAULT_SESSION
        if session is None:
            return
    target = session
    if vars(target).pop(_INSTALLED_ATTR, False):
        del target.client  # the instance attribute; the class's method shows again
