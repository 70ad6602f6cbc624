"""A plain socket server on 127.0.0.1 that records raw requests and answers raw bytes.

A second witness beside wire.py's scripted AWS server and the library's own
FaultyEndpoint: it parses nothing AWS-specific, so a claim it confirms cannot rest on
a mistake shared with the code under test. Each answer is bytes written as they are
(a truncated body, a lying Content-Length), ``None`` to close without answering, or
``RESET`` to reset the connection (RST) without answering.
"""

from __future__ import annotations

import socket
import ssl
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
    #: Serve HTTPS with this context (``https://`` URL) instead of plain HTTP.
    tls: ssl.SSLContext | None = None

    def __post_init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        scheme = "http" if self.tls is None else "https"
        self.url = f"{scheme}://127.0.0.1:{self._sock.getsockname()[1]}"
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
        if self.tls is not None:
            try:
                connection = self.tls.wrap_socket(connection, server_side=True)
            except (OSError, ssl.SSLError):
                connection.close()
                return
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
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body, rest = _read_chunked(connection, rest)
        if body is None:
            return None, b""
        return RawRequest(method, path, headers, body), rest
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return None, b""
        rest += chunk
    return RawRequest(method, path, headers, rest[:length]), rest[length:]


def _read_chunked(connection: socket.socket, buffer: bytes) -> tuple[bytes | None, bytes]:
    """An HTTP/1.1 chunked body (RFC 9112, 7.1), its framing removed; trailers dropped."""
    body = b""
    while True:
        while b"\r\n" not in buffer:
            chunk = connection.recv(65536)
            if not chunk:
                return None, b""
            buffer += chunk
        size_line, _, buffer = buffer.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            while not (buffer.startswith(b"\r\n") or b"\r\n\r\n" in buffer):
                chunk = connection.recv(65536)
                if not chunk:
                    return None, b""
                buffer += chunk
            end = 2 if buffer.startswith(b"\r\n") else buffer.index(b"\r\n\r\n") + 4
            return body, buffer[end:]
        while len(buffer) < size + 2:
            chunk = connection.recv(65536)
            if not chunk:
                return None, b""
            buffer += chunk
        body += buffer[:size]
        buffer = buffer[size + 2 :]


def decode_aws_chunked(body: bytes) -> tuple[bytes, dict[str, str]]:
    """An ``aws-chunked`` payload (botocore's trailing-checksum framing): data, trailers."""
    data = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            trailers = {}
            for line in body.split(b"\r\n"):
                if b":" in line:
                    name, _, value = line.partition(b":")
                    trailers[name.decode().strip().lower()] = value.decode().strip()
            return data, trailers
        data += body[:size]
        body = body[size + 2 :]
