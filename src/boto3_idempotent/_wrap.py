"""``wrap()``: install the plugin on a client, synchronous (botocore) or asyncio (aiobotocore).

Both kinds share every decision (``_plugin``); an aiobotocore client gets the
asyncio plugin (``_integrations/aio``), whose needs-retry handler awaits instead of sleeping.
An aiobotocore client is recognised without importing aiobotocore: if it was
never imported, no object can be one of its clients.
"""

from __future__ import annotations

import os
import random as _random
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.client import BaseClient

from ._config import ENV_PREFIX, RetryPolicy
from ._loaded import is_instance
from ._plugin import PLUGIN_ATTR, _Plugin
from ._policy.setup import Setup

__all__ = ["is_async_client", "wrap"]

ClientT = TypeVar("ClientT", bound=BaseClient)

_wrap_lock = threading.Lock()
_AIO_CLIENT = ("aiobotocore.client", "AioBaseClient")


#: The environment last read: its BOTO3_IDEMPOTENT_* items, the telemetry switch, and the
#: policy it sets (``None`` until a ``wrap()`` without a policy asked for it).
_last_read: tuple[tuple[tuple[str, str], ...] | None, bool, RetryPolicy | None] = (None, True, None)


def _environment(policy: RetryPolicy | None) -> tuple[RetryPolicy, bool]:
    """``policy``, else the one the environment sets; and the telemetry switch.

    Every ``wrap()`` in a process usually sees the same ``BOTO3_IDEMPOTENT_*``
    variables: they are parsed and checked again only when one of them changed. A
    bad value raises ``ConfigError`` at every ``wrap()`` that reads it (nothing is
    remembered of a bad environment).
    """
    global _last_read  # noqa: PLW0603  (one entry, replaced whole: racing wraps see one)
    key = tuple(sorted(item for item in os.environ.items() if item[0].startswith(ENV_PREFIX)))
    read = _last_read
    if read[0] != key:
        from ._env_names import telemetry_on  # noqa: PLC0415

        # The policy's variables first: a bad one is named before a bad telemetry switch.
        from_env = RetryPolicy.from_env() if policy is None else None
        read = _last_read = (key, telemetry_on(), from_env)
    if policy is None:
        policy = read[2]
        if policy is None:
            policy = RetryPolicy.from_env()
            _last_read = (key, read[1], policy)
    return policy, read[1]


def is_async_client(client: object) -> bool:
    """Whether ``client`` is an aiobotocore (or aioboto3) client; never imports aiobotocore."""
    return is_instance(client, *_AIO_CLIENT)


def wrap(
    client: ClientT,
    policy: RetryPolicy | None = None,
    *,
    sleep: Callable[[float], Any] | None = None,
    clock: Callable[[], float] = time.monotonic,
    random: Callable[[], float] = _random.random,
) -> ClientT:
    """Make ``client`` retry safely: one stable client token per call, one retry layer.

    The client is changed in place and returned, so its type (boto3-stubs'
    ``EC2Client`` ...), paginators, waiters and ``boto3.resource(...).meta.client``
    all go through the policy. Wrapping again replaces the policy at once (a call
    in flight continues under the new one) and keeps the client's retry quota;
    hooks and retries never stack.

    An aiobotocore or aioboto3 client (``async with session.client("ec2") as
    ec2: wrap(ec2)``) gets the same decisions, and backoffs that never block the
    event loop: aiobotocore awaits them (``asyncio.sleep``, or ``anyio.sleep`` on
    its httpx backend).

    Args:
        client: A botocore client, e.g. ``boto3.client("ec2")``, or an aiobotocore one.
        policy: How to retry; read from ``BOTO3_IDEMPOTENT_*`` variables when ``None``.
            Fields it leaves unset follow the client (its own ``max_attempts``) and
            the installed botocore's standard retry mode.
        sleep: Waits between attempts (seconds); tests pass a recorder. ``None``:
            ``time.sleep``, or on an asyncio client aiobotocore's own non-blocking
            sleep. On an asyncio client it may be a coroutine function (awaited).
        clock: Monotonic seconds, for the deadline.
        random: Returns a float in ``[0, 1)``, for jitter.

    Warns:
        ConfigWarning: a ``BOTO3_IDEMPOTENT_*`` variable no setting reads (misspelt?),
            once per name per process.

    Raises:
        TypeError: ``client`` is not a botocore client.
        ConfigError: ``policy`` is ``None`` and an environment variable is invalid.
    """
    if not isinstance(client, BaseClient):
        raise TypeError(
            f"wrap() takes a botocore client such as boto3.client('ec2'), "
            f"not {type(client).__name__}"
        )
    # Loaded here, not at import: a program that imports us but wraps nothing pays nothing.
    from ._env_names import warn_unknown_variables  # noqa: PLC0415
    from ._policy.settings import resolve  # noqa: PLC0415
    from ._transport import check_lengths  # noqa: PLC0415

    warn_unknown_variables()  # a misspelt BOTO3_IDEMPOTENT_* name: a warning, once
    policy, telemetry = _environment(policy)
    service_model = client.meta.service_model
    settings = resolve(
        policy,
        service_id=service_model.service_id.hyphenize(),
        service_name=service_model.service_name,
        client_retries=getattr(client.meta.config, "retries", None),
    )
    setup = Setup(settings, sleep=sleep, clock=clock, random=random, telemetry=telemetry)
    with _wrap_lock:
        plugin: _Plugin | None = vars(client).get(PLUGIN_ATTR)
        if plugin is not None:
            plugin.setup = setup  # one assignment: calls see the old setup or the new
            return client
        if is_async_client(client):
            from ._integrations.aio import AioPlugin  # noqa: PLC0415  (only with aiobotocore)

            plugin = AioPlugin(client, setup)
        else:
            plugin = _Plugin(client, setup)
        plugin.register(client.meta.events)
        check_lengths(client)  # botocore's sessions only; aiobotocore's check themselves
        setattr(client, PLUGIN_ATTR, plugin)
    return client
