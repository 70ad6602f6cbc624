"""Resend-safety checks over a raw socket server: scripted failures and the two witnesses.

``on_raw(service, answer)`` builds a wrapped client on a raw_server with a ``before-send``
recorder; ``failing`` scripts a failure then a success in a protocol's form; ``sent_once``
and ``sent_twice`` check both witnesses (the server's record and the recorder) and what the
call says. Import ``on_raw`` into a test module to use it as a fixture.
"""

from __future__ import annotations

import botocore.session
import pytest

from boto3_idempotent import RetryPolicy, call_info, wrap
from helpers.answers import SendRecorder, error_in
from helpers.raw_server import response
from helpers.wire import raw_ok

SESSION = botocore.session.get_session()


def _cbor_map(pairs: dict[str, str]) -> bytes:
    """A CBOR map of short text strings (RFC 8949: major types 5 and 3), no library needed."""

    def text(value: str) -> bytes:
        data = value.encode()
        assert len(data) < 256
        return (bytes([0x60 + len(data)]) if len(data) < 24 else bytes([0x78, len(data)])) + data

    assert len(pairs) < 24
    return bytes([0xA0 + len(pairs)]) + b"".join(text(k) + text(v) for k, v in pairs.items())


def _cbor(status: int, pairs: dict[str, str]) -> bytes:
    headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
    return response(status, _cbor_map(pairs), headers)


def failing(protocol: str, status: int, code: str):
    """A raw_server script: ``status``/``code`` first, then success, in ``protocol``'s form."""
    if protocol == "smithy-rpc-v2-cbor":
        first = _cbor(status, {"__type": code, "message": "scripted"})
        return lambda request, n: first if n == 1 else _cbor(200, {})
    first = error_in(protocol, status, code)

    def answer(request, n):
        if n == 1:
            return first
        if protocol == "rest-json":
            return response(200, b"{}", {"Content-Type": "application/json"})
        if protocol == "query":
            action = dict(p.split("=", 1) for p in request.body.decode().split("&"))["Action"]
            xml = f"<{action}Response><{action}Result/></{action}Response>"
            return response(200, xml.encode(), {"Content-Type": "text/xml"})
        return raw_ok(request)

    return answer


@pytest.fixture
def on_raw(make_client, raw_server, sleeps):
    """``on_raw(service, answer)``: (raw server, before-send recorder, wrapped client)."""

    def make(service: str, answer):
        raw = raw_server(answer)
        client = make_client(service, url=raw.url, inject_host_prefix=False)  # "sync-" hosts
        sent = SendRecorder()
        event = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-send.{event}", sent)
        return raw, sent, wrap(client, RetryPolicy(), sleep=sleeps)

    return make


def sent_once(raw, sent, caught) -> None:
    """One request on the wire, by both witnesses, and the call says why."""
    assert (len(raw.requests), len(sent)) == (1, 1)
    info = call_info(caught.value)
    assert info is not None
    assert (info.attempts, info.stop_reason) == (1, "unsafe_to_resend")


def sent_twice(raw, sent, result) -> None:
    """Two identical requests on the wire, by both witnesses, and a success."""
    assert (len(raw.requests), len(sent)) == (2, 2)
    first, second = raw.requests
    assert (first.path, first.body) == (second.path, second.body)
    assert result["ResponseMetadata"]["RetryAttempts"] == 1
