"""Retries in OpenTelemetry: metrics and span events, over HTTP, read back from the SDK.

The SDK's in-memory reader and exporter are the witnesses; the scripted server's own
record of requests is the second one (attempts counted by the metrics must equal the
requests the server read). The global providers can be set once per process, so this
module sets them once and reads differences around each call.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest

from boto3_idempotent._plugin import PLUGIN_ATTR
from conftest import FakeClock
from helpers.answers import error_in
from helpers.wire import raw_ok

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


# -- telemetry never breaks the call -------------------------------------------------------


ITEM = {"TableName": "t", "Item": {"k": {"S": "v"}}}


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


# -- error.type is bounded -----------------------------------------------------------------


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


# -- durations, read, not only counted -----------------------------------------------------


def _histogram(name: str):
    """(sum, count, unit) of a histogram of ours, over every attribute set."""
    from helpers.otel import READER

    total = count = 0.0
    unit = None
    data = READER.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            if scope.scope.name != "boto3_idempotent":
                continue
            for metric in scope.metrics:
                if metric.name == name:
                    unit = metric.unit
                    for point in metric.data.data_points:
                        total += point.sum
                        count += point.count
    return total, count, unit


def test_durations_are_seconds_of_the_whole_call_and_of_each_attempt(make_client, server):
    """Durations in seconds: the call's from its start, each attempt's from its own start.

    Not the call's from its last attempt, nor every attempt from one stamp, nor in ms.

    On a fake clock that moves only by the backoff (0.5 s): the call lasts 0.5 s, and each
    attempt 0 s (the backoff is between attempts, in neither).
    """
    install_providers()
    clock = FakeClock()
    client = wrap(
        make_client("ec2"),
        RetryPolicy(base_delay=0.5, max_delay=0.5),
        sleep=clock.sleep,
        clock=clock,
        random=lambda: 1.0,
    )
    call_before = _histogram("smithy.client.call.duration")
    attempt_before = _histogram("smithy.client.call.attempt_duration")
    server.plan(Reply(500, "InternalError"), OK)
    client.run_instances(**RUN)
    call_sum, call_count, call_unit = _histogram("smithy.client.call.duration")
    attempt_sum, attempt_count, attempt_unit = _histogram("smithy.client.call.attempt_duration")
    assert clock.sleeps == [0.5]
    assert call_count - call_before[1] == 1
    assert call_sum - call_before[0] == pytest.approx(0.5)
    assert attempt_count - attempt_before[1] == 2
    assert attempt_sum - attempt_before[0] == pytest.approx(0.0)
    assert (call_unit, attempt_unit) == ("s", "s")
