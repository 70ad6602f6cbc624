"""Retries in OpenTelemetry: metrics and span events, over HTTP, read back from the SDK.

The SDK's in-memory reader and exporter are the witnesses; the scripted server's own
record of requests is the second one (attempts counted by the metrics must equal the
requests the server read). The global providers can be set once per process, so this
module sets them once and reads differences around each call.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("opentelemetry.sdk")

from botocore.exceptions import ClientError
from opentelemetry import trace

from boto3_idempotent import ConfigError, RetryPolicy, call_info, wrap
from helpers.otel import EXPORTER, Delta, install_providers
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


@pytest.fixture(scope="module", autouse=True)
def _providers():
    """The SDK's providers, set once for this process (OpenTelemetry allows one set)."""
    install_providers()


@pytest.fixture
def ec2(make_client, sleeps):
    """A wrapped EC2 client on the scripted server."""
    return wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps, random=lambda: 0.0)


def test_one_500_then_success_counts_two_attempts_and_one_error(ec2, server):
    """RunInstances: attempts 2, errors 1 (InternalError), one resend, one call duration."""
    server.plan(Reply(500, "InternalError"), OK)
    delta = Delta()

    response = ec2.run_instances(**RUN)

    method = {"rpc.system": "aws-api", "rpc.service": "EC2", "rpc.method": "RunInstances"}
    assert call_info(response).attempts == server.count() == 2
    assert delta.get("smithy.client.call.attempts", **method) == 2
    assert delta.get("smithy.client.call.errors", **method, **{"error.type": "InternalError"}) == 1
    assert delta.get("smithy.client.call.errors", **method) == 1
    assert delta.get("smithy.client.call.duration", **method) == 1
    assert delta.get("smithy.client.call.attempt_duration", **method) == 2
    assert delta.get("boto3_idempotent.resends", **method, reason="ambiguous") == 1
    assert delta.get("boto3_idempotent.not_resent", **method) == 0


def test_an_unsafe_call_refused_is_counted_with_its_reason(ec2, server):
    """AllocateAddress after a 500: not_resent{reason=unsafe_to_resend} 1, one attempt."""
    server.plan(Reply(500, "InternalError"))
    delta = Delta()

    with pytest.raises(ClientError):
        ec2.allocate_address(Domain="vpc")

    method = {"rpc.method": "AllocateAddress"}
    assert server.count() == 1
    assert delta.get("boto3_idempotent.not_resent", **method, reason="unsafe_to_resend") == 1
    assert delta.get("smithy.client.call.attempts", **method) == 1
    assert delta.get("smithy.client.call.errors", **method) == 1
    assert delta.get("boto3_idempotent.resends", **method) == 0


def test_throttling_is_a_resend_reason_of_its_own(ec2, server):
    """A throttled attempt is resent with reason throttled, and counted as an error."""
    server.plan(Reply(400, "Throttling"), OK)
    delta = Delta()

    ec2.describe_instances()

    method = {"rpc.method": "DescribeInstances"}
    assert delta.get("boto3_idempotent.resends", **method, reason="throttled") == 1
    assert delta.get("smithy.client.call.errors", **method, **{"error.type": "Throttling"}) == 1
    assert delta.get("smithy.client.call.attempts", **method) == server.count() == 2


def test_two_resends_are_two_events_on_the_callers_span(ec2, server):
    """Inside the caller's span: two resend events, then attempts 3 as an attribute."""
    server.plan(Reply(500, "InternalError"), Reply(503, "Unavailable"), OK)
    EXPORTER.clear()
    tracer = trace.get_tracer("test")

    with tracer.start_as_current_span("order"):
        ec2.run_instances(**RUN)

    (span,) = [s for s in EXPORTER.get_finished_spans() if s.name == "order"]
    events = [e for e in span.events if e.name == "boto3_idempotent.resend"]
    assert [(e.attributes["attempt"], e.attributes["error.type"]) for e in events] == [
        (1, "InternalError"),
        (2, "Unavailable"),
    ]
    assert all(e.attributes["delay"] >= 0 for e in events)
    assert span.attributes["boto3_idempotent.attempts"] == 3
    assert "boto3_idempotent.stop_reason" not in span.attributes
    assert server.count() == 3


def test_with_the_botocore_instrumentation_the_events_go_on_its_span(make_client, server, sleeps):
    """BotocoreInstrumentor's one span per logical call carries the resends and the stop reason."""
    instrumentation = pytest.importorskip("opentelemetry.instrumentation.botocore")
    instrumentor = instrumentation.BotocoreInstrumentor()
    instrumentor.instrument()
    try:
        client = wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps)
        server.plan(Reply(500, "InternalError"), Reply(500, "InternalError"), OK)
        EXPORTER.clear()
        client.run_instances(**RUN)
        server.plan(Reply(500, "InternalError"))
        with pytest.raises(ClientError):
            client.allocate_address(Domain="vpc")
    finally:
        instrumentor.uninstrument()

    spans = {s.name: s for s in EXPORTER.get_finished_spans()}
    run = spans["EC2.RunInstances"]
    resends = [e for e in run.events if e.name == "boto3_idempotent.resend"]
    assert len(resends) == 2
    assert run.attributes["boto3_idempotent.attempts"] == 3
    assert run.attributes.get("retry_attempts") == 2  # the instrumentation's own count agrees
    allocate = spans["EC2.AllocateAddress"]
    assert allocate.attributes["boto3_idempotent.stop_reason"] == "unsafe_to_resend"
    assert allocate.attributes["boto3_idempotent.attempts"] == 1
    assert not any("ami-1" in str(v) for s in spans.values() for v in s.attributes.values())


def test_the_switch_turns_it_off(make_client, server, sleeps, monkeypatch):
    """BOTO3_IDEMPOTENT_TELEMETRY=off: nothing recorded, the call itself unchanged."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TELEMETRY", "off")
    client = wrap(make_client("ec2"), sleep=sleeps)
    server.plan(Reply(500, "InternalError"), OK)
    delta = Delta()

    client.run_instances(**RUN)

    assert server.count() == 2
    assert delta.get("smithy.client.call.attempts") == 0
    assert delta.get("boto3_idempotent.resends") == 0


def test_a_bad_switch_value_names_the_variable(make_client, monkeypatch):
    """BOTO3_IDEMPOTENT_TELEMETRY=maybe: ConfigError at wrap(), before any request."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TELEMETRY", "maybe")

    with pytest.raises(ConfigError) as raised:
        wrap(make_client("ec2"))

    assert raised.value.name == "BOTO3_IDEMPOTENT_TELEMETRY"


def test_without_opentelemetry_in_use_nothing_imports_it():
    """A program that never imported OpenTelemetry: wrapped calls, retries included, never do."""
    code = textwrap.dedent(
        """
        import sys
        import boto3
        from botocore.awsrequest import AWSResponse
        import boto3_idempotent

        class Raw:
            def __init__(self, body):
                self.body = body
            def stream(self, **kwargs):
                yield self.body

        answers = [(500, b"<Response><Errors><Error><Code>InternalError</Code></Error></Errors></Response>"),
                   (200, b"<RunInstancesResponse><reservationId>r</reservationId></RunInstancesResponse>")]
        ec2 = boto3_idempotent.wrap(boto3.client(
            "ec2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"),
            sleep=lambda s: None)
        ec2.meta.events.register(
            "before-send", lambda request, **kw: AWSResponse(request.url, answers[0][0], {}, Raw(answers.pop(0)[1])))
        ec2.run_instances(ImageId="ami-1", MinCount=1, MaxCount=1)
        print(sorted(m for m in sys.modules if m.startswith("opentelemetry")), len(answers))
        """
    )
    from helpers.interpreter import run  # a fresh interpreter, as a cold start

    assert run(code) == "[] 0"


@pytest.mark.parametrize(
    ("value", "shown", "source"),
    [
        (None, "on", "default"),
        ("off", "off", "BOTO3_IDEMPOTENT_TELEMETRY"),
        ("on", "on", "BOTO3_IDEMPOTENT_TELEMETRY"),
    ],
)
def test_policy_shows_the_switch(value, shown, source):
    """`policy` shows telemetry on or off, and where that comes from."""
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOTO3_IDEMPOTENT_")}
    if value is not None:
        environ["BOTO3_IDEMPOTENT_TELEMETRY"] = value
    result = subprocess.run(
        [sys.executable, "-m", "boto3_idempotent", "policy"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=environ,
    )
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("telemetry ")]
    assert row.split()[1] == shown
    assert row.split()[-1] == source
