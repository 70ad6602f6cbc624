"""List the evidence that an operation filed as unsafe cannot act twice.

Run it from a checkout, with the botocore you want to check installed::

    python tools/scan_evidence.py                  # a table: one unsafe operation a line
    python tools/scan_evidence.py --json           # every signal, with its quote
    python tools/scan_evidence.py --service stepfunctions
    python tools/scan_evidence.py --unreviewed     # only candidates the table has not decided

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
``src/boto3_idempotent/_resend_evidence.py``; then ``python tools/write_knowledge.py``.
``tests/test_resend_table.py`` fails on the reviewed release when an operation a
wrapped client refuses to resend has no decision in the review (a new verb, a table
change); on any other release it reports them.

The Smithy traits are right in most cases where they disagree with the verb, and wrong
in some: the review of botocore 1.44.18 overruled ``@idempotent`` on b2bi's creates
(their ``clientToken`` is "Reserved for future use"), CloudTrail ``StartQuery``, Inspector
``CreateSbomExport``, Redshift Serverless ``CreateUsageLimit``, re:Post ``SendInvites``,
Timestream ``ExecuteScheduledQuery``, Step Functions ``StartExecution`` (only a named
STANDARD execution), and ``@readonly`` on IVS Real-Time ``ImportPublicKey``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import botocore.session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from boto3_idempotent import _resend_table as table
from boto3_idempotent._commands import _rows

SMITHY = Path(__file__).parent / "data" / "smithy_traits.json"
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


def main(argv: Sequence[str] | None = None) -> int:
    """Print the evidence."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", action="append", help="only this service (repeatable)")
    parser.add_argument("--json", action="store_true", help="a JSON list, every quote")
    parser.add_argument("--unreviewed", action="store_true", help="only undecided candidates")
    args = parser.parse_args(argv)
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
