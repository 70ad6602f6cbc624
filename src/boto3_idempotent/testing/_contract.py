"""The client-token contract AWS keeps and moto does not: replay, or the mismatch error.

For a request carrying a token (found where the library finds it: botocore's
``idempotencyToken`` trait plus the curated registry), keyed by service, region,
operation and token::

    first time                          -> forward; remember a 2xx answer and the parameters
    again, same parameters, in lifetime -> the remembered answer; the backend is not asked
    again, other parameters             -> the service's mismatch error (400)
    again, after the token's lifetime   -> as the first time

A second attempt that arrives while the first is still with the backend waits for
the first one's answer, as it would on AWS.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from boto3_idempotent._classify import MISMATCH_CODES
from boto3_idempotent._lifetimes import DEFAULT_TOKEN_LIFETIME, TOKEN_LIFETIMES
from boto3_idempotent._operations import operation_info

if TYPE_CHECKING:
    from ._names import Names
    from ._wire import ParsedRequest

__all__ = ["DEFAULT_TOKEN_LIFETIMES", "Answer", "TokenContract"]

#: Seconds a token is honoured, per botocore service name; others: DEFAULT_TOKEN_LIFETIME.
DEFAULT_TOKEN_LIFETIMES: Mapping[str, float] = TOKEN_LIFETIMES

# Services that report a mismatch as a ValidationException naming it (Proton's docs).
_MISMATCH_AS_VALIDATION = frozenset({"proton"})

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
            token: The token and its member path, from :meth:`token`.
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
                return error(*self._mismatch(request, service)), "mismatch"
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
            try:
                model = self._names.session.get_service_model(service).operation_model(operation)
            except Exception:  # noqa: BLE001  (an unknown service or operation has no tokens)
                paths = ()
            else:
                paths = tuple(m.path for m in operation_info(service, model).tokens)
            with self._lock:
                self._paths[key] = paths
        return paths

    def _mismatch(self, request: ParsedRequest, service: str) -> tuple[int, str, str]:
        message = "The client token was used before with different parameters."
        if service in _MISMATCH_AS_VALIDATION:
            return 400, "ValidationException", f"IdempotentParameterMismatch: {message}"
        code = "IdempotentParameterMismatch"
        if request.protocol != "ec2":
            with contextlib.suppress(Exception):
                model = self._names.session.get_service_model(service)
                modeled = {s.name for s in model.error_shapes}
                code = next(iter(sorted(modeled & MISMATCH_CODES)), code)
        return 400, code, message
