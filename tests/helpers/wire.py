"""A scripted AWS-like HTTP server on 127.0.0.1, for proving what goes over the wire.

It speaks just enough of EC2's query protocol, the query protocol with its
``ErrorResponse`` format (CloudFormation) and AWS JSON 1.0 (DynamoDB, Proton) for
botocore to parse its answers. Every request is recorded with its operation and
client token; each answer comes from a script: a queue of actions, or a function.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

_TOKEN_NAMES = ("ClientToken", "ClientRequestToken", "clientToken", "IdempotencyToken")


@dataclass(frozen=True)
class Reply:
    """Answer with ``status``; an error body when ``code`` is given."""

    status: int = 200
    code: str | None = None
    message: str = "scripted"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Drop:
    """Read the request, then close the connection without answering (a lost response)."""


@dataclass(frozen=True)
class Hang:
    """Read the request, then answer nothing until the client gives up (a read timeout)."""


Action = Reply | Drop | Hang
OK = Reply()


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    operation: str
    token: str | None
    params: dict[str, object]
    headers: dict[str, str]


@dataclass
class WireServer:
    """The server; ``plan()`` queues actions, ``script`` decides when the queue is empty."""

    requests: list[Seen] = field(default_factory=list)
    script: Callable[[Seen, int], Action] | None = None
    _queue: list[Action] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        """Forget every request, queued action and script."""
        with self._lock:
            self.requests.clear()
            self._queue.clear()
            self.script = None
            self._ids = itertools.count(1)

    def plan(self, *actions: Action) -> None:
        """Answer the next requests with ``actions``, in order, then OK."""
        with self._lock:
            self._queue.extend(actions)

    def tokens(self, operation: str | None = None) -> list[str | None]:
        """The token of every request (of ``operation``), in arrival order."""
        return [r.token for r in self.requests if operation in (None, r.operation)]

    def count(self, operation: str | None = None) -> int:
        """How many requests arrived (for ``operation``)."""
        return len(self.tokens(operation))

    def decide(self, seen: Seen) -> tuple[Action, int]:
        with self._lock:
            prior = sum(1 for r in self.requests if r.token is not None and r.token == seen.token)
            self.requests.append(seen)
            number = next(self._ids)
            if self._queue:
                return self._queue.pop(0), number
        if self.script is not None:
            return self.script(seen, prior), number
        return OK, number


def _parse(handler: BaseHTTPRequestHandler, body: bytes) -> tuple[str, str, dict[str, object]]:
    """Return (protocol, operation, params) of a request."""
    target = handler.headers.get("X-Amz-Target")
    if target:
        params = json.loads(body or b"{}")
        return "json", target.rsplit(".", 1)[-1], params
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    protocol = "ec2" if form.get("Version") == "2016-11-15" else "query"
    return protocol, form.get("Action", "?"), dict(form)


def _token(params: dict[str, object]) -> str | None:
    for key, value in params.items():
        if key.rsplit(".", 1)[-1] in _TOKEN_NAMES and isinstance(value, str):
            return value
    return None


def _success(protocol: str, operation: str, number: int) -> tuple[str, bytes]:
    request_id = f"req-{number}"
    if protocol == "json":
        return "application/x-amz-json-1.0", b"{}"
    if protocol == "ec2":
        extra = ""
        if operation == "RunInstances":
            extra = (
                f"<reservationId>r-{number:08x}</reservationId>"
                f"<instancesSet><item><instanceId>i-{number:08x}</instanceId></item></instancesSet>"
            )
        if operation == "DescribeInstances":
            extra = (
                "<reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>"
                "<instanceId>i-1</instanceId><instanceState><code>16</code><name>running</name>"
                "</instanceState></item></instancesSet></item></reservationSet>"
            )
        body = (
            f'<{operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            f"<requestId>{request_id}</requestId>{extra}</{operation}Response>"
        )
        return "text/xml", body.encode()
    body = (
        f'<{operation}Response xmlns="http://example.amazonaws.com/doc/">'
        f"<{operation}Result></{operation}Result>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return "text/xml", body.encode()


def _error(protocol: str, code: str, message: str, number: int) -> tuple[str, bytes]:
    request_id = f"req-{number}"
    if protocol == "json":
        return "application/x-amz-json-1.0", json.dumps(
            {"__type": code, "message": message}
        ).encode()
    if protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            f"</Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return "text/xml", body.encode()
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return "text/xml", body.encode()


def _handler(server: WireServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep test output quiet."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            protocol, operation, params = _parse(self, body)
            seen = Seen(operation, _token(params), params, dict(self.headers.items()))
            action, number = server.decide(seen)
            if isinstance(action, Drop):
                self.close_connection = True
                return
            if isinstance(action, Hang):
                # Wait for the client to hang up (its read timeout); a bound in case it never does.
                self.connection.settimeout(10)
                with contextlib.suppress(OSError):
                    self.rfile.read(1)
                self.close_connection = True
                return
            if action.code is None and action.status < 300:
                content_type, payload = _success(protocol, operation, number)
            else:
                content_type, payload = _error(protocol, action.code or "", action.message, number)
            self.send_response(action.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", f"req-{number}")
            for name, value in action.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # concurrent tests connect dozens at once (the default is 5)


class RunningServer:
    """A :class:`WireServer` listening on 127.0.0.1 on a free port, in a thread."""

    def __init__(self) -> None:
        self.wire = WireServer()
        self._httpd = _Server(("127.0.0.1", 0), _handler(self.wire))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


#: Bound and never listening, kept for the process's life: see closed_port_url().
_CLOSED_PORT: list[socket.socket] = []


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting fails before anything is sent.

    The port stays bound by this process's socket, which never listens: connect() is
    refused, and no other process (another xdist worker) can take the port meanwhile.
    """
    if not _CLOSED_PORT:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        _CLOSED_PORT.append(sock)
    return f"http://127.0.0.1:{_CLOSED_PORT[0].getsockname()[1]}"


def raw_ok(request: object) -> bytes:
    """A raw_server answer: 200 with a body botocore parses for ``request``'s protocol."""
    headers: dict[str, str] = getattr(request, "headers", {})
    body: bytes = getattr(request, "body", b"")
    if "x-amz-target" in headers:
        content_type, payload = _success("json", "", 1)
    else:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        content_type, payload = _success("ec2", form.get("Action", "?"), 1)
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}"
    return f"{head}\r\n\r\n".encode() + payload
