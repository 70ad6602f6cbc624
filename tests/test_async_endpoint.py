"""Issue 10's done-when, over HTTP against the fault-injecting endpoint, on aiobotocore clients."""

from __future__ import annotations

import asyncio
import gc
import json
import random
import subprocess
import sys
from urllib.parse import parse_qs

import pytest

pytest.importorskip("aiobotocore")

from aio import AsyncSleeps, Ticker
from boto3_idempotent import RetryPolicy, call_info, idempotency_key, wrap
from boto3_idempotent.testing import Fault

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


# The endpoint in its own process, so that its threads do not share this one's GIL.
HOST = """
import json, sys
from boto3_idempotent.testing import Fault, FaultyEndpoint
with FaultyEndpoint() as aws:
    aws.script("RunInstances", *[None if f == "-" else Fault(f) for f in sys.argv[1].split(",")])
    print(aws.url, flush=True)
    for line in sys.stdin:
        records = [r for r in aws.records if r.operation == "RunInstances"]
        print(json.dumps({"created": aws.created("RunInstances"),
                          "tokens": [r.token for r in records]}), flush=True)
"""

TASKS = 20
STALL_LIMIT = 0.050  # seconds


class Host:
    """FaultyEndpoint in a subprocess, scripted with ``faults`` (None: none) for RunInstances."""

    def __init__(self, faults: list[Fault | None]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOST, ",".join("-" if f is None else f.value for f in faults)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:")

    def state(self) -> dict:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("state\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        assert self.process.stdout is not None
        self.process.stdout.close()


def test_twenty_tasks_with_real_backoffs_of_up_to_1s_never_stall_the_loop_50ms():
    """REAL SLEEPS (about 2 s): the one test that must, to measure loop stalls during backoffs.

    20 concurrent RunInstances, each under its own idempotency_key, meet a 503 and
    half of them a lost response, with backoffs drawn up to 1 s: 20 instances, and a
    5 ms ticker is never more than 50 ms late. A re-run of the 20 keys sends the same
    tokens and gets the same instances back.
    """
    warm_up = [Fault.UNAVAILABLE, None]  # one failure, then success
    faults = warm_up + [Fault.UNAVAILABLE] * TASKS + [Fault.LOST_RESPONSE] * (TASKS // 2)
    host = Host(faults)
    ticker = Ticker()
    # Faults go to requests in arrival order: one task may meet all ten lost responses.
    policy = RetryPolicy(max_attempts=2 + TASKS // 2, base_delay=1.0, max_delay=1.0)

    async def task(ec2, key):
        with idempotency_key(key):
            response = await ec2.run_instances(**RUN)
        return key, response["Instances"][0]["InstanceId"], call_info(response)

    async def run(keys, *, measured):
        async with host_client(host.url) as ec2:
            jitter = random.Random(7).random  # noqa: S311  (backoff jitter, not secrets)
            wrap(ec2, policy, random=jitter)  # sleep=None: aiobotocore awaits the backoffs
            if measured:
                # Off the clock: the first RunInstances and the first failure load models,
                # shapes and tenacity (tens of ms once per process).
                await ec2.run_instances(**RUN)
                # A full collection of this process's heap (botocore models, moto, the
                # suite) pauses any loop for tens of ms, wrapped or not: collect now and
                # keep the old objects out of the measured window's collections.
                gc.collect()
                gc.freeze()
                ticker.start()
            results = await asyncio.gather(*(task(ec2, key) for key in keys))
            if measured:
                await ticker.stop()
            return results

    keys = [f"order-{i}" for i in range(TASKS)]
    try:
        try:
            first = asyncio.run(run(keys, measured=True))
        finally:
            gc.unfreeze()
        after_first = host.state()
        rerun = asyncio.run(run(list(reversed(keys)), measured=False))
        after_rerun = host.state()
    finally:
        host.close()

    assert after_first["created"] == 1 + TASKS  # the warm-up call, then one per task
    assert after_rerun["created"] == 1 + TASKS  # the re-run created nothing
    instances = {key: instance for key, instance, _ in first}
    assert len(set(instances.values())) == TASKS
    assert {key: instance for key, instance, _ in rerun} == instances
    tokens = {key: info.token for key, _, info in first}
    assert {key: info.token for key, _, info in rerun} == tokens
    assert len(set(tokens.values())) == TASKS
    assert sum(info.attempts for _, _, info in first) == TASKS * 2 + TASKS // 2
    assert len(after_first["tokens"]) == len(warm_up) + TASKS * 2 + TASKS // 2
    assert ticker.ticks > 50  # the ticker ran throughout the backoffs
    assert ticker.worst < STALL_LIMIT, f"worst loop stall {ticker.worst * 1000:.1f} ms"


def host_client(url):
    """An aiobotocore EC2 client for the hosted endpoint."""
    from aio import aio_client

    return aio_client("ec2", url, max_pool_connections=TASKS)
