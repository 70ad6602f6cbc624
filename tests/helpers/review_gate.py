"""The completeness checks' gate: strict on the reviewed botocore, a report on any other.

The token scan, the documented limits, the resend classes and the manifest of reviewed
operations are complete for exactly one botocore release, ``_review.REVIEWED_WITH``.
On that release anything missing fails the test. On any other release, what is missing
is what AWS shipped after the review (or removed before it): the test passes, and the
run ends with a report in plain words (``conftest.pytest_terminal_summary``).

CI runs these tests once more in a virtualenv that installs exactly the reviewed
release, with ``BOTO3_IDEMPOTENT_STRICT_REVIEW=1``: there a different release fails
every gated test, so the strict step can never pass by reporting.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

import pytest

from boto3_idempotent._knowledge.review import REVIEWED_WITH, installed_botocore, relation

STRICT_ENV = "BOTO3_IDEMPOTENT_STRICT_REVIEW"
# Read at import (collection): the autouse fixture clears BOTO3_IDEMPOTENT_* during tests.
STRICT = os.environ.get(STRICT_ENV, "") == "1"
REPORT = "review report"
SHOWN = 8


class Verdict(NamedTuple):
    """What a gated check does: fail with ``message``, or pass and report it."""

    fail: bool
    message: str


def judge(
    problems: Sequence[str],
    what: str,
    *,
    installed: str,
    reviewed: str = REVIEWED_WITH,
    strict: bool = False,
    fix: str = "",
) -> Verdict:
    """Fail on the reviewed release (or when strict, on any other); report elsewhere.

    Args:
        problems: One line per missing or differing thing, empty when complete.
        what: What the problems are, a plural noun ("token-like members", "operations").
        installed: The installed botocore's version.
        reviewed: The release the tables were reviewed against.
        strict: The CI step that must run on the reviewed release.
        fix: What a maintainer runs to review them.
    """
    where = relation(installed, reviewed)
    if strict and where != "reviewed":
        return Verdict(
            True,
            f"{STRICT_ENV}=1 needs the reviewed botocore {reviewed}, but {installed} is"
            f" installed: pip install 'botocore=={reviewed}'",
        )
    if not problems:
        return Verdict(False, "")
    listed = "".join(f"\n  {line}" for line in sorted(problems)[:SHOWN])
    more = f"\n  ... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    count = f"{len(problems)} {what}"
    if where == "reviewed":
        hint = f"\nReview them: {fix}" if fix else ""
        return Verdict(
            True,
            f"botocore {installed} is the release the tables were reviewed against, and"
            f" {count} are not in them:{listed}{more}{hint}",
        )
    if where == "older":
        return Verdict(
            False,
            f"botocore {installed} is older than the reviewed {reviewed}: {count} differ from"
            f" the review, which saw a newer release; nothing to do:{listed}{more}",
        )
    are = "is" if len(problems) == 1 else "are"
    return Verdict(
        False,
        f"botocore {installed} is newer than the reviewed {reviewed}: {count} {are} not"
        f" reviewed yet; they are treated conservatively:{listed}{more}",
    )


def gate(request: pytest.FixtureRequest, problems: Sequence[str], what: str, fix: str = "") -> None:
    """Apply :func:`judge` to the installed botocore: fail, or attach the report."""
    verdict = judge(problems, what, installed=installed_botocore(), strict=STRICT, fix=fix)
    if verdict.fail:
        pytest.fail(verdict.message, pytrace=False)
    if verdict.message:
        request.node.user_properties.append((REPORT, verdict.message))
