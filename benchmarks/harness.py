"""What the benchmark scenarios measure with: servers, clients, fake time, statistics.

Nothing leaves 127.0.0.1. ``python -m benchmarks.harness`` is the server that
:func:`server_process` starts in another process.
"""

# ruff: noqa: T201
# T201: the server process reports its URL on stdout.

from __future__ import annotations

import contextlib
import gc
import math
import re
import statistics
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import botocore.endpoint
import tenacity
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from boto3_idempotent import RetryPolicy, wrap

if TYPE_CHECKING:
    import boto3

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
AMI = "ami-12c6146b"
REGION = "us-east-1"
# Where a null-transport client would connect if its hook were missing: the discard
# port on loopback, so a mistake fails fast instead of reaching AWS.
NOWHERE = "http://127.0.0.1:9"
#: A request carrying this header is answered ``<status> <error code>`` by the servers
#: here, whatever their script says: how a client-side hook decides each attempt's fate.
REPLY_HEADER = "X-Bench-Reply"

Json = dict[str, Any]

# -- EC2 answers ---------------------------------------------------------------------------

_EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"
_SUCCESS_EXTRA = {
    "RunInstances": (
        "<reservationId>r-0123456789abcdef0</reservationId><ownerId>123456789012</ownerId>"
        "<instancesSet><item><instanceId>i-0123456789abcdef0</instanceId>"
        f"<imageId>{AMI}</imageId><instanceState><code>0</code><name>pending</name>"
        "</instanceState><instanceType>t3.micro</instanceType></item></instancesSet>"
    ),
    "DescribeInstances": (
        "<reservationSet><item><reservationId>r-0123456789abcdef0</reservationId>"
        "<instancesSet><item><instanceId>i-0123456789abcdef0</instanceId>"
        "<instanceState><code>16</code><name>running</name></instanceState>"
        "<instanceType>t3.micro</instanceType></item></instancesSet></item></reservationSet>"
    ),
}
_ACTION = re.compile(rb"(?:^|&)Action=([A-Za-z0-9]+)")


def success_body(operation: str) -> bytes:
    """A small EC2 success response for ``operation``."""
    extra = _SUCCESS_EXTRA.get(operation, "")
    return (
        f'<{operation}Response xmlns="{_EC2_XMLNS}"><requestId>bench</requestId>'
        f"{extra}</{operation}Response>"
    ).encode()


def error_body(code: str) -> bytes:
    """An EC2 error response carrying ``code``."""
    return (
        f"<Response><Errors><Error><Code>{code}</Code><Message>benchmark</Message>"
        "</Error></Errors><RequestID>bench</RequestID></Response>"
    ).encode()


# -- a scripted EC2-like server on 127.0.0.1 ------------------------------------------------

Answer = Callable[[str], tuple[int, str | None]]


def always_ok(_operation: str) -> tuple[int, str | None]:
    """Answer every request with success."""
    return 200, None


class ScriptedServer:
    """An EC2-like HTTP/1.1 server on 127.0.0.1; ``answer(operation)`` picks each reply.

    ``answer`` returns ``(status, error_code)``; ``error_code`` ``None`` means success.
    A request with a :data:`REPLY_HEADER` gets what the header says instead. Requests
    are counted, so a client's wire attempts are the count's difference.
    """

    def __init__(self, answer: Answer = always_ok) -> None:
        """Start serving on a free port, in a daemon thread."""
        self.answer = answer
        self._lock = threading.Lock()
        self._count = 0
        self._bodies = {op: success_body(op) for op in _SUCCESS_EXTRA}
        self._httpd = _HTTPServer(self)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def requests(self) -> int:
        """Requests answered so far."""
        with self._lock:
            return self._count

    def respond(self, body: bytes, reply: str | None = None) -> tuple[int, bytes]:
        """Count a request; return its status and body (``reply``: the header's value)."""
        match = _ACTION.search(body)
        operation = match.group(1).decode() if match else "?"
        with self._lock:
            self._count += 1
        if reply:
            status_text, _, code = reply.partition(" ")
            return int(status_text), error_body(code)
        status, error_code = self.answer(operation)
        if error_code is None:
            payload = self._bodies.get(operation) or success_body(operation)
            return status, payload
        return status, error_body(error_code)

    def close(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedServer:  # noqa: PYI034  (typing.Self needs 3.11)
        """Serve for a ``with`` block."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop at the end of the ``with`` block."""
        self.close()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, scripted: ScriptedServer) -> None:
        self.scripted = scripted
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (stdlib's name)
        """Keep the benchmark's output quiet."""

    def do_POST(self) -> None:
        """Answer one request as the server's script (or the request's header) says."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, payload = self.server.scripted.respond(body, self.headers.get(REPLY_HEADER))
        self.send_response(status)
        self.send_header("Content-Type", "text/xml;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve_until_stdin_closes() -> None:
    """Print the URL, answer (success, or as each request's header says) until stdin's EOF."""
    with ScriptedServer() as server:
        print(server.url, flush=True)
        sys.stdin.read()


@contextlib.contextmanager
def server_process() -> Iterator[str]:
    """A server in another process (it does not share our GIL); yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.harness"],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None  # noqa: S101  (PIPE was asked for)
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the server process did not start: {url!r}")
        yield url
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# -- clients ------------------------------------------------------------------------------


def make_client(
    session: boto3.session.Session,
    *,
    url: str = NOWHERE,
    retries: Json | None = None,
    **config: Any,
) -> Any:
    """A real EC2 client for ``url`` with dummy credentials (botocore's standard mode)."""
    make: Any = session.client  # one signature for every service name
    return make(
        "ec2",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106  (a dummy for a local server)
        config=Config(retries=retries or {"mode": "standard"}, **config),
    )


class _Raw:
    """What AWSResponse reads a body from."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self._body


def null_transport(client: Any, operations: Sequence[str]) -> Any:
    """Answer ``operations`` from a ``before-send`` hook: the full client path, no network."""
    for operation in operations:
        body = success_body(operation)

        def send(request: Any, _body: bytes = body, **_kwargs: Any) -> AWSResponse:
            return AWSResponse(request.url, 200, {}, _Raw(_body))

        client.meta.events.register(f"before-send.ec2.{operation}", send)
    return client


def wrapped(client: Any, policy: RetryPolicy | None = None, **kwargs: Any) -> Any:
    """``wrap(client)``, by default under ``RetryPolicy()`` (never read from the environment)."""
    return wrap(client, policy or RetryPolicy(), **kwargs)


OPERATIONS: dict[str, Callable[[Any], object]] = {
    "RunInstances": lambda c: c.run_instances(ImageId=AMI, MinCount=1, MaxCount=1),
    "DescribeInstances": lambda c: c.describe_instances(),
}


def naive_tenacity(call: Callable[[], object], **kwargs: Any) -> Callable[[], object]:
    """``call`` under tenacity as people write it (5 attempts, no sleep); ``kwargs`` override."""
    options: Json = {
        "stop": tenacity.stop_after_attempt(5),
        "wait": tenacity.wait_exponential(multiplier=1, max=60),
        "sleep": no_sleep,
        "reraise": True,
    }
    options.update(kwargs)
    retrying = tenacity.Retrying(**options)
    return lambda: retrying(call)


# -- time -----------------------------------------------------------------------------------


class FakeClock:
    """Monotonic seconds that move only when someone sleeps on (or advances) this clock."""

    def __init__(self) -> None:
        """Start at 0."""
        self.now = 0.0

    def __call__(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the clock instead of waiting."""
        self.now += seconds


def no_sleep(_seconds: float) -> None:
    """A sleep that returns at once."""


@contextlib.contextmanager
def botocore_sleeps(sleep: Callable[[float], None] = no_sleep) -> Iterator[None]:
    """Route botocore's retry backoff through ``sleep`` (default: none) for a ``with`` block.

    Every bare retry mode (legacy, standard, adaptive) returns its delay to
    ``Endpoint._needs_retry``, which calls ``botocore.endpoint``'s ``time.sleep``; that
    module-level name is replaced, in this benchmark process only, and restored.
    """
    real = botocore.endpoint.time
    botocore.endpoint.time = types.SimpleNamespace(sleep=sleep)
    try:
        yield
    finally:
        botocore.endpoint.time = real


# -- statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, interpolated linearly."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(values: Sequence[float], digits: int = 4) -> Json:
    """Median, p10 and p90 of ``values``."""
    return {
        "median": round(statistics.median(values), digits),
        "p10": round(percentile(values, 0.1), digits),
        "p90": round(percentile(values, 0.9), digits),
    }


def settle() -> None:
    """Collect, then move every live object out of the collector's sight (``gc.freeze``).

    Called after warming up: the garbage collector keeps running during measurements,
    but its full collections no longer walk boto3's models, which would land a long
    pause in one batch at random.
    """
    gc.collect()
    gc.freeze()


def timed(work: Callable[[], object], repeat: int) -> float:
    """Seconds for ``repeat`` calls of ``work``."""
    start = time.perf_counter()
    for _ in range(repeat):
        work()
    return time.perf_counter() - start


def alternate(
    bare: Callable[[], float], wrapped_run: Callable[[], float], pairs: int
) -> tuple[list[float], list[float]]:
    """Run ``pairs`` (bare, wrapped) measurements, swapping the order every other pair."""
    bare_values: list[float] = []
    wrapped_values: list[float] = []
    for index in range(pairs):
        if index % 2 == 0:
            bare_values.append(bare())
            wrapped_values.append(wrapped_run())
        else:
            wrapped_values.append(wrapped_run())
            bare_values.append(bare())
    return bare_values, wrapped_values


if __name__ == "__main__":
    serve_until_stdin_closes()
