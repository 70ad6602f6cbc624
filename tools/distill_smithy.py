"""Distil AWS's own Smithy traits (``@idempotent``, ``@readonly``) into a small data file.

AWS publishes its service models in Smithy, with traits botocore's JSON models drop:
``smithy.api#idempotent`` (a second identical request has no further effect) and
``smithy.api#readonly`` (the operation only reads). ``tools/scan_evidence.py`` shows
them beside each unsafe operation as one signal among others; they are never read at
run time and never applied unreviewed (they are wrong for some operations: Step
Functions ``StartExecution`` is ``@idempotent`` only for a named STANDARD workflow).

Run it once against a checkout of https://github.com/aws/api-models-aws (the
directory that holds ``<service>/service/<version>/<service>-<version>.json``)::

    python tools/distill_smithy.py /path/to/api-models-aws \
        --source "aws/api-models-aws@<sha> (<date>)"

It writes ``tools/data/smithy_traits.json``: the source, and for each botocore service
name (matched on the Smithy ``aws.api#service`` ``sdkId``, which is botocore's
``serviceId``) the operations that carry either trait.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import botocore.session

OUT = Path(__file__).parent / "data" / "smithy_traits.json"
TRAITS = {"smithy.api#idempotent": "idempotent", "smithy.api#readonly": "readonly"}


def _botocore_names() -> dict[str, str]:
    """``serviceId`` -> botocore service name, for the installed botocore."""
    session = botocore.session.get_session()
    names = {}
    for name in session.get_available_services():
        service_id = session.get_service_data(name)["metadata"].get("serviceId")
        if service_id:
            names[service_id.lower()] = name
    return names


def distill(root: Path) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    """The traits of every model under ``root``, and the sdkIds botocore does not know."""
    names = _botocore_names()
    services: dict[str, dict[str, list[str]]] = {}
    unknown = []
    for path in sorted(root.glob("*/service/*/*.json")):
        shapes = json.loads(path.read_text())["shapes"]
        sdk_id = next(
            (
                s["traits"]["aws.api#service"]["sdkId"]
                for s in shapes.values()
                if s["type"] == "service" and "aws.api#service" in s.get("traits", {})
            ),
            None,
        )
        name = names.get((sdk_id or "").lower())
        if name is None:
            unknown.append(f"{path.parent.parent.parent.name} ({sdk_id})")
            continue
        found: dict[str, list[str]] = services.setdefault(name, {})
        for shape_id, shape in shapes.items():
            if shape["type"] != "operation":
                continue
            for trait, label in TRAITS.items():
                if trait in shape.get("traits", {}):
                    found.setdefault(label, []).append(shape_id.rsplit("#", 1)[1])
        for ops in found.values():
            ops.sort()
    return services, unknown


def main(argv: list[str] | None = None) -> int:
    """Write the data file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a checkout of aws/api-models-aws")
    parser.add_argument("--source", required=True, help="repository, commit and date")
    args = parser.parse_args(argv)
    services, unknown = distill(args.root)
    data = {
        "source": args.source,
        "traits": sorted(TRAITS.values()),
        "services": dict(sorted(services.items())),
        "not_in_botocore": unknown,
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    count = sum(len(ops) for s in services.values() for ops in s.values())
    sys.stderr.write(
        f"{OUT}: {len(services)} services, {count} traited operations; "
        f"{len(unknown)} models botocore does not know\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
