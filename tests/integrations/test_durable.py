"""Lambda durable functions: calls in a durable step act once across its retries and replays.

Every handler runs on the durable execution SDK's own local runner
(``DurableFunctionTestRunner``): real checkpoints, step retries in new invocations, body
replays. AWS calls go through the real boto3 stack to moto behind the fault-injecting
endpoint (which answers a repeated token with the first answer, as AWS does); the
witnesses are moto's own count of instances and the tokens a ``before-send`` recorder
saw on the wire.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs

import boto3
import pytest

pytest.importorskip("aws_durable_execution_sdk_python_testing")

from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.context import DurableContext, StepContext, durable_step
from aws_durable_execution_sdk_python.exceptions import PluginLoadError
from aws_durable_execution_sdk_python.execution import InvocationStatus, durable_execution
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

from boto3_idempotent import CallJournal, UnprotectedCallWarning, wrap
from boto3_idempotent import durable as durable_module
from boto3_idempotent.durable import PLUGIN, IdempotentSteps
from boto3_idempotent.testing import Fault
from helpers.moto_proxy import create_table

AMI = "ami-12c6146b"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RETRIED = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1))
    )
)


def _collect_quietly() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture(scope="module", autouse=True)
def _start_from_a_collected_heap():
    """Once, before the tests freeze the heap: the garbage earlier tests left, collected."""
    _collect_quietly()


@pytest.fixture(autouse=True)
def _collect_the_runners_leftovers(_start_from_a_collected_heap):
    """The local runner leaves an event loop and sockets unclosed: collected here, quietly.

    Left to the garbage collector, their ResourceWarnings would land in whichever test
    runs next (pytest turns them into errors there). What was alive before the test is
    frozen first, so the collection scans only what the test made: a full one of a
    worker's heap (every botocore model loaded) takes seconds.
    """
    gc.freeze()
    yield
    try:
        _collect_quietly()
    finally:
        gc.unfreeze()


class Tokens(list):
    """A ``before-send`` recorder: the ClientToken of every RunInstances sent, in order."""

    def __call__(self, request, **kwargs) -> None:
        body = request.body if isinstance(request.body, str) else request.body.decode()
        fields = parse_qs(body)
        if fields.get("Action") == ["RunInstances"]:
            self.append(fields["ClientToken"][0])


@pytest.fixture
def ec2(faulty_endpoint):
    """A wrapped EC2 client on the endpoint, with its token recorder (``ec2.tokens``)."""
    client = wrap(boto3.client("ec2", **faulty_endpoint.client_kwargs()))
    client.tokens = Tokens()
    client.meta.events.register("before-send.ec2", client.tokens)
    return client


def instances(endpoint) -> int:
    """How many instances moto holds."""
    ec2 = endpoint.backend_client("ec2")
    return sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"])


def run(handler, *, event: str = "{}", execution_name: str = "execution-name"):
    """One execution on the SDK's local runner, to its end."""
    runner = DurableFunctionTestRunner(handler=handler)
    try:
        with runner:
            return runner.run(input=event, execution_timeout=60, execution_name=execution_name)
    finally:
        # The runner (testing SDK 1.4) stops its scheduler's event loop but never closes
        # it: its sockets would be reported unclosed in whichever test runs next.
        loop = getattr(getattr(runner, "_scheduler", None), "_loop", None)
        if loop is not None and not loop.is_closed():
            loop.close()


def failing_once(work):
    """A step function doing ``work()`` and raising after it on its first attempt only."""
    attempts = []

    @durable_step
    def step(step_context: StepContext) -> str:
        result = work()
        attempts.append(result)
        if len(attempts) == 1:
            raise RuntimeError("failed after the call")
        return result

    step.attempts = attempts
    return step


def launch(ec2):
    """Launch one instance; its id."""
    return ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]


# -- a step's retry -----------------------------------------------------------------------


def test_a_retried_step_sends_its_first_tokens_with_the_variable(ec2, faulty_endpoint, monkeypatch):
    """DURABLE_EXECUTION_PLUGINS=boto3_idempotent: one instance; both attempts, one token."""
    monkeypatch.setenv("DURABLE_EXECUTION_PLUGINS", "boto3_idempotent")
    step = failing_once(lambda: launch(ec2))

    @durable_execution
    def handler(event, context: DurableContext) -> str:
        return context.step(step(), config=RETRIED)

    result = run(handler)

    assert result.status is InvocationStatus.SUCCEEDED
    assert len(step.attempts) == 2
    assert len(ec2.tokens) == 2
    assert ec2.tokens[0] == ec2.tokens[1]
    assert instances(faulty_endpoint) == 1


def test_without_the_plugin_a_retried_step_launches_twice(ec2, faulty_endpoint):
    """The control: the SDK alone, two tokens, two instances."""
    step = failing_once(lambda: launch(ec2))

    @durable_execution
    def handler(event, context: DurableContext) -> str:
        return context.step(step(), config=RETRIED)

    assert run(handler).status is InvocationStatus.SUCCEEDED
    assert len(set(ec2.tokens)) == 2
    assert instances(faulty_endpoint) == 2


def test_two_steps_launch_two_instances(ec2, faulty_endpoint):
    """Each step its own key: different tokens."""

    @durable_step
    def one(step_context: StepContext) -> str:
        return launch(ec2)

    @durable_execution(plugins=[IdempotentSteps()])
    def handler(event, context: DurableContext) -> list[str]:
        return [context.step(one(), name="first"), context.step(one(), name="second")]

    assert run(handler).status is InvocationStatus.SUCCEEDED
    assert len(set(ec2.tokens)) == 2
    assert instances(faulty_endpoint) == 2


def test_a_map_of_three_with_one_retried_launches_three(ec2, faulty_endpoint):
    """Map items each keep their own scope (their own threads); the retried one, its token."""
    failed = []

    @durable_step
    def item_step(step_context: StepContext, index: int) -> str:
        instance = launch(ec2)
        if index == 1 and not failed:
            failed.append(instance)
            raise RuntimeError("item 1 fails once")
        return instance

    def item(context: DurableContext, value: int, index: int, items) -> str:
        return context.step(item_step(index), config=RETRIED)

    @durable_execution(plugins=[IdempotentSteps()])
    def handler(event, context: DurableContext) -> list:
        return context.map([0, 1, 2], item).get_results()

    assert run(handler).status is InvocationStatus.SUCCEEDED
    assert len(ec2.tokens) == 4
    assert len(set(ec2.tokens)) == 3
    assert instances(faulty_endpoint) == 3


def test_parallel_branches_keep_their_own_scopes(ec2, faulty_endpoint):
    """Two parallel branches, each a step: two tokens, two instances."""

    @durable_step
    def one(step_context: StepContext) -> str:
        return launch(ec2)

    def branch(context: DurableContext) -> str:
        return context.step(one())

    @durable_execution(plugins=[IdempotentSteps()])
    def handler(event, context: DurableContext) -> list:
        return context.parallel([branch, branch]).get_results()

    assert run(handler).status is InvocationStatus.SUCCEEDED
    assert len(set(ec2.tokens)) == 2
    assert instances(faulty_endpoint) == 2


def test_the_same_input_in_two_executions_launches_twice(ec2, faulty_endpoint):
    """The execution ARN is part of the key: two executions, two instances."""

    @durable_step
    def one(step_context: StepContext) -> str:
        return launch(ec2)

    @durable_execution(plugins=[IdempotentSteps()])
    def handler(event, context: DurableContext) -> str:
        return context.step(one())

    run(handler, execution_name="first")
    run(handler, execution_name="second")

    assert len(set(ec2.tokens)) == 2
    assert instances(faulty_endpoint) == 2


def test_a_call_in_the_replayed_body_sends_one_token(ec2, faulty_endpoint):
    """Outside steps, keyed by the execution: the body's call after a wait replays its token."""

    @durable_execution(plugins=[IdempotentSteps()])
    def handler(event, context: DurableContext) -> str:
        instance = launch(ec2)  # in the body: runs again on every invocation
        context.wait(Duration.from_seconds(1))
        return instance

    result = run(handler)

    assert result.status is InvocationStatus.SUCCEEDED
    assert len(ec2.tokens) == 2  # the body ran twice: before the wait, and replayed after it
    assert ec2.tokens[0] == ec2.tokens[1]
    assert instances(faulty_endpoint) == 1


def test_a_child_context_keys_its_calls_by_its_own_id(ec2, faulty_endpoint):
    """A child context's body and a step in it: two scopes, two tokens; nothing leaks out."""
    from boto3_idempotent._context import current_scope

    seen = []

    @durable_step
    def one(step_context: StepContext) -> str:
        return launch(ec2)

    def child(context: DurableContext) -> str:
        launch(ec2)  # keyed by the child context's id
        return context.step(one())

    @durable_execution(plugins=[IdempotentSteps()])
    def handler(event, context: DurableContext) -> str:
        body = current_scope()
        result = context.run_in_child_context(child)
        seen.append(current_scope() is body)  # the body's scope again after the child
        return result

    assert run(handler).status is InvocationStatus.SUCCEEDED
    assert len(set(ec2.tokens)) == 2
    assert seen == [True]
    assert current_scope() is None  # nothing left set in the test's own context


# -- what a retry repeats ----------------------------------------------------------------


def test_an_untokened_send_in_a_step_warns(faulty_endpoint):
    """sqs:SendMessage in a step: UnprotectedCallWarning naming the step remedy."""
    sqs = wrap(boto3.client("sqs", **faulty_endpoint.client_kwargs()))
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]

    @durable_step
    def send(step_context: StepContext) -> str:
        return sqs.send_message(QueueUrl=url, MessageBody="hello")["MessageId"]

    @durable_execution(plugins=[IdempotentSteps()])
    def handler(event, context: DurableContext) -> str:
        return context.step(send())

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert run(handler).status is InvocationStatus.SUCCEEDED

    messages = [str(w.message) for w in record if issubclass(w.category, UnprotectedCallWarning)]
    assert len(messages) == 1
    assert messages[0].startswith("sqs:SendMessage is not protected")
    assert "StepSemantics.AT_MOST_ONCE_PER_RETRY" in messages[0]
    assert "IdempotentSteps" in messages[0]


def test_a_journaled_send_in_a_retried_step_is_sent_once(faulty_endpoint):
    """IdempotentSteps(journal=...): the retry gets the first MessageId; one message."""
    backend = faulty_endpoint.backend_client("dynamodb")
    create_table(backend, "journal")
    journal = CallJournal(
        "journal", client=boto3.client("dynamodb", **faulty_endpoint.client_kwargs())
    )
    sqs = wrap(boto3.client("sqs", **faulty_endpoint.client_kwargs()))
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    step = failing_once(lambda: sqs.send_message(QueueUrl=url, MessageBody="hello")["MessageId"])

    @durable_execution(plugins=[IdempotentSteps(journal=journal)])
    def handler(event, context: DurableContext) -> str:
        return context.step(step(), config=RETRIED)

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert run(handler).status is InvocationStatus.SUCCEEDED

    assert [w for w in record if issubclass(w.category, UnprotectedCallWarning)] == []
    assert step.attempts[0] == step.attempts[1]  # the same MessageId
    held = faulty_endpoint.backend_client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert held["Attributes"]["ApproximateNumberOfMessages"] == "1"


# -- the example ---------------------------------------------------------------------------


def test_the_example_launches_once_and_sends_once_through_a_failed_tag(
    faulty_endpoint, monkeypatch
):
    """examples/durable_handler.py on the local runner: CreateTags fails once, one instance."""
    backend = faulty_endpoint.backend_client("dynamodb")
    create_table(backend, "journal")
    url = faulty_endpoint.backend_client("sqs").create_queue(QueueName="orders")["QueueUrl"]
    for name, value in {
        "AWS_ENDPOINT_URL": faulty_endpoint.url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "BOTO3_IDEMPOTENT_JOURNAL_TABLE": "journal",
        "QUEUE_URL": url,
    }.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        "example_durable_handler", EXAMPLES / "durable_handler.py"
    )
    example = importlib.util.module_from_spec(spec)
    sys.modules.pop(spec.name, None)
    spec.loader.exec_module(example)
    faulty_endpoint.script("CreateTags", Fault.CLIENT_ERROR)
    tokens = Tokens()  # the second witness: what went on the wire
    example.ec2.meta.events.register("before-send.ec2", tokens)

    result = run(example.handler, event=json.dumps({"order_id": "o-1", "image_id": AMI}))

    assert result.status is InvocationStatus.SUCCEEDED
    assert instances(faulty_endpoint) == 1
    assert faulty_endpoint.created("RunInstances") == 1
    assert len(tokens) == 2  # the tag failed once: launch ran twice, with one token
    assert tokens[0] == tokens[1]
    held = faulty_endpoint.backend_client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert held["Attributes"]["ApproximateNumberOfMessages"] == "1"


# -- bad input -----------------------------------------------------------------------------


def test_an_sdk_too_old_or_missing_is_one_clear_error(monkeypatch):
    """Named with what to install, before any invocation; never an AttributeError."""
    from importlib import metadata

    monkeypatch.setattr(metadata, "version", lambda name: "2.4.0")
    with pytest.raises(ImportError, match=r"3\.0 or newer.*2\.4\.0.*boto3-idempotent\[durable\]"):
        IdempotentSteps()

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    with pytest.raises(ImportError, match=r"boto3-idempotent\[durable\]"):
        IdempotentSteps()


def test_the_entry_point_is_installed_and_names_the_plugin():
    """Group aws_durable_execution.plugins, name boto3_idempotent: durable.PLUGIN."""
    from importlib import metadata

    (entry,) = [
        e
        for e in metadata.entry_points(group="aws_durable_execution.plugins")
        if e.name == "boto3_idempotent"
    ]
    assert entry.load() is PLUGIN


def test_the_plugin_twice_is_refused_at_decoration(monkeypatch):
    """IdempotentSteps() and the variable together: the SDK's PluginLoadError, not two scopes."""
    monkeypatch.setenv("DURABLE_EXECUTION_PLUGINS", "boto3_idempotent")
    with pytest.raises(PluginLoadError, match="mutually exclusive"):
        durable_execution(plugins=[IdempotentSteps()])(lambda event, context: None)


def test_a_bad_journal_is_a_config_error():
    """IdempotentSteps(journal='x'): ConfigError naming journal."""
    from boto3_idempotent import ConfigError

    with pytest.raises(ConfigError, match="journal="):
        IdempotentSteps(journal="journal")  # type: ignore[arg-type]


def test_importing_the_package_never_imports_the_sdk():
    """boto3_idempotent alone loads neither this module nor the durable SDK."""
    import subprocess

    code = (
        "import sys, boto3_idempotent; boto3_idempotent.wrap;"
        " print(any(m.startswith('aws_durable') for m in sys.modules),"
        " 'boto3_idempotent.durable' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert durable_module.__name__ == "boto3_idempotent.durable"
