"""Transport faults on aiobotocore clients: what happened decides, over a raw socket server."""

from __future__ import annotations

import asyncio
import socket

import pytest

pytest.importorskip("aiobotocore")

import aiohttp
from botocore.exceptions import (
    ConnectionClosedError,
    EndpointConnectionError,
    HTTPClientError,
)

from boto3_idempotent import RetryPolicy, call_info, wrap
from boto3_idempotent._policy.classify import Outcome, classify_exception
from helpers.aio import AIOBOTOCORE, BACKENDS, AsyncSleeps, aio_client
from helpers.raw_server import RESET, response
from helpers.wire import closed_port_url, raw_ok

TAGS = {"Resources": ["i-1"], "Tags": [{"Key": "k", "Value": "v"}]}
COUNTER = {
    "TableName": "t",
    "Key": {"k": {"S": "1"}},
    "UpdateExpression": "ADD n :one",
    "ExpressionAttributeValues": {":one": {"N": "1"}},
}
POLICY = RetryPolicy(max_attempts=3, base_delay=0.5)
# What each backend raises when the connection dies after the request was written.
LOST = (ConnectionClosedError, EndpointConnectionError, HTTPClientError)


async def call(raw, service, operation, kwargs, backend):
    """One wrapped call against ``raw``: the response, or the exception it raised."""
    async with aio_client(service, raw.url, backend=backend) as client:
        wrap(client, POLICY, sleep=AsyncSleeps())
        try:
            return await getattr(client, operation)(**kwargs)
        except LOST as exc:
            return exc


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("operation", "kwargs", "sent"),
    [
        ("allocate_address", {"Domain": "vpc"}, 1),  # unsafe: it may have been allocated
        ("create_tags", TAGS, 2),  # no token, but idempotent: resent, as bare botocore does
        ("describe_instances", {}, 2),  # read-only: resent
        ("run_instances", {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}, 2),  # token
    ],
)
def test_a_reset_after_the_request_was_read_is_ambiguous(
    raw_server, backend, operation, kwargs, sent
):
    """The aiohttp backend reports EndpointConnectionError; still resent only when safe."""
    raw = raw_server(lambda request, n: RESET if n == 1 else raw_ok(request))

    outcome = asyncio.run(call(raw, "ec2", operation, kwargs, backend))

    assert len(raw.requests) == sent
    assert isinstance(outcome, LOST) is (sent == 1)
    if sent == 1:
        assert call_info(outcome).stop_reason == "unsafe_to_resend"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_refused_connection_is_resent_even_for_an_unprotected_call(backend):
    """Nothing listens: the request never left, so CreateTags is tried max_attempts times."""

    async def scenario():
        async with aio_client("ec2", closed_port_url(), backend=backend) as ec2:
            wrap(ec2, POLICY, sleep=AsyncSleeps())
            with pytest.raises(EndpointConnectionError) as raised:
                await ec2.create_tags(**TAGS)
            return raised.value

    error = asyncio.run(scenario())

    assert call_info(error).attempts == POLICY.max_attempts
    assert call_info(error).stop_reason == "max_attempts"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("service", "operation", "kwargs", "sent"),
    [
        ("ec2", "allocate_address", {"Domain": "vpc"}, 1),
        ("ec2", "create_tags", TAGS, 2),
        ("ec2", "describe_instances", {}, 2),
        ("dynamodb", "update_item", {**COUNTER}, 1),
        ("dynamodb", "put_item", {"TableName": "t", "Item": {"k": {"S": "1"}}}, 2),
        ("dynamodb", "get_item", {"TableName": "t", "Key": {"k": {"S": "1"}}}, 2),
    ],
)
def test_a_truncated_body_is_never_a_success(raw_server, backend, service, operation, kwargs, sent):
    """Content-Length 100, 10 bytes, close: ambiguous; a counter raises, PutItem is resent."""
    truncated = response(200, b"0123456789", content_length=100)
    raw = raw_server(lambda request, n: truncated if n == 1 else raw_ok(request))

    outcome = asyncio.run(call(raw, service, operation, kwargs, backend))

    assert len(raw.requests) == sent
    if sent == 1:
        assert isinstance(outcome, (ConnectionClosedError, HTTPClientError))
        assert call_info(outcome).attempts == 1
    else:
        assert call_info(outcome).attempts == 2  # the second answer was whole


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_async_http_session_is_left_as_it_is(backend):
    """No length-checking proxy: aiobotocore picks paginators and waiters by its type."""

    async def scenario():
        async with aio_client("ec2", "http://127.0.0.1:1", backend=backend) as ec2:
            before = ec2._endpoint.http_session
            wrap(ec2, POLICY)
            return before, ec2._endpoint.http_session

    before, after = asyncio.run(scenario())

    assert after is before


def connector_error():
    """The error aiohttp raises when connect() fails."""
    key = type("Key", (), {"ssl": None, "host": "127.0.0.1", "port": 1})()
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))


def httpx_module():
    """The httpx package aiobotocore's httpx backend uses, if installed."""
    name = "httpx2" if AIOBOTOCORE >= (3, 0) else "httpx"
    return pytest.importorskip(name)


@pytest.mark.parametrize(
    ("make_cause", "expected"),
    [
        (connector_error, Outcome.NOT_SENT),
        (lambda: aiohttp.ClientConnectorDNSError(*connector_error().args), Outcome.NOT_SENT),
        (lambda: httpx_module().ConnectError("refused"), Outcome.NOT_SENT),
        (lambda: socket.gaierror(-2, "unknown"), Outcome.NOT_SENT),
        # After the request was written: ambiguous.
        (lambda: aiohttp.ClientOSError(104, "Connection reset by peer"), Outcome.AMBIGUOUS),
        (lambda: aiohttp.ClientConnectionResetError("reset"), Outcome.AMBIGUOUS),
        (lambda: aiohttp.ClientConnectionError("closed"), Outcome.AMBIGUOUS),
        (aiohttp.ServerDisconnectedError, Outcome.AMBIGUOUS),
        (lambda: httpx_module().ReadError("reset"), Outcome.AMBIGUOUS),
        (lambda: httpx_module().RemoteProtocolError("closed"), Outcome.AMBIGUOUS),
    ],
)
def test_async_transport_causes_of_endpoint_connection_error(make_cause, expected):
    """Connect-phase causes of both backends are NOT_SENT; anything later is AMBIGUOUS."""
    error = EndpointConnectionError(endpoint_url="http://127.0.0.1:1", error=make_cause())
    assert classify_exception(error) is expected


DATA = bytes(range(256)) * 400  # 102,400 bytes
OFFSET = 5_000


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_upload_at_an_offset_over_https_resends_from_that_offset(backend, tmp_path):
    """An aiobotocore aws-chunked body over TLS, a 500 first: both attempts start at the offset."""
    if backend == "httpx" and AIOBOTOCORE < (3, 0):
        # aiobotocore 2.x's httpx session does not pass verify= (a CA file) to httpx.
        pytest.skip("aiobotocore 2.x's httpx backend ignores verify=: no local TLS")
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    from helpers.raw_server import RawServer, decode_aws_chunked
    from helpers.tls import self_signed

    context, ca_file = self_signed(tmp_path)

    def answer(request, number):
        if number == 1:
            return response(500, b"<Error><Code>InternalError</Code></Error>")
        return response(200, b"", {"ETag": '"e"'})

    server = RawServer(answer, tls=context)
    path = tmp_path / "part.bin"
    path.write_bytes(DATA)
    config = {"s3": {"addressing_style": "path"}, "retries": {"mode": "standard"}}
    if backend == "httpx":
        from aiobotocore.httpxsession import HttpxSession

        config["http_session_cls"] = HttpxSession

    async def scenario():
        async with get_session().create_client(
            "s3",
            region_name="us-east-1",
            endpoint_url=server.url,
            verify=ca_file,
            config=AioConfig(**config),
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ) as s3:
            wrap(s3, RetryPolicy(), sleep=AsyncSleeps())
            with path.open("rb") as body:
                body.seek(OFFSET)
                await s3.put_object(Bucket="b", Key="k", Body=body)

    try:
        asyncio.run(scenario())
    finally:
        server.close()

    assert len(server.requests) == 2
    for request in server.requests:
        assert request.headers["content-encoding"] == "aws-chunked"
        data, trailers = decode_aws_chunked(request.body)
        assert data == DATA[OFFSET:]
        assert trailers
