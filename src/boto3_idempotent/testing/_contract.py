"""The client-token contract AWS keeps and moto does not: replay, or the mismatch error.

For a request carrying a token, keyed by service, region, operation and token::

    first time                          -> forward; remember a 2xx answer and the parameters
    again, same parameters, in lifetime -> the remembered answer; the backend is not asked
    again, other parameters             -> the service's mismatch error (400)
    again, after the token's lifetime   -> as the first time

A second attempt that arrives while the first is still with the backend waits for
the first one's answer, as it would on AWS.

Where tokens are and what a mismatch is called, the endpoint knows on its own
(``_aws_tokens``: botocore's ``idempotencyToken`` traits plus a short documented
list), never from the library under test: a wrong token path there must not be
honoured here too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from boto3_idempotent._knowledge.lifetimes import DEFAULT_TOKEN_LIFETIME, TOKEN_LIFETIMES

from ._aws_tokens import (
    DEFAULT_MISMATCH_CODE,
    MISMATCH_AS_VALIDATION,
    MISMATCH_CODES,
    TRAITED_NOT_TOKENS,
    UNTRAITED_TOKENS,
)

if TYPE_CHECKING:
    from ._names import Names
    from ._wire import ParsedRequest

__all__ = ["DEFAULT_TOKEN_LIFETIMES", "Answer", "TokenContract"]

#: Seconds a token is honoured, per botocore service name; others: DEFAULT_TOKEN_LIFETIME.
DEFAULT_TOKEN_LIFETIMES: Mapping[str, float] = TOKEN_LIFETIMES

_Key = tuple[str, str, str, str]  # service, region, operation, token


@dataclass(frozen=True)
class Answer:
    """An HTTP answer the endpoint sends back (the backend's, or its own)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class _Remembered:
    fingerprint: str
    answer: Answer
    at: float


class TokenContract:
    """Remembers answers per token and decides replay, mismatch or forward. Thread-safe.

    Args:
        names: Where service models are read.
        lifetimes: Seconds a token is honoured, per service (merged over the defaults).
        clock: Monotonic seconds.
    """

    def __init__(
        self, names: Names, lifetimes: Mapping[str, float], clock: Callable[[], float]
    ) -> None:
        """Remember nothing yet."""
        self._names = names
        self._lifetimes = {**DEFAULT_TOKEN_LIFETIMES, **lifetimes}
        self._clock = clock
        self._lock = threading.Lock()
        self._memory: dict[_Key, _Remembered] = {}
        self._key_locks: dict[_Key, threading.Lock] = {}
        self._paths: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {}

    def reset(self) -> None:
        """Forget every token."""
        with self._lock:
            self._memory.clear()
            self._key_locks.clear()

    def token(
        self, service: str, request: ParsedRequest
    ) -> tuple[str, tuple[str, ...]] | tuple[None, None]:
        """The client token a request carries and the member path it is at, if any."""
        for member in self._token_paths(service, request.operation):
            value = request.get(member)
            if isinstance(value, str):
                return value, member
        return None, None

    def answer(
        self,
        request: ParsedRequest,
        service: str,
        token: tuple[str, tuple[str, ...]],
        forward: Callable[[], Answer],
        error: Callable[[int, str, str], Answer],
    ) -> tuple[Answer, str]:
        """The answer to a request carrying ``token``, and its outcome for the record.

        Args:
            request: The parsed request.
            service: Its botocore service name.
            token: The token and its member path, from ``token``.
            forward: Sends the request to the backend.
            error: Makes an error answer from (status, code, message).

        Returns:
            The answer, and ``"forwarded"``, ``"replayed"``, ``"mismatch"`` or ``"error"``.
        """
        value, member = token
        key = (service, request.region, request.operation, value)
        fingerprint = request.fingerprint(member)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # a second attempt in flight waits for the first one's answer
            with self._lock:
                remembered = self._memory.get(key)
                lifetime = self._lifetimes.get(service, DEFAULT_TOKEN_LIFETIME)
                if remembered is not None and self._clock() - remembered.at > lifetime:
                    del self._memory[key]
                    remembered = None
            if remembered is not None:
                if remembered.fingerprint == fingerprint:
                    return remembered.answer, "replayed"
                return error(*self._mismatch(service)), "mismatch"
            answer = forward()
            if answer.status < 300:
                with self._lock:
                    self._memory[key] = _Remembered(fingerprint, answer, self._clock())
                return answer, "forwarded"
            return answer, "error"

    def _token_paths(self, service: str, operation: str) -> tuple[tuple[str, ...], ...]:
        key = (service, operation)
        paths = self._paths.get(key)
        if paths is None:
            paths = _token_paths(self._names, service, operation)
            with self._lock:
                self._paths[key] = paths
        return paths

    def _mismatch(self, service: str) -> tuple[int, str, str]:
        message = "The client token was used before with different parameters."
        if service in MISMATCH_AS_VALIDATION:
            return 400, "ValidationException", f"IdempotentParameterMismatch: {message}"
        return 400, MISMATCH_CODES.get(service, DEFAULT_MISMATCH_CODE), message


def _token_paths(names: Names, service: str, operation: str) -> tuple[tuple[str, ...], ...]:
    """The operation's token members: traited ones (less ids), then the documented list."""
    try:
        model = names.session.get_service_model(service).operation_model(operation)
        traited: list[str] = list(model.idempotent_members)
    except Exception:  # noqa: BLE001  (an unknown service or operation has no tokens)
        traited = []
    paths: list[tuple[str, ...]] = [
        (m,) for m in traited if (service, operation, m) not in TRAITED_NOT_TOKENS
    ]
    paths.extend(p for p in UNTRAITED_TOKENS.get((service, operation), ()) if p not in paths)
    return tuple(paths)
