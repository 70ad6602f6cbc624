"""The resend classification (_resend, _resend_table) and its scan (tools/scan_resend.py), kept honest.

The scan runs once per module on the installed botocore. On the reviewed release
(``_review.REVIEWED_WITH``) any operation whose verb is in no table fails here, as a new
token member fails tests/knowledge/test_token_scan.py, and so does a reviewed entry whose operation
is gone; on any other release they are reported (``review_gate``), and what is unreviewed
must be treated conservatively.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import botocore.session
import pytest

from boto3_idempotent._knowledge import resend_table as table
from boto3_idempotent._knowledge.operations import operation_info
from boto3_idempotent._knowledge.refine import REFINERS, dynamodb_update_item
from boto3_idempotent._knowledge.resend import operation_class, verb_of
from boto3_idempotent._knowledge.review import REVIEWED_WITH
from helpers.review_gate import gate

ROOT = Path(__file__).resolve().parents[2]
SESSION = botocore.session.get_session()


def _load_tool():
    spec = importlib.util.spec_from_file_location("scan_resend", ROOT / "tools" / "scan_resend.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


scan_resend = _load_tool()


@pytest.fixture(scope="module")
def rows():
    """Every operation of the installed botocore, classified."""
    return list(scan_resend.classify_all(SESSION, SESSION.get_available_services()))


def test_every_operation_has_a_reviewed_verb_or_entry(rows, request):
    """No operation reaches the default: a new verb fails here until it is reviewed."""
    defaulted = [r for r in rows if r.source == "default"]
    assert all(r.resend == table.UNSAFE for r in defaulted)  # unreviewed: never resent
    gate(
        request,
        [f"{r.service}.{r.operation}" for r in defaulted],
        "operations with a verb no table knows",
        "python tools/scan_resend.py --unreviewed",
    )


def test_operations_newer_than_the_review_are_treated_conservatively(rows, request):
    """Operations the review never saw are resent only if they read; on the reviewed release, none."""
    newer = [r for r in rows if r.source == "unreviewed"]
    careless = [
        r
        for r in newer
        if r.resend != table.UNSAFE and r.verb not in table.READ_VERBS and r.method != "GET"
    ]
    assert careless == []
    gate(
        request,
        [f"{r.service}.{r.operation} ({r.resend})" for r in newer],
        "operations newer than the review",
        "python tools/scan_resend.py --unreviewed",
    )


def test_reviewed_entries_exist_in_the_models(rows, request):
    """OPERATIONS and PER_CALL name operations the models have (another release may lack them)."""
    problems = [p for p in scan_resend.unreviewed(rows) if "not in the models" in p]
    gate(request, problems, "reviewed entries name operations botocore lacks")


def test_unsafe_operations_are_a_minority(rows):
    """Most operations are resent as bare botocore resends them; unsafe ones are the exception."""
    unsafe = sum(1 for r in rows if r.resend == table.UNSAFE)
    assert 0 < unsafe < len(rows) * 0.2


# The table: resent by bare botocore, and by a wrapped client.
IDEMPOTENT_ROWS = [
    ("s3", "PutObject"),
    ("s3", "UploadPart"),
    ("s3", "DeleteObject"),
    ("s3", "PutBucketTagging"),
    ("dynamodb", "PutItem"),
    ("dynamodb", "DeleteItem"),
    ("dynamodb", "BatchWriteItem"),
    ("sqs", "DeleteMessage"),
    ("sqs", "ReceiveMessage"),
    ("ssm", "PutParameter"),
    ("lambda", "PutFunctionConcurrency"),
    ("ec2", "CreateTags"),
    ("ec2", "DescribeInstances"),
    ("iam", "AttachRolePolicy"),
    ("kms", "Decrypt"),
    ("sqs", "CreateQueue"),
]
# Append-style and acting operations: unsafe whatever their verb or method.
UNSAFE_ROWS = [
    ("sqs", "SendMessage"),
    ("sqs", "SendMessageBatch"),
    ("sns", "Publish"),
    ("lambda", "Invoke"),
    ("cloudwatch", "PutMetricData"),
    ("logs", "PutLogEvents"),
    ("events", "PutEvents"),
    ("kinesis", "PutRecord"),
    ("kinesis", "PutRecords"),
    ("firehose", "PutRecord"),
    ("firehose", "PutRecordBatch"),
    ("ec2", "AllocateAddress"),
    ("ec2", "CreateSnapshot"),
    ("backup", "StartBackupJob"),  # a REST PUT that starts a job
    ("sqs", "PurgeQueue"),
]


def _class(service, name):
    model = SESSION.get_service_model(service).operation_model(name)
    return operation_info(service, model).resend


@pytest.mark.parametrize(("service", "name"), IDEMPOTENT_ROWS)
def test_idempotent_rows(service, name):
    """Operations that leave the same end state when sent twice are idempotent."""
    found = _class(service, name)
    assert found.kind == table.IDEMPOTENT, found
    assert found.refine is None


@pytest.mark.parametrize(("service", "name"), UNSAFE_ROWS)
def test_unsafe_rows(service, name):
    """Operations that may act twice are unsafe, each with a reason."""
    found = _class(service, name)
    assert found.kind == table.UNSAFE, found
    assert found.reason


def test_update_item_is_decided_per_call():
    """DynamoDB UpdateItem: its class comes from the request."""
    found = _class("dynamodb", "UpdateItem")
    assert found.source == "per call"
    assert found.refine is dynamodb_update_item


@pytest.mark.parametrize(
    ("protocol", "method", "name", "uri", "expected"),
    [
        ("rest-xml", "PUT", "CreateBucket", "/{Bucket}", ("idempotent", "method")),
        (
            "rest-json",
            "PUT",
            "CreateVault",
            "/{accountId}/vaults/{vaultName}",
            ("idempotent", "method"),
        ),
        ("rest-json", "PUT", "CreateJob", "/jobs/{jobId}", ("idempotent", "method")),
        ("rest-json", "PUT", "CreateAccessPoint", "/accesspoint/{name}", ("idempotent", "method")),
        ("rest-json", "DELETE", "DeleteThing", "/things/{thingId}", ("idempotent", "method")),
        ("rest-json", "PUT", "UpdateThing", "/things", ("idempotent", "method")),
        ("rest-json", "PUT", "FrobnicateThing", "/things", ("idempotent", "method")),
        # A PUT that creates into a collection, or under its parent's id, makes a second one.
        ("rest-json", "PUT", "CreateAccessToken", "/v1/accessTokens", ("unsafe", "verb")),
        ("rest-json", "PUT", "CreateBotVersion", "/bots/{botId}/botversions/", ("unsafe", "verb")),
        ("rest-json", "PUT", "CreateQueue", "/queues/{InstanceId}", ("unsafe", "verb")),
        (
            "rest-json",
            "PUT",
            "CreateContactFlowVersion",
            "/contact-flows/{InstanceId}/{ContactFlowId}/version",
            ("unsafe", "verb"),
        ),
        ("rest-json", "PUT", "StartJob", "/jobs/{jobId}", ("unsafe", "verb")),
        # Verbs that act whatever the method, even on the thing's own URI.
        ("rest-json", "PUT", "ImportThing", "/things/{thingName}", ("unsafe", "verb")),
        ("rest-json", "PUT", "RebootThing", "/things/{thingId}", ("unsafe", "verb")),
        ("rest-json", "PUT", "SendThing", "/things/{thingId}", ("unsafe", "verb")),
        ("rest-json", "POST", "CreateThing", "/things/{thingId}", ("unsafe", "verb")),
        ("rest-json", "POST", "UpdateThing", "/things", ("idempotent", "verb")),
        ("json", "PUT", "CreateThing", "/", ("unsafe", "verb")),  # the method rule is REST only
        ("query", "POST", "FrobnicateThing", "/", ("unsafe", "default")),
    ],
)
def test_method_rule_and_verbs(protocol, method, name, uri, expected):
    """REST PUT/DELETE are idempotent for verbs that do not act, or a URI naming what is made."""
    found = operation_class("example", name, protocol, method, uri)
    assert (found.kind, found.source) == expected


@pytest.mark.parametrize(
    ("service", "name"),
    [
        ("codecatalyst", "CreateAccessToken"),
        ("lexv2-models", "CreateBotVersion"),
        ("lexv2-models", "CreateExport"),
        ("connect", "CreateContactFlowVersion"),
        ("connect", "CreateContactFlowModuleVersion"),
        ("ssm", "UpdateAssociation"),
        ("stepfunctions", "TestState"),
        ("ecs", "UpdateService"),
        ("ecs", "UpdateDaemon"),
        ("ec2", "AssociateVpcCidrBlock"),
        ("bedrock-agent-runtime", "PutInvocationStep"),
        ("ses", "VerifyEmailIdentity"),
        ("ses", "VerifyEmailAddress"),
        ("lightsail", "TestAlarm"),
        ("clouddirectory", "CreateObject"),
        ("clouddirectory", "CreateIndex"),
        ("glue", "ResumeWorkflowRun"),
        ("ec2", "ReplaceVpnTunnel"),
        ("devops-guru", "AddNotificationChannel"),
        ("qapps", "AssociateLibraryItemReview"),
        ("quicksight", "UpdateDashboard"),
    ],
)
def test_operations_that_run_deploy_notify_or_mint_are_not_resent_by_default(service, name):
    """The review's holes: unsafe, or unsafe unless the request says otherwise (per call)."""
    if name not in SESSION.get_service_model(service).operation_names:
        pytest.skip(f"{service}.{name} is not in botocore {botocore.__version__}'s model")
    found = _class(service, name)
    assert found.kind == table.UNSAFE, found
    assert found.reason
    if found.source == "per call":  # a request that says nothing, or asks to act: unsafe
        acting = {"forceNewDeployment": True} if name == "UpdateService" else {}
        assert found.refine(acting) is False


@pytest.mark.parametrize(
    ("name", "verb"),
    [
        ("BatchGetItem", "BatchGet"),
        ("BatchWriteItem", "BatchWrite"),
        ("CreateTags", "CreateTags"),
        ("CreateTagsForThing", "CreateTags"),
        ("CreateTagger", "Create"),  # a word boundary, not a string prefix
        ("ReEncrypt", "ReEncrypt"),
        ("Getaway", None),
        ("GetObject", "Get"),
    ],
)
def test_verb_is_the_longest_prefix_at_a_word_boundary(name, verb):
    """The verb table is matched by whole words, longest first."""
    assert verb_of(name) == verb


@pytest.mark.parametrize(
    ("params", "idempotent"),
    [
        ({"UpdateExpression": "SET a = :v"}, True),
        ({"UpdateExpression": "SET a = :v, b = :w REMOVE c"}, True),
        ({"UpdateExpression": "SET a = if_not_exists(a, :v)"}, True),
        ({"UpdateExpression": "DELETE s :v"}, True),
        ({"UpdateExpression": "SET #add = :v"}, True),  # a name placeholder, not the clause
        ({"UpdateExpression": "SET address = :v"}, True),
        ({"UpdateExpression": "SET a = :add"}, True),
        ({"AttributeUpdates": {"a": {"Action": "PUT", "Value": {"S": "x"}}}}, True),
        ({"AttributeUpdates": {"a": {"Value": {"S": "x"}}}}, True),  # PUT by default
        ({"AttributeUpdates": {"a": {"Action": "DELETE"}}}, True),
        ({}, True),
        ({"UpdateExpression": "ADD n :one"}, False),
        ({"UpdateExpression": "add n :one"}, False),
        ({"UpdateExpression": "SET a = :v ADD n :one"}, False),
        ({"UpdateExpression": "SET n = n + :one"}, False),
        ({"UpdateExpression": "SET n = :limit - n"}, False),
        ({"UpdateExpression": "SET l = list_append(l, :v)"}, False),
        ({"UpdateExpression": "SET l = LIST_APPEND(:v, l)"}, False),
        ({"AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "1"}}}}, False),
        ({"AttributeUpdates": {"n": {"Action": "add", "Value": {"N": "1"}}}}, False),
        ({"UpdateExpression": 3}, False),  # unreadable: unsafe
        ({"AttributeUpdates": ["n"]}, False),
        ({"AttributeUpdates": {"n": "ADD"}}, False),
    ],
)
def test_update_item_rows(params, idempotent):
    """UpdateItem is unsafe when it adds (ADD, arithmetic, list_append), idempotent otherwise."""
    assert dynamodb_update_item(params) is idempotent


def test_every_reviewed_entry_has_a_known_class_and_a_reason():
    """Reviewed rows say idempotent or unsafe, and why."""
    for key, (kind, reason) in {**table.OPERATIONS, **table.VERBS}.items():
        assert kind in (table.IDEMPOTENT, table.UNSAFE), key
        assert reason, key
    for key, name in table.PER_CALL.items():
        assert callable(REFINERS[name]), key


def test_scan_tool_reports_nothing_unreviewed(capsys):
    """tools/scan_resend.py --unreviewed exits 0 on the installed botocore (1 if a verb is new)."""
    status = scan_resend.main(["--unreviewed", "--service", "s3", "--service", "dynamodb"])
    assert status == 0
    assert capsys.readouterr().out.strip() == "nothing unreviewed"


def test_scan_tool_names_an_unknown_verb():
    """An operation that reached the default is reported, with what to do."""
    row = scan_resend.Classified(
        "example", "FrobnicateThing", "json", "POST", None, "unsafe", "default", "a verb"
    )
    assert scan_resend.unreviewed([row]) == [
        "example.FrobnicateThing: verb 'FrobnicateThing' is in no table (unsafe by default)"
    ]


#: Every operation's class and source at the reviewed release, as one digest: a verb moved
#: between classes, a reviewed entry dropped or flipped, a verb taken out of
#: ACTS_WHATEVER_THE_METHOD, all change it. After a deliberate change of the tables, run
#: this test, read the census (python -m boto3_idempotent operations) and paste the new
#: digest it prints.
PINNED_CLASSES = (
    "8b43b1064f59941afeb86ab265924f55350f12b53691c334790a918ee24d4ecb"  # the last conditions read
)


def test_every_operations_class_is_pinned(rows, request):
    """On the reviewed release the whole classification is as reviewed (one digest)."""
    import hashlib
    from collections import Counter

    lines = sorted(f"{r.service}.{r.operation} {r.resend} {r.source}" for r in rows)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    counts = Counter((r.resend, r.source) for r in rows)
    problems = (
        []
        if digest == PINNED_CLASSES
        else [f"classification digest {digest} (by class and source: {sorted(counts.items())})"]
    )
    gate(request, problems, "changes to the reviewed classification")


def test_every_unsafe_operation_without_a_token_was_reviewed_from_evidence(rows, request):
    """On the reviewed release, each operation refused after a 5xx has a recorded decision.

    The evidence review (tools/scan_evidence.py, tools/data/resend_review.json) read every
    operation a wrapped client refuses to resend; one that appears unsafe without a decision
    (a table change, a new verb) must be read too. Elsewhere: a report.
    """
    import json

    review = json.loads((ROOT / "tools/data/resend_review.json").read_text())
    decided = {(d["service"], d["operation"]) for d in review["decisions"]}
    # Review round 5 (tools/data/review5.json): the phrase scan's and the pairs' moves.
    round5 = json.loads((ROOT / "tools/data/review5.json").read_text())
    decided |= {tuple(key.split(":", 1)) for key in round5["moves"]}
    assert review["reviewed_with"] == REVIEWED_WITH
    missing = []
    for row in rows:
        if row.resend != table.UNSAFE or (row.service, row.operation) in decided:
            continue
        model = SESSION.get_service_model(row.service).operation_model(row.operation)
        info = operation_info(row.service, model)  # documented idempotent ones are not unsafe
        if info.resend.kind == table.UNSAFE and not info.tokens:
            missing.append(
                f"{row.service}.{row.operation} (python tools/scan_evidence.py --service {row.service})"
            )
    gate(request, missing, "unsafe operations the evidence review has not read")


def test_the_second_reading_of_the_verb_rules_refusals_is_recorded(rows, request):
    """Review round 5 read every refusal by an acting verb again: each one is kept, with why.

    ``tools/data/review5.json``'s ``reread``: an entry names an operation still refused on
    every call by its verb, or one the request decides now (a request condition); a why
    says what it would repeat. On a later botocore that moves one: a report.
    """
    import json

    record = json.loads((ROOT / "tools/data/review5.json").read_text())["reread"]
    assert record["read_with"] == REVIEWED_WITH
    classes = {(r.service, r.operation): (r.resend, r.source) for r in rows}
    assert len(record["entries"]) == 699
    assert all(20 <= len(why) <= 200 for why in record["entries"].values())
    moved = []
    for key in record["entries"]:
        found = classes.get(tuple(key.split(":", 1)))
        if found not in (("unsafe", "verb"), ("unsafe", "per call")):
            moved.append(f"{key}: {found}")
    gate(request, moved, "operations the second reading kept refused that are classed otherwise")


#: Services that are versions (or twins) of one another, as review round 5 compared them.
VERSION_PAIRS = (
    ("apigateway", "apigatewayv2"), ("cloudhsm", "cloudhsmv2"),
    ("connectcampaigns", "connectcampaignsv2"), ("events", "eventbridgev2"), ("elb", "elbv2"),
    ("greengrass", "greengrassv2"), ("inspector", "inspector2"),
    ("kinesisanalytics", "kinesisanalyticsv2"), ("lex-models", "lexv2-models"),
    ("lex-runtime", "lexv2-runtime"), ("mediapackage", "mediapackagev2"),
    ("pinpoint-sms-voice", "pinpoint-sms-voice-v2"), ("sms-voice", "pinpoint-sms-voice-v2"),
    ("pinpoint-sms-voice", "sms-voice"), ("resiliencehub", "resiliencehubv2"), ("ses", "sesv2"),
    ("pinpoint-email", "sesv2"), ("waf", "wafv2"), ("waf-regional", "wafv2"),
    ("waf", "waf-regional"), ("es", "opensearch"), ("codestar-connections", "codeconnections"),
    ("wisdom", "qconnect"), ("amplify", "amplifygen3"), ("mediapackage", "mediapackage-vod"),
)  # fmt: skip


def _kind(service, name):
    info = operation_info(service, SESSION.get_service_model(service).operation_model(name))
    return "protected" if info.tokens else info.resend.kind


def test_same_named_operations_of_a_services_versions_agree_or_say_why(request):
    """Apigateway and apigatewayv2 CreateModel differ on purpose: each such pair is reviewed."""
    import json

    record = json.loads((ROOT / "tools/data/review5.json").read_text())
    explained = {
        (tuple(d["pair"]), d["operation"])
        for d in record["decisions"]
        if d["item"] == 9 and d["verdict"].startswith("both right")
    }
    available = set(SESSION.get_available_services())
    problems = []
    for pair in VERSION_PAIRS:
        if not set(pair) <= available:
            continue
        one, other = (set(SESSION.get_service_model(s).operation_names) for s in pair)
        for name in sorted(one & other):
            kinds = {_kind(pair[0], name), _kind(pair[1], name)}
            # One version added a client token: the other's class stands as its own.
            if (
                len(kinds) == 2
                and kinds != {"protected", "unsafe"}
                and (pair, name) not in explained
            ):
                problems.append(
                    f"{pair[0]}/{pair[1]} {name}: {_kind(pair[0], name)} vs {_kind(pair[1], name)}"
                )
    gate(request, problems, "same-named operations whose classes differ across versions")


def test_a_cloud_directory_object_with_a_parent_but_no_link_name_is_acting():
    """CreateObject/CreateIndex: linked by LinkName under a parent, made once; else a second."""
    parent = {"Selector": "/"}
    for name in ("CreateObject", "CreateIndex"):
        model = SESSION.get_service_model("clouddirectory").operation_model(name)
        linked = operation_info("clouddirectory", model).resend.refine
        assert linked({"ParentReference": parent, "LinkName": "orders"}) is True
        assert linked({"ParentReference": parent}) is False
        assert linked({"LinkName": "orders"}) is False


def _scan_evidence():
    spec = importlib.util.spec_from_file_location(
        "scan_evidence", ROOT / "tools" / "scan_evidence.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inferred_decisions_are_marked_with_their_basis():
    """Decisions on indirect evidence are marked, each with its basis (459: 461 less two).

    Review round 5 marked 461; two became request conditions since.
    """
    from boto3_idempotent._knowledge.resend_evidence import REVIEWED

    scan = _scan_evidence()
    data = __import__("json").loads(scan.INFERRED.read_text())
    entries = data["entries"]
    assert len(entries) == 459
    assert {entry["basis"] for entry in entries.values()} == set(data["bases"])
    not_reviewed = [key for key in entries if tuple(key.split(":", 1)) not in REVIEWED]
    assert not_reviewed == []
    assert all(len(entry["digest"]) == 16 for entry in entries.values())


def test_an_inferred_decision_whose_model_changed_is_reopened(request):
    """On a later botocore that edits what an inferred decision was read from: a report."""
    scan = _scan_evidence()
    found = scan.reopened(scan.inferred_entries(), available=SESSION.get_available_services())
    gate(request, found, "inferred decisions re-opened (python tools/scan_evidence.py --reopened)")


def test_the_digest_follows_what_an_inferred_decision_was_read_from():
    """Documentation, members and errors of the operation move it; another operation does not."""
    import copy

    scan = _scan_evidence()
    model = scan.published_model("appstream")
    before = scan.documentation_digest(model, "StartFleet")
    assert scan.documentation_digest(copy.deepcopy(model), "StartFleet") == before

    def edited(change):
        again = copy.deepcopy(model)
        change(again)
        return scan.documentation_digest(again, "StartFleet")

    op = model["operations"]["StartFleet"]
    given = op["input"]["shape"]
    member = next(iter(model["shapes"][given]["members"]))
    error = op["errors"][0]["shape"]
    assert (
        edited(lambda m: m["operations"]["StartFleet"].update(documentation="Starts twice."))
        != before
    )
    assert (
        edited(lambda m: m["shapes"][given]["members"][member].update(documentation="x")) != before
    )
    assert edited(lambda m: m["shapes"][error].update(documentation="already exists")) != before
    assert edited(lambda m: m["shapes"][given]["members"].update(Extra={"shape": given})) != before
    assert edited(lambda m: m["operations"]["StopFleet"].update(documentation="x")) == before


def test_reopened_names_the_changed_entry_and_the_gone_one():
    """What the report says of an edited operation and of one the model no longer has."""
    import copy

    scan = _scan_evidence()
    model = scan.published_model("appstream")
    entries = {
        "appstream:StartFleet": {
            "basis": "reasoning",
            "digest": scan.documentation_digest(model, "StartFleet"),
        },
        "appstream:StartImageBuilder": {
            "basis": "reasoning",
            "digest": scan.documentation_digest(model, "StartImageBuilder"),
        },
        "appstream:Gone": {"basis": "flag", "digest": "0" * 16},
    }
    assert scan.reopened(entries, load=lambda _: model) == [
        "appstream:Gone (flag): no longer in the model"
    ]
    edited = copy.deepcopy(model)
    edited["operations"]["StartFleet"]["documentation"] = "Starts a second fleet."
    assert scan.reopened(entries, load=lambda _: edited) == [
        "appstream:Gone (flag): no longer in the model",
        f"appstream:StartFleet (reasoning): {scan.CHANGED}",
    ]
    assert scan.reopened(entries, available=()) == [
        f"{key} ({entry['basis']}): no longer in the model"
        for key, entry in sorted(entries.items())
    ]
