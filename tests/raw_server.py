"""A plain socket server on 127.0.0.1 that records raw requests and answers raw bytes.

A second witness beside wire.py's scripted AWS server and the library's own
FaultyEndpoint: it parses nothing AWS-specific, so a claim it confirms cannot rest on
a mistake shared with the code under test. Each answer is bytes written as they are
(a truncated body, a lying Content-Length), ``None`` to close without answering, or
``RESET`` to reset the connection (RST) without answering.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawRequest:
    """One request as it came off the socket."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def response(
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    content_length: int | None = None,
) -> bytes:
    """An HTTP/1.1 response; ``content_length`` may lie about the body that follows."""
    reason = {200: "OK", 400: "Bad Request", 500: "Internal Server Error", 503: "Slow Down"}
    lines = [f"HTTP/1.1 {status} {reason.get(status, 'Status')}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Reset(bytes):
    """The answer that resets the connection instead of answering."""


#: Answer with this to reset the connection (RST, not FIN) after reading the request.
RESET = _Reset()

Answer = Callable[[RawRequest, int], bytes | None]


@dataclass
class RawServer:
    """Answers each request with ``answer(request, number)`` (number counts from 1)."""

    answer: Answer
    requests: list[RawRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._sock.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._connection, args=(connection,), daemon=True).start()

    def _connection(self, connection: socket.socket) -> None:
        with connection:
            buffer = b""
            while True:
                request, buffer = _read_request(connection, buffer)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                    number = len(self.requests)
                payload = self.answer(request, number)
                if payload is None:
                    return  # close without answering: a lost response
                if payload is RESET:  # linger 0: close() sends RST
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    return
                connection.sendall(payload)
                head = payload.split(b"\r\n\r\n", 1)[0].lower()
                declared = [
                    line for line in head.split(b"\r\n") if line.startswith(b"content-length:")
                ]
                body = payload.split(b"\r\n\r\n", 1)[1]
                if declared and int(declared[0].split(b":")[1]) > len(body):
                    return  # a short body: close, as a dropped connection would


def _read_request(connection: socket.socket, buffer: bytes) -> tuple[RawRequest | None, bytes]:
    while b"\r\n\r\n" not in buffer:
        chunk = connection.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("expect", "").lower() == "100-continue" and not rest:
        connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")  # botocore waits for it (S3)
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return None, b""
        rest += chunk
    return RawRequest(method, path, headers, rest[:length]), rest[length:]
