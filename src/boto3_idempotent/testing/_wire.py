"""Reading AWS requests and writing AWS error responses, in the protocols the endpoint speaks.

Supported: EC2's query protocol, the query protocol (CloudFormation, ...) and
AWS JSON 1.0/1.1 (DynamoDB, ECS, Proton, ...). Requests in REST protocols (S3,
Lambda, ...) are forwarded as they are (method, path, headers, body), without token
bookkeeping and without the faults that answer with an error body.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

__all__ = ["ParsedRequest", "error_body", "parse_request"]

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


@dataclass(frozen=True)
class ParsedRequest:
    """What the endpoint needs to know of a request.

    Attributes:
        protocol: ``"ec2"``, ``"query"``, ``"json"`` or ``"other"``.
        service: The signing name from the credential scope (``"ec2"``, ``"dynamodb"``).
        region: The region from the credential scope.
        operation: The operation name, or ``""`` if unknown.
        params: The form fields (query) or the decoded body (JSON).
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


def parse_request(headers: Any, body: bytes) -> ParsedRequest:
    """Parse what the proxy received; never raises (unknown things become ``"other"``)."""
    scope = _SCOPE.search(headers.get("Authorization", ""))
    service = scope["service"] if scope else ""
    region = scope["region"] if scope else ""
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
) -> tuple[str, bytes]:
    """The content type and body of an error in ``protocol``'s format."""
    if protocol == "json":
        payload = {"__type": code, "message": message}
        return "application/x-amz-json-1.1", json.dumps(payload).encode()
    code, message = escape(code), escape(message)
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
    return "text/xml", xml.encode()
