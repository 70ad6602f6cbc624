"""Shared fixtures: a clean environment, a scripted server, clients pointed at it."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import boto3
import botocore.session
import pytest
from botocore.config import Config

from boto3_idempotent import uninstall
from helpers.moto_proxy import MotoProxy
from helpers.raw_server import RawServer
from helpers.review_gate import REPORT
from helpers.wire import RunningServer, WireServer

_MODELS = botocore.session.get_session()  # the installed botocore's models, for require_model


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch, tmp_path):
    """No test sees the developer's AWS or BOTO3_IDEMPOTENT_* settings, nor leaks its own."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO3_IDEMPOTENT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def _nothing_installed_leaks():
    """A test that install()s for every session, or replaces boto3's default one, undoes it."""
    before = boto3.DEFAULT_SESSION
    yield
    uninstall()
    boto3.DEFAULT_SESSION = before


@pytest.fixture(scope="session")
def _running_server() -> Iterator[RunningServer]:
    server = RunningServer()
    yield server
    server.close()


@pytest.fixture
def server(_running_server: RunningServer) -> WireServer:
    """The scripted server, with an empty record and script for this test."""
    _running_server.wire.reset()
    return _running_server.wire


@pytest.fixture
def endpoint(_running_server: RunningServer) -> str:
    """The scripted server's URL."""
    return _running_server.url


@pytest.fixture
def make_client(endpoint):
    """Build a real boto3 client that talks to the scripted server."""

    def make(service: str = "ec2", *, mode: str = "standard", url: str | None = None, **config):
        config.setdefault("connect_timeout", 2)
        config.setdefault("read_timeout", 5)
        return boto3.client(
            service,
            endpoint_url=url or endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"mode": mode}, **config),
        )

    return make


@pytest.fixture(scope="session")
def _moto_proxy() -> Iterator[MotoProxy]:
    proxy = MotoProxy()
    yield proxy
    proxy.stop()


@pytest.fixture
def moto(_moto_proxy: MotoProxy) -> MotoProxy:
    """Moto's server behind a plain proxy that can lose answers (moto_proxy.py), reset."""
    _moto_proxy.reset()
    return _moto_proxy


@pytest.fixture
def raw_server():
    """Start raw_server.RawServer instances answering as told; all are closed after the test."""
    started: list[RawServer] = []

    def start(answer) -> RawServer:
        server = RawServer(answer)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def raw_client(service: str, url: str, **config):
    """A real boto3 client on a raw server (path-style S3), with dummy credentials."""
    if service == "s3":
        config.setdefault("s3", {"addressing_style": "path"})
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(**config),
    )


def require_model(service: str, operation: str, *members: str) -> None:
    """Skip unless the installed botocore models ``service``'s ``operation`` and its ``members``.

    ``operation`` is the API name (``UpdateDaemon``) or the client method (``update_daemon``);
    ``members`` are top-level input members. For a test of an operation, member or service
    that only a newer botocore than the installed one has.
    """
    from botocore import xform_name
    from botocore.exceptions import UnknownServiceError

    release = f"botocore {botocore.__version__}'s models"
    try:
        model = _MODELS.get_service_model(service)
    except UnknownServiceError:
        pytest.skip(f"{service} is not in {release}")
    names = {xform_name(name): name for name in model.operation_names}
    name = operation if operation in model.operation_names else names.get(operation)
    if name is None:
        pytest.skip(f"{service}.{operation} is not in {release}")
    shape = model.operation_model(name).input_shape
    lacking = [m for m in members if shape is None or m not in shape.members]
    if lacking:
        pytest.skip(f"{service}.{name}.{'/'.join(lacking)} is not in {release}")


def run_in_threads(count: int, work) -> None:
    """Run ``work()`` in ``count`` threads at once; re-raise the first error any of them hit."""
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001  (re-raised below, in the test's thread)
            errors.append(exc)

    threads = [threading.Thread(target=guarded) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


class Sleeps(list[float]):
    """A sleep() that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    """Record the backoffs a wrapped client asks for; nothing really sleeps."""
    return Sleeps()


class FakeClock:
    """A monotonic clock that moves only when the code under test sleeps."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeLambdaContext:
    """The parts of Lambda's context object the library reads (Powertools' fixture style)."""

    def __init__(self, request_id: str = "req-1", timeout: float = 30.0, clock=None) -> None:
        self.aws_request_id = request_id
        self.function_name = "test-function"
        self._clock = clock or FakeClock()
        self._ends = self._clock() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends - self._clock()) * 1000))


@pytest.fixture
def clock() -> FakeClock:
    """A fake monotonic clock; its sleep() advances it."""
    return FakeClock()


@pytest.fixture
def lambda_context(clock) -> FakeLambdaContext:
    """A fake Lambda context with 30 s left, on the fake clock."""
    return FakeLambdaContext(clock=clock)


# The review report: what the installed botocore has that the tables' review did not
# (tests/helpers/review_gate.py). Gated tests attach it to their reports; xdist carries
# user_properties back to the controller, which prints each report once.
_REVIEW_REPORTS: set[str] = set()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect the review reports gated tests attached."""
    _REVIEW_REPORTS.update(value for name, value in report.user_properties if name == REPORT)


def pytest_terminal_summary(terminalreporter) -> None:
    """Say what is unreviewed, in words: the run passed, and this is why nothing failed."""
    if not _REVIEW_REPORTS:
        return
    terminalreporter.section("botocore newer or older than the tables' review")
    for text in sorted(_REVIEW_REPORTS):
        terminalreporter.write_line(text)
