"""A transport check botocore leaves out: a response shorter than its Content-Length.

botocore (1.44) reads non-streaming bodies with urllib3's ``enforce_content_length``
off, so a connection that closes mid-body hands the parser a truncated document: an
AWS JSON body cut after its headers parses as ``{}`` and comes back as a success
with an empty result; a cut XML body raises ``ResponseParserError``, which is never
retried. A wrapped client's HTTP session checks the length first and raises
``IncompleteResponseError`` (a ``ConnectionClosedError``) instead, which the
response table treats like any connection lost after sending: resent where that is
safe, raised otherwise, never returned as a success. Where botocore leaves urllib3's
check on (1.40 with urllib3 2), the ``ConnectionClosedError`` it raises for a short body
becomes the same ``IncompleteResponseError``.

aiobotocore's sessions (aiohttp, httpx) are left alone: both already refuse a
short body (``ConnectionClosedError``, ``HTTPClientError``: ambiguous, as above),
their ``send`` is a coroutine, and aiobotocore picks paginator and waiter classes
by the session's type, which a proxy would hide.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ConnectionClosedError

if TYPE_CHECKING:
    from ._exceptions import IncompleteResponseError

__all__ = ["check_lengths", "keep_offset"]

_CHUNKED = "AwsChunkedWrapper"  # botocore's, and aiobotocore's AioAwsChunkedWrapper


def keep_offset(body: Any, context: Any) -> None:
    """Keep an upload stream at the offset the caller gave it, on every attempt.

    botocore rewinds a stream to 0 before a resend; a file positioned at byte N (a
    part of a larger file) would then be sent from its start. The first attempt notes
    the offset in the call's context, later ones seek back to it, before the signer
    and the Content-Length read the stream (the plugin's request-created hook).

    Over HTTPS, botocore streams PutObject/UploadPart bodies as aws-chunked with a
    trailing checksum: an AwsChunkedWrapper (aiobotocore: its Aio twin) around the
    caller's stream, with no tell() and a seek() that only goes to 0, rewinding the
    stream to its start. botocore has already called that seek(0) (resetting the
    wrapper) before the hook, so putting the stream inside at the caller's offset is
    all a resend needs.
    """
    from ._context import BODY_OFFSET  # noqa: PLC0415

    offset = context.get(BODY_OFFSET)
    try:
        chunked = type(body).__name__.endswith(_CHUNKED)
        stream: Any = body._raw if chunked else body  # noqa: SLF001
        if offset is None:
            context[BODY_OFFSET] = stream.tell()
        else:
            stream.seek(offset)
    except (OSError, ValueError, AttributeError):  # not seekable after all
        return


class _LengthCheckingSession:
    """botocore's HTTP session with the body length checked against Content-Length."""

    __slots__ = ("inner",)

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def send(self, request: Any) -> Any:
        try:
            response = self.inner.send(request)
        except ConnectionClosedError as error:  # an older botocore: urllib3 checked the length
            short = _short_read(error)
            if short is None:
                raise
            received, expected = short
            raise _incomplete()(
                endpoint_url=request.url, received=received, expected=expected, request=request
            ) from error
        if request.stream_output:
            return response  # the body is read later, by the caller's stream
        # urllib3 counts down the declared length as the body arrives; it ends at 0 for a
        # whole body (and a HEAD or 204), None without a Content-Length (chunked).
        if not getattr(response.raw, "length_remaining", None):
            return response
        received = len(response.content)
        raise _incomplete()(
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


def _short_read(error: ConnectionClosedError) -> tuple[int, int] | None:
    """``(received, expected)`` bytes when ``error`` is urllib3's check of the body length.

    Older botocore (1.40) leaves urllib3's ``enforce_content_length`` at its default,
    on in urllib3 2: a short body raises ``IncompleteRead`` there, which botocore wraps
    in a ``ConnectionClosedError``. It is the same short body, raised as the same
    ``IncompleteResponseError``; ``None`` for any other lost connection.
    """
    from http.client import IncompleteRead  # noqa: PLC0415  (urllib3's is one; a lost connection)

    cause = error.kwargs.get("error")
    for found in (cause, *getattr(cause, "args", ())):
        if isinstance(found, IncompleteRead) and isinstance(found.expected, int):
            partial: Any = found.partial  # urllib3's: a count; http.client's: the bytes
            received = partial if isinstance(partial, int) else len(partial)
            return received, received + found.expected
    return None


def _incomplete() -> type[IncompleteResponseError]:
    """``IncompleteResponseError``, loaded when a body comes up short (rare)."""
    from ._exceptions import IncompleteResponseError  # noqa: PLC0415

    return IncompleteResponseError
