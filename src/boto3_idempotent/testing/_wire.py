"""Reading AWS requests and writing AWS error responses, in the protocols the endpoint speaks.

Requests: EC2's query protocol, the query protocol (CloudFormation, ...) and AWS JSON
1.0/1.1 (DynamoDB, ECS, Proton, ...) name their operation and carry their parameters;
REST requests (S3, Lambda, ...) are named by their route (``_rest.py``), and their
parameters are not read (no token bookkeeping).

Errors, in each protocol's own form, so botocore parses the code the endpoint meant::

    ec2        <Response><Errors><Error><Code>..           text/xml
    query      <ErrorResponse><Error><Type><Code>..        text/xml
    json       {"__type": code, "message": ..}             application/x-amz-json-1.1
    rest-xml   <Error><Code>..</Code>..</Error>            application/xml (S3's form)
    rest-json  x-amzn-ErrorType: code, {"message": ..}     application/json
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

__all__ = ["ParsedRequest", "error_body", "parse_request"]

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


@dataclass(frozen=True)
class ParsedRequest:
    """What the endpoint needs to know of a request.

    Attributes:
        protocol: ``"ec2"``, ``"query"``, ``"json"``, ``"rest-xml"``, ``"rest-json"``
            or ``"other"`` (not understood).
        service: The signing name from the credential scope (``"ec2"``, ``"dynamodb"``).
        region: The region from the credential scope.
        operation: The operation name, or ``""`` if unknown.
        params: The form fields (query) or the decoded body (JSON); REST: none read.
    """

    protocol: str
    service: str
    region: str
    operation: str
    params: Any

    def get(self, path: tuple[str, ...]) -> Any:
        """The value at a member path (query: dotted field name), or ``None``."""
        if self.protocol in ("ec2", "query"):
            return self.params.get(".".join(path))
        node = self.params
        for name in path:
            if not isinstance(node, dict):
                return None
            node = node.get(name)
        return node

    def fingerprint(self, path: tuple[str, ...]) -> str:
        """The parameters without the token at ``path``: equal for a retry only."""
        if self.protocol in ("ec2", "query"):
            fields = {k: v for k, v in self.params.items() if k != ".".join(path)}
            return json.dumps(fields, sort_keys=True)
        body = copy.deepcopy(self.params)
        node = body
        for name in path[:-1]:
            node = node.get(name, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(path[-1], None)
        return json.dumps(body, sort_keys=True)


def parse_request(headers: Any, body: bytes, target: str = "/") -> ParsedRequest:
    """Parse what the proxy received; never raises (unknown things become ``"other"``).

    A request in no RPC protocol comes back as ``"other"`` with its service and region;
    the endpoint then names it by its REST route.
    """
    # The credential scope: signed headers, or a presigned URL's X-Amz-Credential.
    query = dict(parse_qsl(urlsplit(target).query))
    scope = _SCOPE.search(headers.get("Authorization", "")) or _SCOPE.search(
        "Credential=" + query.get("X-Amz-Credential", "")
    )
    service = scope["service"] if scope else ""
    region = scope["region"] if scope else ""
    if not scope and "AWSAccessKeyId" in query and "Signature" in query:
        service = "s3"  # a presigned URL in Signature Version 2: only S3 still makes them
    target = headers.get("X-Amz-Target")
    content_type = headers.get("Content-Type", "")
    if target:
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
        return ParsedRequest("json", service, region, target.rsplit(".", 1)[-1], params)
    if "x-www-form-urlencoded" in content_type:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        protocol = "ec2" if service == "ec2" else "query"
        return ParsedRequest(protocol, service, region, form.get("Action", ""), form)
    return ParsedRequest("other", service, region, "", {})


def error_body(
    protocol: str, status: int, code: str, message: str, request_id: str
) -> tuple[tuple[tuple[str, str], ...], bytes]:
    """The headers (content type and protocol-specific ones) and body of an error."""
    if protocol == "json":
        payload = {"__type": code, "message": message}
        return (("Content-Type", "application/x-amz-json-1.1"),), json.dumps(payload).encode()
    if protocol == "rest-json":
        headers = (("Content-Type", "application/json"), ("x-amzn-ErrorType", code))
        return headers, json.dumps({"message": message}).encode()
    code, message = escape(code), escape(message)
    if protocol == "rest-xml":
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
        headers = (("Content-Type", "application/xml"), ("x-amz-request-id", request_id))
        return headers, xml.encode()
    if protocol == "ec2":
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
    else:
        fault_type = "Receiver" if status >= 500 else "Sender"
        xml = (
            f"<ErrorResponse><Error><Type>{fault_type}</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        )
    return (("Content-Type", "text/xml"),), xml.encode()
