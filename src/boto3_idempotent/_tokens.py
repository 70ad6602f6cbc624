"""Client-token members: where a token goes in an operation's input, and what it may look like."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, ClassVar

from ._values import Record

if TYPE_CHECKING:
    from ._exceptions import InvalidClientToken

__all__ = ["DOCUMENTED_MAX_LENGTH", "LONGEST_TOKEN", "PRINTABLE", "TokenMember"]

#: The documented contract (EC2, Proton, Alibaba): up to 64 ASCII characters.
#: Applies where the model declares no length of its own.
DOCUMENTED_MAX_LENGTH = 64

#: No token member of any model allows more (the largest ``max`` declared); it bounds
#: a member the model leaves open, and the work a shape's pattern can do on a caller's
#: token (some patterns take quadratic time on long input that fails them).
LONGEST_TOKEN = 4096

#: Characters a token may hold unless its documentation narrows them: printable ASCII.
PRINTABLE = r"[\x20-\x7e]+"
_CHARSETS: dict[str, re.Pattern[str]] = {}


def _charset(allowed: str) -> re.Pattern[str]:
    pattern = _CHARSETS.get(allowed)
    if pattern is None:  # a handful, from the reviewed table; compiled once each
        pattern = _CHARSETS[allowed] = re.compile(allowed)
    return pattern


class TokenMember(Record):
    """One token member of an operation's input, with its shape's constraints.

    Attributes:
        path: Member names from the input's top level, e.g.
            ``("SpotFleetRequestConfig", "ClientToken")``.
        min_length: The shape's ``min``, or 1.
        max_length: The tightest of the shape's ``max`` and the documented limit
            (ECS: "up to 36 ASCII characters"; EC2's idempotency page: 64); when both
            are silent, ``LONGEST_TOKEN``.
        pattern: The shape's pattern, matched against the whole token, as AWS's API
            references present them ("Pattern: [a-zA-Z0-9][-a-zA-Z0-9]*").
        uuid_format: Generate ``str(uuid4())`` (36 characters). ``False`` where the
            shape forbids it (ACM: at most 32 word characters): ``uuid4().hex``.
        allowed: A regular expression the whole token must match besides ``pattern``:
            printable ASCII, or what the documentation says (ECS: "in the range of
            33-126" is ``[!-~]+``).
        same_role: A top-level member the caller may give *instead* (GameLift's
            deprecated ``GameSessionId``): when given, nothing is generated, and its
            value stands for the call's token.
    """

    __slots__ = (
        "allowed",
        "max_length",
        "min_length",
        "path",
        "pattern",
        "same_role",
        "uuid_format",
    )
    _fields = _compared = _shown = (
        "path",
        "min_length",
        "max_length",
        "pattern",
        "uuid_format",
        "allowed",
        "same_role",
    )
    _defaults: ClassVar[dict[str, Any]] = {
        "min_length": 1,
        "max_length": DOCUMENTED_MAX_LENGTH,
        "pattern": None,
        "uuid_format": True,
        "allowed": PRINTABLE,
        "same_role": None,
    }
    path: tuple[str, ...]
    min_length: int
    max_length: int
    pattern: re.Pattern[str] | None
    uuid_format: bool
    allowed: str
    same_role: str | None

    @classmethod
    def from_shape(
        cls,
        path: tuple[str, ...],
        shape: Any,
        default_max: int | None = None,
        *,
        documented: tuple[int | None, str | None] | None = None,
    ) -> TokenMember:
        """Read the constraints of a botocore string ``shape`` at ``path``.

        Args:
            path: Where the member is.
            shape: Its botocore shape.
            default_max: Applies when neither the shape nor ``documented`` has a max.
            documented: ``(max_length, allowed)`` from the member's documentation,
                where it says more than the model (either may be ``None``); ``allowed``
                is a regular expression for the whole token.
        """
        meta = shape.metadata
        pattern: re.Pattern[str] | None = None
        if meta.get("pattern"):
            try:
                pattern = re.compile(meta["pattern"])
            except re.error:  # a Java-only construct: leave the check to the service
                pattern = None
        doc_max, allowed = documented or (None, None)
        limits = [int(meta["max"])] if "max" in meta else []
        if doc_max is not None:
            limits.append(doc_max)
        if not limits:
            limits.append(default_max or LONGEST_TOKEN)
        member = cls(
            path=path,
            min_length=max(1, int(meta.get("min", 1))),
            max_length=min(*limits, LONGEST_TOKEN),
            pattern=pattern,
            allowed=allowed or PRINTABLE,
        )
        if not member.accepts(str(uuid.UUID(int=0))):
            member = member._replace(uuid_format=False)
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
        # Length first: it bounds what the patterns below can cost.
        if not self.min_length <= len(value) <= self.max_length:
            return False
        if not _charset(self.allowed).fullmatch(value):
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
            raise _invalid()(f"{where}: a client token must be a str, not {type(value).__name__}")
        if not self.accepts(value):
            pattern = f" matching {self.pattern.pattern!r}" if self.pattern else ""
            kind = (
                "printable ASCII characters"
                if self.allowed == PRINTABLE
                else f"characters matching {self.allowed!r}"
            )
            raise _invalid()(
                f"{where}: got a client token {self._fault(value)}; expected "
                f"{self.min_length} to {self.max_length} {kind}{pattern}"
            )
        return value

    def _fault(self, value: str) -> str:
        """What is wrong with a token this member refuses, never showing its value."""
        if not self.min_length <= len(value) <= self.max_length:
            return f"of {len(value)} characters"
        allowed = _charset(self.allowed)
        for index, char in enumerate(value):
            if not allowed.fullmatch(char):
                what = "a non-ASCII" if not char.isascii() else "a disallowed"
                return f"with {what} character at position {index + 1}"
        return "that does not match the member's pattern"

    def apply(
        self,
        params: MutableMapping[str, Any],
        operation_name: str,
        seed: bytes | None = None,
        *,
        validate: bool = True,
    ) -> tuple[str, bool] | None:
        """Make sure ``params`` carries a token here.

        Returns:
            ``(token, from_caller)``, or ``None`` when the parent structure is absent
            (botocore's validation then reports it).

        A caller's token is checked (unless ``validate`` is false: the client was
        made with ``parameter_validation=False``, and the service judges it) and
        kept. A missing one is generated (from ``seed`` inside an
        ``idempotency_key`` scope, else at random). Nested
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
        if value is None and self.same_role is not None:
            other = params.get(self.same_role)
            if other is not None:  # the caller's member of the same role: generate nothing
                return str(other), True
        if value is not None:
            if not validate:
                return str(value), True
            return self.check(value, operation_name), True
        token = self.generate(seed)
        parent = params  # the call's own kwargs: botocore fills its tokens in place too
        for name in self.path[:-1]:
            copy = dict(parent[name])
            parent[name] = copy
            parent = copy
        parent[self.path[-1]] = token
        return token, False


def carried(node: object, path: tuple[str, ...]) -> str | None:
    """The caller's reference at ``path``; ``None`` if any place the path reaches lacks one.

    Through a list (``"[]"``) or a map (``"{}"``), every element must carry one (a batch
    resent with one element unprotected could act twice on it); the value then is
    ``""`` (protected, but no single reference to report).
    """
    for index, name in enumerate(path):
        rest = path[index + 1 :]
        if name in ("[]", "{}"):
            items = node if isinstance(node, list) else None
            if name == "{}" and isinstance(node, Mapping):
                items = list(node.values())
            if not items or any(carried(item, rest) is None for item in items):
                return None
            return ""
        if not isinstance(node, Mapping):
            return None
        node = node.get(name)
    return node if isinstance(node, str) and node else None


def _invalid() -> type[InvalidClientToken]:
    """``InvalidClientToken``, loaded when a caller's token is refused (rare)."""
    from ._exceptions import InvalidClientToken  # noqa: PLC0415

    return InvalidClientToken
