"""Whether a call that carries no token may be resent: the rule, and the per-call refinements.

The data (verbs, reviewed operations, which operations the request decides) is
reviewed in ``_knowledge/resend_table``, with the order the rule reads it in, and read here
from ``_knowledge/loader`` (the client's service only). Loaded at an operation's first
call; never on ``import boto3_idempotent``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .loader import rules, service, verb_reasons
from .review import REVIEWED_WITH, is_unreviewed

if TYPE_CHECKING:
    from .refine import RefineFn

IDEMPOTENT = "idempotent"  # _knowledge/resend_table's words
UNSAFE = "unsafe"

__all__ = [
    "ResendClass",
    "names_the_created_thing",
    "operation_class",
    "refused_errors",
    "verb_of",
]


class ResendClass:
    """How an operation's calls without a token are treated, and where that comes from.

    A plain slotted class, not a NamedTuple: it loads at a client's first call, and each
    NamedTuple class costs import time.

    Attributes:
        kind: ``"idempotent"`` or ``"unsafe"`` (for a per-call operation: the class
            of a request the refinement cannot read).
        source: ``"documented"``, ``"reviewed"``, ``"per call"``, ``"unreviewed"``
            (newer than the review: see ``_knowledge/review``), ``"method"``, ``"verb"`` or
            ``"default"``.
        reason: Why, in a few words.
        refine: The per-call refinement, or ``None``.
    """

    __slots__ = ("_reason", "_verb", "kind", "refine", "source")

    def __init__(
        self,
        kind: str,
        source: str,
        reason: str | None,
        refine: RefineFn | None = None,
        verb: str | None = None,
    ) -> None:
        """Hold the class, its source, its reason (or the verb it is read from), the refinement."""
        self.kind = kind
        self.source = source
        self._reason = reason
        self._verb = verb  # the verb rule: its reason is read when asked for (CLI, docs)
        self.refine = refine

    @property
    def reason(self) -> str:
        """Why, in a few words (for a verb: read from the verbs' reasons, once asked)."""
        reason = self._reason
        if reason is None:
            verb = self._verb or ""
            reason = self._reason = f"{verb}: {verb_reasons().get(verb, '')}"
        return reason

    def __repr__(self) -> str:
        """``ResendClass('unsafe', 'verb', 'Create: ...')``."""
        return f"ResendClass({self.kind!r}, {self.source!r}, {self.reason!r})"


_WORD = re.compile(r"[A-Z][a-z0-9]*")


def verb_of(name: str) -> str | None:
    """The longest prefix of ``name`` in ``VERBS`` that ends at a word boundary."""
    verbs = rules()["verbs"]
    words = _WORD.findall(name)
    for end in range(len(words), 0, -1):
        prefix = "".join(words[:end])
        if prefix in verbs:
            return prefix
    return None


def operation_class(  # noqa: PLR0911  (first match wins: one return a rule)
    service_name: str, name: str, protocol: str | None, method: str, uri: str = ""
) -> ResendClass:
    """The class of an operation's calls that carry no token (see ``_knowledge/resend_table``).

    Args:
        service_name: The botocore service name.
        name: The operation name.
        protocol: The model's protocol (``rest-json``, ``json``, ...).
        method: The operation's HTTP method.
        uri: The operation's request URI (``/{Bucket}``), for the REST method rule.
    """
    entries = service(service_name).of(name)
    reviewed = entries.get("o")
    if reviewed is not None:
        return ResendClass(reviewed[0], "reviewed", reviewed[1])
    per_call = entries.get("p")
    if per_call is not None:
        from .refine import REASONS, REFINERS  # noqa: PLC0415  (per-call operations only)

        return ResendClass(UNSAFE, "per call", REASONS[per_call], REFINERS[per_call])
    when = entries.get("q")
    if when is not None:
        from .refine import condition  # noqa: PLC0415  (per-call operations only)

        return ResendClass(UNSAFE, "per call", when[1], condition(when[0]))
    verb = verb_of(name)
    if is_unreviewed(service_name, name):
        return _unreviewed(verb, method)
    by_method = _by_method(name, verb, protocol, method, uri)
    if by_method is not None:
        return by_method
    if verb is None:
        return ResendClass(UNSAFE, "default", "a verb the rule does not know")
    return ResendClass(rules()["verbs"][verb], "verb", None, verb=verb)


def _by_method(
    name: str, verb: str | None, protocol: str | None, method: str, uri: str
) -> ResendClass | None:
    """The REST method rule: idempotent, or ``None`` where the method does not decide."""
    shared = rules()
    if protocol not in shared["rest"] or method not in shared["methods"] or verb in shared["acts"]:
        return None
    if verb is None or shared["verbs"][verb] == IDEMPOTENT:
        return ResendClass(IDEMPOTENT, "method", f"HTTP {method}: idempotent (RFC 9110)")
    label = names_the_created_thing(name, verb, uri)
    if label is None:  # a creating verb: the method alone is no evidence
        return None
    return ResendClass(
        IDEMPOTENT,
        "method",
        f"HTTP {method} to the URI of the thing it makes ({{{label}}}): a second request"
        " addresses the same one",
    )


_SAFE_METHODS = frozenset({"GET", "HEAD"})


def _unreviewed(verb: str | None, method: str) -> ResendClass:
    """An operation newer than the review: resent only if it reads.

    The verb first: a reading verb reads; any other verb the rules know (``Send``,
    ``Start``, ``Create``, ``Put``) is not resent, whatever the method (a GET can act:
    S3 ``CreateSession``). Only a verb the rules do not know leaves it to the method.
    """
    newer = f"newer than the review (botocore {REVIEWED_WITH})"
    shared = rules()
    if verb is not None and verb in shared["read_verbs"]:
        reason = f"{newer}; {verb}: {verb_reasons()[verb]}"
        return ResendClass(IDEMPOTENT, "unreviewed", reason)
    if verb is None and method in _SAFE_METHODS:
        return ResendClass(IDEMPOTENT, "unreviewed", f"{newer}; HTTP {method}: only reads")
    return ResendClass(UNSAFE, "unreviewed", f"{newer}: not resent until reviewed")


# Patterns, compiled (and cached by ``re``) when a REST PUT of a creating verb is classified.
_LAST_LABEL = r"\{(?P<label>[^}+]+)\+?\}$"
_ID_SUFFIX = r"(?:Name|Id|Identifier|Arn|ARN)$"


def names_the_created_thing(name: str, verb: str, uri: str) -> str | None:
    """The URI's last label when it names what a creating verb makes, else ``None``.

    A REST PUT that creates is idempotent only on evidence that a second request cannot
    make a second thing: its URI ends in the new thing's own name or id
    (``PUT /{Bucket}`` for ``CreateBucket``, ``/vaults/{vaultName}`` for ``CreateVault``).
    A URI that ends in a collection (``PUT /v1/accessTokens``) or in the parent's id
    (``/contact-flows/{InstanceId}/{ContactFlowId}/version``) is no such evidence.
    """
    found = re.search(_LAST_LABEL, uri.split("?", 1)[0].rstrip("/"))
    if found is None:
        return None
    label = found["label"]
    stem = re.sub(_ID_SUFFIX, "", label).lower()
    if label.lower() in ("name", "id") or (stem and stem in name[len(verb) :].lower()):
        return label
    return None


def refused_errors(service_name: str, modeled: Mapping[str, bool]) -> frozenset[str]:
    """The operation's error codes documented to mean it was turned away before it ran."""
    return service(service_name).refused.intersection(modeled)
