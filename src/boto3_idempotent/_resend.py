"""Whether a call that carries no token may be resent: the rule, and the per-call refinements.

The data (verbs, reviewed operations, which operations the request decides) is in
``_resend_table``, with the order the rule reads it in. Loaded at an operation's
first call, with the token table; never on ``import boto3_idempotent``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from . import _resend_table as table
from ._review import REVIEWED_WITH, is_unreviewed

__all__ = ["RefineFn", "ResendClass", "operation_class", "refiner", "verb_of"]

#: A per-call refinement: ``True`` when this request may be resent (idempotent).
RefineFn = Callable[[Mapping[str, Any]], bool]


class ResendClass:
    """How an operation's calls without a token are treated, and where that comes from.

    A plain slotted class, not a NamedTuple: it loads at a client's first call, and each
    NamedTuple class costs import time.

    Attributes:
        kind: ``"idempotent"`` or ``"unsafe"`` (for a per-call operation: the class
            of a request the refinement cannot read).
        source: ``"documented"``, ``"reviewed"``, ``"per call"``, ``"unreviewed"``
            (newer than the review: see ``_review``), ``"method"``, ``"verb"`` or
            ``"default"``.
        reason: Why, in a few words.
        refine: The per-call refinement, or ``None``.
    """

    __slots__ = ("kind", "reason", "refine", "source")

    def __init__(self, kind: str, source: str, reason: str, refine: RefineFn | None = None) -> None:
        """Hold the class, its source, its reason and the refinement."""
        self.kind = kind
        self.source = source
        self.reason = reason
        self.refine = refine

    def __repr__(self) -> str:
        """``ResendClass('unsafe', 'verb', 'Create: ...')``."""
        return f"ResendClass({self.kind!r}, {self.source!r}, {self.reason!r})"


_WORD = re.compile(r"[A-Z][a-z0-9]*")


def verb_of(name: str) -> str | None:
    """The longest prefix of ``name`` in ``VERBS`` that ends at a word boundary."""
    words = _WORD.findall(name)
    for end in range(len(words), 0, -1):
        prefix = "".join(words[:end])
        if prefix in table.VERBS:
            return prefix
    return None


def operation_class(service: str, name: str, protocol: str | None, method: str) -> ResendClass:
    """The class of an operation's calls that carry no token (see ``_resend_table``)."""
    reviewed = table.OPERATIONS.get((service, name))
    if reviewed is not None:
        return ResendClass(reviewed[0], "reviewed", reviewed[1])
    per_call = table.PER_CALL.get((service, name))
    if per_call is not None:
        reason, refine = _PER_CALL_REASONS[per_call], _REFINERS[per_call]
        return ResendClass(table.UNSAFE, "per call", reason, refine)
    verb = verb_of(name)
    if is_unreviewed(service, name):
        return _unreviewed(verb, method)
    if (
        protocol in table.REST_PROTOCOLS
        and method in table.IDEMPOTENT_METHODS
        and verb not in table.ACTS_WHATEVER_THE_METHOD
    ):
        return ResendClass(table.IDEMPOTENT, "method", f"HTTP {method}: idempotent (RFC 9110)")
    if verb is None:
        return ResendClass(table.UNSAFE, "default", "a verb the rule does not know")
    kind, reason = table.VERBS[verb]
    return ResendClass(kind, "verb", f"{verb}: {reason}")


_SAFE_METHODS = frozenset({"GET", "HEAD"})


def _unreviewed(verb: str | None, method: str) -> ResendClass:
    """An operation newer than the review: resent only if it reads."""
    newer = f"newer than the review (botocore {REVIEWED_WITH})"
    if verb in table.READ_VERBS:
        return ResendClass(
            table.IDEMPOTENT, "unreviewed", f"{newer}; {verb}: {table.VERBS[verb][1]}"
        )
    if method in _SAFE_METHODS:
        return ResendClass(table.IDEMPOTENT, "unreviewed", f"{newer}; HTTP {method}: only reads")
    return ResendClass(table.UNSAFE, "unreviewed", f"{newer}: not resent until reviewed")


def refiner(service: str, name: str) -> RefineFn | None:
    """The per-call refinement of an operation, if the request decides its class."""
    key = table.PER_CALL.get((service, name))
    return _REFINERS[key] if key is not None else None


# -- DynamoDB UpdateItem -----------------------------------------------------------------
# An update expression holds no literal values (they are :placeholders) and names that
# clash with reserved words or hold other characters are #placeholders, so a bare ADD
# keyword is the ADD clause, and a + or - is arithmetic.
_ADD_CLAUSE = re.compile(r"(?<![#:\w.])ADD\b", re.IGNORECASE)
_ACCUMULATES = re.compile(r"[+\-]|\blist_append\s*\(", re.IGNORECASE)


def dynamodb_update_item(params: Mapping[str, Any]) -> bool:
    """Whether an ``UpdateItem`` only sets, removes or deletes (resending sets the same).

    Unsafe: an ``ADD`` clause, arithmetic (``SET n = n + :one``), ``list_append``,
    or a legacy ``AttributeUpdates`` entry whose ``Action`` is ``ADD``. Anything the
    check cannot read (not a string, not a mapping) is unsafe.
    """
    expression = params.get("UpdateExpression")
    if expression is not None:
        if not isinstance(expression, str):
            return False
        if _ADD_CLAUSE.search(expression) or _ACCUMULATES.search(expression):
            return False
    updates = params.get("AttributeUpdates")
    if updates is not None:
        if not isinstance(updates, Mapping):
            return False
        for update in updates.values():
            if not isinstance(update, Mapping):
                return False
            if str(update.get("Action", "PUT")).upper() == "ADD":
                return False
    return True


_REFINERS: dict[str, RefineFn] = {"dynamodb_update_item": dynamodb_update_item}
_PER_CALL_REASONS = {
    "dynamodb_update_item": (
        "idempotent when it only sets, removes or deletes; unsafe when it adds"
        " (ADD, SET a = a + :n, list_append)"
    ),
}
