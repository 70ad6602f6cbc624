"""Which botocore release the tables were reviewed against, and what a newer one adds.

The token table (``_knowledge/token_table``) and the resend table
(``_knowledge/resend_table``) were read, entry by entry, against the models of one
botocore release: ``REVIEWED_WITH``. ``_knowledge/reviewed_operations.txt`` lists every
operation of that release, one a line, under its service (``[ec2]``), so that a newer
botocore's additions can be told apart.

AWS ships operations every week, and a user's botocore is often newer than the review.
An operation the review never saw is *unreviewed*, and the library treats it
conservatively until a review reaches it:

* a token member the model traits is still filled by botocore, so the call is
  protected, as any traited operation is;
* without a token, the call is resent after an ambiguous failure only when its verb
  only reads (``Get``, ``List``, ``Describe``, ...) or its HTTP method is GET or HEAD;
  anything else is *unsafe* (not resent), whatever its verb or method would say.

On the reviewed release, and on an older one, nothing is unreviewed and the list is
never read. On a newer one it is read once per process and one service's part of it
parsed, at a client's first call (under 1 ms), never on ``import``.

``python -m boto3_idempotent operations`` marks unreviewed operations and counts them;
``policy`` says which release the tables were reviewed against.
"""

from __future__ import annotations

import os
from functools import cache

__all__ = [
    "REVIEWED_WITH",
    "installed_botocore",
    "is_unreviewed",
    "manifest_release",
    "newer_than_reviewed",
    "relation",
    "reviewed_operations",
    "reviewed_services",
    "version_key",
]

#: The botocore release whose models the token and resend tables were last reviewed
#: against; ``_knowledge/reviewed_operations.txt`` lists its operations (its first line names it).
REVIEWED_WITH = "1.44.18"

# os.path, not pathlib, and no regular expression: this module loads at a client's first call.
_MANIFEST = os.path.join(os.path.dirname(__file__), "reviewed_operations.txt")  # noqa: PTH118, PTH120


def version_key(text: str) -> tuple[int, ...]:
    """``"1.44.18"`` as ``(1, 44, 18)``: the first three numbers, for comparing releases."""
    numbers = []
    for part in text.split(".")[:3]:
        digits = ""
        for char in part:
            if not char.isascii() or not char.isdigit():
                break
            digits += char
        numbers.append(int(digits or 0))
    return tuple(numbers)


def installed_botocore() -> str:
    """The installed botocore's version."""
    import botocore  # noqa: PLC0415  (loaded already by anyone who makes a client)

    return str(botocore.__version__)


@cache
def newer_than_reviewed(installed: str | None = None) -> bool:
    """Whether ``installed`` (default: the installed botocore) is newer than the review."""
    return version_key(installed or installed_botocore()) > version_key(REVIEWED_WITH)


def relation(installed: str | None = None, reviewed: str = REVIEWED_WITH) -> str:
    """``"reviewed"``, ``"newer"`` or ``"older"``: the installed release beside the review."""
    key, at = version_key(installed or installed_botocore()), version_key(reviewed)
    if key == at:
        return "reviewed"
    return "newer" if key > at else "older"


@cache
def _data() -> bytes:
    """The manifest, read once per process (450 kB, never decoded whole on a call's path)."""
    from .loader import package_data  # noqa: PLC0415  (a newer botocore only)

    return bytes(package_data(_MANIFEST))  # from a zip too


@cache
def _sections() -> dict[str, frozenset[str]]:
    """Every reviewed service's operations (the commands and the tests; not the calls)."""
    sections: dict[str, frozenset[str]] = {}
    for block in _data().decode("ascii").split("\n[")[1:]:
        header, _, body = block.partition("]\n")
        sections[header] = frozenset(body.split())
    return sections


def reviewed_services() -> frozenset[str]:
    """The services of the reviewed release."""
    return frozenset(_sections())


@cache
def reviewed_operations(service: str) -> frozenset[str] | None:
    """The operations of ``service`` at the reviewed release; ``None``: a newer service."""
    data = _data()
    header = f"\n[{service}]\n".encode("ascii", "replace")
    start = data.find(header)
    if start < 0:
        return None
    start += len(header)
    end = data.find(b"\n[", start)
    part = data[start : end if end >= 0 else len(data)]
    return frozenset(part.decode("ascii").split())


def manifest_release() -> str:
    """The release named on the manifest's first line (``# botocore 1.44.18``)."""
    return _data().lstrip(b"\n").split(b"\n", 1)[0].decode("ascii").split()[-1]


def is_unreviewed(service: str, operation: str) -> bool:
    """Whether ``service:operation`` is newer than the review (never, on an older botocore)."""
    if not newer_than_reviewed():
        return False
    known = reviewed_operations(service)
    return known is None or operation not in known
