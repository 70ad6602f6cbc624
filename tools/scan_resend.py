"""Classify every operation of the installed botocore's models by resend safety.

Run it from a checkout, with the botocore you want to check installed::

    python tools/scan_resend.py                  # a table, one operation a line
    python tools/scan_resend.py --json           # the same as a JSON list
    python tools/scan_resend.py --service s3
    python tools/scan_resend.py --unreviewed     # what no table classifies yet

Each operation gets the class a call *without a token* would get
(``src/boto3_idempotent/_knowledge/resend.py``, whose order is documented in
``_knowledge/resend_table.py``): ``idempotent`` or ``unsafe``, with its source and reason.
Token-carrying operations are listed too (their class matters when a caller
reference is left out); ``python -m boto3_idempotent operations`` shows which are
protected.

``--unreviewed`` prints, and exits 1 on, what needs a review after a botocore
upgrade: operations whose verb is in no table (they are treated as unsafe by
default), operations newer than the reviewed release (``_knowledge/review``: resent only if
they read), and reviewed entries (``OPERATIONS``, ``PER_CALL``) whose operation the
models no longer have. ``tests/knowledge/test_resend_table.py`` fails on the same.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import botocore.session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from boto3_idempotent._knowledge import resend_table as table
from boto3_idempotent._knowledge.resend import operation_class, verb_of
from boto3_idempotent._knowledge.review import REVIEWED_WITH


@dataclass(frozen=True)
class Classified:
    """One operation and the class of its calls without a token."""

    service: str
    operation: str
    protocol: str
    method: str
    verb: str | None
    resend: str
    source: str
    reason: str


def classify_all(
    session: botocore.session.Session, services: Sequence[str]
) -> Iterator[Classified]:
    """Every operation of ``services``, classified from the raw models."""
    for service in services:
        data = session.get_service_data(service)
        protocol = data["metadata"].get("protocol", "")
        for name, operation in data["operations"].items():
            method = operation.get("http", {}).get("method", "POST")
            uri = operation.get("http", {}).get("requestUri", "")
            found = operation_class(service, name, protocol, method, uri)
            yield Classified(
                service,
                name,
                protocol,
                method,
                verb_of(name),
                found.kind,
                found.source,
                found.reason,
            )


def unreviewed(rows: Sequence[Classified]) -> list[str]:
    """What needs a review: unknown verbs, newer operations, entries the models lack."""
    problems = [
        f"{r.service}.{r.operation}: verb {r.operation!r} is in no table (unsafe by default)"
        for r in rows
        if r.source == "default"
    ]
    problems.extend(
        f"{r.service}.{r.operation}: newer than the review (botocore {REVIEWED_WITH}), {r.resend}"
        for r in rows
        if r.source == "unreviewed"
    )
    present = {(r.service, r.operation) for r in rows}
    scanned = {r.service for r in rows}
    for name, entries in (("OPERATIONS", table.OPERATIONS), ("PER_CALL", table.PER_CALL)):
        problems.extend(
            f"{service}.{operation}: in {name}, but not in the models"
            for service, operation in sorted(entries)
            if service in scanned and (service, operation) not in present
        )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Print the classification, or what is unreviewed (exit 1 if anything is)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--service", action="append", help="only this service (repeatable)")
    parser.add_argument("--json", action="store_true", help="a JSON list")
    parser.add_argument("--unreviewed", action="store_true", help="only what needs a review")
    args = parser.parse_args(argv)
    session = botocore.session.get_session()
    services = args.service or session.get_available_services()
    rows = list(classify_all(session, services))
    if args.unreviewed:
        problems = unreviewed(rows)
        sys.stdout.write("\n".join(problems) if problems else "nothing unreviewed")
        sys.stdout.write("\n")
        return 1 if problems else 0
    if args.json:
        json.dump([asdict(r) for r in rows], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    sys.stdout.writelines(
        f"{r.service}\t{r.operation}\t{r.resend}\t{r.source}\t{r.reason}\n" for r in rows
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
