"""moto's server behind a plain HTTP proxy that can lose an answer after moto acted.

A witness that shares nothing with ``boto3_idempotent.testing``: it forwards each
request to a ``ThreadedMotoServer`` as it came, records which operation it was (the
``X-Amz-Target`` header of the JSON protocols, or the query's ``Action``), and, when
told to, lets moto act and then closes the connection without answering: the lost
answer of a real crash. moto's own state, read back through a client that bypasses
the proxy, is the second witness.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import boto3
from botocore.config import Config

REGION = "us-east-1"


class MotoProxy:
    """A proxy (``url``) in front of moto (``moto_url``)."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        self._backend = (host, port)
        self.seen: list[str] = []  # every operation forwarded, in order
        self._lose: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def lose(self, operation: str, times: int = 1) -> None:
        """The next ``times`` answers to ``operation`` are lost after moto acted."""
        with self._lock:
            self._lose[operation] += times

    def count(self, operation: str) -> int:
        """How many ``operation`` requests reached moto."""
        with self._lock:
            return self.seen.count(operation)

    def reset(self) -> None:
        """Moto's state, the record and the losses, all cleared."""
        connection = http.client.HTTPConnection(*self._backend, timeout=10)
        connection.request("POST", "/moto-api/reset")
        connection.getresponse().read()
        connection.close()
        with self._lock:
            self.seen.clear()
            self._lose.clear()

    def client(self, service: str, *, direct: bool = False, **config):
        """A real boto3 client through the proxy (``direct``: to moto itself, the witness)."""
        return boto3.client(
            service,
            endpoint_url=self.moto_url if direct else self.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(**config),
        )

    def stop(self) -> None:
        """Stop both servers."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._moto.stop()

    def _take(self, operation: str) -> bool:
        """Note ``operation``; whether its answer is to be lost."""
        with self._lock:
            self.seen.append(operation)
            if self._lose[operation] > 0:
                self._lose[operation] -= 1
                return True
            return False


def _operation(headers, body: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return action[0] if action else "?"


def _handler(proxy: MotoProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            lose = proxy._take(_operation(self.headers, body))
            connection = http.client.HTTPConnection(*proxy._backend, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            connection.close()
            if lose:  # moto acted; the client never hears of it
                self.close_connection = True
                return
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward  # noqa: N815  (http.server's names)

    return Handler


def create_table(dynamodb, name: str, key: str = "id") -> str:
    """A pay-per-request table with a string partition key (the journal's shape); its name."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name
