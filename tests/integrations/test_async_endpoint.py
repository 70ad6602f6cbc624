"""Issue 10's done-when, over HTTP against the fault-injecting endpoint, on aiobotocore clients."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from urllib.parse import parse_qs

import pytest

pytest.importorskip("aiobotocore")

from boto3_idempotent import RetryPolicy, call_info, idempotency_key, wrap
from boto3_idempotent.testing import Fault, FaultyEndpoint
from helpers.aio import BACKENDS, AsyncSleeps, Rendezvous, aio_client

AMI = "ami-12c6146b"
RUN = {"ImageId": AMI, "MinCount": 1, "MaxCount": 1}


def record_tokens(client, sent):
    """A second oracle: the ClientToken of every request as it leaves the client."""

    def before_send(request, **kwargs):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        sent.append(parse_qs(body or "").get("ClientToken", [None])[0])

    client.meta.events.register("before-send.ec2.RunInstances", before_send)


def test_run_instances_through_a_503_and_a_lost_response_creates_one_instance(faulty_endpoint):
    """3 attempts, one token (endpoint records and a before-send recorder agree), 1 instance."""
    aws = faulty_endpoint
    aws.script("RunInstances", Fault.UNAVAILABLE, Fault.LOST_RESPONSE)
    sent: list[str | None] = []

    async def scenario():
        async with aws.aio_client("ec2") as ec2:
            wrap(ec2, RetryPolicy(max_attempts=4), sleep=AsyncSleeps())
            record_tokens(ec2, sent)
            return await ec2.run_instances(**RUN)

    response = asyncio.run(scenario())

    tokens = [r.token for r in aws.records if r.operation == "RunInstances"]
    assert len(tokens) == 3
    assert len(set(tokens)) == 1
    assert sent == tokens
    assert call_info(response).attempts == 3
    assert call_info(response).token == tokens[0]
    assert aws.created("RunInstances") == 1
    reservations = aws.backend_client("ec2").describe_instances()["Reservations"]
    instances = [i["InstanceId"] for r in reservations for i in r["Instances"]]
    assert instances == [response["Instances"][0]["InstanceId"]]


def test_dynamodb_transact_write_put_and_get_work_on_a_wrapped_async_client(faulty_endpoint):
    """TransactWriteItems survives a lost response (applied once); PutItem and GetItem work."""
    aws = faulty_endpoint
    aws.backend_client("dynamodb").create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws.script("TransactWriteItems", Fault.LOST_RESPONSE)
    update = {
        "Update": {
            "TableName": "orders",
            "Key": {"id": {"S": "o-1"}},
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }

    async def scenario():
        async with aws.aio_client("dynamodb") as ddb:
            wrap(ddb, RetryPolicy(max_attempts=3), sleep=AsyncSleeps())
            written = await ddb.transact_write_items(TransactItems=[update])
            await ddb.put_item(TableName="orders", Item={"id": {"S": "o-2"}, "n": {"N": "7"}})
            first = await ddb.get_item(TableName="orders", Key={"id": {"S": "o-1"}})
            second = await ddb.get_item(TableName="orders", Key={"id": {"S": "o-2"}})
            return written, first["Item"], second["Item"]

    written, first, second = asyncio.run(scenario())

    assert call_info(written).attempts == 2
    assert aws.created("TransactWriteItems") == 1
    assert first == {"id": {"S": "o-1"}, "n": {"N": "1"}}  # added once, not twice
    assert second == {"id": {"S": "o-2"}, "n": {"N": "7"}}


TASKS = 20


@pytest.mark.parametrize("backend", BACKENDS)
def test_twenty_tasks_back_off_at_once_on_one_loop_and_create_twenty_instances(
    monkeypatch, backend
):
    """20 concurrent RunInstances, each under its own key, meet a 503, half a lost response.

    sleep=None: every backoff (drawn up to 1 s) is handed to aiobotocore's endpoint,
    whose sleep is replaced by a rendezvous: the first 20 backoffs wait until all 20
    have begun. A backoff that blocked the loop could never let the others begin, and
    ``time.sleep`` on the loop's thread fails the test; nothing waits for real. (The
    loop's stalls under real 1 s backoffs are measured in benchmarks/async_stall.py:
    worst 24 ms against issue 10's 50 ms.) 20 instances; a re-run of the 20 keys sends
    the same tokens and gets the same instances back.
    """
    loop_thread = threading.current_thread()

    def no_blocking_sleep(seconds):
        if threading.current_thread() is loop_thread:
            raise AssertionError(f"time.sleep({seconds}) on the event loop's thread")
        real_sleep(seconds)

    real_sleep = time.sleep
    backoffs = Rendezvous(TASKS).install(monkeypatch)
    monkeypatch.setattr(time, "sleep", no_blocking_sleep)
    # Faults go to requests in arrival order: one task may meet all ten lost responses.
    policy = RetryPolicy(max_attempts=2 + TASKS // 2, base_delay=1.0, max_delay=1.0)
    sent: list[str | None] = []

    async def task(ec2, key):
        with idempotency_key(key):
            response = await ec2.run_instances(**RUN)
        return key, response["Instances"][0]["InstanceId"], call_info(response)

    async def run(aws, keys):
        config = {"max_pool_connections": TASKS, "read_timeout": 60}  # nothing is timed
        async with aio_client("ec2", aws.url, backend=backend, **config) as ec2:
            wrap(ec2, policy, random=random.Random(7).random)  # noqa: S311  (jitter)
            record_tokens(ec2, sent)
            calls = asyncio.gather(*(task(ec2, key) for key in keys))
            return await asyncio.wait_for(calls, timeout=60)  # a guard, not a measure

    keys = [f"order-{i}" for i in range(TASKS)]
    with FaultyEndpoint() as aws:
        # moto's first RunInstances in a process takes seconds; twenty at once in this
        # process's threads could outlast a read timeout: warm it up, off the record.
        aws.backend_client("ec2").run_instances(**RUN)
        aws.script("RunInstances", *[Fault.UNAVAILABLE] * TASKS, *[Fault.LOST_RESPONSE] * 10)
        first = asyncio.run(run(aws, keys))
        created_first = aws.created("RunInstances")
        rerun = asyncio.run(run(aws, list(reversed(keys))))
        created_after = aws.created("RunInstances")
        seen = [r.token for r in aws.records if r.operation == "RunInstances"]

    attempts = sum(info.attempts for _, _, info in first)
    assert backoffs.peak == TASKS  # all twenty in backoff at the same time
    # At least one resend after each 503 and each lost response. A backend may fail an
    # attempt of its own now and then (seen: aiobotocore 2.25's httpx backend, an extra
    # HTTPClientError, in the re-run too): resent with its token. Never a sleep without
    # a resend.
    assert attempts >= TASKS * 2 + TASKS // 2
    rerun_attempts = sum(info.attempts for _, _, info in rerun)
    assert len(backoffs) == (attempts - TASKS) + (rerun_attempts - TASKS)
    assert all(0 < seconds <= 1.0 for seconds in backoffs)
    assert created_first == TASKS
    assert created_after == TASKS  # the re-run created nothing
    instances = {key: instance for key, instance, _ in first}
    assert len(set(instances.values())) == TASKS
    assert {key: instance for key, instance, _ in rerun} == instances
    tokens = {key: info.token for key, _, info in first}
    assert {key: info.token for key, _, info in rerun} == tokens
    assert len(set(tokens.values())) == TASKS
    # The endpoint and a before-send recorder agree: every request carried its task's
    # token (a request lost on a closed connection is seen only by the recorder).
    assert set(seen) == set(sent) == set(tokens.values())
    assert len(sent) == attempts + rerun_attempts
