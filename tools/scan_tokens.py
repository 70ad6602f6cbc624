"""List the input members of every botocore service model that look like idempotency tokens.

Run it from a checkout, with the botocore you want to check installed::

    python tools/scan_tokens.py                  # a table, one finding a line
    python tools/scan_tokens.py --json           # the findings as a JSON list
    python tools/scan_tokens.py --service route53
    python tools/scan_tokens.py --unreviewed     # only findings missing from _knowledge/token_table

It walks every operation's input shape of every service the installed botocore
knows, at every depth (structures, lists, maps; a shape already on the current
path is not entered again, so recursive shapes end). It reads the raw model
(``session.get_service_data``), with a member's own traits over its shape's, as
botocore's ``ShapeResolver`` does; structures with no candidate anywhere below are
not entered, which keeps the walk to seconds. Only string members are candidates;
strings with an ``enum`` are skipped (a token is never one of a list of values).

A member is a finding when:

* it is **untraited** (no ``idempotencyToken`` trait) and its name or its
  documentation looks like a token (the two rules below); or
* it is **traited**, but neither its name nor its documentation looks like a
  token: a session id, a query id, a resource name that botocore fills with a
  UUID anyway. Traited members whose name or documentation agrees with the trait
  are real tokens and need no review: the model says so.

Name rule (``TOKEN_NAME``, case-insensitive, on the last member name): ends in
``ClientToken`` or ``ClientRequestToken``; or is ``IdempotencyToken``,
``IdempotencyKey``, ``CallerReference``, ``UniqueRequestToken``, ``UniqueId``,
``CreatorRequestId`` or ``Token``.

Documentation rules (``DOC_RULES``, on the member's documentation with HTML
removed, sentence by sentence): "idempoten"; "plan to retry"; "retry" near
"request", "call" or "operation"; "more than once", "no more than one time",
"only occur once", "handled exactly once", "run multiple times", "retries ... multiple",
"operation twice"; "duplicate" after "prevent", "avoid", "without" or
"ensure", or before "request", "job", "call"; "token used for deduplication";
"caller reference".

Pagination members are excluded before any rule applies (``is_pagination``):
a top-level member that is an ``input_token`` of the operation's paginator
(``paginators-1``), or a member named like a page cursor (``NextToken``,
``nextPageToken``, ``PageToken``, ``PaginationToken``, ``ContinuationToken``,
``StartingToken``, ``Marker``, ... see ``PAGINATION_NAME``), at any depth; or a
member named ``Token`` whose documentation speaks of a "page" or "paginated"
results (Pinpoint's ``Get*`` operations have no paginator model). They would
otherwise flood the output with thousands of rows.

Member paths are tuples of member names from the top of the input, e.g.
``("DistributionConfig", "CallerReference")``. A list element is the list's
member name followed by ``"[]"`` (``("Entries", "[]", "ClientToken")``: every
element of ``Entries``); a map value is the map's member name followed by
``"{}"``.

Each finding also carries the documented limit, when the member's documentation
states a length or character constraint that the model does not (``extract_limit``),
e.g. ECS ``clientToken``: "Up to 36 ASCII characters in the range of 33-126
(inclusive) are allowed."

Every finding must be classified, by hand, in ``src/boto3_idempotent/_knowledge/token_table.py``;
``tests/knowledge/test_token_scan.py`` fails when one is not. This tool only finds; the
table is the reviewed result.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import botocore.exceptions
import botocore.session

LIST_ELEMENT = "[]"
MAP_VALUE = "{}"

TOKEN_NAME = re.compile(
    r"\w*clienttoken|\w*clientrequesttoken|idempotency(?:token|key)|callerreference"
    r"|uniquerequesttoken|uniqueid|creatorrequestid|token",
    re.IGNORECASE,
)

PAGINATION_NAME = re.compile(
    r"(?:next|nextpage|page|pagination|continuation|starting|start|list)token|\w*marker",
    re.IGNORECASE,
)

DOC_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("idempotent", re.compile(r"idempoten", re.IGNORECASE)),
    ("plan to retry", re.compile(r"plan to retry", re.IGNORECASE)),
    (
        "retry",
        re.compile(
            r"\bretr(?:y|ies|ied|ying)\b[^.]{0,80}?\b(?:request|call|operation)s?\b"
            r"|\b(?:request|call|operation)s?\b[^.]{0,60}?\bretried\b",
            re.IGNORECASE,
        ),
    ),
    (
        "once",
        re.compile(
            r"more than once|no more than one time|only occur once"
            r"|(?:handled|processed|performed|executed) exactly once"
            r"|\b(?:operation|request|call)s? twice\b"
            r"|\b(?:run|start|started|process|processed|execute|executed)\s+multiple times"
            r"|\bretries\b[^.]{0,30}?\bmultiple\b",
            re.IGNORECASE,
        ),
    ),
    (
        "duplicate",
        re.compile(
            r"\b(?:prevent|avoid|without|ensure)\w*\b[^.]{0,60}?\bduplicat"
            r"|\bduplicate (?:request|job|call|submission)s?\b"
            r"|\btoken used for (?:the )?deduplication\b"
            r"|\binstead of creating a duplicate\b|\bdeduplication id\b",
            re.IGNORECASE,
        ),
    ),
    ("caller reference", re.compile(r"caller ?reference", re.IGNORECASE)),
)

#: Documentation that says a traited token is ignored: the trait is then no promise.
IGNORED_DOC = re.compile(
    r"\bnot used\b|reserved for future use|\bhave no effect\b|\bhas no effect\b"
    r"|\bcurrently unused\b",
    re.IGNORECASE,
)

# Every documentation rule needs one of these words (lowercase): a cheap test first.
_DOC_WORDS = ("idempoten", "retr", "once", "one time", "multiple", "twice", "duplicat", "caller")
_PAGES = re.compile(r"\bpage\b|paginat", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


class _LimitRule(NamedTuple):
    """How one documented wording of a limit reads: ``kind`` names the character set."""

    example: str
    rule: re.Pattern[str]
    kind: str


# Documented limits: a length, and the characters allowed. The first rule that matches
# a sentence reads it; tests check each rule against its example.
_LIMIT_RULES: tuple[_LimitRule, ...] = (
    _LimitRule(
        "Up to 36 ASCII characters in the range of 33-126 (inclusive) are allowed.",
        re.compile(
            r"up to (?P<max>\d+) ASCII characters in the range of (?P<lo>\d+)\s*-\s*(?P<hi>\d+)",
            re.IGNORECASE,
        ),
        "range",
    ),
    _LimitRule(
        "A unique string with a max of 64 ASCII characters in the ASCII range of 33 - 126.",
        re.compile(
            r"max of (?P<max>\d+) ASCII characters in the ASCII range of"
            r" (?P<lo>\d+)\s*-\s*(?P<hi>\d+)",
            re.IGNORECASE,
        ),
        "range",
    ),
    _LimitRule(
        "The value must not exceed sixty-four alphanumeric characters.",
        re.compile(
            r"must not exceed (?P<max>\d+|sixty-four|thirty-two) alphanumeric characters",
            re.IGNORECASE,
        ),
        "alnum",
    ),
    _LimitRule(
        "The valid characters are characters in the range of 33-126, inclusive.",
        re.compile(r"characters in the range of (?P<lo>\d+)\s*-\s*(?P<hi>\d+)", re.IGNORECASE),
        "range",
    ),
    _LimitRule(
        "Up to 36 letters, numbers, hyphens, and underscores are allowed.",
        re.compile(r"up to (?P<max>\d+) letters, numbers, hyphens, and underscores", re.IGNORECASE),
        "word-hyphen",
    ),
    _LimitRule(
        "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters.",
        re.compile(
            r"(?P<min>\d+) to (?P<max>\d+) alphanumeric or '-_\.' characters", re.IGNORECASE
        ),
        "alnum-dot",
    ),
    _LimitRule(
        "Must be 1-64 characters long and contain only alphanumeric characters, underscores, "
        "and hyphens.",
        re.compile(
            r"(?P<min>\d+)-(?P<max>\d+) characters long and contain only alphanumeric "
            r"characters, underscores, and hyphens",
            re.IGNORECASE,
        ),
        "word-hyphen",
    ),
    _LimitRule(
        # Every printable ASCII character but the space.
        "The MessageDeduplicationId can contain up to 128 alphanumeric characters (a-z, A-Z, "
        "0-9) and punctuation.",
        re.compile(
            r"can contain (?:up to (?P<max>\d+) )?alphanumeric characters \(\s*a-z\s*,\s*A-Z\s*,"
            r"\s*0-9\s*\) and punctuation",
            re.IGNORECASE,
        ),
        "graphic",
    ),
    _LimitRule(
        "The maximum length of MessageDeduplicationId is 128 characters.",
        re.compile(r"(?:maximum )?length of \w+ is (?P<max>\d+) characters", re.IGNORECASE),
        "length",
    ),
    _LimitRule(
        # Also "Maximum 128 ASCII characters", "Maximum token length is 48 characters",
        # "Up to 64 characters are allowed", "Up to 255 UTF-8 characters in length".
        "A client token is a unique, case-sensitive string of up to 64 ASCII characters.",
        re.compile(
            r"(?:up to|maximum(?: token length is)?) (?P<max>\d+) (?:ASCII |UTF-8 )?characters",
            re.IGNORECASE,
        ),
        "length",
    ),
)

_CHARSETS = {
    "alnum": "[A-Za-z0-9]+",
    "graphic": "[!-~]+",
    "word-hyphen": "[A-Za-z0-9_-]+",
    "alnum-dot": "[A-Za-z0-9._-]+",
}


@dataclass(frozen=True)
class DocumentedLimit:
    """A constraint the documentation states, as data.

    Attributes:
        min_length: The documented minimum, or ``None``.
        max_length: The documented maximum, or ``None``.
        pattern: The allowed characters as a regular expression matched against the
            whole value, or ``None`` (any printable ASCII).
        sentence: The sentence it was read from.
    """

    min_length: int | None
    max_length: int | None
    pattern: str | None
    sentence: str


@dataclass(frozen=True)
class Finding:
    """One member of one operation's input that looks like an idempotency token.

    Attributes:
        service: The botocore service name, e.g. ``"route53"``.
        operation: The operation name, e.g. ``"CreateHostedZone"``.
        path: Member names from the top of the input (``"[]"``: each list element,
            ``"{}"``: each map value).
        traited: Whether the model gives it the ``idempotencyToken`` trait.
        required: Whether its parent structure requires it.
        min_length: The shape's ``min``, or ``None``.
        max_length: The shape's ``max``, or ``None``.
        pattern: The shape's ``pattern``, or ``None``.
        matched_by: Which rules matched: ``"name"`` and/or documentation rule names,
            or ``"trait"`` for a traited member that nothing else supports.
        sentence: The first documentation sentence a documentation rule matched, else
            the first sentence of the documentation.
        limit: The documented limit, where the documentation adds one to the model.
    """

    service: str
    operation: str
    path: tuple[str, ...]
    traited: bool
    required: bool
    min_length: int | None
    max_length: int | None
    pattern: str | None
    matched_by: tuple[str, ...]
    sentence: str
    limit: DocumentedLimit | None

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        """``(service, operation, path)``: how the table names this member."""
        return (self.service, self.operation, self.path)


def plain_text(documentation: str) -> str:
    """The documentation without HTML tags and entities, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", documentation))).strip()


def sentences(text: str) -> list[str]:
    """Split plain text into sentences (roughly: at a stop followed by a capital)."""
    return [s for s in _SENTENCE_END.split(text) if s]


def doc_matches(text: str) -> tuple[tuple[str, ...], str]:
    """Which documentation rules match ``text``, and the first sentence that matched."""
    names: list[str] = []
    first = ""
    lowered = text.lower()
    if not any(word in lowered for word in _DOC_WORDS):
        return (), ""  # fast path: no rule can match without one of these words
    for sentence in sentences(text):
        for name, rule in DOC_RULES:
            if rule.search(sentence):
                if name not in names:
                    names.append(name)
                first = first or sentence
    return tuple(names), first


def extract_limit(
    text: str, model_max: int | None, model_pattern: str | None
) -> DocumentedLimit | None:
    """The documented limit that the model does not already state, or ``None``.

    The first documented length and the first documented character set count, each
    from whichever sentence states it. A length counts when the model has no ``max``
    or a larger one; a character set counts when the model has no ``pattern``.
    """
    low: int | None = None
    high: int | None = None
    pattern: str | None = None
    used: list[str] = []
    for sentence in sentences(text):
        for _, rule, kind in _LIMIT_RULES:
            found = rule.search(sentence)
            if not found:
                continue
            groups = found.groupdict()
            if high is None and groups.get("max"):
                high = _number(groups["max"] or "")
                low = int(groups["min"]) if groups.get("min") else None
                used.append(sentence)
            charset = _charset(kind, groups)
            if pattern is None and charset is not None:
                pattern = charset
                if sentence not in used:
                    used.append(sentence)
            break
    adds_length = high is not None and (model_max is None or high < model_max)
    adds_charset = pattern is not None and model_pattern is None
    if not (adds_length or adds_charset):
        return None
    return DocumentedLimit(
        low if adds_length else None,
        high if adds_length else None,
        pattern if adds_charset else None,
        " ".join(used),
    )


_NUMBER_WORDS = {"thirty-two": 32, "sixty-four": 64}


def _number(text: str) -> int:
    """``"64"`` or ``"sixty-four"`` as 64."""
    return _NUMBER_WORDS[text.lower()] if text.lower() in _NUMBER_WORDS else int(text)


def _charset(kind: str, groups: Mapping[str, str | None]) -> str | None:
    if kind == "range":
        return f"[\\x{int(groups['lo'] or 0):02x}-\\x{int(groups['hi'] or 0):02x}]+"
    return _CHARSETS.get(kind)


def is_pagination(name: str, depth: int, input_tokens: Sequence[str], text: str) -> bool:
    """Whether a member is a page cursor (see the module docstring for the rule)."""
    if depth == 1 and name in input_tokens:
        return True
    if PAGINATION_NAME.fullmatch(name):
        return True
    return name.lower() == "token" and _PAGES.search(text) is not None


def _resolve(shapes: Mapping[str, Any], ref: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    # As botocore's ShapeResolver: a member reference's own traits override the shape's.
    name = ref["shape"]
    shape = shapes[name]
    if len(ref) > 1:
        shape = {**shape, **{k: v for k, v in ref.items() if k != "shape"}}
    return name, shape


class _Service:
    """One service's raw model, with what the walk needs to skip most of it."""

    def __init__(self, model: Mapping[str, Any]) -> None:
        self.shapes: Mapping[str, Any] = model["shapes"]
        self._docs: dict[str, tuple[str, tuple[str, ...], str]] = {}
        self.interesting = self._interesting_structures()

    def documentation(self, shape: Mapping[str, Any]) -> tuple[str, tuple[str, ...], str]:
        """``(plain text, documentation rules matched, first matching sentence)``, cached."""
        documentation = shape.get("documentation", "")
        if documentation not in self._docs:
            text = plain_text(documentation)
            self._docs[documentation] = (text, *doc_matches(text))
        return self._docs[documentation]

    def candidate(self, name: str, shape: Mapping[str, Any]) -> bool:
        """Whether a string member could be a finding (before the pagination rule)."""
        return bool(
            shape.get("idempotencyToken")
            or TOKEN_NAME.fullmatch(name)
            or self.documentation(shape)[1]
        )

    def _innermost(self, ref: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
        # Through lists and maps to the element shape.
        name, shape = _resolve(self.shapes, ref)
        while shape["type"] in {"list", "map"}:
            name, shape = _resolve(
                self.shapes, shape["member" if shape["type"] == "list" else "value"]
            )
        return name, shape

    def _interesting_structures(self) -> frozenset[str]:
        # Structures whose subtree holds a candidate string: the walk enters no others.
        # A fixed point over the shape graph, so recursive shapes need no special case.
        parents: dict[str, set[str]] = {}
        found: set[str] = set()
        for name, shape in self.shapes.items():
            if shape["type"] != "structure":
                continue
            for member, ref in shape.get("members", {}).items():
                inner_name, inner = self._innermost(ref)
                if inner["type"] == "structure":
                    parents.setdefault(inner_name, set()).add(name)
                elif _is_text(inner) and self.candidate(member, inner):
                    found.add(name)
        queue = list(found)
        while queue:
            for parent in parents.get(queue.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    queue.append(parent)
        return frozenset(found)

    def strings(
        self,
        ref: Mapping[str, Any],
        path: tuple[str, ...] = (),
        *,
        required: bool = False,
        entered: frozenset[str] = frozenset(),
    ) -> Iterator[tuple[tuple[str, ...], bool, Mapping[str, Any]]]:
        """Every string member under ``ref`` that could be a finding, with its path."""
        name, shape = _resolve(self.shapes, ref)
        kind = shape["type"]
        if kind == "structure":
            if name in entered or name not in self.interesting:
                return  # recursive (each shape once per path), or nothing to find below
            inner = entered | {name}
            needed = set(shape.get("required", ()))
            for member, member_ref in shape.get("members", {}).items():
                yield from self.strings(
                    member_ref, (*path, member), required=member in needed, entered=inner
                )
        elif kind == "list":
            yield from self.strings(
                shape["member"], (*path, LIST_ELEMENT), required=False, entered=entered
            )
        elif kind == "map":
            yield from self.strings(
                shape["value"], (*path, MAP_VALUE), required=False, entered=entered
            )
        elif _is_text(shape) and self.candidate(_last_name(path), shape):
            yield path, required, shape


def _is_text(shape: Mapping[str, Any]) -> bool:
    return shape["type"] == "string" and "enum" not in shape


def _last_name(path: tuple[str, ...]) -> str:
    return next(p for p in reversed(path) if p not in {LIST_ELEMENT, MAP_VALUE})


def scan_service(
    service: str, model: Mapping[str, Any], paginators: Mapping[str, Any]
) -> Iterator[Finding]:
    """Findings of one service, from its raw ``service-2`` and ``paginators-1`` data."""
    walk = _Service(model)
    for operation, spec in model["operations"].items():
        if "input" not in spec:
            continue
        input_token = paginators.get(operation, {}).get("input_token", ())
        input_tokens = [input_token] if isinstance(input_token, str) else list(input_token)
        for path, required, shape in walk.strings(spec["input"]):
            name = _last_name(path)
            text, by_doc, sentence = walk.documentation(shape)
            if is_pagination(name, len(path), input_tokens, text):
                continue
            by_name = TOKEN_NAME.fullmatch(name) is not None
            traited = bool(shape.get("idempotencyToken"))
            ignored = IGNORED_DOC.search(text) if traited else None
            if traited and not text:
                matched: tuple[str, ...] = ("trait", "undocumented")
            elif ignored is not None:
                matched = ("trait", "ignored")
                sentence = next(s for s in sentences(text) if IGNORED_DOC.search(s))
            elif traited and (by_name or by_doc):
                continue  # a token by the model's word and ours: nothing to review
            else:
                matched = ("trait",) if traited else (("name",) if by_name else ()) + by_doc
            first = sentences(text)[0] if text else ""
            yield Finding(
                service=service,
                operation=operation,
                path=path,
                traited=traited,
                required=required,
                min_length=shape.get("min"),
                max_length=shape.get("max"),
                pattern=shape.get("pattern"),
                matched_by=matched,
                sentence=sentence or first,
                limit=extract_limit(text, shape.get("max"), shape.get("pattern")),
            )


def documented_limits(
    service: str, model: Mapping[str, Any], paginators: Mapping[str, Any]
) -> Iterator[tuple[tuple[str, str, tuple[str, ...]], DocumentedLimit]]:
    """Documented limits of the traited token members that :func:`scan_service` skips.

    Traited members whose name or documentation agrees with the trait are not
    findings, but their documentation may still bound them (ECS ``clientToken``).
    """
    del paginators  # same signature as scan_service, for the caller's loop
    shapes = model["shapes"]
    for operation, spec in model["operations"].items():
        if "input" not in spec:
            continue
        input_shape = _resolve(shapes, spec["input"])[1]
        for member, ref in input_shape.get("members", {}).items():
            shape = _resolve(shapes, ref)[1]
            if not shape.get("idempotencyToken") or shape.get("type") != "string":
                continue
            text = plain_text(shape.get("documentation", ""))
            limit = extract_limit(text, shape.get("max"), shape.get("pattern"))
            if limit is not None:
                yield (service, operation, (member,)), limit


def service_data(session: Any, service: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The raw ``service-2`` and ``paginators-1`` data of one service."""
    model = session.get_service_data(service)
    loader = session.get_component("data_loader")
    try:
        paginators = loader.load_service_model(service, "paginators-1")["pagination"]
    except botocore.exceptions.DataNotFoundError:
        paginators = {}
    return model, paginators


def scan(
    services: Sequence[str] | None = None, session: Any = None
) -> tuple[list[Finding], dict[tuple[str, str, tuple[str, ...]], DocumentedLimit]]:
    """Scan ``services`` (default: all the installed botocore knows).

    Returns:
        The findings, and the documented limits of every token member (findings and
        traited tokens alike), keyed by ``(service, operation, path)``.
    """
    session = session or botocore.session.get_session()
    findings: list[Finding] = []
    limits: dict[tuple[str, str, tuple[str, ...]], DocumentedLimit] = {}
    for service in services or session.get_available_services():
        model, paginators = service_data(session, service)
        found = list(scan_service(service, model, paginators))
        findings.extend(found)
        limits.update((f.key, f.limit) for f in found if f.limit is not None)
        limits.update(documented_limits(service, model, paginators))
    return findings, limits


def _row(finding: Finding) -> str:
    size = f"{finding.min_length or ''}..{finding.max_length or ''}"
    flags = ("T" if finding.traited else "-") + ("R" if finding.required else "-")
    pattern = f" /{finding.pattern}/" if finding.pattern else ""
    limit = ""
    if finding.limit is not None:
        limit = f" doc-limit={finding.limit.max_length} {finding.limit.pattern or ''}".rstrip()
    return (
        f"{finding.service} {finding.operation} {'.'.join(finding.path)} {flags} {size}"
        f"{pattern}{limit} [{','.join(finding.matched_by)}] {finding.sentence}"
    )


def _unreviewed(findings: list[Finding]) -> list[Finding]:
    try:
        from boto3_idempotent._knowledge import token_table as _token_table  # noqa: PLC0415  (only for --unreviewed)
    except ImportError:  # run from a checkout without the package installed
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        from boto3_idempotent._knowledge import token_table as _token_table  # noqa: PLC0415

    return [f for f in findings if _token_table.classify(*f.key) is None]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the findings; the exit status is 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--service", action="append", help="scan only this service (repeatable)")
    parser.add_argument("--unreviewed", action="store_true", help="only findings token_table lacks")
    args = parser.parse_args(argv)
    findings, _ = scan(args.service)
    if args.unreviewed:
        findings = _unreviewed(findings)
    if args.json:
        json.dump([asdict(f) for f in findings], sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.writelines(_row(f) + "\n" for f in findings)
        sys.stdout.write(f"# {len(findings)} findings (flags: T traited, R required)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
