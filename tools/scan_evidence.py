"""List the evidence that an operation filed as unsafe cannot act twice.

Run it from a checkout, with the botocore you want to check installed::

    python tools/scan_evidence.py                  # a table: one unsafe operation a line
    python tools/scan_evidence.py --json           # every signal, with its quote
    python tools/scan_evidence.py --service stepfunctions
    python tools/scan_evidence.py --unreviewed     # only candidates the table has not decided
    python tools/scan_evidence.py --reopened       # inferred decisions whose model text changed
    python tools/scan_evidence.py --mark-inferred  # after re-reading them: their digests now

An operation is listed when a wrapped client would refuse to resend a call of it
after an ambiguous failure: it carries no token or caller reference and its resend
class is unsafe. For each, the signals that a second request cannot leave a second
thing, each with where it comes from and its quote:

``smithy``
    AWS's own Smithy model marks it ``@idempotent`` or ``@readonly``
    (``tools/data/smithy_traits.json``, distilled by ``tools/distill_smithy.py``).
``exists``
    A modeled error that a second create of the same key gets: ``*AlreadyExists*``,
    ``*Duplicate*``, ``*ResourceInUse*``, ``*Exists*``, ``*Conflict*`` (the last is
    weak: many services answer a conflict for a concurrent change too).
``key``
    A required top-level member naming the new thing (``Name``, ``*Name``, ``*Id``,
    ``*Identifier``), and documentation of it saying "unique" or "must not already
    exist".
``doc``
    The operation's documentation saying "idempotent", "already exists", "returns the
    existing" or "overwrites"; or saying what acts twice ("sends", "charges",
    "new version", "each time").

No signal decides alone. Every listed operation is read (its documentation, its
members', its errors') and decided: the decision and its why go to
``tools/data/resend_review.json``, and each one judged idempotent, or judged unsafe
despite a strong signal (``smithy``, or ``exists`` with a ``key``), to
``src/boto3_idempotent/_knowledge/resend_evidence.py``; then ``python tools/write_knowledge.py``.
``tests/knowledge/test_resend_table.py`` fails on the reviewed release when an operation a
wrapped client refuses to resend has no decision in the review (a new verb, a table
change); on any other release it reports them.

Some decisions rest on indirect evidence: the name is the key in the URI, a Smithy or
botocore flag with no text, a modeled error whose text does not say "already exists", or
what the operation is known to do, with no model text quoted. Review round 5 marked those
459 *inferred* (461, less two that are request conditions now; ``tools/data/inferred.json``,
with the rule and each entry's basis) and recorded a digest of what each was read from
(``documentation_digest``: the operation as modeled, its input members and their
documentation, its errors). On a later botocore whose
model changes any of that, the entry is *re-opened*: ``--reopened`` lists it, and
``tests/knowledge/test_resend_table.py`` reports it (fails, on the reviewed release). A
reviewer reads it again, moves it in ``_knowledge/resend_evidence.py`` if the new text
says otherwise (or drops it from the file, when the new text is direct evidence), then
``--mark-inferred`` records the digests of the release read.

The Smithy traits are right in most cases where they disagree with the verb, and wrong
in some: the review of botocore 1.44.18 overruled ``@idempotent`` on b2bi's creates
(their ``clientToken`` is "Reserved for future use"), CloudTrail ``StartQuery``, Inspector
``CreateSbomExport``, Redshift Serverless ``CreateUsageLimit``, re:Post ``SendInvites``,
Timestream ``ExecuteScheduledQuery``, Step Functions ``StartExecution`` (only a named
STANDARD execution), and ``@readonly`` on IVS Real-Time ``ImportPublicKey``.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import botocore
import botocore.loaders
import botocore.session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from boto3_idempotent._cli.commands import _rows
from boto3_idempotent._knowledge import resend_table as table

SMITHY = Path(__file__).parent / "data" / "smithy_traits.json"
INFERRED = Path(__file__).parent / "data" / "inferred.json"
EXISTS = re.compile(r"AlreadyExist|Duplicate|ResourceInUse|Exists|Conflict", re.IGNORECASE)
STRONG_EXISTS = re.compile(r"AlreadyExist|Duplicate|ResourceInUse|Exists", re.IGNORECASE)
KEY = re.compile(r"^(?:Name|.*Name|.*Id|.*Identifier|.*ID)$")
UNIQUE = re.compile(
    r"[^.]*\b(?:unique|must not already exist|already exists?)\b[^.]*\.?", re.IGNORECASE
)
DOC_SAYS = re.compile(
    r"[^.]*\b(?:idempoten\w*|already exists?|returns? the existing|overwrit\w*|"
    r"each time|new version|sends?|charges?|bill\w*)\b[^.]*\.?",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]+>")


def text(doc: str | None) -> str:
    """Documentation without HTML, on one line."""
    return " ".join(html.unescape(_TAG.sub(" ", doc or "")).split())


def smithy_traits() -> tuple[str, dict[str, dict[str, str]]]:
    """The source of the distilled traits, and ``{service: {operation: trait}}``."""
    data = json.loads(SMITHY.read_text())
    found: dict[str, dict[str, str]] = {}
    for service, traits in data["services"].items():
        for trait, operations in traits.items():
            for operation in operations:
                found.setdefault(service, {})[operation] = trait
    return data["source"], found


def evidence(session: Any, service: str, traits: dict[str, str]) -> Iterator[dict[str, Any]]:
    """The signals of each unsafe, unprotected operation of one service."""
    raw = session.get_service_data(service)
    shapes = raw["shapes"]
    unsafe = [r for r in _rows(session, service) if r.resend == "unsafe"]
    for row in unsafe:
        op = raw["operations"][row.operation]
        errors = [e["shape"] for e in op.get("errors", []) if EXISTS.search(e["shape"])]
        shape = shapes.get(op.get("input", {}).get("shape", ""), {})
        keys = [member for member in shape.get("required", []) if KEY.match(member)]
        unique = []
        for member, ref in shape.get("members", {}).items():
            doc = text(
                ref.get("documentation") or shapes.get(ref["shape"], {}).get("documentation")
            )
            quote = UNIQUE.search(doc)
            if quote:
                unique.append(f"{member}: {quote.group(0).strip()[:200]}")
        doc = text(op.get("documentation"))
        http = op.get("http", {})
        yield {
            "service": service,
            "operation": row.operation,
            "source": row.source,
            "reason": row.reason,
            "method": http.get("method"),
            "uri": http.get("requestUri"),
            "smithy": traits.get(row.operation),
            "exists": errors,
            "key": keys,
            "unique": unique,
            "doc": [m.group(0).strip()[:240] for m in DOC_SAYS.finditer(doc)][:6],
            "documentation": doc[:600],
            "strong": bool(traits.get(row.operation))
            or (any(STRONG_EXISTS.search(e) for e in errors) and bool(keys)),
            "decided": (service, row.operation) in table.OPERATIONS,
        }


def published_model(service: str) -> dict[str, Any]:
    """``service``'s model as botocore ships it (a fresh loader: no handler has edited it)."""
    return dict(botocore.loaders.create_loader().load_service_model(service, "service-2"))


def documentation_digest(model: dict[str, Any], operation: str) -> str:
    """A digest of what a decision about ``operation`` was read from, in its service's model.

    The operation as modeled (documentation, HTTP method and URI, flags, its errors with
    their documentation), its input's required members and each member's reference and
    documentation: a later model that edits any of these changes the digest.
    """
    shapes = model["shapes"]
    op = model["operations"][operation]
    given = shapes.get(op.get("input", {}).get("shape", ""), {})
    read = {
        "operation": op,
        "required": given.get("required", []),
        "members": {
            name: [ref, shapes.get(ref["shape"], {}).get("documentation")]
            for name, ref in given.get("members", {}).items()
        },
        "errors": {
            error["shape"]: shapes.get(error["shape"], {}).get("documentation")
            for error in op.get("errors", [])
        },
    }
    return hashlib.sha256(json.dumps(read, sort_keys=True).encode()).hexdigest()[:16]


def inferred_entries() -> dict[str, dict[str, str]]:
    """``{"service:Operation": {"basis": ..., "digest": ...}}``: ``tools/data/inferred.json``."""
    return dict(json.loads(INFERRED.read_text())["entries"])


CHANGED = "its model differs from the one read (documentation, members or errors)"


def reopened(
    entries: dict[str, dict[str, str]],
    load: Callable[[str], dict[str, Any]] = published_model,
    available: Collection[str] | None = None,
) -> list[str]:
    """The inferred entries whose model text differs from the one they were read from.

    Args:
        entries: ``inferred_entries()``.
        load: A service's model, by name.
        available: The installed botocore's services (default: every one ``load`` knows).
    """
    models: dict[str, dict[str, Any] | None] = {}
    found = []
    for key, entry in sorted(entries.items()):
        service, operation = key.split(":", 1)
        if service not in models:
            known = available is None or service in available
            models[service] = load(service) if known else None
        model = models[service]
        if model is None or operation not in model["operations"]:
            found.append(f"{key} ({entry['basis']}): no longer in the model")
        elif documentation_digest(model, operation) != entry["digest"]:
            found.append(f"{key} ({entry['basis']}): {CHANGED}")
    return found


def mark_inferred(release: str) -> int:
    """Record each inferred entry's digest on the installed botocore; say how many changed."""
    data = json.loads(INFERRED.read_text())
    changed = 0
    for key, entry in data["entries"].items():
        service, operation = key.split(":", 1)
        digest = documentation_digest(published_model(service), operation)
        changed += digest != entry["digest"]
        entry["digest"] = digest
    data["read_with"] = release
    INFERRED.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """Print the evidence."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", action="append", help="only this service (repeatable)")
    parser.add_argument("--json", action="store_true", help="a JSON list, every quote")
    parser.add_argument("--unreviewed", action="store_true", help="only undecided candidates")
    parser.add_argument(
        "--reopened", action="store_true", help="inferred decisions whose model text changed"
    )
    parser.add_argument(
        "--mark-inferred", action="store_true", help="record the inferred entries' digests now"
    )
    args = parser.parse_args(argv)
    if args.mark_inferred:
        changed = mark_inferred(botocore.__version__)
        sys.stdout.write(f"{changed} inferred entries' digests changed; {INFERRED} updated\n")
        return 0
    if args.reopened:
        session = botocore.session.get_session()
        found = reopened(inferred_entries(), available=session.get_available_services())
        sys.stdout.writelines(f"{line}\n" for line in found)
        release = botocore.__version__
        sys.stdout.write(f"{len(found)} inferred decisions re-opened on botocore {release}\n")
        return 0
    source, traits = smithy_traits()
    session = botocore.session.get_session()
    rows = [
        item
        for service in args.service or session.get_available_services()
        for item in evidence(session, service, traits.get(service, {}))
        if not args.unreviewed or not item["decided"]
    ]
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    for item in rows:
        signals = [
            f"smithy:{item['smithy']}" if item["smithy"] else "",
            f"exists:{','.join(item['exists'])}" if item["exists"] else "",
            f"key:{','.join(item['key'])}" if item["key"] else "",
            "unique" if item["unique"] else "",
        ]
        mark = "*" if item["strong"] else " "
        shown = " ".join(s for s in signals if s)
        sys.stdout.write(f"{mark} {item['service']}.{item['operation']}  {shown}\n")
    strong = sum(item["strong"] for item in rows)
    sys.stdout.write(
        f"{len(rows)} unsafe operations; {strong} with a strong signal (*); Smithy: {source}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
