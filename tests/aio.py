"""Helpers for the asyncio tests (tests/test_async_*.py): aiobotocore clients, recorders, a ticker.

Imported only by those files, after ``pytest.importorskip("aiobotocore")``. The
tests are plain functions running ``asyncio.run(...)``: pytest-asyncio fails under
``filterwarnings = error`` unless configured in a way the other venvs warn about.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import time
import types
from typing import Any

import aiobotocore
import aiobotocore.endpoint
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

import boto3_idempotent._aio

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
            await real_sleep(0)

        fake = types.SimpleNamespace(**{**vars(asyncio), "sleep": sleep})
        monkeypatch.setattr(aiobotocore.endpoint, "asyncio", fake)
        # The library's own fallback when the endpoint has no _sleep (aiobotocore 2.x).
        monkeypatch.setattr(boto3_idempotent._aio, "asyncio", fake)
        if importlib.util.find_spec("anyio") is not None:
            import anyio

            monkeypatch.setattr(anyio, "sleep", sleep)
        return self


class Ticker:
    """Measures the event loop's worst stall: how late a 5 ms sleep wakes up."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.worst = 0.0
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, time.perf_counter() - started - self.interval)
            self.ticks += 1

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
