"""`python -m boto3_idempotent operations` and `policy`, run as subprocesses (or show_policy())."""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import subprocess
import sys

import pytest

from boto3_idempotent import ConfigError
from boto3_idempotent._cli.commands import show_policy
from boto3_idempotent._policy.standard_mode import installed
from helpers.token_secret import ENV_SECRET, RAW_SECRET


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line in a fresh interpreter."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOTO3_IDEMPOTENT_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "boto3_idempotent", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
    )


def test_operations_lists_traited_scanned_and_nested_members():
    """EC2: RunInstances from the model, AllocateHosts and the nested spot-fleet token from the scan."""
    result = run("operations", "ec2")

    assert result.returncode == 0, result.stderr
    lines = {tuple(line.split()) for line in result.stdout.splitlines()}
    assert ("ec2", "RunInstances", "protected", "ClientToken", "model") in lines
    assert ("ec2", "AllocateHosts", "protected", "ClientToken", "scan") in lines
    assert (
        "ec2",
        "RequestSpotFleet",
        "protected",
        "SpotFleetRequestConfig.ClientToken",
        "scan",
    ) in lines
    assert ("ec2", "CreateSnapshot", "unsafe", "-", "verb") in lines
    assert not any(line[1:2] == ("DescribeInstances",) for line in lines)  # idempotent: --all
    assert "operations in 1 service:" in result.stdout


def test_operations_lists_caller_references_including_per_element_ones():
    """Route 53's CallerReference, and SQS batch entries' MessageDeduplicationId, as references."""
    route53 = run("operations", "route53")
    sqs = run("operations", "sqs")

    lines = {tuple(line.split()) for line in (route53.stdout + sqs.stdout).splitlines()}
    assert ("route53", "CreateHostedZone", "protected", "CallerReference", "reference") in lines
    assert (
        "sqs",
        "SendMessageBatch",
        "protected",
        "Entries.[].MessageDeduplicationId",
        "reference",
    ) in lines
    assert ("sqs", "SendMessageBatch", "unsafe", "-", "verb") in lines  # without the reference


def test_a_name_alike_that_is_not_a_token_is_not_listed():
    """CodePipeline's AcknowledgeThirdPartyJob.clientToken identifies a job: not protected."""
    result = run("operations", "codepipeline", "--all")

    lines = {tuple(line.split()) for line in result.stdout.splitlines()}
    assert ("codepipeline", "AcknowledgeThirdPartyJob", "idempotent", "-", "verb") in lines
    assert not any(line[1:3] == ("AcknowledgeThirdPartyJob", "protected") for line in lines)


def test_operations_all_adds_what_is_resent_without_a_token():
    """--all: TerminateInstances (documented idempotent), DescribeInstances and CreateTags (verb)."""
    result = run("operations", "ec2", "--all")

    lines = {tuple(line.split()) for line in result.stdout.splitlines()}
    assert ("ec2", "TerminateInstances", "idempotent", "-", "documented") in lines
    assert ("ec2", "CreateRoute", "idempotent", "-", "documented") in lines
    assert ("ec2", "DescribeInstances", "idempotent", "-", "verb") in lines
    assert ("ec2", "CreateTags", "idempotent", "-", "verb") in lines
    assert ("ec2", "CreateSnapshot", "unsafe", "-", "verb") in lines


def test_operations_class_filter_lists_only_that_class():
    """--class unsafe: S3 has no unsafe PutObject; DynamoDB's UpdateItem is decided per call."""
    s3 = run("operations", "s3", "--class", "unsafe")
    dynamodb = run("operations", "dynamodb", "--class", "unsafe")

    s3_lines = {tuple(line.split()[:3]) for line in s3.stdout.splitlines()}
    assert ("s3", "PutObject", "idempotent") not in s3_lines
    assert not any(line[1:2] == ("PutObject",) for line in s3_lines)
    rows = [line.split() for line in dynamodb.stdout.splitlines() if line.startswith("dynamodb ")]
    assert rows
    assert all(row[2] == "unsafe" for row in rows)
    assert ["dynamodb", "UpdateItem", "unsafe", "-", "per", "call"] in rows
    assert not any(row[1] == "PutItem" for row in rows)


def test_operations_json_is_machine_readable():
    """--json: a list of {service, operation, resend, member, source, reason, reviewed}."""
    result = run("operations", "cloudformation", "--json")

    rows = json.loads(result.stdout)
    assert {
        "service": "cloudformation",
        "operation": "CreateStack",
        "resend": "protected",
        "member": "ClientRequestToken",
        "source": "scan",
        "reason": "",
        "reviewed": True,
    } in rows
    keys = {"service", "operation", "resend", "member", "source", "reason", "reviewed"}
    assert all(set(r) == keys for r in rows)


def test_operations_of_every_service_counts_them():
    """No service: every service botocore knows, with totals."""
    result = run("operations")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if " operations in " in line)

    def number(line):
        return int(line.split()[0].replace(",", ""))

    total = number(lines[start])
    protected, by_source = (
        number(lines[start + 1]),
        [number(x) for x in lines[start + 2 : start + 5]],
    )
    idempotent, unsafe = number(lines[start + 5]), number(lines[start + 6])
    census = lines[start + 7]
    fewer = int(census.split(": ")[1].split()[0].replace(",", ""))
    by_reason = [number(x) for x in lines[start + 8 : -1]]
    assert "botocore" in lines[-1]
    assert "review" in lines[-1]  # the installed release beside the review
    modeled, traited = modeled_operations()
    assert total == modeled  # every operation of the installed botocore (20,730 in 1.44.18)
    assert by_source[0] <= traited  # the trait count: operations whose model has the trait
    assert protected > traited  # the scan and caller references add more than is excluded
    assert sum(by_source) == protected
    assert protected + idempotent + unsafe == total
    assert lines[start + 3].strip().endswith("(tools/scan_tokens.py), token generated")
    assert census.startswith("Resent less than bare botocore: ")
    assert unsafe <= fewer == sum(by_reason)
    assert fewer < total * 0.2  # was 49%: every mutation without a token


def modeled_operations() -> tuple[int, int]:
    """(operations, operations with an idempotencyToken member) in the installed botocore."""
    import botocore.session

    session = botocore.session.get_session()
    total = traited = 0
    for service in session.get_available_services():
        model = session.get_service_model(service)
        for name in model.operation_names:
            total += 1
            traited += bool(model.operation_model(name).idempotent_members)
    return total, traited


def test_unknown_service_exits_2_with_suggestions():
    """A typo gets exit status 2, the name, and close matches."""
    result = run("operations", "ec3")

    assert result.returncode == 2
    assert "unknown service 'ec3'" in result.stderr
    assert "ec2" in result.stderr
    assert result.stdout == ""


def test_policy_shows_each_value_and_its_source():
    """Defaults say 'default'; a set variable names itself."""
    result = run("policy", env={"BOTO3_IDEMPOTENT_MAX_DELAY": "5", "AWS_MAX_ATTEMPTS": "6"})

    assert result.returncode == 0, result.stderr
    rows = {
        cells[0]: cells[1:]
        for cells in (re.split(r"\s{2,}", line) for line in result.stdout.splitlines() if line)
    }
    mode = installed()
    assert rows["max_attempts"] == ["6", "AWS_MAX_ATTEMPTS"]
    assert rows["base_delay"] == [str(mode.base_delay), mode.name]
    assert rows["throttle_base_delay"] == [str(mode.throttle_base_delay), mode.name]
    assert rows["max_delay"] == ["5.0", "BOTO3_IDEMPOTENT_MAX_DELAY"]
    assert rows["deadline"] == ["none", "default"]
    assert rows["lambda_margin"] == ["1.0", "default"]


def test_policy_without_any_setting_shows_botocores_attempts():
    """No variable, no profile: botocore's standard-mode attempts, per service too."""
    result = run("policy", "--json")

    payload = json.loads(result.stdout)
    mode = installed()
    assert payload["max_attempts"] == {"value": mode.max_attempts, "source": mode.name}
    for service, attempts in mode.service_max_attempts.items():
        assert payload[f"max_attempts[{service}]"]["value"] == attempts


def test_policy_reports_every_bad_variable_at_once():
    """Two bad variables, two lines on stderr, exit 2."""
    result = run(
        "policy",
        env={"BOTO3_IDEMPOTENT_MAX_ATTEMPTS": "x", "BOTO3_IDEMPOTENT_LAMBDA_MARGIN": "soon"},
    )

    assert result.returncode == 2
    assert "BOTO3_IDEMPOTENT_MAX_ATTEMPTS='x' is invalid" in result.stderr
    assert "BOTO3_IDEMPOTENT_LAMBDA_MARGIN='soon' is invalid" in result.stderr


def test_policy_treats_an_empty_secret_as_unset():
    """BOTO3_IDEMPOTENT_TOKEN_SECRET= (empty) is unset, as idempotency_key treats it."""
    payload = json.loads(run("policy", "--json", env={"BOTO3_IDEMPOTENT_TOKEN_SECRET": ""}).stdout)
    assert payload["token_secret"] == {"value": "unset", "source": "default"}


def test_policy_json_and_the_secret_stays_hidden():
    """--json gives value and source; the token secret's value is never printed."""
    result = run(
        "policy",
        "--json",
        env={"BOTO3_IDEMPOTENT_TOKEN_SECRET": "hunter2", "BOTO3_IDEMPOTENT_RETRY_UNSAFE": "yes"},
    )

    payload = json.loads(result.stdout)
    assert payload["retry_unsafe"] == {"value": True, "source": "BOTO3_IDEMPOTENT_RETRY_UNSAFE"}
    assert payload["token_secret"] == {"value": "set", "source": "BOTO3_IDEMPOTENT_TOKEN_SECRET"}
    assert "hunter2" not in result.stdout


def test_policy_json_gives_the_retry_quota_as_numbers():
    """--json: retry_quota is {capacity, retry_cost, timeout_retry_cost, throttle_retry_cost}."""
    result = run("policy", "--json")
    table = run("policy")

    mode = installed()
    assert json.loads(result.stdout)["retry_quota"] == {
        "value": {
            "capacity": mode.quota_capacity,
            "retry_cost": mode.retry_cost,
            "timeout_retry_cost": mode.timeout_retry_cost,
            "throttle_retry_cost": mode.throttle_retry_cost,
        },
        "source": mode.name,
    }
    (row,) = [line for line in table.stdout.splitlines() if line.startswith("retry_quota ")]
    assert f"{mode.quota_capacity} tokens; a retry costs {mode.retry_cost}" in row  # words


@pytest.mark.parametrize(
    ("env", "telemetry", "retry_mode"),
    [
        ({}, {"value": True, "source": "default"}, None),
        (
            {"BOTO3_IDEMPOTENT_TELEMETRY": "off", "AWS_RETRY_MODE": "adaptive"},
            {"value": False, "source": "BOTO3_IDEMPOTENT_TELEMETRY"},
            {"mode": "adaptive", "replaced": True, "rate_limiter_kept": True},
        ),
        (
            {"AWS_RETRY_MODE": "Standard"},
            {"value": True, "source": "default"},
            {"mode": "standard", "replaced": True},
        ),
    ],
)
def test_policy_json_gives_telemetry_and_the_aws_retry_mode_as_data(env, telemetry, retry_mode):
    """--json: telemetry a boolean, aws_retry_mode {mode, replaced[, rate_limiter_kept]}."""
    payload = json.loads(run("policy", "--json", env=env).stdout)  # conftest: no AWS_* of ours

    assert payload["telemetry"] == telemetry
    if retry_mode is None:
        assert "aws_retry_mode" not in payload
    else:
        assert payload["aws_retry_mode"] == {"value": retry_mode, "source": "AWS_RETRY_MODE"}


def test_policy_json_holds_no_prose():
    """Every --json value is data: numbers, booleans, null, lists, objects, or one word."""
    result = run(
        "policy",
        "--json",
        env={"AWS_RETRY_MODE": "adaptive", "BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE": "s3:PutObject"},
    )

    def words(value):
        if isinstance(value, dict):
            return [w for v in value.values() for w in words(v)]
        if isinstance(value, list):
            return [w for v in value for w in words(v)]
        return [value] if isinstance(value, str) else []

    for name, row in json.loads(result.stdout).items():
        assert set(row) == {"value", "source"}
        assert all(" " not in word for word in words(row["value"])), (name, row)


def test_policy_help_says_what_classic_and_new_retries_mean():
    """`policy --help` explains the two botocore lines its source column names."""
    result = run("policy", "--help")

    text = " ".join(result.stdout.split())
    assert result.returncode == 0
    assert '"botocore 1.44 standard mode" is botocore\'s new retries' in text
    assert '"botocore classic standard mode" is the standard mode of 1.43 and earlier' in text
    assert "AWS_NEW_RETRIES_2026=true" in text


@pytest.mark.parametrize(
    ("variable", "value"),
    [("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "0"), ("BOTO3_IDEMPOTENT_LAMBDA_MARGIN", "soon")],
)
def test_policy_with_a_bad_value_exits_2_with_the_config_error(variable, value):
    """The ConfigError message, naming the variable and value, on stderr."""
    result = run("policy", env={variable: value})

    assert result.returncode == 2
    assert f"{variable}={value!r} is invalid: expected" in result.stderr


def test_operations_into_a_closed_pipe_prints_no_traceback():
    """`operations ec2 --all | head -n 1`: the first line, exit status 0, nothing on stderr.

    EC2's rows (over 100 KB) outgrow the pipe's buffer (set to one page where Linux allows,
    else 64 KB), so the writer meets the closed pipe whatever the timing.
    """
    read_end, write_end = os.pipe()
    if hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux: the smallest buffer, so the pipe must fill
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    reader = subprocess.Popen(
        [sys.executable, "-c", "import sys; print(sys.stdin.readline(), end='')"],
        stdin=read_end,
        stdout=subprocess.PIPE,
        text=True,
    )
    os.close(read_end)
    try:
        writer = subprocess.run(
            [sys.executable, "-m", "boto3_idempotent", "operations", "ec2", "--all"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    with reader.stdout:
        first = reader.stdout.read()
    reader.wait(timeout=30)

    assert first.split()[:3] == ["SERVICE", "OPERATION", "RESEND"]
    assert writer.returncode == 0
    assert "Traceback" not in writer.stderr
    assert "BrokenPipeError" not in writer.stderr


def test_operations_looks_up_one_operation_with_its_reason():
    """`operations sqs:SendMessage` and `operations SendMessage --service sqs`: its rows, why."""
    one = run("operations", "sqs:SendMessage")
    other = run("operations", "SendMessage", "--service", "sqs")

    assert one.returncode == other.returncode == 0
    assert one.stdout == other.stdout
    lines = one.stdout.splitlines()
    assert lines[0] == "sqs:SendMessage"
    assert lines[1].startswith("  protected by MessageDeduplicationId (reference): without it")
    assert (
        lines[2]
        == "  unsafe (verb): Send: a second request sends, delivers or appends a second time"
    )
    assert (
        run("operations", "s3:createbucket")
        .stdout.splitlines()[1]
        .startswith("  idempotent (method): HTTP PUT")
    )


def test_operations_names_the_operation_meant():
    """A misspelt operation: exit 2, the ones meant on stderr."""
    result = run("operations", "sqs:SendMesage")

    assert result.returncode == 2
    assert "sqs has no operation 'SendMesage'; did you mean SendMessage" in result.stderr
    assert result.stdout == ""


def test_operations_json_for_one_operation_is_its_rows():
    """--json with one operation: the rows of that operation only."""
    rows = json.loads(run("operations", "sqs:SendMessage", "--json").stdout)
    assert {row["operation"] for row in rows} == {"SendMessage"}
    assert [row["resend"] for row in rows] == ["protected", "unsafe"]


# -- `policy` and the token secret, AWS_MAX_ATTEMPTS and misspelt operation names ----------


def test_policy_shows_a_non_utf8_secret_as_set_and_never_prints_it():
    """`policy` with raw bytes in the variable: exit 0, "set", not the bytes."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOTO3_IDEMPOTENT_")}
    environ["BOTO3_IDEMPOTENT_TOKEN_SECRET"] = ENV_SECRET  # subprocess passes the raw bytes
    result = subprocess.run(
        [sys.executable, "-m", "boto3_idempotent", "policy"],
        capture_output=True,
        timeout=120,
        check=False,
        env=environ,
    )
    assert result.returncode == 0, result.stderr
    assert b"token_secret" in result.stdout
    assert RAW_SECRET not in result.stdout + result.stderr


def _policy(env):
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOTO3_IDEMPOTENT_", "AWS_"))
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "boto3_idempotent", "policy"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
    )


@pytest.mark.parametrize("value", ["garbage", "0", "-3", "2.5", "\u0663"])
def test_policy_refuses_an_aws_max_attempts_that_boto3_refuses(value):
    """What boto3.client() refuses to start with, `policy` refuses too, naming the variable."""
    result = _policy({"AWS_MAX_ATTEMPTS": value})

    assert result.returncode == 2
    assert result.stdout == ""
    assert f"AWS_MAX_ATTEMPTS={value!r} is invalid" in result.stderr


def test_policy_takes_a_good_aws_max_attempts():
    """A whole number >= 1 is botocore's budget, shown with its source."""
    result = _policy({"AWS_MAX_ATTEMPTS": "6"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == ["max_attempts", "6", "AWS_MAX_ATTEMPTS"]


def test_an_empty_aws_max_attempts_is_refused_by_policy():
    """boto3.client() fails on AWS_MAX_ATTEMPTS=''; policy says so instead of 'fine'."""
    with pytest.raises(ConfigError) as caught:
        show_policy({"AWS_MAX_ATTEMPTS": ""}, as_json=False, out=io.StringIO())
    assert caught.value.name == "AWS_MAX_ATTEMPTS"


def test_policy_refuses_a_misspelt_name():
    """policy: the same ConfigError, so `python -m boto3_idempotent policy` exits 2."""
    with pytest.raises(ConfigError, match="dynamodb:PutItem"):
        show_policy(
            {"BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE": "dynamo:PutItem"}, as_json=False, out=io.StringIO()
        )
