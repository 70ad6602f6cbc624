"""Review round 3 (issue 26): each defect's repro, failing before its fix.

Where the wire matters there are two witnesses: the scripted server's record (or
raw_server's) and a ``before-send`` recorder on the client.
"""

from __future__ import annotations

import gc
import io
import logging
import weakref

import pytest
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError

from boto3_idempotent import (
    ConfigError,
    InvalidClientToken,
    RetryPolicy,
    call_info,
    wrap,
)
from boto3_idempotent._cli.commands import show_policy
from boto3_idempotent._env_names import unknown_variables
from boto3_idempotent._plugin import PLUGIN_ATTR
from boto3_idempotent._tokens import TokenMember
from helpers.answers import SendRecorder, error_in
from helpers.otel import Delta, install_providers
from helpers.raw_server import response
from helpers.wire import OK, Reply, raw_ok

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
ITEM = {"TableName": "t", "Item": {"k": {"S": "v"}}}

# -- 1. misspelt operation names are refused, with the name meant ------------------------


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("dynamo:PutItem", "dynamodb:PutItem"),
        ("s3:Putobject", "s3:PutObject"),
        ("sqs:SendMesage", "sqs:SendMessage"),
    ],
)
@pytest.mark.parametrize("field", ["treat_as_unsafe", "retry_unsafe"])
def test_a_misspelt_operation_name_is_refused_with_the_name_meant(field, given, meant):
    """In code and in the environment: ConfigError naming the field and the name meant."""
    with pytest.raises(ConfigError, match=f"did you mean {meant}") as caught:
        RetryPolicy(**{field: [given]})
    assert caught.value.name == field
    variable = f"BOTO3_IDEMPOTENT_{field.upper()}"
    with pytest.raises(ConfigError, match=f"did you mean {meant}") as caught:
        RetryPolicy.from_env({variable: given})
    assert caught.value.name == variable


def test_policy_refuses_a_misspelt_name():
    """policy: the same ConfigError, so `python -m boto3_idempotent policy` exits 2."""
    with pytest.raises(ConfigError, match="dynamodb:PutItem"):
        show_policy(
            {"BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE": "dynamo:PutItem"}, as_json=False, out=io.StringIO()
        )


def test_known_names_pass_and_protect_on_the_wire(make_client, raw_server, sleeps, monkeypatch):
    """The name meant, spelt right: PutItem is sent once after a 500 (it would be resent)."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE", "dynamodb:PutItem")
    first = error_in("json", 500, "InternalServerError")
    raw = raw_server(lambda request, n: first if n == 1 else raw_ok(request))
    client = make_client("dynamodb", url=raw.url)
    sent = SendRecorder()
    client.meta.events.register("before-send.dynamodb", sent)
    wrap(client, sleep=sleeps)
    with pytest.raises(ClientError):
        client.put_item(**ITEM)
    assert (len(raw.requests), len(sent)) == (1, 1)


def test_a_misspelt_name_fails_before_anything_is_sent(make_client, raw_server, monkeypatch):
    """wrap() itself refuses it: no client runs with a protection the user did not get."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE", "dynamo:PutItem")
    raw = raw_server(lambda request, n: raw_ok(request))
    client = make_client("dynamodb", url=raw.url)
    with pytest.raises(ConfigError):
        wrap(client)
    assert raw.requests == []


# -- 2. telemetry never breaks the call ------------------------------------------------------


class Boom:
    """An instrument or span that raises on every use."""

    def __getattr__(self, name):
        def raising(*args, **kwargs):
            raise RuntimeError("exporter down")

        return raising


@pytest.fixture
def otel_ec2(make_client, sleeps):
    """A wrapped EC2 client recording to the SDK's in-memory providers."""
    install_providers()
    return wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps, random=lambda: 0.0)


def _break(client, part: str, monkeypatch) -> None:
    plugin = getattr(client, PLUGIN_ATTR)
    telemetry = plugin.telemetry()
    if part == "meter":
        for name in (
            "_attempts",
            "_errors",
            "_duration",
            "_attempt_duration",
            "_resends",
            "_not_resent",
        ):
            monkeypatch.setattr(telemetry, name, Boom())
    else:
        monkeypatch.setattr(
            telemetry, "_trace", type("T", (), {"get_current_span": staticmethod(Boom)})()
        )


@pytest.mark.parametrize("part", ["meter", "span"])
@pytest.mark.parametrize("first", ["success", "500"])
def test_telemetry_that_raises_never_reaches_the_call(
    otel_ec2, server, monkeypatch, caplog, part, first
):
    """A 200 is returned, a protected 500 resent: the failure is logged once, not raised."""
    _break(otel_ec2, part, monkeypatch)
    server.plan(*([Reply(500, "InternalError")] if first == "500" else []), OK, OK)
    with caplog.at_level(logging.WARNING, logger="boto3_idempotent"):
        first_call = otel_ec2.run_instances(**RUN)
        otel_ec2.run_instances(**RUN)
    assert call_info(first_call).attempts == (2 if first == "500" else 1)
    tokens = server.tokens("RunInstances")
    assert len(tokens) == (3 if first == "500" else 2)
    failures = [r for r in caplog.records if "OpenTelemetry recording failed" in r.getMessage()]
    assert len(failures) == 1  # once per client
    assert "RuntimeError" in failures[0].getMessage()


def test_instruments_that_cannot_be_made_leave_the_call_alone(
    make_client, server, sleeps, monkeypatch
):
    """A meter provider that raises when asked for a meter: the call succeeds, unrecorded."""
    install_providers()
    from opentelemetry import metrics

    monkeypatch.setattr(metrics, "get_meter", Boom().get_meter)
    client = wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(500, "InternalError"), OK)
    assert call_info(client.run_instances(**RUN)).attempts == 2


# -- 3. error.type is bounded ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "recorded"),
    [
        ("InternalError", "InternalError"),  # the library knows it
        ("InvalidAMIID.Malformed", "_OTHER"),  # not RunInstances' to model
        ("X" * 5015, "_OTHER"),
        ("Token-3f2b1c2e-aaaa-bbbb-cccc-1234567890ab", "_OTHER"),  # a code echoing a token
    ],
)
def test_error_type_is_a_known_code_or_other(otel_ec2, server, code, recorded):
    """Codes outside the library's tables and the operation's model become _OTHER."""
    server.plan(Reply(500, code), OK)
    delta = Delta()
    otel_ec2.run_instances(**RUN)
    assert delta.get("smithy.client.call.errors", **{"error.type": recorded}) == 1


def test_error_type_keeps_the_operations_modeled_codes(make_client, raw_server, sleeps):
    """DynamoDB PutItem models ProvisionedThroughputExceededException: recorded as is."""
    install_providers()
    throttled = error_in("json", 400, "ProvisionedThroughputExceededException")
    raw = raw_server(lambda request, n: throttled if n == 1 else raw_ok(request))
    client = wrap(make_client("dynamodb", url=raw.url), RetryPolicy(), sleep=sleeps)
    delta = Delta()
    client.put_item(**ITEM)
    assert (
        delta.get(
            "smithy.client.call.errors", **{"error.type": "ProvisionedThroughputExceededException"}
        )
        == 1
    )


# -- 4. no reference cycle from a resent call ------------------------------------------------


def test_a_resent_calls_state_is_freed_without_the_cyclic_gc(make_client, server, sleeps):
    """With gc disabled, the context of a resent call, and tenacity's state in it, go away."""
    client = wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps, random=lambda: 0.0)
    contexts = []
    client.meta.events.register(  # an AWSRequest: its context on every botocore
        "request-created.ec2", lambda request, **kw: contexts.append(request.context)
    )
    server.plan(Reply(500, "InternalError"), OK)
    gc.collect()
    gc.disable()
    try:
        client.run_instances(**RUN)
        context = contexts[0]
        held = next(v for k, v in context.items() if k.endswith("retry_state"))
        state = weakref.ref(held[1])
        assert held[1].args == ()
        del contexts[:], context, held
        assert state() is None  # freed by reference counting alone
    finally:
        gc.enable()


# -- 5. a redirect is botocore's -----------------------------------------------------------


def test_a_3xx_is_not_logged_as_a_refused_resend(make_client, raw_server, sleeps, caplog):
    """A 304 (GetObject with If-None-Match) or a 301 is botocore's: no 'Not resending'."""
    not_modified = response(304, b"", {"ETag": '"abc"'})
    raw = raw_server(lambda request, n: not_modified)
    client = wrap(make_client("s3", url=raw.url, s3={"addressing_style": "path"}), sleep=sleeps)
    with (
        caplog.at_level(logging.DEBUG, logger="boto3_idempotent"),
        pytest.raises(ClientError) as caught,
    ):
        client.get_object(Bucket="b", Key="k", IfNoneMatch='"abc"')
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    assert not [r for r in caplog.records if "Not resending" in r.getMessage()]
    assert len(raw.requests) == 1


# -- 6. the rest ------------------------------------------------------------------------------


def test_call_info_follows_the_chain_of_an_error_raised_over_the_call(
    make_client, raw_server, sleeps, tmp_path
):
    """s3transfer's S3UploadFailedError: call_info reads the ClientError under it."""
    denied = response(
        403,
        b"<Error><Code>AccessDenied</Code><Message>m</Message></Error>",
        {"Content-Type": "application/xml"},
    )
    raw = raw_server(lambda request, n: denied)
    client = wrap(make_client("s3", url=raw.url, s3={"addressing_style": "path"}), sleep=sleeps)
    path = tmp_path / "small.txt"
    path.write_bytes(b"hello")
    with pytest.raises(S3UploadFailedError) as caught:
        client.upload_file(str(path), "b", "k")
    info = call_info(caught.value)
    assert info is not None
    assert (info.attempts, info.stop_reason) == (1, "not_retryable")


def test_call_info_of_an_unrelated_error_is_none():
    """An error with no call in its chain: None, and a cycle in the chain ends the walk."""
    first, second = ValueError("a"), KeyError("b")
    first.__context__, second.__context__ = second, first
    assert call_info(first) is None


def test_an_empty_aws_max_attempts_is_refused_by_policy():
    """boto3.client() fails on AWS_MAX_ATTEMPTS=''; policy says so instead of 'fine'."""
    with pytest.raises(ConfigError) as caught:
        show_policy({"AWS_MAX_ATTEMPTS": ""}, as_json=False, out=io.StringIO())
    assert caught.value.name == "AWS_MAX_ATTEMPTS"


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("BOTO3_IDEMPOTNET_MAX_ATTEMPTS", "BOTO3_IDEMPOTENT_MAX_ATTEMPTS"),
        ("BOTO_IDEMPOTENT_DEADLINE", "BOTO3_IDEMPOTENT_DEADLINE"),
        ("BOTO3IDEMPOTENT_TOKEN_SECRET", "BOTO3_IDEMPOTENT_TOKEN_SECRET"),
    ],
)
def test_a_misspelt_prefix_is_named(name, meant):
    """A typo in the prefix itself is no longer silent, when a variable is close."""
    assert unknown_variables({name: "1"}) == [(name, meant)]


def test_an_unrelated_variable_sharing_the_prefix_shape_is_not_named():
    """BOTO3_IDEMPOTENCY_TABLE (the application's own): nothing close, nothing said."""
    assert unknown_variables({"BOTO3_IDEMPOTENCY_TABLE": "orders"}) == []


def test_a_non_ascii_token_is_named_as_such():
    """The message says what is wrong (a non-ASCII character, where), not its length."""
    member = TokenMember(("ClientToken",))
    with pytest.raises(InvalidClientToken, match="a non-ASCII character at position 3") as caught:
        member.check("abé-token", "RunInstances")
    assert "é" not in str(caught.value)


@pytest.fixture
def missing_profile(monkeypatch):
    """AWS_PROFILE names a profile no config file here has."""
    monkeypatch.setenv("AWS_PROFILE", "a-colleagues-profile")


def test_the_fixture_works_under_a_profile_this_machine_lacks(missing_profile, faulty_endpoint):
    """faulty_endpoint unsets such an AWS_PROFILE for the test: its clients work."""
    import os

    assert "AWS_PROFILE" not in os.environ
    sqs = faulty_endpoint.client("sqs")
    assert sqs.create_queue(QueueName="q")["QueueUrl"].endswith("/q")


def test_docstrings_hold_no_rest_roles():
    """The API reference is Markdown (mkdocstrings): a :func:`x` role would show raw."""
    import re
    from pathlib import Path

    role = re.compile(r":(?:func|class|data|meth|attr|exc|mod|obj):`")
    root = Path(__file__).resolve().parents[1] / "src" / "boto3_idempotent"
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if role.search(line)
    ]
    assert found == []
