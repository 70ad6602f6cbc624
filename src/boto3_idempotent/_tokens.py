"""Client-token members: where a token goes in an operation's input, and what it may look like."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from ._exceptions import InvalidClientToken

__all__ = ["DOCUMENTED_MAX_LENGTH", "TokenMember"]

#: The documented contract (EC2, Proton, Alibaba): up to 64 ASCII characters.
#: Applies where the model declares no length of its own.
DOCUMENTED_MAX_LENGTH = 64

_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


@dataclass(frozen=True)
class TokenMember:
    """One token member of an operation's input, with its shape's constraints.

    Attributes:
        path: Member names from the input's top level, e.g.
            ``("SpotFleetRequestConfig", "ClientToken")``.
        min_length: The shape's ``min``, or 1.
        max_length: The shape's ``max``; when the model is silent, the documented 64
            where a page documents it (EC2's idempotency list), else ``None`` (no limit
            of ours: the service judges).
        pattern: The shape's pattern, matched against the whole token, as AWS's API
            references present them ("Pattern: [a-zA-Z0-9][-a-zA-Z0-9]*").
        uuid_format: Generate ``str(uuid4())`` (36 characters). ``False`` where the
            shape forbids it (ACM: at most 32 word characters): ``uuid4().hex``.
    """

    path: tuple[str, ...]
    min_length: int = 1
    max_length: int | None = DOCUMENTED_MAX_LENGTH
    pattern: re.Pattern[str] | None = None
    uuid_format: bool = True

    @classmethod
    def from_shape(
        cls, path: tuple[str, ...], shape: Any, default_max: int | None = None
    ) -> TokenMember:
        """Read the constraints of a botocore string ``shape`` at ``path``.

        ``default_max`` applies when the shape declares no ``max``.
        """
        meta = shape.metadata
        pattern: re.Pattern[str] | None = None
        if meta.get("pattern"):
            try:
                pattern = re.compile(meta["pattern"])
            except re.error:  # a Java-only construct: leave the check to the service
                pattern = None
        member = cls(
            path=path,
            min_length=max(1, int(meta.get("min", 1))),
            max_length=int(meta["max"]) if "max" in meta else default_max,
            pattern=pattern,
        )
        if not member.accepts(str(uuid.UUID(int=0))):
            member = cls(path, member.min_length, member.max_length, pattern, uuid_format=False)
        return member

    def generate(self, seed: bytes | None = None) -> str:
        """Return a token in this member's format: random, or derived from ``seed``.

        A derived token is ``SHA-256(seed | member path)`` cut to 128 bits and shaped
        like a version-4 UUID, so it fits wherever a random one does.
        """
        if seed is None:
            token = uuid.uuid4()
        else:
            digest = hashlib.sha256(seed + b"/" + ".".join(self.path).encode()).digest()
            token = uuid.UUID(bytes=digest[:16], version=4)
        return str(token) if self.uuid_format else token.hex

    def accepts(self, value: str) -> bool:
        """Whether the member's shape admits ``value``."""
        if len(value) < self.min_length:
            return False
        if self.max_length is not None and len(value) > self.max_length:
            return False
        if not _PRINTABLE_ASCII.fullmatch(value):
            return False
        return self.pattern is None or self.pattern.fullmatch(value) is not None

    def check(self, value: object, operation_name: str) -> str:
        """Return a caller-supplied token, or raise before anything is sent.

        Raises:
            InvalidClientToken: not a string, empty, too long, not printable ASCII, or
                outside the member's shape. The message never shows the value
                (tokens derived from business data must not leak into logs).
        """
        where = f"{operation_name} {'.'.join(self.path)}"
        if not isinstance(value, str):
            raise InvalidClientToken(
                f"{where}: a client token must be a str, not {type(value).__name__}"
            )
        if not self.accepts(value):
            pattern = f" matching {self.pattern.pattern!r}" if self.pattern else ""
            size = f"at least {self.min_length}"
            if self.max_length is not None:
                size = f"{self.min_length} to {self.max_length}"
            raise InvalidClientToken(
                f"{where}: got a client token of {len(value)} characters; expected "
                f"{size} printable ASCII characters{pattern}"
            )
        return value

    def apply(
        self, params: MutableMapping[str, Any], operation_name: str, seed: bytes | None = None
    ) -> tuple[str, bool] | None:
        """Make sure ``params`` carries a token here.

        Returns:
            ``(token, from_caller)``, or ``None`` when the parent structure is absent
            (botocore's validation then reports it).

        A caller's token is checked and kept. A missing one is generated (from
        ``seed`` inside an ``idempotency_key`` scope, else at random). Nested
        containers are copied before the token goes in, so a dict the caller reuses
        for the next call never carries this call's token.
        """
        node: Mapping[str, Any] = params
        for name in self.path[:-1]:
            child = node.get(name)
            if not isinstance(child, Mapping):
                return None
            node = child
        value = node.get(self.path[-1])
        if value is not None:
            return self.check(value, operation_name), True
        token = self.generate(seed)
        parent = params  # the call's own kwargs: botocore fills its tokens in place too
        for name in self.path[:-1]:
            copy = dict(parent[name])
            parent[name] = copy
            parent = copy
        parent[self.path[-1]] = token
        return token, False
