"""Helpers for the asyncio tests (tests/test_async_*.py): aiobotocore clients and sleep recorders.

Imported only by those files, after ``pytest.importorskip("aiobotocore")``. The
tests are plain functions running ``asyncio.run(...)``: pytest-asyncio fails under
``filterwarnings = error`` unless configured in a way the other venvs warn about.
"""

from __future__ import annotations

import asyncio
import importlib.util
import types
from typing import Any

import aiobotocore
import aiobotocore.endpoint
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

import boto3_idempotent._integrations.aio

AIOBOTOCORE = tuple(int(part) for part in aiobotocore.__version__.split(".")[:2])
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

#: aiobotocore's HTTP backends installed here: aiohttp always, httpx when importable.
BACKENDS = ["aiohttp"] + (
    ["httpx"]
    if importlib.util.find_spec("httpx2" if AIOBOTOCORE >= (3, 0) else "httpx") is not None
    else []
)


def aio_client(
    service: str,
    url: str,
    *,
    backend: str = "aiohttp",
    mode: str = "standard",
    **config: Any,
) -> Any:
    """An aiobotocore client context for ``url``, with ``backend`` and retry ``mode``."""
    if backend == "httpx":
        from aiobotocore.httpxsession import HttpxSession

        config["http_session_cls"] = HttpxSession
    config.setdefault("connect_timeout", 2)
    config.setdefault("read_timeout", 5)
    return get_session().create_client(
        service,
        region_name="us-east-1",
        endpoint_url=url,
        config=AioConfig(retries={"mode": mode}, **config),
        **CREDENTIALS,
    )


class AsyncSleeps(list[float]):
    """An async ``sleep=`` that records and only yields to the loop (never waits)."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(0)


class EndpointSleeps(list[float]):
    """Records what aiobotocore's endpoint awaits between attempts (it then only yields).

    aiobotocore sleeps with ``asyncio.sleep`` in ``aiobotocore.endpoint`` (aiohttp
    backend; every backend in 2.x) or with ``anyio.sleep`` (httpx backend in 3.x); a
    long-polling pause uses the endpoint's sleep too, or ``asyncio.sleep`` in 2.x.
    """

    def install(self, monkeypatch: Any) -> EndpointSleeps:
        real_sleep = asyncio.sleep

        async def sleep(seconds: float, *args: Any, **kwargs: Any) -> None:
            self.append(seconds)
            await self.pause(real_sleep)

        fake = types.SimpleNamespace(**{**vars(asyncio), "sleep": sleep})
        monkeypatch.setattr(aiobotocore.endpoint, "asyncio", fake)
        # The library's own fallback when the endpoint has no _sleep (aiobotocore 2.x).
        monkeypatch.setattr(boto3_idempotent._integrations.aio, "asyncio", fake)
        if importlib.util.find_spec("anyio") is not None:
            import anyio

            monkeypatch.setattr(anyio, "sleep", sleep)
        return self

    async def pause(self, real_sleep: Any) -> None:
        """What a backoff does instead of waiting: yield to the loop once."""
        await real_sleep(0)


class Rendezvous(EndpointSleeps):
    """Endpoint sleeps that hold the first ``parties`` backoffs until all have begun.

    A backoff that blocked the loop (or that the endpoint did not await) could never
    let the others begin theirs: all ``parties`` being in backoff at once shows they
    run concurrently on one loop, without waiting for a real second.
    """

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.parties = parties
        self.inside = 0
        self.peak = 0
        self._all_in = asyncio.Event()

    async def pause(self, real_sleep: Any) -> None:
        self.inside += 1
        self.peak = max(self.peak, self.inside)
        if len(self) >= self.parties:
            self._all_in.set()
        if len(self) <= self.parties:
            await self._all_in.wait()
        await real_sleep(0)
        self.inside -= 1
