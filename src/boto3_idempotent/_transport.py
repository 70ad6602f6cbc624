"""A transport check botocore leaves out: a response shorter than its Content-Length.

botocore reads non-streaming bodies with urllib3's ``enforce_content_length`` off,
so a connection that closes mid-body hands the parser a truncated document: an
AWS JSON body cut after its headers parses as ``{}`` and comes back as a success
with an empty result; a cut XML body raises ``ResponseParserError``, which is never
retried. A wrapped client's HTTP session checks the length first and raises
``IncompleteResponseError`` (a ``ConnectionClosedError``) instead, which the
response table treats like any connection lost after sending: resent where that is
safe, raised otherwise, never returned as a success.

aiobotocore's sessions (aiohttp, httpx) are left alone: both already refuse a
short body (``ConnectionClosedError``, ``HTTPClientError``: ambiguous, as above),
their ``send`` is a coroutine, and aiobotocore picks paginator and waiter classes
by the session's type, which a proxy would hide.
"""

from __future__ import annotations

import inspect
from typing import Any

from ._exceptions import IncompleteResponseError

__all__ = ["check_lengths"]


class _LengthCheckingSession:
    """botocore's HTTP session with the body length checked against Content-Length."""

    __slots__ = ("inner",)

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def send(self, request: Any) -> Any:
        response = self.inner.send(request)
        if request.stream_output:
            return response  # the body is read later, by the caller's stream
        # urllib3 counts down the declared length as the body arrives; it ends at 0 for a
        # whole body (and a HEAD or 204), None without a Content-Length (chunked).
        if not getattr(response.raw, "length_remaining", None):
            return response
        received = len(response.content)
        raise IncompleteResponseError(
            endpoint_url=request.url,
            received=received,
            expected=response.headers.get("content-length", "?"),
            request=request,
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def check_lengths(client: Any) -> None:
    """Give ``client``'s endpoint a length-checking HTTP session (once; idempotent)."""
    endpoint: Any = getattr(client, "_endpoint", None)
    session = getattr(endpoint, "http_session", None)
    if session is None or isinstance(session, _LengthCheckingSession):
        return
    send = getattr(session, "send", None)
    if not callable(send) or inspect.iscoroutinefunction(send):  # aiobotocore's checks itself
        return
    endpoint.http_session = _LengthCheckingSession(session)
