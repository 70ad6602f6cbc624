"""FaultyEndpoint: moto's server behind a proxy that keeps AWS's token promise, with faults.

moto answers every request as new: the same RunInstances token twice makes two
instances, and a changed request under an old token is accepted. AWS instead
replays the first answer, or refuses with the mismatch error. The proxy adds that
contract in front of moto, and the faults that make retries matter::

    client ──HTTP──> proxy (127.0.0.1:port) ──HTTP──> moto ThreadedMotoServer
                     │ 0. which operation? (RPC: named in the request; REST: its route, _rest.py)
                     │ 1. fault before the backend? 500 / 503 / throttle / 400 / reset
                     │ 2. token seen (same region, operation, within its lifetime)?
                     │      same parameters  -> replay the first response, moto untouched
                     │      other parameters -> the service's mismatch error
                     │ 3. else forward to moto; remember a 2xx under the token (_contract.py)
                     └ 4. lost response? close the connection without answering

Every request is recorded (operation, token, fault, outcome), and
``FaultyEndpoint.created`` counts what the backend really did. Every operation
and service name given to the endpoint is checked against botocore's models
(``_names.py``), so a misspelled name raises instead of matching nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import http.client
import itertools
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

from ._contract import Answer, TokenContract
from ._faults import FAULT_REPLIES, Fault, FaultSchedule
from ._names import Names
from ._rest import REST_PROTOCOLS, RestNames, virtual_host_bucket
from ._wire import ParsedRequest, error_body, parse_request

if TYPE_CHECKING:
    # Only its type matters: with boto3-stubs, one overload per service name.
    from boto3 import client as _boto3_client
else:
    _boto3_client = None

__all__ = ["ClientKwargs", "FaultyEndpoint", "RequestRecord"]

_F = TypeVar("_F", bound=Callable[..., Any])


_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "date", "server"}
)


class ClientKwargs(TypedDict):
    """What ``FaultyEndpoint.client_kwargs`` gives: ``boto3.client(name, **kwargs)``."""

    endpoint_url: str
    region_name: str
    aws_access_key_id: str
    aws_secret_access_key: str


def _typed_like(like: _F, make: Callable[..., Any]) -> _F:  # noqa: ARG001  (its type only)
    """``make``, with the type of ``like`` (its overloads too) for type checkers."""
    return cast("_F", make)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the endpoint handled it.

    Attributes:
        service: botocore's service name (``"ec2"``), or the signing name if unknown.
        operation: The operation's model name (``"RunInstances"``, ``"PutObject"``);
            ``""`` if the request matched no operation.
        token: The client token it carried, or ``None``.
        fault: The fault injected, or ``None``.
        outcome: ``"forwarded"`` (the backend acted), ``"replayed"`` (the first
            answer to this token again), ``"mismatch"``, ``"fault"`` (answered or
            dropped before the backend) or ``"error"`` (the backend failed).
        status: The HTTP status the backend or the proxy produced; ``None`` if none.
    """

    service: str
    operation: str
    token: str | None
    fault: Fault | None
    outcome: str
    status: int | None


class FaultyEndpoint:
    """A local AWS endpoint that honours client tokens and injects faults.

    Use it as a context manager (or ``start()``/``stop()``) and point clients at
    ``url``::

        with FaultyEndpoint(FaultSchedule(rate=0.3, seed=7)) as aws:
            ec2 = wrap(aws.client("ec2"))
            ec2.run_instances(...)
            assert aws.created("RunInstances") == 1

    Operations are named as the model names them (``"RunInstances"``) or as the
    client's method (``"run_instances"``); any other name raises ``ValueError``.

    Attributes:
        client: ``client(service_name, **kwargs)``: a boto3 client for this endpoint,
            region us-east-1, dummy credentials; ``kwargs`` go to ``boto3.client``
            (``config=``, ``region_name=``). Typed as ``boto3.client``: with boto3-stubs
            installed, ``aws.client("ec2")`` is an ``EC2Client``.
        backend_client: The same for moto directly (no faults, no token contract, not
            recorded), to check state.

    Args:
        schedule: Random faults; none when ``None``. ``script`` adds exact ones.
        token_lifetimes: Seconds a token is honoured, per service; merged over
            ``boto3_idempotent.testing.DEFAULT_TOKEN_LIFETIMES``.
        clock: Monotonic seconds, for token expiry (tests pass a fake one).
        sleep: Waits for ``Fault.LATENCY``.
        port: The port ``url`` listens on, on 127.0.0.1; ``0`` (the default): a
            free one. ``start`` raises ``OSError`` when it is in use.
    """

    def __init__(
        self,
        schedule: FaultSchedule | None = None,
        *,
        token_lifetimes: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        port: int = 0,
    ) -> None:
        """Configure; nothing starts until ``start`` or ``with``."""
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port={port!r} is invalid: expected a whole number from 0 to 65535")
        self._port = port
        self._names = Names()
        self.schedule = schedule or FaultSchedule()
        lifetimes = {self._names.service(s): t for s, t in (token_lifetimes or {}).items()}
        self._contract = TokenContract(self._names, lifetimes, clock)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._counts: dict[tuple[str, str], Iterator[int]] = {}
        # (service, operation) -> faults; service None: that operation in any service.
        self._scripts: dict[tuple[str | None, str], list[Fault | None]] = {}
        self._service_names: dict[str, str] = {}  # signing name -> botocore service name
        self._rest = RestNames(self._names)
        self._request_ids = itertools.count(1)
        self._moto: Any = None
        self._backend: tuple[str, int] | None = None
        self._httpd: ThreadingHTTPServer | None = None
        self.client = _typed_like(
            _boto3_client, functools.partial(self._make_client, self.client_kwargs)
        )
        self.backend_client = _typed_like(
            _boto3_client, functools.partial(self._make_client, self._backend_kwargs)
        )

    # -- lifecycle ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The endpoint URL to give clients (``endpoint_url=``)."""
        if self._httpd is None:
            raise RuntimeError("the endpoint is not started: use start() or a with block")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def backend_url(self) -> str:
        """Moto's own URL: no faults, no token contract, no records. For assertions."""
        if self._backend is None:
            raise RuntimeError("the endpoint is not started: use start() or a with block")
        host, port = self._backend
        return f"http://{host}:{port}"

    def start(self) -> FaultyEndpoint:
        """Start moto's server and the proxy, both on 127.0.0.1 (the proxy on ``port``).

        Raises:
            OSError: The proxy's port is in use (nothing is left running).
            ImportError: moto is not installed (the ``testing`` extra).
        """
        if self._httpd is not None:
            return self
        try:
            from moto.server import ThreadedMotoServer  # noqa: PLC0415  (only with [testing])
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImportError(
                "boto3_idempotent.testing needs moto's server: "
                "pip install 'boto3-idempotent[testing]'"
            ) from exc
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines
        # The proxy binds first: a port in use fails before moto starts.
        httpd = ThreadingHTTPServer(("127.0.0.1", self._port), _handler(self))
        httpd.daemon_threads = True
        try:
            moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            moto.start()
        except BaseException:
            httpd.server_close()
            raise
        self._moto = moto
        self._backend = moto.get_host_and_port()
        self._httpd = httpd
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop the proxy and moto's server."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> FaultyEndpoint:  # noqa: PYI034  (typing.Self needs 3.11)
        """Start, for a ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop at the end of the ``with`` block."""
        self.stop()

    def reset(self) -> None:
        """Forget every record, token, script and moto resource; keep running."""
        with self._lock:
            self._records.clear()
            self._counts.clear()
            self._scripts.clear()
        self._contract.reset()
        if self._backend is not None:
            connection = http.client.HTTPConnection(*self._backend, timeout=30)
            try:
                connection.request("POST", "/moto-api/reset")
                connection.getresponse().read()
            finally:
                connection.close()

    # -- configuration and assertions ------------------------------------------------

    @property
    def schedule(self) -> FaultSchedule:
        """The random faults; assign a new ``FaultSchedule`` to change them.

        Its ``operations`` are checked like ``script``'s names, and client method
        names (``run_instances``) become model names.
        """
        return self._schedule

    @schedule.setter
    def schedule(self, schedule: FaultSchedule) -> None:
        if schedule.operations is not None:
            names = frozenset(self._names.operation(o) for o in schedule.operations)
            schedule = dataclasses.replace(schedule, operations=names)
        self._schedule = schedule

    def script(self, operation: str, *faults: Fault | None, service: str | None = None) -> None:
        """Give the next requests for ``operation`` these faults (``None``: none), in order.

        Args:
            operation: ``"RunInstances"`` or ``"run_instances"``; REST operations too
                (``"PutObject"``).
            faults: One per request, in order; then the schedule decides again.
            service: Only this service's operation (ECS and Cloud Map both have a
                ``CreateService``); ``None``: whichever service it is.

        Raises:
            ValueError: ``service`` is not a botocore service, or ``operation`` is not
                one of its operations (of any service's, without ``service``).
        """
        key = self._key(operation, service)
        with self._lock:
            self._scripts.setdefault(key, []).extend(faults)

    def client_kwargs(self, *, backend: bool = False) -> ClientKwargs:
        """Arguments for ``boto3.client(name, **aws.client_kwargs())`` (or a session's).

        The same endpoint, region and dummy credentials as ``client``, for code
        that makes its own clients; typed, so boto3-stubs' per-service types apply.

        Args:
            backend: Moto's own URL instead of the proxy's (no faults, not recorded).
        """
        return {
            "endpoint_url": self.backend_url if backend else self.url,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }

    def _backend_kwargs(self) -> ClientKwargs:
        return self.client_kwargs(backend=True)

    def _make_client(
        self, defaults: Callable[[], ClientKwargs], service_name: str, **kwargs: Any
    ) -> Any:
        import boto3  # noqa: PLC0415  (only with [testing]; not at import time)

        self._names.meet(service_name)
        make: Any = boto3.client  # one signature for every service name
        return make(service_name, **{**defaults(), **kwargs})

    @property
    def records(self) -> list[RequestRecord]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._records)

    def attempts(self, operation: str | None = None, service: str | None = None) -> int:
        """Requests that arrived (for ``operation`` of ``service``), whatever became of them.

        Raises:
            ValueError: An unknown service or operation, as for ``script``.
        """
        operation, service = self._filter(operation, service)
        return sum(1 for r in self.records if _matches(r, operation, service))

    def created(self, operation: str | None = None, service: str | None = None) -> int:
        """Times the backend carried out ``operation`` successfully: resources created.

        Raises:
            ValueError: An unknown service or operation, as for ``script``.
        """
        operation, service = self._filter(operation, service)
        return sum(
            1
            for r in self.records
            if r.outcome == "forwarded"
            and r.status is not None
            and r.status < 300
            and _matches(r, operation, service)
        )

    def _key(self, operation: str, service: str | None) -> tuple[str | None, str]:
        if service is not None:
            service = self._names.service(service)
        return service, self._names.operation(operation, service)

    def _filter(self, operation: str | None, service: str | None) -> tuple[str | None, str | None]:
        if operation is not None:
            service, operation = self._key(operation, service)
        elif service is not None:
            service = self._names.service(service)
        return operation, service

    # -- request handling --------------------------------------------------------------

    def _next_fault(self, service: str, operation: str) -> Fault | None:
        with self._lock:
            counter = self._counts.setdefault((service, operation), itertools.count(1))
            number = next(counter)
            for key in ((service, operation), (None, operation)):
                scripted = self._scripts.get(key)
                if scripted:
                    return scripted.pop(0)
        return self._schedule.fault_for(operation, number)

    def _service_name(self, signing_name: str) -> str:
        """Botocore's name for a signing name (``states`` -> ``stepfunctions``)."""
        known = self._service_names.get(signing_name)
        if known is not None:
            return known
        available = self._names.available()
        if signing_name not in available:
            # Rare (Step Functions, OpenSearch Serverless, ...): read every model once.
            for name in sorted(available):
                metadata = self._names.session.get_service_model(name).metadata
                signing = metadata.get("signingName") or metadata.get("endpointPrefix")
                self._service_names.setdefault(signing, name)
        service = self._service_names.setdefault(signing_name, signing_name)
        self._names.meet(service)
        return service

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def handle(
        self, request: ParsedRequest, body: bytes, headers: Any, method: str, path: str
    ) -> tuple[Answer | None, bool]:
        """Decide the answer; ``(None, reset)`` means no answer at all."""
        service = self._service_name(request.service) if request.service else ""
        if request.protocol == "other":
            request = self._rest.name(request, service, method, path, headers)
        fault = self._next_fault(service, request.operation)
        if fault in FAULT_REPLIES and request.protocol == "other":
            fault = None  # no error format to answer in
        token, member = self._contract.token(service, request)

        def record(outcome: str, status: int | None) -> None:
            self._record(RequestRecord(service, request.operation, token, fault, outcome, status))

        if fault in FAULT_REPLIES:
            status, code = FAULT_REPLIES[fault][_reply_protocol(request)]  # type: ignore[index]
            record("fault", status)
            return self._error(request, status, code, f"Injected fault: {fault.value}"), False  # type: ignore[union-attr]
        if fault is Fault.RESET:
            record("fault", None)
            return None, True
        if fault is Fault.LATENCY:
            self._sleep(self.schedule.latency)

        forward = functools.partial(self._forward, method, path, headers, body)
        if token is None or member is None:
            answer = forward()
            record("forwarded" if answer.status < 300 else "error", answer.status)
        else:
            error = functools.partial(self._error, request)
            answer, outcome = self._contract.answer(
                request, service, (token, member), forward, error
            )
            record(outcome, answer.status)
        if fault is Fault.LOST_RESPONSE:
            return None, False
        return answer, False

    def _error(self, request: ParsedRequest, status: int, code: str, message: str) -> Answer:
        request_id = f"faulty-{next(self._request_ids):08d}"
        headers, body = error_body(_reply_protocol(request), status, code, message, request_id)
        return Answer(status, (*headers, ("x-amzn-RequestId", request_id)), body)

    def _forward(self, method: str, path: str, headers: Any, body: bytes) -> Answer:
        assert self._backend is not None  # noqa: S101  (start() sets it)
        connection = http.client.HTTPConnection(*self._backend, timeout=60)
        try:
            forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            if virtual_host_bucket(headers.get("Host", "")):  # S3's bucket is in the host
                forwarded["Host"] = headers["Host"]
            connection.request(method, path, body=body, headers=forwarded)
            response = connection.getresponse()
            payload = response.read()
            kept = tuple((k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP)
            return Answer(response.status, kept, payload)
        finally:
            connection.close()

    def aio_client(self, service_name: str, **kwargs: Any) -> Any:
        """An aiobotocore client for this endpoint, as the async context manager it comes in.

        ``async with aws.aio_client("ec2") as ec2: ...``: the endpoint, region and dummy
        credentials of ``client``; ``kwargs`` go to ``create_client``
        (``config=AioConfig(...)``). Needs aiobotocore, imported here only. Check state
        with the synchronous ``backend_client``.
        """
        from aiobotocore.session import get_session  # noqa: PLC0415  (optional, pins botocore)

        self._names.meet(service_name)
        return get_session().create_client(service_name, **{**self.client_kwargs(), **kwargs})


def _matches(record: RequestRecord, operation: str | None, service: str | None) -> bool:
    return operation in (None, record.operation) and service in (None, record.service)


def _reply_protocol(request: ParsedRequest) -> str:
    known = ("ec2", "query", "json", *REST_PROTOCOLS)
    return request.protocol if request.protocol in known else "json"


def _handler(endpoint: FaultyEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: a test run or the demo prints its own progress."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            request = parse_request(self.headers, body, self.path)
            try:
                answer, reset = endpoint.handle(
                    request, body, self.headers, self.command, self.path
                )
            except Exception:  # noqa: BLE001  (the backend died: answer like AWS would)
                answer = endpoint._error(request, 500, "InternalError", "backend failure")  # noqa: SLF001
                reset = False
            if answer is None:
                self.close_connection = True
                if reset:  # RST instead of FIN: the client sees a connection reset
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                return
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        # REST protocols (S3, Lambda, ...) use every method.
        do_GET = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_POST  # noqa: N815  (http.server's names)

    return Handler
