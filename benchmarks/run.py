"""Benchmarks for boto3-idempotent, measured side by side in one run.

    python benchmarks/run.py [--quick] [--out DIR] [--no-plots]

1. overhead: success-path cost of a wrapped client over a bare one (standard retry mode),
   on a null transport (a ``before-send`` hook answers) and over HTTP to a local server
   in another process; RunInstances (has a token) and DescribeInstances (none).
   Batches alternate bare/wrapped; each pair gives a ratio wrapped/bare.
2. import: ``import boto3_idempotent`` after ``import boto3``, in fresh interpreters.
3. outage: wire attempts per logical RunInstances call during a full 503 outage, for
   bare clients (legacy, standard), naive tenacity around a bare client, and wrap().
4. recovery: fake seconds from the end of an outage to the first success, wrap() vs
   tenacity's wait_exponential, on a fake clock advanced only by backoff sleeps.
5. threads: throughput of one shared client from 1 to 8 threads, null transport.
6. profile: cProfile of the wrapped null-transport RunInstances loop.

Nothing sleeps for real and nothing leaves 127.0.0.1. Results go to DIR/results.json,
plots (with matplotlib) to DIR/*.png. See benchmarks/README.md.
"""

# ruff: noqa: T201, INP001
# T201: a command-line benchmark reports on stdout.
# INP001: benchmarks/ holds a script, not a package.

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import json
import math
import os
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.endpoint
import tenacity
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

import boto3_idempotent
from boto3_idempotent import RetryPolicy, wrap

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results"
AMI = "ami-12c6146b"
REGION = "us-east-1"
# Where a null-transport client would connect if its hook were missing: the discard
# port on loopback, so a mistake fails fast instead of reaching AWS.
NOWHERE = "http://127.0.0.1:9"

OVERHEAD_BUDGET = 1.03
OVERHEAD_AIM = 1.01
IMPORT_BUDGET_MS = 15.0
OUTAGE_TARGET_AFTER_QUOTA = 1.1
OUTAGE_ERROR = (503, "ServiceUnavailable")

Json = dict[str, Any]


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does."""

    null_calls: int  # calls per timed batch, null transport
    http_calls: int  # calls per timed batch, local HTTP server
    null_pairs: int  # (bare, wrapped) batch pairs per case
    http_pairs: int
    import_runs: int  # fresh interpreters
    outage_calls: int  # logical calls per client
    recovery_outages: tuple[float, ...]  # outage lengths, fake seconds
    recovery_seeds: int
    thread_counts: tuple[int, ...]
    thread_calls: int  # calls per timed batch, split over the threads
    thread_pairs: int
    profile_calls: int


# Short batches, many pairs: a burst of noise from elsewhere on the machine spoils a
# few pairs, which the median then ignores.
FULL = Sizes(
    null_calls=20,
    http_calls=20,
    null_pairs=400,
    http_pairs=200,
    import_runs=15,
    outage_calls=200,
    recovery_outages=(1.0, 5.0, 10.0, 20.0, 30.0, 60.0, 90.0, 120.0),
    recovery_seeds=20,
    thread_counts=(1, 2, 4, 8),
    thread_calls=80,
    thread_pairs=60,
    profile_calls=3000,
)
QUICK = Sizes(
    null_calls=8,
    http_calls=4,
    null_pairs=2,
    http_pairs=2,
    import_runs=2,
    outage_calls=60,  # enough to spend the wrapped client's retry quota (50 calls)
    recovery_outages=(1.0, 5.0),
    recovery_seeds=2,
    thread_counts=(1, 2, 4, 8),
    thread_calls=16,
    thread_pairs=1,
    profile_calls=30,
)

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
    Requests are counted, so a client's wire attempts are the count's difference.
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

    def respond(self, body: bytes) -> tuple[int, bytes]:
        """Count a request; return its status and body."""
        match = _ACTION.search(body)
        operation = match.group(1).decode() if match else "?"
        with self._lock:
            self._count += 1
        status, code = self.answer(operation)
        if code is None:
            payload = self._bodies.get(operation) or success_body(operation)
            return status, payload
        return status, error_body(code)

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
        """Answer one request as the server's script says."""
        length = int(self.headers.get("Content-Length") or 0)
        status, payload = self.server.scripted.respond(self.rfile.read(length))
        self.send_response(status)
        self.send_header("Content-Type", "text/xml;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve_until_stdin_closes() -> None:
    """The ``--serve`` mode: print the port, answer success until stdin reaches EOF."""
    with ScriptedServer() as server:
        print(server.url, flush=True)
        sys.stdin.read()


@contextlib.contextmanager
def server_process() -> Iterator[str]:
    """A success-only server in another process (it does not share our GIL); yields its URL."""
    process = subprocess.Popen(  # noqa: S603  (our own interpreter and script)
        [sys.executable, str(Path(__file__).resolve()), "--serve"],
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


# -- 1. success-path overhead ----------------------------------------------------------------


def overhead_case(bare: Any, wrapped_client: Any, operation: str, calls: int, pairs: int) -> Json:
    """Time ``operation`` in alternating batches; per-pair ratios wrapped/bare."""
    call = OPERATIONS[operation]
    for client in (bare, wrapped_client):  # load models, open the connection, warm caches
        timed(lambda c=client: call(c), max(5, calls))
    settle()
    bare_times, wrapped_times = alternate(
        lambda: timed(lambda: call(bare), calls),
        lambda: timed(lambda: call(wrapped_client), calls),
        pairs,
    )
    ratios = [w / b for b, w in zip(bare_times, wrapped_times, strict=True)]
    summary = spread(ratios)
    return {
        "operation": operation,
        "calls_per_batch": calls,
        "pairs": pairs,
        "ratio": summary,
        "best_batch_ratio": round(min(wrapped_times) / min(bare_times), 4),
        "bare_us_per_call": round(statistics.median(bare_times) / calls * 1e6, 1),
        "wrapped_us_per_call": round(statistics.median(wrapped_times) / calls * 1e6, 1),
        "within_budget": summary["median"] <= OVERHEAD_BUDGET,
    }


def bench_overhead(session: boto3.session.Session, sizes: Sizes) -> Json:
    """Benchmark 1: wrapped vs bare on the success path, null transport and local HTTP."""
    cases: list[Json] = []
    names = list(OPERATIONS)
    bare = null_transport(make_client(session), names)
    wrapped_client = wrapped(null_transport(make_client(session), names))
    for operation in names:
        case = overhead_case(bare, wrapped_client, operation, sizes.null_calls, sizes.null_pairs)
        cases.append({"transport": "null", **case})
    with server_process() as url:
        bare = make_client(session, url=url)
        wrapped_client = wrapped(make_client(session, url=url))
        for operation in names:
            case = overhead_case(
                bare, wrapped_client, operation, sizes.http_calls, sizes.http_pairs
            )
            cases.append({"transport": "http", **case})
    return {
        "budget": OVERHEAD_BUDGET,
        "aim": OVERHEAD_AIM,
        "bare_retry_mode": "standard",
        "cases": cases,
    }


# -- 2. import cost -------------------------------------------------------------------------

_IMPORT_PROBE = """
import time
start = time.perf_counter()
import boto3
middle = time.perf_counter()
import boto3_idempotent
end = time.perf_counter()
print(middle - start, end - middle)
"""


def bench_import(runs: int) -> Json:
    """Benchmark 2: ``import boto3_idempotent`` after ``import boto3``, fresh interpreters."""
    env = dict(os.environ)

    def probe() -> tuple[float, float]:
        result = subprocess.run(  # noqa: S603  (our own interpreter)
            [sys.executable, "-c", _IMPORT_PROBE],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            timeout=60,
        )
        boto3_s, ours_s = (float(x) for x in result.stdout.split())
        return boto3_s * 1000, ours_s * 1000

    probe()  # bytecode caches written, files in the page cache
    samples = [probe() for _ in range(runs)]
    ours = [s[1] for s in samples]
    summary = spread(ours, 2)
    return {
        "runs": runs,
        "ms": summary,
        "boto3_ms": spread([s[0] for s in samples], 2),
        "budget_ms": IMPORT_BUDGET_MS,
        "within_budget": summary["median"] <= IMPORT_BUDGET_MS,
    }


# -- 3. outage containment -------------------------------------------------------------------


@contextlib.contextmanager
def botocore_does_not_sleep() -> Iterator[None]:
    """Make botocore's own retry backoff (``botocore.endpoint``'s ``time.sleep``) instant."""
    real = botocore.endpoint.time
    botocore.endpoint.time = types.SimpleNamespace(sleep=lambda _seconds: None)
    try:
        yield
    finally:
        botocore.endpoint.time = real


def _no_sleep(_seconds: float) -> None:
    """A sleep that returns at once."""


def naive_tenacity(call: Callable[[], object], **kwargs: Any) -> Callable[[], object]:
    """``call`` under tenacity as people write it; ``kwargs`` override the defaults."""
    options: Json = {
        "stop": tenacity.stop_after_attempt(5),
        "wait": tenacity.wait_exponential(multiplier=1, max=60),
        "sleep": _no_sleep,
        "reraise": True,
    }
    options.update(kwargs)
    retrying = tenacity.Retrying(**options)
    return lambda: retrying(call)


def outage_series(server: ScriptedServer, call: Callable[[], object], calls: int) -> list[int]:
    """Wire attempts of each of ``calls`` logical calls (each must fail)."""
    series: list[int] = []
    for _ in range(calls):
        before = server.requests
        with contextlib.suppress(ClientError):
            call()
            raise RuntimeError("a call succeeded during the outage")
        series.append(server.requests - before)
    return series


def describe_series(series: list[int]) -> Json:
    """Attempts per call overall and from the first call whose retries were refused."""
    # The first call (numbered from 1) that got fewer attempts than the first one did:
    # its retries were refused, the retry quota being spent.
    spent_at = next((i for i, n in enumerate(series, 1) if n < series[0]), None)
    after = series[spent_at - 1 :] if spent_at is not None else []
    return {
        "wire_attempts": sum(series),
        "attempts_per_call": round(sum(series) / len(series), 3),
        "first_call_attempts": series[0],
        "quota_spent_at_call": spent_at,
        "attempts_per_call_after_quota": round(sum(after) / len(after), 3) if after else None,
        "attempts_by_call": series,
    }


def bench_outage(session: boto3.session.Session, calls: int) -> Json:
    """Benchmark 3: wire attempts per logical call while every request gets a 503."""
    run = OPERATIONS["RunInstances"]
    results: Json = {}
    with ScriptedServer(lambda _op: OUTAGE_ERROR) as server, botocore_does_not_sleep():
        legacy = make_client(session, url=server.url, retries={"mode": "legacy"})
        standard = make_client(session, url=server.url)
        for_tenacity = make_client(session, url=server.url)
        ours = wrapped(make_client(session, url=server.url), sleep=_no_sleep)
        clients: dict[str, tuple[str, Callable[[], object]]] = {
            "bare_legacy": ("bare client, legacy retry mode", lambda: run(legacy)),
            "bare_standard": ("bare client, standard retry mode", lambda: run(standard)),
            "tenacity_standard": (
                "tenacity stop_after_attempt(5) around a bare standard-mode client",
                naive_tenacity(lambda: run(for_tenacity)),
            ),
            "wrapped": ("wrap(client), default RetryPolicy", lambda: run(ours)),
        }
        for name, (description, call) in clients.items():
            series = outage_series(server, call, calls)
            results[name] = {"description": description, **describe_series(series)}
    wrapped_after = results["wrapped"]["attempts_per_call_after_quota"]
    return {
        "logical_calls": calls,
        "operation": "RunInstances",
        "error": {"status": OUTAGE_ERROR[0], "code": OUTAGE_ERROR[1]},
        "target_after_quota": OUTAGE_TARGET_AFTER_QUOTA,
        "wrapped_within_target": (
            None if wrapped_after is None else wrapped_after <= OUTAGE_TARGET_AFTER_QUOTA
        ),
        "clients": results,
    }


# -- 4. recovery after an outage -----------------------------------------------------------


class FakeClock:
    """Monotonic seconds that move only when someone sleeps on this clock."""

    def __init__(self) -> None:
        """Start at 0."""
        self.now = 0.0

    def __call__(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the clock instead of waiting."""
        self.now += seconds


def outage_until(clock: FakeClock, end: float) -> Answer:
    """Answer 503 while ``clock() < end``, success after."""

    def answer(_operation: str) -> tuple[int, str | None]:
        return OUTAGE_ERROR if clock() < end else (200, None)

    return answer


@dataclass(frozen=True)
class Recovery:
    """One run until the first success."""

    success_at: float  # fake seconds
    attempts: int  # wire attempts, the successful one included
    logical_calls: int


MAX_LOGICAL_CALLS = 20  # an application loop that would give up eventually


def until_success(server: ScriptedServer, clock: FakeClock, call: Callable[[], object]) -> Recovery:
    """Repeat the logical ``call`` (no pause between calls) until one succeeds."""
    before = server.requests
    for logical in range(1, MAX_LOGICAL_CALLS + 1):
        try:
            call()
        except ClientError:
            continue
        return Recovery(clock(), server.requests - before, logical)
    raise RuntimeError(f"no success in {MAX_LOGICAL_CALLS} logical calls")


def summarize_recovery(outage: float, runs: list[Recovery]) -> Json:
    """Overshoot statistics over seeds for one outage length."""
    overshoots = [r.success_at - outage for r in runs]
    return {
        "outage_s": outage,
        "overshoot_mean_s": round(statistics.fmean(overshoots), 3),
        "overshoot_median_s": round(statistics.median(overshoots), 3),
        "overshoot_min_s": round(min(overshoots), 3),
        "overshoot_max_s": round(max(overshoots), 3),
        "wire_attempts_mean": round(statistics.fmean(r.attempts for r in runs), 2),
        "logical_calls_mean": round(statistics.fmean(r.logical_calls for r in runs), 2),
    }


def bench_recovery(session: boto3.session.Session, outages: Sequence[float], seeds: int) -> Json:
    """Benchmark 4: how long after an outage ends until a call succeeds, in fake seconds."""
    policy = RetryPolicy(max_attempts=10, deadline=None)
    run = OPERATIONS["RunInstances"]
    ours: list[Json] = []
    naive: list[Json] = []
    with ScriptedServer() as server:
        bare = make_client(session, url=server.url, retries={"total_max_attempts": 1})
        for outage in outages:
            ours_runs: list[Recovery] = []
            naive_runs: list[Recovery] = []
            for seed in range(seeds):
                clock = FakeClock()
                server.answer = outage_until(clock, outage)
                client = wrapped(
                    make_client(session, url=server.url),
                    policy=policy,
                    sleep=clock.sleep,
                    clock=clock,
                    random=random.Random(seed).random,  # noqa: S311  (jitter, not crypto)
                )
                ours_runs.append(until_success(server, clock, lambda c=client: run(c)))
                clock = FakeClock()
                server.answer = outage_until(clock, outage)
                call = naive_tenacity(
                    lambda: run(bare), stop=tenacity.stop_after_attempt(10), sleep=clock.sleep
                )
                naive_runs.append(until_success(server, clock, call))
            ours.append(summarize_recovery(outage, ours_runs))
            naive.append(summarize_recovery(outage, naive_runs))

    def overall(rows: list[Json]) -> float:
        return round(statistics.fmean(r["overshoot_mean_s"] for r in rows), 3)

    return {
        "seeds": seeds,
        "outages_s": list(outages),
        "clients": {
            "wrapped": {
                "description": "wrap(client, RetryPolicy(max_attempts=10, deadline=None))",
                "overshoot_mean_over_outages_s": overall(ours),
                "by_outage": ours,
            },
            "tenacity": {
                "description": (
                    "tenacity wait_exponential(multiplier=1, max=60), stop_after_attempt(10)"
                    " around a bare client with total_max_attempts=1"
                ),
                "overshoot_mean_over_outages_s": overall(naive),
                "by_outage": naive,
            },
        },
    }


# -- 5. threads -------------------------------------------------------------------------------


def throughput(call: Callable[[], object], threads: int, calls: int) -> float:
    """Calls per second of ``calls`` calls split over ``threads`` threads."""
    barrier = threading.Barrier(threads + 1)
    per_thread = calls // threads

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            call()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    return per_thread * threads / (time.perf_counter() - start)


def bench_threads(session: boto3.session.Session, sizes: Sizes) -> Json:
    """Benchmark 5: one client shared by N threads, null transport, RunInstances."""
    run = OPERATIONS["RunInstances"]
    names = ["RunInstances"]
    bare = null_transport(make_client(session, max_pool_connections=8), names)
    ours = wrapped(null_transport(make_client(session, max_pool_connections=8), names))
    for client in (bare, ours):
        timed(lambda c=client: run(c), 50)
    settle()
    rows: list[Json] = []
    for threads in sizes.thread_counts:
        bare_rates, ours_rates = alternate(
            lambda n=threads: throughput(lambda: run(bare), n, sizes.thread_calls),
            lambda n=threads: throughput(lambda: run(ours), n, sizes.thread_calls),
            sizes.thread_pairs,
        )
        rows.append(
            {
                "threads": threads,
                "bare_calls_per_s": round(statistics.median(bare_rates), 1),
                "wrapped_calls_per_s": round(statistics.median(ours_rates), 1),
                "ratio": spread([w / b for b, w in zip(bare_rates, ours_rates, strict=True)]),
            }
        )
    return {
        "operation": "RunInstances",
        "calls_per_batch": sizes.thread_calls,
        "pairs": sizes.thread_pairs,
        "max_pool_connections": 8,
        "results": rows,
    }


# -- 6. profile -------------------------------------------------------------------------------

_BOTOCORE_RETRY_FILES = ("retries/standard.py", "retries/quota.py")
_BOTOCORE_UUID_HOOK = "generate_idempotent_uuid"


def _profile(call: Callable[[], object], calls: int) -> pstats.Stats:
    for _ in range(min(50, calls)):
        call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    return pstats.Stats(profiler)


def _rows(stats: pstats.Stats, keep: Callable[[str, str], bool], calls: int) -> list[Json]:
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats
    rows = []
    for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in raw.items():
        path = filename.replace(os.sep, "/")
        if not keep(path, name):
            continue
        short = "/".join(path.split("/")[-2:])
        rows.append(
            {
                "function": f"{short}:{line}({name})",
                "calls_per_call": round(ncalls / calls, 2),
                "tottime_us_per_call": round(tottime / calls * 1e6, 2),
                "cumtime_us_per_call": round(cumtime / calls * 1e6, 2),
            }
        )
    rows.sort(key=lambda r: r["cumtime_us_per_call"], reverse=True)
    return rows


def bench_profile(session: boto3.session.Session, calls: int) -> Json:
    """Profile: cProfile of wrapped (and, for comparison, bare) null-transport RunInstances."""
    run = OPERATIONS["RunInstances"]
    names = ["RunInstances"]
    ours = wrapped(null_transport(make_client(session), names))
    bare = null_transport(make_client(session), names)
    ours_stats = _profile(lambda: run(ours), calls)
    bare_stats = _profile(lambda: run(bare), calls)
    ours_rows = _rows(ours_stats, lambda path, _name: "/boto3_idempotent/" in path, calls)

    def botocore_retry(path: str, name: str) -> bool:
        return path.endswith(_BOTOCORE_RETRY_FILES) or name == _BOTOCORE_UUID_HOOK

    return {
        "operation": "RunInstances",
        "transport": "null",
        "calls": calls,
        "wrapped_us_per_call_profiled": round(ours_stats.total_tt / calls * 1e6, 1),
        "bare_us_per_call_profiled": round(bare_stats.total_tt / calls * 1e6, 1),
        "boto3_idempotent": ours_rows[:15],
        "botocore_retry_and_token_on_wrapped": _rows(ours_stats, botocore_retry, calls)[:8],
        "botocore_retry_and_token_on_bare": _rows(bare_stats, botocore_retry, calls)[:8],
    }


# -- machine, plots, output -------------------------------------------------------------------


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo, else platform's guess."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in {"model name", "Hardware", "cpu model"}:
                return value.strip()
    return platform.processor() or "unknown"


def machine() -> Json:
    """What the numbers were measured on."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "tenacity": _version("tenacity"),
        "boto3_idempotent": boto3_idempotent.__version__,
        "boto3_idempotent_path": str(Path(boto3_idempotent.__file__).parent),
    }


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def isolate_environment() -> None:
    """Ignore the developer's AWS settings and BOTO3_IDEMPOTENT_* variables."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO3_IDEMPOTENT_")):
            del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def to_json(results: Json) -> str:
    """Indented JSON with lists of numbers kept on one line."""
    text = json.dumps(results, indent=2)
    return re.sub(
        r"\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]",
        lambda m: "[" + re.sub(r",\s*", ", ", m.group(1)) + "]",
        text,
    )


# -- plots (optional: matplotlib) -------------------------------------------------------------

PLOTS = {
    "overhead": "overhead.png",
    "outage": "attempts_over_time.png",
    "recovery": "recovery.png",
    "threads": "threads.png",
}
_COLORS = {
    "bare": "#7f7f7f",
    "bare_legacy": "#d62728",
    "bare_standard": "#7f7f7f",
    "tenacity_standard": "#ff7f0e",
    "tenacity": "#ff7f0e",
    "wrapped": "#1f77b4",
}


def plot_overhead(plt: Any, data: Json) -> Any:
    """Median wrapped/bare ratio per case, p10-p90 bars, the aim and the budget."""
    cases = data["cases"]
    labels = [f"{c['transport']}\n{c['operation']}" for c in cases]
    medians = [c["ratio"]["median"] for c in cases]
    low = [c["ratio"]["median"] - c["ratio"]["p10"] for c in cases]
    high = [c["ratio"]["p90"] - c["ratio"]["median"] for c in cases]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.bar(labels, medians, yerr=[low, high], capsize=6, color=_COLORS["wrapped"], width=0.55)
    best = [c["best_batch_ratio"] for c in cases]
    ax.plot(labels, best, "kx", label="fastest batch wrapped / fastest bare")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.axhline(data["aim"], color="green", linestyle=":", label=f"aim {data['aim']}")
    ax.axhline(data["budget"], color="red", linestyle="--", label=f"budget {data['budget']}")
    spread_max = max(c["ratio"]["p90"] for c in cases)
    spread_min = min(c["ratio"]["p10"] for c in cases)
    ax.set_ylim(min(0.9, spread_min - 0.02), max(1.1, spread_max + 0.02))
    ax.set_ylabel("time wrapped / bare (median, p10-p90)")
    ax.set_title("Success-path overhead of wrap() (bare: standard retry mode)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize="small")
    fig.tight_layout()
    return fig


def plot_outage(plt: Any, data: Json) -> Any:
    """Cumulative wire attempts against the logical call index, one line per client."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    calls = data["logical_calls"]
    for name, row in data["clients"].items():
        series = row["attempts_by_call"]
        total, cumulative = 0, []
        for attempts in series:
            total += attempts
            cumulative.append(total)
        label = f"{name} ({row['attempts_per_call']:.2f}/call)"
        ax.plot(range(1, len(series) + 1), cumulative, label=label, color=_COLORS.get(name))
        spent = row["quota_spent_at_call"]
        if spent is not None:
            ax.plot(spent, cumulative[spent - 1], "o", color=_COLORS.get(name), markersize=5)
    ax.plot([1, calls], [1, calls], "k:", linewidth=0.8, label="1 attempt per call")
    ax.set_xlabel("logical call (RunInstances, every request answered 503)")
    ax.set_ylabel("cumulative wire attempts")
    ax.set_title("Outage containment (dots: retry quota spent)")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_recovery(plt: Any, data: Json) -> Any:
    """Mean overshoot past the outage's end per outage length, wrap() vs tenacity."""
    clients = data["clients"]
    outages = [r["outage_s"] for r in clients["wrapped"]["by_outage"]]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    width = 0.38
    labels = {"wrapped": "wrap(), full jitter", "tenacity": "tenacity (no jitter: same every seed)"}
    for offset, name in ((-width / 2, "wrapped"), (width / 2, "tenacity")):
        rows = clients[name]["by_outage"]
        means = [r["overshoot_mean_s"] for r in rows]
        errors = [
            [r["overshoot_mean_s"] - r["overshoot_min_s"] for r in rows],
            [r["overshoot_max_s"] - r["overshoot_mean_s"] for r in rows],
        ]
        xs = [i + offset for i in range(len(rows))]
        ax.bar(xs, means, width, yerr=errors, capsize=4, label=labels[name], color=_COLORS[name])
    ax.set_xticks(range(len(outages)), [f"{t:g} s" for t in outages])
    ax.set_xlabel("outage length")
    ax.set_ylabel("first success - outage end (fake s)")
    ax.set_title(f"Recovery after an outage (mean, min-max over {data['seeds']} seeds)")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_threads(plt: Any, data: Json) -> Any:
    """Throughput per thread count (left) and the wrapped/bare ratio (right)."""
    rows = data["results"]
    threads = [r["threads"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.plot(threads, [r["bare_calls_per_s"] for r in rows], "o-", label="bare",
              color=_COLORS["bare"])  # fmt: skip
    left.plot(threads, [r["wrapped_calls_per_s"] for r in rows], "s-", label="wrapped",
              color=_COLORS["wrapped"])  # fmt: skip
    left.set_xscale("log", base=2)
    left.set_xticks(threads, [str(t) for t in threads])
    left.set_ylim(bottom=0)
    left.set_xlabel("threads sharing one client")
    left.set_ylabel("calls/s (median)")
    left.legend()
    medians = [r["ratio"]["median"] for r in rows]
    errors = [
        [r["ratio"]["median"] - r["ratio"]["p10"] for r in rows],
        [r["ratio"]["p90"] - r["ratio"]["median"] for r in rows],
    ]
    right.bar([str(t) for t in threads], medians, yerr=errors, capsize=5, color=_COLORS["wrapped"])
    right.axhline(1.0, color="black", linewidth=0.8)
    right.set_ylim(min(0.9, *(r["ratio"]["p10"] - 0.02 for r in rows)),
                   max(1.1, *(r["ratio"]["p90"] + 0.02 for r in rows)))  # fmt: skip
    right.set_xlabel("threads")
    right.set_ylabel("throughput wrapped / bare")
    fig.suptitle("One shared client, null transport, RunInstances")
    fig.tight_layout()
    return fig


def make_plots(results: Json, out: Path) -> list[Path]:
    """Draw the PNGs of the benchmarks in ``results``; ``[]`` without matplotlib."""
    try:
        import matplotlib as mpl  # noqa: PLC0415  (optional: only the plots need it)
    except ImportError:
        print("matplotlib is not installed: no plots (pip install matplotlib)")
        return []
    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415  (after choosing the backend)

    draw: dict[str, Callable[[Any, Json], Any]] = {
        "overhead": plot_overhead,
        "outage": plot_outage,
        "recovery": plot_recovery,
        "threads": plot_threads,
    }
    written = []
    for name, filename in PLOTS.items():
        if name not in results:
            continue
        fig = draw[name](plt, results[name])
        path = out / filename
        fig.savefig(path, dpi=90, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


BENCHMARKS = ("overhead", "import", "outage", "recovery", "threads", "profile")


def run_all(sizes: Sizes, only: Sequence[str]) -> Json:
    """Run the benchmarks named in ``only``; return the results document."""
    session = boto3.session.Session()
    results: Json = {"schema": 1, "machine": machine(), "seconds": {}}
    steps: dict[str, Callable[[], Json]] = {
        "overhead": lambda: bench_overhead(session, sizes),
        "import": lambda: bench_import(sizes.import_runs),
        "outage": lambda: bench_outage(session, sizes.outage_calls),
        "recovery": lambda: bench_recovery(session, sizes.recovery_outages, sizes.recovery_seeds),
        "threads": lambda: bench_threads(session, sizes),
        "profile": lambda: bench_profile(session, sizes.profile_calls),
    }
    for name in BENCHMARKS:
        if name not in only:
            continue
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        results[name] = steps[name]()
        results["seconds"][name] = round(time.perf_counter() - start, 2)
    return results


def summary_lines(results: Json) -> list[str]:
    """A short human summary of the results."""
    lines = []
    for case in results.get("overhead", {}).get("cases", []):
        r = case["ratio"]
        lines.append(
            f"overhead {case['transport']:<4} {case['operation']:<17} wrapped/bare"
            f" median {r['median']:.4f} (p10 {r['p10']:.4f}, p90 {r['p90']:.4f})"
        )
    if "import" in results:
        imp = results["import"]
        lines.append(f"import boto3_idempotent: {imp['ms']['median']:.2f} ms median")
    for name, row in results.get("outage", {}).get("clients", {}).items():
        after = row["attempts_per_call_after_quota"]
        lines.append(
            f"outage {name:<18} {row['attempts_per_call']:.3f} attempts/call;"
            f" after quota: {'n/a' if after is None else f'{after:.3f}'}"
        )
    for name, client in results.get("recovery", {}).get("clients", {}).items():
        cells = ", ".join(
            f"T={r['outage_s']:g}s +{r['overshoot_mean_s']:.2f}s" for r in client["by_outage"]
        )
        lines.append(f"recovery {name:<9} mean overshoot: {cells}")
    lines.extend(
        f"threads {row['threads']}: wrapped/bare throughput {row['ratio']['median']:.4f}"
        f" ({row['wrapped_calls_per_s']:.0f} vs {row['bare_calls_per_s']:.0f} calls/s)"
        for row in results.get("threads", {}).get("results", [])
    )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; write results.json and the plots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results folder")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNGs")
    parser.add_argument(
        "--only", nargs="+", choices=BENCHMARKS, default=BENCHMARKS, help="a subset"
    )
    parser.add_argument(
        "--plot-from", type=Path, metavar="JSON", help="only redraw the plots of a results.json"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_until_stdin_closes()
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    if args.plot_from is not None:
        results = json.loads(args.plot_from.read_text())
    else:
        isolate_environment()
        started = time.perf_counter()
        results = run_all(QUICK if args.quick else FULL, args.only)
        results["quick"] = args.quick
        results["generated"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        results["total_seconds"] = round(time.perf_counter() - started, 1)
        path = args.out / "results.json"
        path.write_text(to_json(results) + "\n")
        print("\n".join(summary_lines(results)))
        print(f"wrote {path} in {results['total_seconds']} s")
    if not args.no_plots:
        for png in make_plots(results, args.out):
            print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
