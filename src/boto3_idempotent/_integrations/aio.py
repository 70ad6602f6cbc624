"""The asyncio plugin: aiobotocore and aioboto3 clients, without blocking the event loop.

aiobotocore emits botocore's events and awaits whatever its handlers return, so
the synchronous hooks (``prepare``, ``request_created``) serve as they are. Only
needs-retry differs, and only in what it awaits (and, in adaptive mode, before-send
awaits its wait for the rate limiter's next token, with ``asyncio.sleep``)::

    needs-retry.<service>    AioPlugin.needs_retry (async)
        DynamoDB: await the body (the endpoint already read and cached it), then
        the same check as a synchronous client. A failure goes to the same,
        synchronous decision (_Plugin.failed: classification, typed errors,
        tenacity, quota). It never awaits, so tenacity's per-thread scratch state
        is never shared between tasks; per-call state stays in botocore's
        per-call context. To resend: await the on_retry hooks (plain or async),
        then hand the backoff to aiobotocore's endpoint, which awaits
        ``asyncio.sleep`` (aiohttp) or ``anyio.sleep`` (httpx) and resends; with
        an injected ``sleep=``, await that and return 0.

``None`` stops (aiobotocore 2.x resends on ``False``). A long-polling call out of
quota lingers before giving up, awaiting the endpoint's own sleep.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

from boto3_idempotent._hooks import notify_async
from boto3_idempotent._plugin import _Plugin
from boto3_idempotent._policy.setup import Linger, Setup

__all__ = ["AioPlugin"]


class AioPlugin(_Plugin):
    """The plugin of an aiobotocore client: ``needs_retry`` and ``before_send`` await."""

    journals = False  # the journal's requests are synchronous: they would block the loop

    async def before_send(self, request: Any, **_kwargs: Any) -> None:  # type: ignore[override]
        """Adaptive mode: await the next token (``asyncio.sleep``: the loop never blocks)."""
        wait = self.rate_wait(request)
        if wait > 0:
            await _sleep(self.setup, wait, None)

    async def needs_retry(  # type: ignore[override]  # aiobotocore awaits its handlers
        self,
        response: tuple[Any, dict[str, Any]] | None,
        attempts: int,
        caught_exception: BaseException | None,
        request_dict: Mapping[str, Any],
        operation: Any,
        **kwargs: Any,
    ) -> float | None:
        """Decide whether aiobotocore resends; the delay it should await, or ``None``."""
        context: MutableMapping[str, Any] = request_dict["context"]
        if response is not None and caught_exception is None:
            http_response, parsed = response
            body = await _awaited(http_response.content) if self._crc32 else None
            if self.settled(http_response, parsed, body, context):  # the hot path
                if self.setup.telemetry and "opentelemetry" in sys.modules:
                    self.ended(operation.name, attempts, context, None)
                return None
        setup = self.setup
        step = self.failed(setup, response, attempts, caught_exception, context, operation)
        if step is None:
            return None
        if isinstance(step, Linger):
            await _sleep(setup, step.pause, kwargs.get("endpoint"))
            return None
        if step.event is not None and setup.settings.on_retry:
            await notify_async(setup.settings.on_retry, step.event)
        delay = self.cut_to_limits(setup, step.delay, context)
        if setup.sleep is None:
            return delay  # the endpoint awaits it (asyncio or anyio), then resends
        await _sleep(setup, delay, None)
        return 0


async def _awaited(value: Any) -> Any:
    """``value``, awaited if it is awaitable (aiobotocore's body is a coroutine)."""
    return await value if inspect.isawaitable(value) else value


async def _sleep(setup: Setup, seconds: float, endpoint: object) -> None:
    """Wait ``seconds`` without blocking: the injected sleep, else the endpoint's."""
    if seconds <= 0:  # testing mode, or nothing left before the limits
        return
    sleep = setup.sleep
    if sleep is None:
        # aiobotocore 3 sleeps with asyncio or anyio by backend; 2.x always with asyncio.
        sleep = getattr(endpoint, "_sleep", None) or asyncio.sleep
    await _awaited(sleep(seconds))
