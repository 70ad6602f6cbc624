"""The scan of botocore's models (tools/scan_tokens.py) and the reviewed table, kept honest.

The scan runs once per session on the installed botocore. Its completeness checks go
through ``review_gate``: strict on the reviewed release (``_review.REVIEWED_WITH``),
a report in the run's summary on any other.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import re
import subprocess
import sys
import textwrap
import uuid
from collections import Counter
from pathlib import Path

import botocore
import botocore.session
import pytest

from boto3_idempotent._knowledge import token_table as table
from helpers.review_gate import gate

ROOT = Path(__file__).resolve().parents[2]


def _load_tool():
    spec = importlib.util.spec_from_file_location("scan_tokens", ROOT / "tools" / "scan_tokens.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


scan_tokens = _load_tool()
SESSION = botocore.session.get_session()
AVAILABLE = frozenset(SESSION.get_available_services())


CLASSES = {
    "GENERATED": table.GENERATED,
    "CALLER_REFERENCES": table.CALLER_REFERENCES,
    "NOT_TOKENS": table.NOT_TOKENS,
}
ALL_ENTRIES = [(name, entry) for name, entries in CLASSES.items() for entry in entries]
TOKEN_FORMS = {"uuid": str(uuid.uuid4()), "hex": uuid.uuid4().hex}


def _id(entry):
    return f"{entry.service}.{entry.operation}.{'.'.join(entry.path)}"


@pytest.fixture(scope="module")
def scan():
    """One scan of every service of the installed botocore: (findings by key, limits)."""
    findings, limits = scan_tokens.scan(session=SESSION)
    return {finding.key: finding for finding in findings}, limits


def _shape(service, operation, path):
    """The botocore shape at ``path``, or None if the installed botocore lacks it."""
    if service not in AVAILABLE:  # a service newer than this botocore
        return None
    model = SESSION.get_service_model(service)
    if operation not in model.operation_names:
        return None
    shape = model.operation_model(operation).input_shape
    for name in path:
        if name == scan_tokens.LIST_ELEMENT:
            shape = shape.member
        elif name == scan_tokens.MAP_VALUE:
            shape = shape.value
        elif name in getattr(shape, "members", {}):
            shape = shape.members[name]
        else:
            return None
    return shape


def _fits(value, min_length, max_length, pattern):
    if len(value) < (min_length or 1) or (max_length is not None and len(value) > max_length):
        return False
    if pattern is None:
        return True
    try:
        compiled = re.compile(pattern)
    except re.error:  # a Java-only construct (\p{L}): the library leaves it to the service
        return True
    return compiled.fullmatch(value) is not None  # as the library checks: the whole value


# (a) and (e): what the scan finds.


def test_every_finding_is_classified(scan, request):
    """No token-like member of the installed botocore is missing from the table."""
    findings, _ = scan
    unclassified = [key for key in findings if table.classify(*key) is None]
    # Unreviewed, a member is never generated: only a traited one is sent (by botocore).
    assert not any(path in table.generated(service, op) for service, op, path in unclassified)
    gate(
        request,
        [_key(key) for key in unclassified],
        "token-like members",
        "python tools/scan_tokens.py --unreviewed",
    )


def _key(key):
    service, operation, path = key
    return f"{service}.{operation}.{'.'.join(path)}"


def test_findings_do_not_flood(scan):
    """Hundreds, not thousands: pagination cursors are excluded by rule."""
    findings, _ = scan
    assert 250 < len(findings) < 400
    names = Counter(key[2][-1] for key in findings)
    assert not any(scan_tokens.PAGINATION_NAME.fullmatch(name) for name in names)


@pytest.mark.parametrize(
    ("service", "operation", "path", "found"),
    [
        ("route53", "CreateHostedZone", ("CallerReference",), True),
        ("cloudfront", "CreateDistribution", ("DistributionConfig", "CallerReference"), True),
        ("ram", "CreateResourceShare", ("clientToken",), True),
        ("sqs", "SendMessageBatch", ("Entries", "[]", "MessageDeduplicationId"), True),
        ("codepipeline", "AcknowledgeThirdPartyJob", ("clientToken",), True),
        ("athena", "StopQueryExecution", ("QueryExecutionId",), True),  # traited, not a token
        ("sns", "ConfirmSubscription", ("Token",), True),
        ("ec2", "RunInstances", ("ClientToken",), False),  # traited and documented: no review
        ("ec2", "DescribeInstances", ("NextToken",), False),  # paginator input token
        ("s3", "ListObjectsV2", ("ContinuationToken",), False),
        ("cloudfront", "ListDistributions", ("Marker",), False),
        ("pinpoint", "GetApps", ("Token",), False),  # a page cursor without a paginator
        ("dynamodb", "PutItem", ("TableName",), False),
        ("autoscaling", "LaunchInstances", ("RetryStrategy",), False),  # "retry", an enum
        ("kms", "Encrypt", ("KeyId",), False),
    ],
)
def test_scan_rows(scan, service, operation, path, found):
    """Members that must be found, and members that must not."""
    findings, _ = scan
    assert ((service, operation, path) in findings) is found


# (b): every entry still exists, in exactly one class.


def test_entries_are_in_exactly_one_class():
    """No member is listed twice, in one class or across classes."""
    counts = Counter((e.service, e.operation, e.path) for _, e in ALL_ENTRIES)
    assert [key for key, count in counts.items() if count > 1] == []
    assert all(table.classify(e.service, e.operation, e.path) == name for name, e in ALL_ENTRIES)


def test_generated_paths_go_through_structures_only():
    """A token is generated only where a dict leads to it: never inside list elements."""
    inside = [_id(e) for e in table.GENERATED if {"[]", "{}"} & set(e.path)]
    assert inside == []


@pytest.mark.parametrize(("kind", "entry"), ALL_ENTRIES, ids=[_id(e) for _, e in ALL_ENTRIES])
def test_every_entry_is_a_string_member_of_the_installed_model(kind, entry):
    """The path leads to a string (an entry for a member this botocore lacks: skipped)."""
    shape = _shape(entry.service, entry.operation, entry.path)
    if shape is None:
        pytest.skip("not in this botocore: test_every_entry_names_an_installed_member")
    assert shape.type_name == "string"
    assert entry.evidence


def test_every_entry_names_an_installed_member(request):
    """On the reviewed release every entry's member exists (retired services aside)."""
    entries = [*ALL_ENTRIES, *(("DOCUMENTED_LIMITS", limit) for limit in table.DOCUMENTED_LIMITS)]
    gone = [
        f"{kind} {_id(entry)}"
        for kind, entry in entries
        if entry.service not in table.RETIRED_SERVICES
        and _shape(entry.service, entry.operation, entry.path) is None
    ]
    gate(request, gone, "table entries for members this botocore lacks")


def _traited(service, operation):
    """Whether the operation has a traited token member (absent service or operation: yes)."""
    if service not in AVAILABLE:
        return True
    model = SESSION.get_service_model(service)
    if operation not in model.operation_names:
        return True
    return bool(model.operation_model(operation).idempotent_members)


def test_limits_and_repeats_describe_tokens_only():
    """Documented limits and repeat behaviour are never about members that are not tokens."""
    for limit in table.DOCUMENTED_LIMITS:
        assert not table.is_not_token(limit.service, limit.operation, limit.path)
    for repeat in table.REPEAT_BEHAVIOUR:
        assert repeat.behaviour in {table.REPLAY, table.CONFLICT, table.UNCLEAR}
        assert (
            table.generated(repeat.service, repeat.operation)
            or table.caller_references(repeat.service, repeat.operation)
            or _traited(repeat.service, repeat.operation)
        ), repeat
        assert repeat.behaviour != table.REPLAY or not repeat.codes
    every_reference = {(e.service, e.operation) for e in table.CALLER_REFERENCES}
    assert every_reference <= {(r.service, r.operation) for r in table.REPEAT_BEHAVIOUR}


# (c): generated tokens fit.

GENERATED_AND_TRAITED_LIMITED = [("GENERATED", e) for e in table.GENERATED] + [
    ("traited", limit)
    for limit in table.DOCUMENTED_LIMITS
    if table.classify(limit.service, limit.operation, limit.path) is None
]


@pytest.mark.parametrize(
    ("kind", "entry"),
    GENERATED_AND_TRAITED_LIMITED,
    ids=[_id(e) for _, e in GENERATED_AND_TRAITED_LIMITED],
)
def test_a_generated_token_fits_the_shape_and_the_documented_limit(kind, entry):
    """A 36-character UUID, or 32 hex characters where the shape forbids the UUID, fits."""
    shape = _shape(entry.service, entry.operation, entry.path)
    if shape is None:
        pytest.skip("not in this botocore: test_every_entry_names_an_installed_member")
    meta = shape.metadata
    limit = table.documented_limit(entry.service, entry.operation, entry.path)
    fitting = [
        form
        for form, value in TOKEN_FORMS.items()
        if _fits(value, meta.get("min"), meta.get("max"), meta.get("pattern"))
        and (limit is None or _fits(value, limit.min_length, limit.max_length, limit.pattern))
    ]
    assert fitting, f"{kind}: neither a UUID nor 32 hex fits"


@pytest.mark.parametrize(
    ("service", "operation", "path", "form"),
    [
        ("ram", "CreateResourceShare", ("clientToken",), "uuid"),
        ("ecs", "CreateService", ("clientToken",), "uuid"),  # documented: up to 36, 33-126
        ("acm", "RequestCertificate", ("IdempotencyToken",), "hex"),  # \w+, at most 32
        ("cloudhsm", "CreateHsm", ("ClientToken",), "hex"),  # [a-zA-Z0-9]{1,64}
    ],
)
def test_which_form_fits(service, operation, path, form):
    """The UUID where it fits; 32 hex where the shape forbids hyphens or 36 characters."""
    meta = _shape(service, operation, path).metadata
    limit = table.documented_limit(service, operation, path)
    value = TOKEN_FORMS["uuid"]
    uuid_fits = _fits(value, meta.get("min"), meta.get("max"), meta.get("pattern")) and (
        limit is None or _fits(value, limit.min_length, limit.max_length, limit.pattern)
    )
    assert ("uuid" if uuid_fits else "hex") == form


def test_config_start_resource_evaluation_fits_no_generated_form():
    """Exactly 64 characters: a caller reference, because no generated form fits."""
    shape = _shape("config", "StartResourceEvaluation", ("ClientToken",))
    limit = table.documented_limit("config", "StartResourceEvaluation", ("ClientToken",))
    assert (shape.metadata["min"], limit.max_length) == (64, 64)
    assert table.caller_references("config", "StartResourceEvaluation") == (("ClientToken",),)


# (d): documented limits agree with the tool.


def test_documented_limits_agree_with_the_tool(scan, request):
    """Every limit the tool reads from the docs is in the table, with the same values."""
    _, limits = scan
    extracted = {
        key: (limit.min_length, limit.max_length, limit.pattern, limit.sentence)
        for key, limit in limits.items()
        if not table.is_not_token(*key)
    }
    listed = {
        (row.service, row.operation, row.path): (
            row.min_length,
            row.max_length,
            row.pattern,
            row.sentence,
        )
        for row in table.DOCUMENTED_LIMITS
    }
    differ = [
        f"{_key(key)}: the docs say {values[:3]}, the table {(listed.get(key) or (None,) * 3)[:3]}"
        for key, values in extracted.items()
        if listed.get(key) != values
    ]
    differ.extend(
        f"{_key(key)}: in the table, no longer documented" for key in set(listed) - set(extracted)
    )
    gate(request, differ, "documented limits", "python tools/scan_tokens.py --unreviewed")


# The tool's rules, row by row.


@pytest.mark.parametrize(
    ("sentence", "rules"),
    [
        ("A unique token to ensure the idempotency of the request.", ("idempotent",)),
        ("Specify this token if you plan to retry requests.", ("plan to retry", "retry")),
        ("It allows you to retry the call on error.", ("retry",)),
        ("It ensures that the operation completes no more than one time.", ("once",)),
        ("To ensure that jobs don't run multiple times, specify a token.", ("once",)),
        ("The operation is handled exactly once in case of retries.", ("once",)),
        ("It prevents CloudFront from creating a duplicate resource.", ("duplicate",)),
        ("The token used for deduplication of sent messages.", ("duplicate",)),
        ("If the value of CallerReference is new, CloudFront creates one.", ("caller reference",)),
        ("The token for the next page of results.", ()),
        ("Specifies whether to retry asynchronously if the launch fails.", ()),
        ("The template must contain the placeholder exactly once.", ()),
        ("Message ordering and deduplication (FIFO topics).", ()),
        ("To export the same query twice at once, use a different prefix.", ()),
    ],
)
def test_documentation_rules(sentence, rules):
    """Each documentation rule on a sentence it must match, and sentences none may match."""
    assert scan_tokens.doc_matches(sentence)[0] == rules
    if rules:  # the fast path must not hide a match
        assert any(word in sentence.lower() for word in scan_tokens._DOC_WORDS)


@pytest.mark.parametrize(
    ("name", "token_like"),
    [
        ("ClientToken", True),
        ("clientRequestToken", True),
        ("AmznClientToken", True),
        ("IdempotencyToken", True),
        ("CallerReference", True),
        ("UniqueRequestToken", True),
        ("uniqueId", True),
        ("CreatorRequestId", True),
        ("Token", True),
        ("NextToken", False),
        ("AccessToken", False),
        ("ClientId", False),
        ("RequestId", False),
    ],
)
def test_name_rule(name, token_like):
    """The name rule matches whole member names only."""
    assert (scan_tokens.TOKEN_NAME.fullmatch(name) is not None) is token_like


@pytest.mark.parametrize(
    ("name", "depth", "input_tokens", "text", "pagination"),
    [
        ("NextToken", 1, (), "", True),
        ("nextPageToken", 2, (), "", True),
        ("Marker", 1, (), "", True),
        ("Cursor", 1, ("Cursor",), "", True),
        ("Cursor", 2, ("Cursor",), "", False),
        ("Token", 1, (), "The NextToken string that specifies which page of results.", True),
        ("Token", 1, (), "Short-lived token sent to an endpoint.", False),
        ("ClientToken", 1, (), "", False),
    ],
)
def test_pagination_rule(name, depth, input_tokens, text, pagination):
    """Paginator input tokens (top level), cursor names at any depth, and page-speaking Tokens."""
    assert scan_tokens.is_pagination(name, depth, input_tokens, text) is pagination


@pytest.mark.parametrize(
    ("text", "model_max", "model_pattern", "expected"),
    [
        (
            "Up to 36 ASCII characters in the range of 33-126 (inclusive) are allowed.",
            None,
            None,
            (None, 36, r"[\x21-\x7e]+"),
        ),
        (
            (
                "Up to 64 characters are allowed. The valid characters are characters in the "
                "range of 33-126, inclusive."
            ),
            None,
            None,
            (None, 64, r"[\x21-\x7e]+"),
        ),
        (
            "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters.",
            None,
            None,
            (1, 50, "[A-Za-z0-9._-]+"),
        ),
        ("Up to 36 letters, numbers, hyphens, and underscores are allowed.", 36, "x", None),
        ("A client token is a string of up to 64 ASCII characters.", 256, None, (None, 64, None)),
        ("A client token is a string of up to 64 ASCII characters.", 64, None, None),
        ("A client token is a string of up to 64 ASCII characters.", 63, None, None),
        (
            "The maximum length of MessageDeduplicationId is 128 characters.",
            None,
            ".+",
            (None, 128, None),
        ),
        ("The token is valid for 8 hours.", None, None, None),
    ],
)
def test_documented_limit_rules(text, model_max, model_pattern, expected):
    """A length counts where the model has none or a larger one; characters where it has none."""
    limit = scan_tokens.extract_limit(text, model_max, model_pattern)
    got = None if limit is None else (limit.min_length, limit.max_length, limit.pattern)
    assert got == expected


@pytest.mark.parametrize("rule", scan_tokens._LIMIT_RULES, ids=lambda rule: rule.example[:40])
def test_each_limit_rule_reads_its_example(rule):
    """Every wording the tool knows is read by its own rule, not shadowed by an earlier one."""
    first = next(r for r in scan_tokens._LIMIT_RULES if r.rule.search(rule.example))
    assert first is rule


# The table's helpers, as the runtime will call them.


@pytest.mark.parametrize(
    ("service", "operation", "generated", "references"),
    [
        ("ram", "CreateResourceShare", (("clientToken",),), ()),
        ("codebuild", "StartBuild", (("idempotencyToken",),), ()),
        ("ec2", "RequestSpotFleet", (("SpotFleetRequestConfig", "ClientToken"),), ()),
        ("route53", "CreateHostedZone", (), (("CallerReference",),)),
        (
            "cloudfront",
            "CreateDistribution",
            (),
            (("DistributionConfig", "CallerReference"),),
        ),
        ("datapipeline", "CreatePipeline", (), (("uniqueId",),)),
        ("codepipeline", "AcknowledgeThirdPartyJob", (), ()),
        ("cloudfront", "UpdateDistribution", (), ()),
        ("ec2", "RunInstances", (), ()),  # traited: botocore's business
    ],
)
def test_generated_and_caller_reference_lookups(service, operation, generated, references):
    """Per operation: paths to generate, paths the caller supplies; none for the rest."""
    assert table.generated(service, operation) == generated
    assert table.caller_references(service, operation) == references


@pytest.mark.parametrize(
    ("service", "operation", "path", "not_token"),
    [
        ("codepipeline", "AcknowledgeThirdPartyJob", ("clientToken",), True),
        ("athena", "StopQueryExecution", ("QueryExecutionId",), True),
        ("bedrock-agentcore", "InvokeAgentRuntime", ("runtimeSessionId",), True),
        ("eventbridgev2", "PutResourcePolicy", ("ExpectedRevisionId",), True),
        ("rekognition", "CreateStreamProcessor", ("Name",), True),
        ("ram", "CreateResourceShare", ("clientToken",), False),
        ("ec2", "RunInstances", ("ClientToken",), False),
    ],
)
def test_not_token_lookup(service, operation, path, not_token):
    """Reviewed non-tokens, and tokens that are not among them."""
    assert table.is_not_token(service, operation, path) is not_token


@pytest.mark.parametrize(
    ("service", "operation", "codes"),
    [
        ("route53", "CreateHostedZone", {"HostedZoneAlreadyExists"}),
        ("route53", "CreateReusableDelegationSet", {"DelegationSetAlreadyCreated"}),
        ("cloudfront", "CreateDistribution", {"DistributionAlreadyExists"}),
        ("cloudformation", "CreateStack", {"TokenAlreadyExistsException"}),
        ("mturk", "CreateHIT", {"RequestError"}),
        ("route53", "CreateKeySigningKey", set()),  # "this name or the same key": a clash
        ("iot", "CreateDimension", set()),  # "an exception occurs": a name clash gets it too
        ("opensearchmemory", "CreateEvent", set()),
        ("ssm", "StartAutomationExecution", set()),
        ("cloudfront", "CreatePublicKey", set()),  # inferred, not documented for the reference
        ("cloudfront", "CreateFieldLevelEncryptionConfig", set()),
        ("route53", "CreateHealthCheck", set()),  # replays an identical repeat
        ("cloudfront", "CreateInvalidation", set()),
        ("ram", "CreateResourceShare", set()),  # no entry: replay
    ],
)
def test_repeat_conflicts(service, operation, codes):
    """Error codes that answer a repeated reference; none where the service replays."""
    assert table.repeat_conflicts(service, operation) == codes


def test_documented_limit_lookup():
    """ECS's documented 36 characters in 33-126; nothing for an undocumented member."""
    ecs = table.documented_limit("ecs", "CreateService", ("clientToken",))
    assert (ecs.max_length, ecs.pattern) == (36, r"[\x21-\x7e]+")
    assert table.documented_limit("ram", "CreateResourceShare", ("clientToken",)) is None
    s3 = table.documented_limit("s3", "RenameObject", ("ClientToken",))
    assert (s3.max_length, s3.pattern) == (64, r"[\x21-\x7e]+")
    engagement = table.documented_limit(
        "partnercentral-selling", "CreateEngagement", ("ClientToken",)
    )
    assert engagement.max_length == 64


# The module stays cheap and the tool's command line works.


def test_table_module_imports_nothing_heavy():
    """Only the standard library's lightest modules: no botocore, no re, nothing compiled."""
    tree = ast.parse(
        (ROOT / "src" / "boto3_idempotent" / "_knowledge" / "token_table.py").read_text()
    )
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"__future__", "functools", "typing"}


def test_importing_the_package_does_not_load_the_table():
    """The table loads lazily, never at import boto3_idempotent."""
    code = textwrap.dedent(
        """
        import sys
        import boto3_idempotent
        print("boto3_idempotent._knowledge.token_table" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_tool_command_line_prints_json(capsys):
    """``--json --service route53`` lists Route 53's caller references, all reviewed."""
    assert scan_tokens.main(["--json", "--service", "route53"]) == 0
    rows = json.load(io.StringIO(capsys.readouterr().out))
    assert {row["operation"] for row in rows} == {
        "CreateCidrCollection",
        "CreateHealthCheck",
        "CreateHostedZone",
        "CreateKeySigningKey",
        "CreateReusableDelegationSet",
    }
    assert scan_tokens.main(["--unreviewed", "--service", "route53"]) == 0
    assert capsys.readouterr().out.startswith("# 0 findings")


def test_a_traited_token_documented_as_ignored_is_a_finding(scan):
    """EVS's clientToken "is not used": flagged for review, not taken on the trait's word."""
    findings, _ = scan
    evs = findings.get(("evs", "CreateEnvironment", ("clientToken",)))
    if "evs" not in AVAILABLE:
        pytest.skip("no EVS in this botocore")
    assert evs is not None
    assert evs.matched_by == ("trait", "ignored")
    assert "not used" in evs.sentence
    assert table.is_not_token("evs", "CreateEnvironment", ("clientToken",))
    # "the request is ignored" describes the replay, not an unused token.
    assert ("secretsmanager", "CreateSecret", ("ClientRequestToken",)) not in findings
