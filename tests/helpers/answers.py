"""Raw answers in each AWS protocol's format, scripts of them, and a ``before-send`` recorder.

For tests against ``helpers.raw_server``: the server answers what a script returns, botocore
parses it as the service would have answered, and ``SendRecorder`` is the second witness
(what botocore sent) beside the server's own record.
"""

from __future__ import annotations

import json

from boto3_idempotent import wrap
from helpers.raw_server import RESET, response
from helpers.wire import raw_ok

#: Botocore's wire protocol of each service used here, for the answers' formats.
PROTOCOLS = {
    "s3": "rest-xml",
    "lambda": "rest-json",
    "ec2": "ec2",
    "iam": "query",
    "dynamodb": "json",
    "sqs": "json",
    "ssm": "json",
}


def error(service: str, status: int, code: str) -> bytes:
    """An error response in ``service``'s own format, so botocore parses ``code``."""
    return error_in(PROTOCOLS[service], status, code)


def error_in(protocol: str, status: int, code: str) -> bytes:
    """An error response in botocore's ``protocol`` (``json``, ``rest-json``, ``ec2``, ...)."""
    if protocol == "json":
        body = json.dumps({"__type": code, "message": "scripted"}).encode()
        return response(status, body, {"Content-Type": "application/x-amz-json-1.0"})
    if protocol == "rest-json":
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
        return response(status, b'{"message": "scripted"}', headers)
    if protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>scripted</Message></Error>"
    elif protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>scripted</Message></Error>"
            "</Errors><RequestID>r-1</RequestID></Response>"
        )
    else:
        body = (
            f"<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code>"
            "<Message>scripted</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
        )
    return response(status, body.encode(), {"Content-Type": "text/xml"})


def ok(service: str, request) -> bytes:
    """A success botocore parses for ``request`` to ``service``."""
    if service == "s3":
        if request.method == "PUT" and "tagging" not in request.path:
            return response(200, b"", {"ETag": '"0123456789abcdef"'})  # PutObject, UploadPart
        return response(204)  # DeleteObject, PutBucketTagging
    if service == "lambda":
        return response(200, b"{}", {"Content-Type": "application/json"})
    if service == "iam":
        action = dict(p.split("=", 1) for p in request.body.decode().split("&"))["Action"]
        body = (
            f'<{action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
            f"<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></{action}Response>"
        )
        return response(200, body.encode(), {"Content-Type": "text/xml"})
    return raw_ok(request)  # AWS JSON (DynamoDB, SQS, SSM) and EC2's query protocol


def first_answer(service: str, fault: str) -> bytes | None:
    """The raw_server answer for one ambiguous failure."""
    return {"500": error(service, 500, "InternalError"), "lost response": None, "reset": RESET}[
        fault
    ]


def answers(service: str, *first: bytes | None):
    """A raw_server script: ``first`` to the first requests, then success."""
    return lambda request, n: first[n - 1] if n <= len(first) else ok(service, request)


class SendRecorder(list[tuple[str, str]]):
    """A ``before-send`` handler: notes each request botocore sends, and lets it go out."""

    def __call__(self, request, **kwargs) -> None:
        self.append((request.method, request.url))
        # Returning None: botocore sends the request itself.


def recorded_ec2(make_client, policy, sleeps):
    """A wrapped EC2 client on the scripted server, and a ``SendRecorder`` on its sends."""
    client = make_client("ec2")
    sent = SendRecorder()
    client.meta.events.register("before-send.ec2", sent)
    return wrap(client, policy, sleep=sleeps, random=lambda: 0.0), sent
