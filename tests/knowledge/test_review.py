"""The tables' review: strict on the reviewed botocore, a report on any other.

And what a newer botocore's operations get at run time.

The gate (tests/helpers/review_gate.py) is tested on made-up findings: a missing entry fails on
the reviewed release and is a report on a newer one, so the strict CI step is shown to
fail without breaking the tables. The run-time rule is shown over HTTP with two
witnesses, on a manifest that lacks the called operation (as a newer botocore's
operation is missing from the real one).
"""

from __future__ import annotations

import io
import json

import botocore
import botocore.session
import pytest

from boto3_idempotent import RetryPolicy, call_info, wrap
from boto3_idempotent._cli.commands import list_operations, review_sentence, show_policy
from boto3_idempotent._knowledge import review
from boto3_idempotent._knowledge.operations import operation_info
from boto3_idempotent._knowledge.resend import operation_class
from helpers.answers import SendRecorder, answers, error
from helpers.review_gate import STRICT_ENV, judge

SESSION = botocore.session.get_session()
MISSING = ["acm-pca.BatchCreateCertificateAuthorityReplica.Replicas.[].IdempotencyToken"]


# -- the gate ----------------------------------------------------------------------------


def test_a_missing_entry_fails_on_the_reviewed_release():
    """The strict case: at REVIEWED_WITH, anything missing fails, named, with the fix."""
    verdict = judge(
        MISSING,
        "token-like members",
        installed=review.REVIEWED_WITH,
        fix="python tools/scan_tokens.py --unreviewed",
    )
    assert verdict.fail
    assert MISSING[0] in verdict.message
    assert "python tools/scan_tokens.py --unreviewed" in verdict.message
    assert verdict.message.startswith(
        f"botocore {review.REVIEWED_WITH} is the release the tables were reviewed against,"
        " and 1 token-like members are not in them:"
    )


def test_a_missing_entry_on_a_newer_release_is_a_report_in_plain_words():
    """Newer: the test passes, and the report says why, in a newcomer's words."""
    verdict = judge(MISSING * 12, "operations", installed="1.99.20", reviewed="1.44.18")
    assert not verdict.fail
    assert verdict.message.startswith(
        "botocore 1.99.20 is newer than the reviewed 1.44.18: 12 operations are not reviewed"
        " yet; they are treated conservatively:"
    )
    assert "... and 4 more" in verdict.message  # eight shown


def test_an_older_release_is_a_report_too():
    """A 1.43.x release lacks members the review found later: reported, not failed."""
    verdict = judge(MISSING, "table entries", installed="1.43.11", reviewed="1.44.18")
    assert not verdict.fail
    assert verdict.message.startswith(
        "botocore 1.43.11 is older than the reviewed 1.44.18: 1 table entries differ from the"
        " review, which saw a newer release; nothing to do:"
    )


def test_the_strict_step_fails_on_any_other_release_even_when_complete():
    """With the CI step's variable, another release fails: the step cannot pass by reporting."""
    verdict = judge([], "operations", installed="1.44.19", reviewed="1.44.18", strict=True)
    assert verdict.fail
    assert STRICT_ENV in verdict.message
    assert "botocore==1.44.18" in verdict.message
    assert judge([], "operations", installed="1.44.18", reviewed="1.44.18", strict=True) == (
        False,
        "",
    )


def test_nothing_missing_passes_silently():
    """Complete on the reviewed release: no failure, no report."""
    assert judge([], "operations", installed=review.REVIEWED_WITH) == (False, "")


# -- the manifest ----------------------------------------------------------------------------


def test_the_manifest_names_the_reviewed_release():
    """The list of reviewed operations was written with the release REVIEWED_WITH names."""
    assert review.manifest_release() == review.REVIEWED_WITH


def test_the_manifest_lists_the_reviewed_release_exactly(request):
    """On the reviewed release: every installed operation, and nothing else."""
    from helpers.review_gate import gate

    installed = {
        (service, name)
        for service in SESSION.get_available_services()
        for name in SESSION.get_service_data(service)["operations"]
    }
    listed = {
        (service, name)
        for service in review.reviewed_services()
        for name in review.reviewed_operations(service) or ()
    }
    assert len(listed) > 20_000
    problems = [f"{s}.{o}: installed, not in the manifest" for s, o in installed - listed]
    problems += [f"{s}.{o}: in the manifest, not installed" for s, o in listed - installed]
    gate(request, problems, "operations")


def test_one_services_part_is_parsed_alike():
    """What a call reads (one service's part) equals the whole parse, first and last too."""
    sections = review._sections()
    for service in ("abuse-signal", "dynamodb", "ec2", max(sections)):
        assert review.reviewed_operations(service) == sections[service]
    assert review.reviewed_operations("no-such-service") is None


@pytest.mark.parametrize(
    ("installed", "expected"),
    [("1.44.18", "reviewed"), ("1.44.19", "newer"), ("1.45.0", "newer"), ("1.43.127", "older")],
)
def test_relation_compares_releases_as_numbers(installed, expected):
    """1.44.100 is newer than 1.44.18: numbers, not strings."""
    assert review.relation(installed, "1.44.18") == expected
    assert review.relation("1.44.100", "1.44.18") == "newer"


# -- run time on a newer botocore ------------------------------------------------------------


@pytest.fixture
def newer_botocore(monkeypatch):
    """As if botocore were newer: DynamoDB PutItem, UpdateItem and all of SQS added since."""
    sections = dict(review._sections())
    sections["dynamodb"] = sections["dynamodb"] - {"PutItem", "UpdateItem"}
    del sections["sqs"]
    monkeypatch.setattr(review, "newer_than_reviewed", lambda installed=None: True)
    monkeypatch.setattr(review, "reviewed_operations", sections.get)
    monkeypatch.setattr(review, "installed_botocore", lambda: "1.99.0")
    return sections


def _class(service, name):
    return operation_info(service, SESSION.get_service_model(service).operation_model(name)).resend


def test_an_unreviewed_write_is_unsafe_and_an_unreviewed_read_is_resent(newer_botocore):
    """Newer than the review: PutItem (idempotent by its verb) is unsafe; reads stay resent."""
    put = _class("dynamodb", "PutItem")
    assert (put.kind, put.source) == ("unsafe", "unreviewed")
    assert "not resent until reviewed" in put.reason
    assert _class("sqs", "ReceiveMessage").kind == "idempotent"  # reviewed entry: evidence wins
    assert (_class("sqs", "ListQueues").kind, _class("sqs", "ListQueues").source) == (
        "idempotent",
        "unreviewed",
    )
    assert _class("dynamodb", "GetItem").source == "verb"  # reviewed: the verb decides


def test_an_unreviewed_get_with_an_acting_verb_is_not_resent(newer_botocore):
    """The verb first: S3 CreateSession is a GET, and newer than the review it is not resent."""
    newer_botocore["s3"] = newer_botocore["s3"] - {"CreateSession"}
    created = _class("s3", "CreateSession")
    assert (created.kind, created.source) == ("unsafe", "unreviewed")
    assert _class("sqs", "ListQueues").kind == "idempotent"  # a reading verb: resent


def test_nothing_is_unreviewed_on_the_reviewed_or_an_older_release():
    """On REVIEWED_WITH or older, the manifest is never consulted: everything was reviewed."""
    if review.relation() == "newer":
        pytest.skip("this botocore is newer than the review")
    assert not review.is_unreviewed("dynamodb", "PutItem")
    assert not review.is_unreviewed("no-such-service", "FrobnicateThing")


def test_an_unreviewed_operation_is_sent_once_after_a_500(
    newer_botocore, make_client, raw_server, sleeps
):
    """Over HTTP, two witnesses: PutItem newer than the review meets a 500 and is not resent."""
    raw = raw_server(answers("dynamodb", error("dynamodb", 500, "InternalServerError")))
    client = make_client("dynamodb", url=raw.url)
    sent = SendRecorder()
    client.meta.events.register("before-send.dynamodb", sent)
    wrap(client, RetryPolicy(), sleep=sleeps)

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.put_item(TableName="t", Item={"k": {"S": "order-1"}})

    assert (len(raw.requests), len(sent)) == (1, 1)
    info = call_info(caught.value)
    assert info is not None
    assert (info.attempts, info.stop_reason) == (1, "unsafe_to_resend")


def test_a_reviewed_operation_is_resent_after_a_500_as_before(make_client, raw_server, sleeps):
    """The control: the same PutItem, reviewed, is resent once and succeeds."""
    raw = raw_server(answers("dynamodb", error("dynamodb", 500, "InternalServerError")))
    client = make_client("dynamodb", url=raw.url)
    sent = SendRecorder()
    client.meta.events.register("before-send.dynamodb", sent)
    wrap(client, RetryPolicy(), sleep=sleeps)

    client.put_item(TableName="t", Item={"k": {"S": "order-1"}})

    if review.relation() == "newer" and review.is_unreviewed("dynamodb", "PutItem"):
        pytest.skip("PutItem itself is unreviewed on this botocore")
    assert (len(raw.requests), len(sent)) == (2, 2)


# -- the commands --------------------------------------------------------------------------


def test_operations_marks_and_counts_unreviewed_operations(newer_botocore):
    """`operations --unreviewed`: only the newer ones, marked in JSON, counted in the summary."""
    out = io.StringIO()
    list_operations("dynamodb", everything=False, as_json=True, out=out, unreviewed=True)
    rows = json.loads(out.getvalue())
    assert {(r["operation"], r["resend"], r["source"], r["reviewed"]) for r in rows} == {
        ("PutItem", "unsafe", "unreviewed", False),
        ("UpdateItem", "unsafe", "per call", False),  # the request still decides
    }
    out = io.StringIO()
    list_operations("dynamodb", everything=True, as_json=False, out=out)
    assert (
        out.getvalue()
        .rstrip()
        .endswith(
            "botocore 1.99.0 is newer than the reviewed"
            f" {review.REVIEWED_WITH}: 2 operations are not reviewed yet; they are treated"
            " conservatively (resent after a 5xx or a lost answer only if they only read, or"
            " carry a token the model traits)."
        )
    )


def test_operations_summary_names_the_reviewed_release():
    """On the reviewed release the summary says so; on an older one, that all was reviewed."""
    assert review_sentence(0, review.REVIEWED_WITH) == (
        f"Tables reviewed against botocore {review.REVIEWED_WITH}, the installed release."
    )
    assert "older: every operation it has was reviewed" in review_sentence(0, "1.43.1")
    assert "1 operation is not reviewed yet" in review_sentence(1, "9.0.0")


def test_policy_says_which_release_the_tables_were_reviewed_against(newer_botocore):
    """policy: reviewed_with, as words and as data."""
    out = io.StringIO()
    show_policy({}, as_json=True, out=out)
    assert json.loads(out.getvalue())["reviewed_with"] == {
        "value": {"reviewed": review.REVIEWED_WITH, "installed": "1.99.0", "relation": "newer"},
        "source": "tables",
    }
    out = io.StringIO()
    show_policy({}, as_json=False, out=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("reviewed_with"))
    assert f"botocore {review.REVIEWED_WITH} (installed: 1.99.0, newer:" in line


def test_the_rule_for_an_unknown_new_service_is_conservative(newer_botocore):
    """A service the review never saw: every write unsafe, reads resent."""
    assert operation_class("sqs", "SendMessage", "json", "POST").kind == "unsafe"
    assert operation_class("sqs", "DeleteQueue", "json", "POST").source == "unreviewed"
    assert operation_class("sqs", "GetQueueUrl", "json", "POST").kind == "idempotent"
    assert operation_class("sqs", "FrobnicateQueue", "rest-json", "GET").kind == "idempotent"
    assert operation_class("sqs", "FrobnicateQueue", "rest-json", "PUT").kind == "unsafe"
