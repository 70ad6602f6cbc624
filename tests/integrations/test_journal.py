"""The call journal: a re-run gets the first run's answer to a call AWS cannot deduplicate.

Real parts: moto's server behind a plain proxy (moto_proxy.py) holds both the journal
table and the queues; the proxy loses answers after moto acted (a real lost answer),
and counts what reached moto. A ``before-send`` recorder on the wrapped client is the
second witness of what went out, moto's state (read around the proxy) the third.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
import warnings

import pytest
from botocore.exceptions import ConnectionClosedError
from botocore.response import StreamingBody
from dateutil.tz import tzoffset, tzutc

from boto3_idempotent import (
    CallJournal,
    ConfigError,
    EarlierAttemptMayHaveActed,
    IdempotentParameterMismatch,
    JournalUnavailable,
    UnprotectedCallWarning,
    _rerun,
    call_info,
    idempotency_key,
    idempotent_handler,
    install,
    process_sqs_batch,
    set_testing,
    wrap,
)
from boto3_idempotent._integrations import journal as journal_module
from conftest import FakeLambdaContext, raw_client
from helpers.moto_proxy import create_table
from helpers.raw_server import response

TABLE = "journal"


class Sent(list):
    """A ``before-send`` recorder: every request a client sends."""

    def __call__(self, request, **kwargs) -> None:
        self.append(request)


@pytest.fixture
def table(moto) -> str:
    """The journal's table on moto: a string partition key ``id``."""
    create_table(moto.client("dynamodb", direct=True), TABLE)
    return TABLE


@pytest.fixture
def journal(moto, table) -> CallJournal:
    """The journal, its requests through the proxy (so they are counted there)."""
    return CallJournal(table, client=moto.client("dynamodb"))


@pytest.fixture
def sqs(moto):
    """A wrapped SQS client through the proxy, with a before-send recorder, and a queue."""
    client = wrap(moto.client("sqs"))
    sent = Sent()
    client.meta.events.register("before-send", sent)
    url = moto.client("sqs", direct=True).create_queue(QueueName="orders")["QueueUrl"]
    return client, sent, url


@pytest.fixture
def no_sleeps():
    """Testing mode: backoffs are not slept."""
    set_testing(True)
    yield
    set_testing(False)


def messages_in(moto, url: str) -> list[str]:
    """The bodies of every message moto holds in the queue (made visible again after)."""
    direct = moto.client("sqs", direct=True)
    found = direct.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [m["Body"] for m in found.get("Messages", [])]


def records(moto) -> list[dict]:
    """Every record of the journal's table, read from moto directly."""
    return moto.client("dynamodb", direct=True).scan(TableName=TABLE)["Items"]


def crashing_handler(sqs_client, url, journal, **send):
    """A handler that sends a message, then crashes on its first run."""
    runs = []

    @idempotent_handler(journal=journal)
    def handler(event, context):
        sent = sqs_client.send_message(QueueUrl=url, MessageBody="order 1", **send)
        runs.append(sent)
        if len(runs) == 1:
            raise RuntimeError("crashed after sending")
        return sent

    return handler, runs


# -- the protocol, over HTTP ---------------------------------------------------------------


def test_a_crash_after_send_message_and_a_re_run_leave_one_message(moto, journal, sqs):
    """The re-run is answered from the journal: the first MessageId, nothing sent."""
    client, sent, url = sqs
    handler, runs = crashing_handler(client, url, journal)
    context = FakeLambdaContext("req-1")

    with pytest.raises(RuntimeError):
        handler({}, context)
    assert [moto.count(op) for op in ("PutItem", "SendMessage")] == [2, 1]  # two requests
    second = handler({}, context)

    assert second["MessageId"] == runs[0]["MessageId"]
    assert second["MD5OfMessageBody"] == runs[0]["MD5OfMessageBody"]
    assert len(sent) == 1  # before-send: the re-run sent nothing
    assert moto.count("SendMessage") == 1  # the proxy agrees
    assert moto.count("PutItem") == 3  # the re-run: one journal request
    assert messages_in(moto, url) == ["order 1"]  # moto holds one message
    info = call_info(second)
    assert (info.on_rerun, info.from_journal, info.attempts) == ("journal", True, 0)
    assert call_info(runs[0]).on_rerun == "journal"
    assert call_info(runs[0]).from_journal is False


def test_a_journaled_call_does_not_warn(journal, sqs):
    """Protected by the journal: silent."""
    client, _, url = sqs
    with warnings.catch_warnings(record=True) as record, idempotency_key("k", journal=journal):
        warnings.simplefilter("always")
        client.send_message(QueueUrl=url, MessageBody="x")
    assert [w for w in record if issubclass(w.category, UnprotectedCallWarning)] == []


def test_a_lost_answer_then_a_re_run_raises_and_sends_nothing(moto, journal, sqs, no_sleeps):
    """The first run's outcome is unknown: EarlierAttemptMayHaveActed, one message on moto."""
    client, sent, url = sqs
    handler, _ = crashing_handler(client, url, journal)
    context = FakeLambdaContext("req-1")
    moto.lose("SendMessage")

    with pytest.raises(ConnectionClosedError):  # unsafe: not resent after a lost answer
        handler({}, context)
    with pytest.raises(EarlierAttemptMayHaveActed) as raised:
        handler({}, context)

    assert "sqs:SendMessage" in str(raised.value)
    assert "in progress" in str(raised.value)
    assert call_info(raised.value).from_journal is True
    assert len(sent) == 1
    assert moto.count("SendMessage") == 1
    assert messages_in(moto, url) == ["order 1"]


def test_at_least_once_sends_an_in_progress_call_again(moto, journal, sqs, no_sleeps):
    """CallJournal(at_least_once=True): the in-progress record is taken over and the call sent."""
    client, sent, url = sqs
    again = CallJournal(TABLE, client=moto.client("dynamodb"), at_least_once=True)

    @idempotent_handler(journal=again)
    def handler(event, context):
        return client.send_message(QueueUrl=url, MessageBody="order 1")

    moto.lose("SendMessage")
    with pytest.raises(ConnectionClosedError):
        handler({}, FakeLambdaContext("req-1"))
    handler({}, FakeLambdaContext("req-1"))
    third = handler({}, FakeLambdaContext("req-1"))  # now answered from the journal

    assert len(sent) == 2
    assert messages_in(moto, url) == ["order 1", "order 1"]
    assert call_info(third).from_journal is True
    (record,) = records(moto)
    assert record["status"]["S"] == "COMPLETED"


def test_other_parameters_at_the_same_place_are_a_mismatch(moto, journal, sqs):
    """A re-run whose call differs: IdempotentParameterMismatch, nothing sent."""
    client, sent, url = sqs
    bodies = iter(["order 1", "order 2"])

    @idempotent_handler(journal=journal)
    def handler(event, context):
        return client.send_message(QueueUrl=url, MessageBody=next(bodies))

    handler({}, FakeLambdaContext("req-1"))
    with pytest.raises(IdempotentParameterMismatch) as raised:
        handler({}, FakeLambdaContext("req-1"))

    assert "other parameters" in str(raised.value)
    assert "order" not in str(raised.value)  # never the parameters
    assert len(sent) == 1
    assert messages_in(moto, url) == ["order 1"]


def test_a_refusal_that_did_nothing_removes_the_record(moto, journal, sqs):
    """A 4xx (no such queue): the record goes, so the re-run sends and succeeds."""
    client, sent, url = sqs
    missing = url.rsplit("/", 1)[0] + "/later"

    @idempotent_handler(journal=journal)
    def handler(event, context):
        return client.send_message(QueueUrl=missing, MessageBody="order 1")

    with pytest.raises(client.exceptions.QueueDoesNotExist):
        handler({}, FakeLambdaContext("req-1"))
    assert records(moto) == []
    moto.client("sqs", direct=True).create_queue(QueueName="later")
    handler({}, FakeLambdaContext("req-1"))

    assert len(sent) == 2
    assert messages_in(moto, missing) == ["order 1"]


def test_a_5xx_leaves_the_record_in_progress(raw_server, moto, journal, no_sleeps):
    """A 500 to an unsafe call may have acted: the re-run raises instead of sending again."""
    server = raw_server(lambda request, number: response(500, b'{"__type": "InternalError"}'))
    client = wrap(raw_client("sqs", server.url))

    @idempotent_handler(journal=journal)
    def handler(event, context):
        return client.send_message(QueueUrl=server.url + "/1/q", MessageBody="x")

    with pytest.raises(client.exceptions.ClientError):
        handler({}, FakeLambdaContext("req-1"))
    with pytest.raises(EarlierAttemptMayHaveActed):
        handler({}, FakeLambdaContext("req-1"))

    assert len(server.requests) == 1
    (record,) = records(moto)
    assert record["status"]["S"] == "INPROGRESS"


def test_a_journal_that_cannot_be_reached_fails_the_call_before_it_is_sent(moto, sqs):
    """No such table: JournalUnavailable naming it; nothing sent."""
    client, sent, url = sqs
    missing = CallJournal("no-such-table", client=moto.client("dynamodb"))

    with idempotency_key("k", journal=missing), pytest.raises(JournalUnavailable) as raised:
        client.send_message(QueueUrl=url, MessageBody="order 1")

    assert raised.value.table_name == "no-such-table"
    assert "'no-such-table'" in str(raised.value)
    assert "sqs:SendMessage was not sent" in str(raised.value)
    assert "order 1" not in str(raised.value)
    assert sent == []
    assert moto.count("SendMessage") == 0


def test_protected_and_idempotent_calls_never_touch_the_journal(moto, journal):
    """RunInstances (a token) and PutObject (idempotent): no journal request."""
    ec2 = wrap(moto.client("ec2"))
    s3 = wrap(moto.client("s3"))
    s3.create_bucket(Bucket="bucket-1")

    with idempotency_key("k", journal=journal):
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
        s3.put_object(Bucket="bucket-1", Key="k", Body=b"x")

    assert moto.count("PutItem") == 0
    assert moto.count("GetItem") == 0


def test_the_journals_own_calls_are_never_journaled(moto, table):
    """The journal's client wrapped too: its PutItems are not keyed, journaled or warned."""
    ddb = wrap(moto.client("dynamodb"))
    journal = CallJournal(table, client=ddb)
    sqs = wrap(moto.client("sqs"))
    url = moto.client("sqs", direct=True).create_queue(QueueName="q")["QueueUrl"]

    with warnings.catch_warnings(record=True) as record, idempotency_key("k", journal=journal):
        warnings.simplefilter("always")
        sqs.send_message(QueueUrl=url, MessageBody="x")

    assert record == []
    assert moto.count("PutItem") == 2
    assert len(records(moto)) == 1


def test_a_record_holds_a_digest_and_the_answer_never_the_parameters_or_the_key(moto, journal, sqs):
    """What is stored: an opaque id, the digest, status, expiry (six hours), the answer."""
    client, _, url = sqs
    with idempotency_key("customer-42@example.com", journal=journal):
        answer = client.send_message(QueueUrl=url, MessageBody="secret body 1234")

    (record,) = records(moto)
    assert set(record) == {"id", "expiration", "status", "validation", "owner", "call", "data"}
    text = json.dumps(record, default=str)
    assert "customer-42" not in text
    assert "secret body" not in text
    assert record["id"]["S"].startswith("boto3-idempotent#")
    assert record["call"]["S"] == "sqs:SendMessage"
    expires = int(record["expiration"]["N"]) - time.time()
    assert 6 * 3600 - 60 < expires <= 6 * 3600
    stored = journal_module._replay(record["data"]["B"])[1]
    assert stored["MessageId"] == answer["MessageId"]


def test_a_response_with_sensitive_members_is_never_journaled(moto, journal):
    """iam:CreateAccessKey returns a secret key: warned about, never stored."""
    iam = wrap(moto.client("iam"))
    moto.client("iam", direct=True).create_user(UserName="u")

    with (
        pytest.warns(UnprotectedCallWarning, match="sensitive") as record,
        idempotency_key("k", journal=journal),
    ):
        created = iam.create_access_key(UserName="u")

    assert "iam:CreateAccessKey" in str(record[0].message)
    assert "CallJournal" not in str(record[0].message)  # the journal is no remedy here
    assert call_info(created).on_rerun == "repeated"
    assert moto.count("PutItem") == 0


def test_an_sqs_redelivery_in_process_sqs_batch_is_answered_from_the_journal(moto, journal, sqs):
    """The same messageId delivered twice: one message sent."""
    client, sent, url = sqs
    event = {"Records": [{"messageId": "m-1", "eventSource": "aws:sqs", "body": "{}"}]}
    seen = []

    def record_handler(record):
        seen.append(client.send_message(QueueUrl=url, MessageBody="order 1")["MessageId"])

    process_sqs_batch(event, record_handler, journal=journal)
    process_sqs_batch(event, record_handler, journal=journal)

    assert seen[0] == seen[1]
    assert len(sent) == 1
    assert messages_in(moto, url) == ["order 1"]


def test_the_variable_journals_every_idempotent_handler_without_code(moto, table, sqs, monkeypatch):
    """BOTO3_IDEMPOTENT_JOURNAL_TABLE, and the default DynamoDB client of the environment."""
    client, sent, url = sqs
    monkeypatch.setenv("BOTO3_IDEMPOTENT_JOURNAL_TABLE", table)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    @idempotent_handler
    def handler(event, context):
        return client.send_message(QueueUrl=url, MessageBody="order 1")

    first = handler({}, FakeLambdaContext("req-1"))
    second = handler({}, FakeLambdaContext("req-1"))

    assert first["MessageId"] == second["MessageId"]
    assert len(sent) == 1
    assert moto.count("PutItem") == 3


# -- answers kept exactly ------------------------------------------------------------------


def test_an_answer_comes_back_exactly_dates_bytes_and_numbers():
    """Encoded and replayed: equal values, the same types, tzinfo as botocore's parser gives."""
    parsed = {
        "When": dt.datetime(2026, 12, 7, 15, 0, 1, 123456, tzinfo=tzutc()),
        "Elsewhere": dt.datetime(2026, 12, 7, 16, 0, tzinfo=tzoffset(None, 3600)),
        "Naive": dt.datetime(2026, 1, 1),  # noqa: DTZ001  (botocore may give naive ones)
        "Blob": b"\x00\xffbytes",
        "Items": [{"N": 1, "F": 0.1, "Big": 2**70, "T": True, "None": None}],
        "Text": "caf\u00e9 \U0001f600",
        "ResponseMetadata": {"RequestId": "r-1", "HTTPStatusCode": 200, "RetryAttempts": 0},
    }
    data, _, _ = journal_module._encode(dict(parsed))
    http, replayed = journal_module._replay(data)

    assert http.status_code == 200
    for name in ("When", "Elsewhere", "Naive", "Blob", "Items", "Text"):
        assert replayed[name] == parsed[name]
        assert type(replayed[name]) is type(parsed[name])
    assert replayed["When"].tzinfo == tzutc()
    assert replayed["Elsewhere"].utcoffset() == dt.timedelta(hours=1)
    assert replayed["Naive"].tzinfo is None
    assert replayed["ResponseMetadata"]["RequestId"] == "r-1"
    assert replayed["ResponseMetadata"]["FromJournal"] is True


def test_a_streaming_answer_is_read_kept_and_put_back(raw_server, moto, journal):
    """Neptune Analytics ExecuteQuery streams its payload, kept and given back.

    The first run still reads it all, the re-run gets the same bytes as a new stream,
    and nothing is sent again.
    """
    payload = b'{"results": [{"n": 1}]}'
    server = raw_server(lambda request, number: response(200, payload))
    graph = wrap(raw_client("neptune-graph", server.url, inject_host_prefix=False))
    results = []

    @idempotent_handler(journal=journal)
    def handler(event, context):
        answer = graph.execute_query(
            graphIdentifier="g-1", queryString="MATCH (n) RETURN n", language="OPEN_CYPHER"
        )
        results.append(answer["payload"].read())
        return answer

    handler({}, FakeLambdaContext("req-1"))
    second = handler({}, FakeLambdaContext("req-1"))

    assert results == [payload, payload]
    assert isinstance(second["payload"], StreamingBody)
    assert len(server.requests) == 1


def test_lambda_invoke_is_never_journaled_its_payload_is_sensitive(raw_server, journal):
    """The model marks Invoke's Payload sensitive: warned about, never stored, sent each run."""
    server = raw_server(lambda request, number: response(200, b'{"secret": 1}'))
    lam = wrap(raw_client("lambda", server.url))

    for _ in range(2):
        with (
            pytest.warns(UnprotectedCallWarning, match="lambda:Invoke .* sensitive"),
            idempotency_key("k", journal=journal),
        ):
            lam.invoke(FunctionName="f", Payload=b"{}")["Payload"].read()

    assert len(server.requests) == 2


def test_an_answer_too_large_to_keep_is_reported_on_the_re_run(moto, journal, sqs, monkeypatch):
    """Past the item size: the first run gets its answer; the re-run is told, nothing sent."""
    from boto3_idempotent import EarlierAttemptSucceeded

    client, sent, url = sqs
    monkeypatch.setattr(journal_module, "MAX_DATA_BYTES", 10)

    @idempotent_handler(journal=journal)
    def handler(event, context):
        return client.send_message(QueueUrl=url, MessageBody="order 1")

    first = handler({}, FakeLambdaContext("req-1"))
    assert first["MessageId"]
    with pytest.raises(EarlierAttemptSucceeded, match=r"could not be kept .*more than 10"):
        handler({}, FakeLambdaContext("req-1"))
    assert len(sent) == 1


def test_the_digest_reads_a_stream_and_puts_it_back():
    """A seekable body is digested by its bytes from where it stands, and left there."""

    def request(**changes):
        return {"method": "POST", "url_path": "/", "query_string": "", "headers": {}, **changes}

    stream = io.BytesIO(b"header|body")
    stream.seek(7)
    one = _rerun.digest(b"seed", request(body=stream))
    assert stream.tell() == 7
    assert one == _rerun.digest(b"seed", request(body=io.BytesIO(b"body")))
    assert one != _rerun.digest(b"seed", request(body=io.BytesIO(b"other")))
    assert _rerun.digest(b"seed", request(body={"a": 1})) != _rerun.digest(
        b"seed", request(body={"a": "1"})
    )
    assert _rerun.digest(b"seed", request(body=b"x")) != _rerun.digest(b"other", request(body=b"x"))
    # botocore's own headers (its version) are not what the request asks for
    assert _rerun.digest(b"seed", request(body=b"x", headers={"User-Agent": "Boto3/1"})) == (
        _rerun.digest(b"seed", request(body=b"x", headers={"User-Agent": "Boto3/2"}))
    )
    assert _rerun.digest(b"seed", request(body=b"x", headers={"X-Amz-Target": "A"})) != (
        _rerun.digest(b"seed", request(body=b"x", headers={"X-Amz-Target": "B"}))
    )


def test_a_call_that_never_reached_the_wire_removes_its_record(moto, journal, sqs):
    """Signing failed (no credentials): nothing sent, so the re-run sends (review 32, D1)."""
    import boto3
    from botocore.exceptions import NoCredentialsError

    client, _, url = sqs
    anonymous = wrap(
        boto3.session.Session(
            aws_access_key_id=None, aws_secret_access_key=None, region_name="us-east-1"
        ).client("sqs", endpoint_url=moto.url)
    )
    with idempotency_key("k", journal=journal), pytest.raises(NoCredentialsError):
        anonymous.send_message(QueueUrl=url, MessageBody="order 1")
    assert records(moto) == []
    assert moto.count("SendMessage") == 0
    with idempotency_key("k", journal=journal):
        client.send_message(QueueUrl=url, MessageBody="order 1")
    assert messages_in(moto, url) == ["order 1"]


def test_a_resource_answer_is_kept_and_replayed_as_the_resource_gives_it(moto, journal):
    """boto3's Table resource: Decimals on both runs, the counter incremented once (D2)."""
    import decimal

    import boto3

    create_table(moto.client("dynamodb", direct=True), "counters", key="pk")
    resource = boto3.resource(
        "dynamodb",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    table = resource.Table("counters")
    wrap(table.meta.client)  # wrapped after the resource: its converter registered first
    answers = []
    for _ in range(2):
        with idempotency_key("order-1", journal=journal):
            answers.append(
                table.update_item(
                    Key={"pk": "a"},
                    UpdateExpression="ADD n :one",
                    ExpressionAttributeValues={":one": 1},
                    ReturnValues="UPDATED_NEW",
                )
            )

    assert answers[0]["Attributes"] == answers[1]["Attributes"]
    assert answers[1]["Attributes"]["n"] == decimal.Decimal(1)
    assert type(answers[1]["Attributes"]["n"]) is decimal.Decimal
    assert call_info(answers[1]).from_journal is True
    stored = moto.client("dynamodb", direct=True).get_item(
        TableName="counters", Key={"pk": {"S": "a"}}
    )
    assert stored["Item"]["n"] == {"N": "1"}


def test_a_resource_condition_digests_the_same_on_the_re_run(moto, journal):
    """boto3 condition objects (Attr) are digested as serialized, not by their repr (D3)."""
    import boto3
    from boto3.dynamodb.conditions import Attr

    install()
    create_table(moto.client("dynamodb", direct=True), "counters", key="pk")
    table = boto3.resource(
        "dynamodb",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).Table("counters")
    for _ in range(2):
        with idempotency_key("order-1", journal=journal):
            table.update_item(
                Key={"pk": "a"},
                UpdateExpression="ADD n :one",
                ConditionExpression=Attr("n").not_exists() | Attr("n").lt(10),
                ExpressionAttributeValues={":one": 1},
            )

    stored = moto.client("dynamodb", direct=True).get_item(
        TableName="counters", Key={"pk": {"S": "a"}}
    )
    assert stored["Item"]["n"] == {"N": "1"}


def test_a_refused_write_whose_record_is_gone_is_written_again(monkeypatch, journal):
    """Refused, then the record vanished before it was read: written again, never unrecorded (D4)."""
    entry = journal_module.Entry(journal, "boto3-idempotent#x", b"seed", "sqs:SendMessage")
    entry.digest = "d"
    answers = iter([{}, None])  # refused with nothing to read, then written

    def put(journal_self, entry, previous):
        answer = next(answers)
        return journal_module._GONE if answer == {} else answer

    monkeypatch.setattr(journal_module.CallJournal, "_put_in_progress", put)
    assert journal.begin(entry) is None
    assert next(answers, "spent") == "spent"  # both writes were made


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"table_name": ""}, "table_name"),
        ({"table_name": "ab"}, "table_name"),
        ({"table_name": "has space"}, "table_name"),
        ({"table_name": 7}, "table_name"),
        ({"table_name": "t" * 256}, "table_name"),
        ({"table_name": "journal", "expires_after": 0}, "expires_after"),
        ({"table_name": "journal", "expires_after": float("inf")}, "expires_after"),
        ({"table_name": "journal", "at_least_once": "yes"}, "at_least_once"),
        ({"table_name": "journal", "client": object()}, "client"),
    ],
)
def test_a_bad_argument_names_itself(arguments, name):
    """Each argument is checked where the journal is made, and named."""
    with pytest.raises(ConfigError) as raised:
        CallJournal(**arguments)
    assert raised.value.name == name


def test_a_table_arn_is_accepted():
    """DynamoDB takes a table's ARN as TableName: so does the journal."""
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/journal"
    assert CallJournal(arn).table_name == arn


def test_a_journal_that_is_not_a_call_journal_fails_at_decoration():
    """``journal=`` must be a CallJournal: ConfigError before any call."""
    with pytest.raises(ConfigError, match="journal=") as raised:
        idempotent_handler(journal="journal")(lambda event, context: None)
    assert raised.value.expected == "a CallJournal, or None"
    with pytest.raises(ConfigError), idempotency_key("k", journal="journal"):  # type: ignore[arg-type]
        pass


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOTO3_IDEMPOTENT_JOURNAL_TABLE", "a b"),
        ("BOTO3_IDEMPOTENT_JOURNAL_TABLE", "x"),
        ("BOTO3_IDEMPOTENT_JOURNAL_EXPIRES_AFTER", "six hours"),
        ("BOTO3_IDEMPOTENT_JOURNAL_EXPIRES_AFTER", "0"),
    ],
)
def test_a_bad_variable_is_named_at_decoration(monkeypatch, variable, value):
    """Before any call: the variable, its value and the form expected."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_JOURNAL_TABLE", "journal")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        idempotent_handler(lambda event, context: None)
    assert raised.value.name == variable
    assert value in str(raised.value)


def test_an_asyncio_client_is_never_journaled_and_says_so():
    """The journal's requests are synchronous: an asyncio client's calls warn instead."""
    from boto3_idempotent._integrations.aio import AioPlugin

    assert AioPlugin.journals is False
    reason = _rerun._why_not_journaled(AioPlugin.__new__(AioPlugin), "sqs", None)
    assert "asyncio" in reason


def test_process_sqs_batch_inherits_the_handlers_journal(moto, journal, sqs):
    """Inside idempotent_handler(journal=J), each record's scope journals into J."""
    client, sent, url = sqs
    event = {"Records": [{"messageId": "m-1", "eventSource": "aws:sqs", "body": "{}"}]}

    @idempotent_handler(journal=journal)
    def handler(event, context):
        return process_sqs_batch(
            event, lambda record: client.send_message(QueueUrl=url, MessageBody="order 1")
        )

    handler(event, FakeLambdaContext("req-1"))
    handler(event, FakeLambdaContext("req-2"))  # a redelivery: another invocation

    assert len(sent) == 1
    assert len(records(moto)) == 1


def test_the_variables_journal_is_made_once_per_process(monkeypatch):
    """process_sqs_batch runs per invocation: the environment's journal (and client) once."""
    from boto3_idempotent._integrations import aws_lambda as _lambda

    monkeypatch.setenv("BOTO3_IDEMPOTENT_JOURNAL_TABLE", "journal-once")
    first = _lambda.journal_from(None, os.environ, cache=True)
    assert _lambda.journal_from(None, os.environ, cache=True) is first
    assert _lambda.journal_from(None, os.environ) is not first  # decorators: one each
    assert first.table_name == "journal-once"
