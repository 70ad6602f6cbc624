"""REST operations (S3, Lambda, ...) by method, path and query: the model's routes read backwards.

A REST request names no operation; botocore builds it from the operation's
``http.method`` and ``http.requestUri`` template::

    PutObject                PUT  /{Bucket}/{Key+}
    UploadPart               PUT  /{Bucket}/{Key+}       + required partNumber, uploadId
    CopyObject               PUT  /{Bucket}/{Key+}       + required x-amz-copy-source header
    PutObjectTagging         PUT  /{Bucket}/{Key+}?tagging
    CreateMultipartUpload    POST /{Bucket}/{Key+}?uploads
    Invoke (Lambda)          POST /2015-03-31/functions/{FunctionName}/invocations

A route matches when the method, the path (``{Label}``: one segment, ``{Label+}``: one
or more), the query literals of the template and the required query and header members
are all there. Of several matches the most specific wins: more query literals, then
more literal path characters, then more required members present, then an operation
not marked deprecated, then the model's order. An ``x-id`` query parameter, which other
AWS SDKs add to S3 requests, names the operation outright.

Build routes from a model no client has called: botocore's S3 handler
``remove_bucket_from_url_paths_from_model`` strips ``/{Bucket}`` from an operation's
``requestUri`` in place on the first call, in the model its session's loader caches.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from ._names import Names
    from ._wire import ParsedRequest

__all__ = ["REST_PROTOCOLS", "RestNames", "RestRoutes", "virtual_host_bucket"]

#: The REST protocols, as botocore's models name them.
REST_PROTOCOLS = ("rest-json", "rest-xml")

_LABEL = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    path: re.Pattern[str]
    literals: tuple[tuple[str, str | None], ...]  # (name, value or None: any value)
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]  # lower case
    rank: tuple[int, int, int, int]

    def matches(
        self, method: str, path: str, query: Mapping[str, str], headers: frozenset[str]
    ) -> bool:
        return (
            method == self.method
            and self.path.fullmatch(path) is not None
            and all(name in query and value in (None, query[name]) for name, value in self.literals)
            and all(name in query for name in self.required_query)
            and all(name in headers for name in self.required_headers)
        )


class RestRoutes:
    """The routes of one REST service model."""

    def __init__(self, service_model: Any) -> None:
        """Read every operation's ``http`` trait and required members."""
        self._routes: list[_Route] = []
        self._names = frozenset(service_model.operation_names)
        for name in service_model.operation_names:
            route = _route(service_model.operation_model(name))
            if route is not None:
                self._routes.append(route)

    def operation(self, method: str, target: str, header_names: Iterable[str]) -> str:
        """The operation a request is for, or ``""`` if no route matches.

        Args:
            method: The HTTP method.
            target: The path and query string as sent (``/orders/a.txt?tagging``).
            header_names: The request's header names, any case.
        """
        split = urlsplit(target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        named = query.get("x-id", "")
        if named in self._names:
            return named
        path = split.path or "/"
        headers = frozenset(h.lower() for h in header_names)
        best: _Route | None = None
        for route in self._routes:
            if route.matches(method, path, query, headers) and (
                best is None or route.rank > best.rank
            ):
                best = route
        return best.operation if best is not None else ""


class RestNames:
    """Names requests by their REST route, per service; caches each service's routes."""

    def __init__(self, names: Names) -> None:
        """Read no model yet."""
        self._names = names
        self._lock = threading.Lock()
        # service -> (its REST protocol, its routes); None: it speaks no REST protocol.
        self._services: dict[str, tuple[str, RestRoutes] | None] = {}

    def name(
        self, request: ParsedRequest, service: str, method: str, target: str, headers: Any
    ) -> ParsedRequest:
        """``request`` with its REST protocol and operation, if ``service`` speaks REST."""
        found = self._routes(service) if service else None
        if found is None:
            return request
        protocol, routes = found
        bucket = virtual_host_bucket(headers.get("Host", "")) if service == "s3" else None
        operation = routes.operation(
            method, f"/{bucket}{target}" if bucket else target, headers.keys()
        )
        return dataclasses.replace(request, protocol=protocol, operation=operation)

    def _routes(self, service: str) -> tuple[str, RestRoutes] | None:
        if service not in self._services:
            found = None
            with contextlib.suppress(Exception):  # an unknown service has no routes
                model = self._names.session.get_service_model(service)
                protocols = model.metadata.get("protocols") or [model.metadata.get("protocol")]
                rest = [p for p in protocols if p in REST_PROTOCOLS]
                if rest:
                    found = (rest[0], RestRoutes(model))
            with self._lock:
                self._services[service] = found
        return self._services[service]


def virtual_host_bucket(host: str) -> str | None:
    """The bucket of an S3 virtual-hosted request (``orders.localhost:4566``), else ``None``.

    botocore sends path-style requests to an ``endpoint_url`` unless told
    ``addressing_style="virtual"``; then the bucket is the first label of the host.
    """
    hostname = urlsplit(f"//{host}").hostname or ""
    if "." not in hostname or hostname.startswith("localhost"):
        return None
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        bucket = hostname.split(".", 1)[0]
        return None if bucket == "s3" or bucket.startswith("s3-") else bucket
    return None


def _route(operation_model: Any) -> _Route | None:
    http = operation_model.http
    method, uri = http.get("method"), http.get("requestUri")
    if not method or not uri:
        return None
    path, _, query = uri.partition("?")
    literals = tuple(
        (name, value if sep else None)
        for name, sep, value in (part.partition("=") for part in query.split("&") if part)
    )
    required_query, required_headers = _required_members(operation_model.input_shape)
    pattern, literal_length = _path_pattern(path)
    deprecated = bool(getattr(operation_model, "deprecated", False))
    rank = (
        len(literals),
        literal_length,
        len(required_query) + len(required_headers),
        0 if deprecated else 1,
    )
    return _Route(
        operation_model.name,
        method.upper(),
        pattern,
        literals,
        required_query,
        required_headers,
        rank,
    )


def _path_pattern(template: str) -> tuple[re.Pattern[str], int]:
    """A regex for a path template, and how many literal characters it holds."""
    parts: list[str] = []
    literal_length = 0
    position = 0
    stripped = template.rstrip("/") or "/"
    for label in _LABEL.finditer(stripped):
        literal = stripped[position : label.start()]
        parts.append(re.escape(literal))
        literal_length += len(literal)
        parts.append(".+" if label.group(1).endswith("+") else "[^/]+")
        position = label.end()
    tail = stripped[position:]
    parts.append(re.escape(tail))
    literal_length += len(tail)
    optional_slash = "" if stripped == "/" else "/?"  # botocore may add or drop a final "/"
    return re.compile("".join(parts) + optional_slash), literal_length


def _required_members(shape: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The wire names of required query-string members and required header members."""
    if shape is None:
        return (), ()
    query: list[str] = []
    headers: list[str] = []
    required = set(shape.required_members)
    for name, member in shape.members.items():
        if name not in required:
            continue
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "querystring":
            query.append(wire_name)
        elif location == "header":
            headers.append(wire_name.lower())
    return tuple(query), tuple(headers)
