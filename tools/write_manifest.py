"""Write ``_knowledge/reviewed_operations.txt``: the installed botocore's operations, by service.

Run it once a review of the token and resend tables is complete, with the reviewed
botocore installed, and set ``REVIEWED_WITH`` in ``_knowledge/review.py`` to the same release::

    python tools/scan_tokens.py --unreviewed     # nothing left to classify
    python tools/scan_resend.py --unreviewed     # nothing left to classify
    python tools/write_manifest.py               # the reviewed release's operations

``tests/knowledge/test_review.py`` checks, on the reviewed release, that the file lists exactly
the installed operations and that its first line names ``REVIEWED_WITH``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import botocore
import botocore.session

MANIFEST = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "boto3_idempotent"
    / "_knowledge"
    / "reviewed_operations.txt"
)


def render(session: botocore.session.Session) -> str:
    """The manifest's text for the installed botocore."""
    lines = [f"# The operations of botocore {botocore.__version__}"]
    for service in sorted(session.get_available_services()):
        lines.append(f"[{service}]")
        lines.extend(sorted(session.get_service_data(service)["operations"]))
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write the manifest next to ``_knowledge/review.py``."""
    MANIFEST.write_text(render(botocore.session.get_session()), encoding="ascii")
    sys.stdout.write(f"wrote {MANIFEST} for botocore {botocore.__version__}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
