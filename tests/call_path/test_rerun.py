"""Re-runs: inside a key scope, a call a re-run would repeat is named before it is sent.

Over HTTP to moto's server behind a plain proxy (moto_proxy.py, no
boto3_idempotent.testing in the path); a ``before-send`` recorder on each client is the
second witness of what went out, and moto's own state (read around the proxy) the
third.
"""

from __future__ import annotations

import json
import re
import warnings

import pytest
from botocore.exceptions import ConnectionClosedError

from boto3_idempotent import (
    EarlierAttemptMayHaveActed,
    UnprotectedCallWarning,
    call_info,
    idempotency_key,
    idempotent_handler,
    wrap,
)
from boto3_idempotent import _rerun as _rerun_module
from boto3_idempotent._knowledge.token_table import DERIVED_NAMES, NOT_DERIVED
from helpers.moto_proxy import create_table

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
ROLE = "arn:aws:iam::123456789012:role/states"
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


class Sent(list):
    """A ``before-send`` recorder: the body of every request a client sends."""

    def __call__(self, request, **kwargs) -> None:
        self.append(request.body if isinstance(request.body, bytes) else b"")

    def bodies(self) -> list[dict]:
        return [json.loads(body) for body in self if body.startswith(b"{")]


def recorded(client):
    """``client`` with a before-send recorder; (client, recorder)."""
    sent = Sent()
    client.meta.events.register("before-send", sent)
    return client, sent


def unprotected(record: pytest.WarningsRecorder) -> list[str]:
    """The messages of the UnprotectedCallWarnings recorded."""
    return [str(w.message) for w in record if issubclass(w.category, UnprotectedCallWarning)]


def queue(moto):
    """A standard queue on moto; its URL."""
    return moto.client("sqs", direct=True).create_queue(QueueName="orders")["QueueUrl"]


def messages_in(moto, url: str) -> int:
    """How many messages moto holds in the queue."""
    sqs = moto.client("sqs", direct=True)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


# -- 1. the warning --------------------------------------------------------------------------


def test_an_untokened_send_in_a_key_scope_warns_at_the_callers_line(moto):
    """sqs:SendMessage under a key: UnprotectedCallWarning naming it and its remedies, here."""
    url = queue(moto)
    sqs, sent = recorded(wrap(moto.client("sqs")))

    with pytest.warns(UnprotectedCallWarning) as record, idempotency_key("order-1"):
        response = sqs.send_message(QueueUrl=url, MessageBody="hello")

    (message,) = unprotected(record)
    assert message.startswith("sqs:SendMessage is not protected on a re-run")
    assert "FIFO queue" in message
    assert "CallJournal" in message
    assert "AT_MOST_ONCE_PER_RETRY" in message
    assert record[0].filename == __file__  # the caller's line, not ours or botocore's
    assert call_info(response).on_rerun == "repeated"
    assert len(sent) == 1  # a warning, not a refusal: the call went out
    assert messages_in(moto, url) == 1


def test_the_warnings_filter_decides_how_often(moto):
    """The default filter shows it once per line; 'error' refuses the call before it is sent."""
    url = queue(moto)
    sqs, sent = recorded(wrap(moto.client("sqs")))

    with warnings.catch_warnings(record=True) as record, idempotency_key("order-1"):
        warnings.simplefilter("default")
        for _ in range(3):
            sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert len(unprotected(record)) == 1
    assert len(sent) == 3

    with warnings.catch_warnings(), idempotency_key("order-2"):
        warnings.simplefilter("error", UnprotectedCallWarning)
        with pytest.raises(UnprotectedCallWarning):
            sqs.send_message(QueueUrl=url, MessageBody="refused")
    assert len(sent) == 3  # nothing more sent
    assert messages_in(moto, url) == 3


def test_protected_and_idempotent_calls_are_silent(moto):
    """ec2:RunInstances (a token) and s3:PutObject (idempotent) under a key: no warning."""
    ec2 = wrap(moto.client("ec2"))
    s3 = wrap(moto.client("s3"))
    s3.create_bucket(Bucket="bucket-1")

    with warnings.catch_warnings(record=True) as record, idempotency_key("order-1"):
        warnings.simplefilter("always")
        launched = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
        stored = s3.put_object(Bucket="bucket-1", Key="k", Body=b"x")
        described = ec2.describe_instances()

    assert unprotected(record) == []
    assert call_info(launched).on_rerun == "token"
    assert call_info(stored).on_rerun == "idempotent"
    assert call_info(described).on_rerun == "idempotent"


def test_outside_a_key_scope_nothing_warns_and_call_info_says_none(moto):
    """A single call is not re-run: silent, and on_rerun is None."""
    url = queue(moto)
    sqs = wrap(moto.client("sqs"))

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        response = sqs.send_message(QueueUrl=url, MessageBody="hello")

    assert unprotected(record) == []
    assert call_info(response).on_rerun is None


def test_an_update_item_warns_only_when_this_request_repeats(moto):
    """DynamoDB UpdateItem: a counter warns (with the lock remedy); a plain SET does not."""
    ddb = moto.client("dynamodb", direct=True)
    create_table(ddb, "t", key="pk")
    wrapped = wrap(moto.client("dynamodb"))
    key = {"pk": {"S": "a"}}

    with warnings.catch_warnings(record=True) as record, idempotency_key("order-1"):
        warnings.simplefilter("always")
        wrapped.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":s": {"S": "paid"}},
        )
        assert unprotected(record) == []
        counted = wrapped.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    (message,) = unprotected(record)
    assert message.startswith("dynamodb:UpdateItem is not protected")
    assert "optimistic lock" in message
    assert call_info(counted).on_rerun == "repeated"


def test_treat_as_unsafe_warns_and_retry_unsafe_does_not_silence(moto):
    """treat_as_unsafe makes an idempotent call repeat; retry_unsafe accepts resends, not re-runs."""
    from boto3_idempotent import RetryPolicy

    url = queue(moto)
    allowed = wrap(moto.client("sqs"), RetryPolicy(retry_unsafe=["sqs:SendMessage"]))
    s3 = wrap(moto.client("s3"), RetryPolicy(treat_as_unsafe=["s3:PutObject"]))
    s3.create_bucket(Bucket="bucket-1")

    with warnings.catch_warnings(record=True) as record, idempotency_key("order-1"):
        warnings.simplefilter("always")
        sent = allowed.send_message(QueueUrl=url, MessageBody="hello")
        s3.put_object(Bucket="bucket-1", Key="k", Body=b"x")

    assert call_info(sent).on_rerun == "repeated"
    assert [m.split(" ", 1)[0] for m in unprotected(record)] == ["sqs:SendMessage", "s3:PutObject"]


# -- 2. names AWS deduplicates, derived from the key ---------------------------------------


@pytest.fixture
def state_machine(moto) -> str:
    """A STANDARD state machine on moto; its ARN."""
    sfn = moto.client("stepfunctions", direct=True)
    return sfn.create_state_machine(name="orders", definition=DEFINITION, roleArn=ROLE)[
        "stateMachineArn"
    ]


def test_start_execution_in_a_crashed_and_re_run_handler_leaves_one_execution(
    moto, state_machine, lambda_context
):
    """The name is derived from the key: the re-run sends it again and Step Functions dedupes."""
    sfn, sent = recorded(wrap(moto.client("stepfunctions")))
    runs = []

    @idempotent_handler
    def handler(event, context):
        started = sfn.start_execution(stateMachineArn=state_machine, input='{"order": 1}')
        runs.append(started)
        if len(runs) == 1:
            raise RuntimeError("crashed after starting")
        return started

    with pytest.raises(RuntimeError):
        handler({}, lambda_context)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        second = handler({}, lambda_context)

    assert unprotected(record) == []
    first_name, second_name = (body["name"] for body in sent.bodies())
    assert first_name == second_name
    assert UUID.fullmatch(first_name)  # as opaque as AWS's own: a version-4 UUID
    assert second["executionArn"] == runs[0]["executionArn"]
    assert call_info(second).on_rerun == "name"
    executions = moto.client("stepfunctions", direct=True).list_executions(
        stateMachineArn=state_machine
    )["executions"]
    assert len(executions) == 1


def test_names_are_never_derived_outside_a_scope_nor_over_the_callers(moto, state_machine):
    """Outside a key scope AWS names the execution; a caller's name goes out as given."""
    sfn, sent = recorded(wrap(moto.client("stepfunctions")))

    sfn.start_execution(stateMachineArn=state_machine, input="{}")
    with idempotency_key("order-1"):
        mine = sfn.start_execution(stateMachineArn=state_machine, input="{}", name="my-run")

    first, second = sent.bodies()
    assert "name" not in first
    assert second["name"] == "my-run"
    assert call_info(mine).on_rerun == "name"


def test_two_keys_and_two_calls_get_different_names(moto, state_machine):
    """Ordinals and keys both change the name; the same key and call give the same one."""
    sfn, sent = recorded(wrap(moto.client("stepfunctions")))

    for key in ("order-1", "order-2", "order-1"):
        with idempotency_key(key):
            sfn.start_execution(stateMachineArn=state_machine, input="{}")
            sfn.start_execution(stateMachineArn=state_machine, input='{"n": 2}')

    names = [body["name"] for body in sent.bodies()]
    assert names[0:2] == names[4:6]
    assert len(set(names[0:4])) == 4


def test_a_derived_name_taken_with_other_input_is_the_earlier_runs_doing(
    moto, state_machine, lambda_context
):
    """ExecutionAlreadyExists on a derived name: EarlierAttemptMayHaveActed, still the service's."""
    sfn = wrap(moto.client("stepfunctions"))
    inputs = iter(['{"order": 1}', '{"order": 2}'])

    @idempotent_handler
    def handler(event, context):
        return sfn.start_execution(stateMachineArn=state_machine, input=next(inputs))

    handler({}, lambda_context)
    with pytest.raises(EarlierAttemptMayHaveActed) as raised:
        handler({}, lambda_context)

    assert isinstance(raised.value, sfn.exceptions.ExecutionAlreadyExists)
    assert call_info(raised.value).on_rerun == "name"
    # Outside a scope the same refusal of a caller's name is the service's alone.
    sfn.start_execution(stateMachineArn=state_machine, input="{}", name="mine")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists) as plain:
        sfn.start_execution(stateMachineArn=state_machine, input='{"x": 1}', name="mine")
    assert not isinstance(plain.value, EarlierAttemptMayHaveActed)


def test_a_derived_name_does_not_make_start_execution_resent(raw_server):
    """A lost answer is still not resent: an EXPRESS workflow would run the name again."""
    from boto3_idempotent import set_testing
    from conftest import raw_client

    server = raw_server(lambda request, number: None)  # every answer lost
    sfn = wrap(raw_client("stepfunctions", server.url))
    set_testing(True)
    try:
        with idempotency_key("order-1"), pytest.raises(ConnectionClosedError) as raised:
            sfn.start_execution(stateMachineArn="arn:aws:states:us-east-1:1:stateMachine:s")
    finally:
        set_testing(False)
    assert len(server.requests) == 1
    assert call_info(raised.value).stop_reason == "unsafe_to_resend"


def test_kms_grant_name_is_derived_and_sent_again_by_the_re_run(moto, lambda_context):
    """KMS CreateGrant: the re-run sends the first run's Name, which KMS dedupes by.

    KMS documents 'if the grant already exists, the original GrantId is returned'; moto
    does not model that (it adds a grant per request), so the witnesses here are the
    wire (before-send) and the Name moto stored, not moto's count of grants.
    """
    kms = moto.client("kms", direct=True)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    wrapped, sent = recorded(wrap(moto.client("kms")))

    @idempotent_handler
    def handler(event, context):
        return wrapped.create_grant(KeyId=key_id, GranteePrincipal=ROLE, Operations=["Decrypt"])[
            "GrantId"
        ]

    first, second = handler({}, lambda_context), handler({}, lambda_context)

    names = [body["Name"] for body in sent.bodies()]
    assert names[0] == names[1]
    assert UUID.fullmatch(names[0])
    assert first != second  # moto: a grant per request (see the docstring)
    stored = {grant["Name"] for grant in kms.list_grants(KeyId=key_id)["Grants"]}
    assert stored == {names[0]}


def test_every_derived_name_is_reviewed_with_its_quote_and_fits_its_member():
    """The table: a quote each; a UUID fits each member's pattern and length in the model."""
    import botocore.session

    from boto3_idempotent._tokens import TokenMember

    models = botocore.session.get_session()
    for entry in (*DERIVED_NAMES, *NOT_DERIVED):
        assert len(entry.evidence) > 20
    for name in DERIVED_NAMES:
        model = models.get_service_model(name.service).operation_model(name.operation)
        shape = model.input_shape.members[name.path[0]]
        assert name.path[0] not in model.input_shape.required_members
        member = TokenMember.from_shape(name.path, shape)
        assert member.uuid_format
        assert member.accepts(member.generate(b"seed"))
    derived = {(n.service, n.operation) for n in DERIVED_NAMES}
    assert ("stepfunctions", "StartSyncExecution") not in derived  # EXPRESS: not deduplicated


# -- the docs' box -------------------------------------------------------------------------


def _on_a_rerun(service: str, operation: str) -> str:
    """What docs/lambda.md's box says of a call, computed from what the library knows."""
    import botocore.session

    from boto3_idempotent._knowledge.operations import operation_info

    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    info = operation_info(service, model)
    if info.tokens:
        return "protected: token"
    if info.names:
        return "protected: name"
    if info.resend.refine is not None:
        return "depends on the request"
    if info.resend.kind == "idempotent":
        return "idempotent"

    class Synchronous:
        journals = True

    if _rerun_module._why_not_journaled(Synchronous(), service, model) is not None:
        return "repeated, never journaled (sensitive answer)"
    return "repeated"


def test_the_lambda_pages_box_says_what_the_library_does():
    """Each row of "What a re-run repeats" is what a wrapped client does with that call."""
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "lambda.md").read_text()
    box = page.split("## What a re-run repeats", 1)[1].split("\n## ", 1)[0]
    rows = [
        line.strip().split(" | ") for line in box.splitlines() if line.strip().startswith("| `")
    ]
    checked = 0
    for calls, said, _ in (row for row in rows if len(row) == 3):
        expected = said.removesuffix(" (a read)")
        for call in re.findall(r"`(\w[\w-]*):(\w+)`", calls):
            assert _on_a_rerun(*call) == expected, call
            checked += 1
    assert checked >= 20
