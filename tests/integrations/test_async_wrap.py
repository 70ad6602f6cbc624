"""wrap() on aiobotocore clients: the same guarantees as sync clients, over HTTP, never blocking."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import zlib

import pytest

pytest.importorskip("aiobotocore")

from botocore.exceptions import ChecksumError, ClientError

from boto3_idempotent import (
    RetryPolicy,
    call_info,
    idempotency_key,
    idempotent_handler,
    set_testing,
    wrap,
)
from boto3_idempotent._integrations.aio import AioPlugin
from boto3_idempotent._policy.botocore_retries import registered
from conftest import FakeClock, FakeLambdaContext
from helpers.aio import AIOBOTOCORE, BACKENDS, AsyncSleeps, EndpointSleeps, aio_client
from helpers.wire import OK, Drop, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
TAGS = {"Resources": ["i-1"], "Tags": [{"Key": "k", "Value": "v"}]}
POLICY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=20.0)


def outage(server):
    """Every request fails with a 500."""
    server.script = lambda seen, prior: Reply(500, "InternalError")


@pytest.mark.parametrize("backend", BACKENDS)
def test_503_then_lost_response_then_success_sends_one_token(endpoint, server, backend):
    """Three attempts, one token, on both HTTP backends; the backoff is aiobotocore's await."""
    server.plan(Reply(503, "Unavailable"), Drop(), OK)
    sleeps = AsyncSleeps()

    async def scenario():
        async with aio_client("ec2", endpoint, backend=backend) as ec2:
            wrap(ec2, POLICY, sleep=sleeps, random=lambda: 1.0)
            return await ec2.run_instances(**RUN)

    response = asyncio.run(scenario())

    tokens = server.tokens("RunInstances")
    assert len(tokens) == 3
    assert len(set(tokens)) == 1
    assert tokens[0] is not None
    assert call_info(response).attempts == 3
    assert call_info(response).token == tokens[0]
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_sleep_the_endpoint_awaits_the_backoff(endpoint, server, monkeypatch, backend):
    """sleep=None: the delay goes to aiobotocore's endpoint (asyncio or anyio), never time.sleep."""
    endpoint_sleeps = EndpointSleeps().install(monkeypatch)
    server.plan(Reply(500, "InternalError"), Reply(500, "InternalError"), OK)

    async def scenario():
        async with aio_client("ec2", endpoint, backend=backend) as ec2:
            wrap(ec2, POLICY, random=lambda: 1.0)
            return await ec2.run_instances(**RUN)

    asyncio.run(scenario())

    assert endpoint_sleeps == [0.5, 1.0]
    assert server.count() == 3


def test_set_testing_removes_the_backoff(endpoint, server, monkeypatch):
    """Testing mode: the same retries, and nothing to wait for (the endpoint only yields)."""
    endpoint_sleeps = EndpointSleeps().install(monkeypatch)
    injected = AsyncSleeps()
    outage(server)

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2, aio_client("ec2", endpoint) as other:
            wrap(ec2, POLICY)
            wrap(other, POLICY, sleep=injected)
            for client in (ec2, other):
                with pytest.raises(ClientError):
                    await client.run_instances(**RUN)

    with set_testing(True):
        asyncio.run(scenario())

    assert server.count() == 2 * POLICY.max_attempts
    assert all(seconds == 0 for seconds in endpoint_sleeps)
    assert injected == []


def test_plain_and_async_hooks_are_called_and_awaited_in_order(endpoint, server, caplog):
    """on_retry: a plain hook, an async one (awaited), and a failing async one (logged only)."""
    seen: list[tuple[str, int]] = []

    def plain(event):
        seen.append(("plain", event.attempt))

    async def awaited(event):
        await asyncio.sleep(0)
        seen.append(("async", event.attempt))

    async def broken(event):
        await asyncio.sleep(0)
        raise RuntimeError("hook bug")

    policy = RetryPolicy(max_attempts=3, on_retry=[plain, awaited, broken])
    server.plan(Reply(500, "InternalError"), Reply(500, "InternalError"), OK)

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, policy, sleep=AsyncSleeps())
            return await ec2.run_instances(**RUN)

    with caplog.at_level(logging.WARNING, logger="boto3_idempotent"):
        response = asyncio.run(scenario())

    assert seen == [("plain", 1), ("async", 1), ("plain", 2), ("async", 2)]
    assert call_info(response).attempts == 3
    assert sum("on_retry hook" in r.getMessage() for r in caplog.records) == 2


def test_one_log_record_per_retry_as_on_sync_clients(endpoint, server, caplog):
    """Each retry logs operation, attempt, token and delay; never the parameters."""
    server.plan(Reply(500, "InternalError"), OK)

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, POLICY, sleep=AsyncSleeps(), random=lambda: 0.5)
            return await ec2.run_instances(UserData="secret-user-data", **RUN)

    with caplog.at_level(logging.INFO, logger="boto3_idempotent"):
        response = asyncio.run(scenario())

    (record,) = [r for r in caplog.records if r.name == "boto3_idempotent"]
    assert record.operation == "RunInstances"
    assert record.attempt == 1
    assert record.token == call_info(response).token
    assert record.delay == 0.25
    assert "secret-user-data" not in record.getMessage()


def test_the_deadline_cuts_retries_short(endpoint, server):
    """Deadline 2 s, backoffs 1 s then 2 s: the second would end past it, so it stops."""
    clock = FakeClock()

    async def sleep(seconds):
        clock.sleep(seconds)
        await asyncio.sleep(0)

    policy = RetryPolicy(max_attempts=5, base_delay=1.0, deadline=2.0)
    outage(server)

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, policy, sleep=sleep, clock=clock, random=lambda: 1.0)
            with pytest.raises(ClientError) as raised:
                await ec2.run_instances(**RUN)
            return raised.value

    error = asyncio.run(scenario())

    assert clock.sleeps == [1.0]
    assert server.count() == 2
    assert call_info(error).stop_reason == "deadline"


def test_an_async_lambda_handler_stops_retrying_before_its_time_runs_out(endpoint, server):
    """Inside an async idempotent_handler: no backoff ends inside the 1 s margin."""
    clock = FakeClock()

    async def sleep(seconds):
        clock.sleep(seconds)
        await asyncio.sleep(0)

    outage(server)

    @idempotent_handler
    async def handler(event, context):
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, RetryPolicy(max_attempts=10, base_delay=1.0), sleep=sleep, clock=clock)
            await ec2.run_instances(**RUN)

    with pytest.raises(ClientError) as raised:
        asyncio.run(handler({}, FakeLambdaContext(timeout=3.5, clock=clock)))

    assert call_info(raised.value).stop_reason == "lambda_time_left"
    assert sum(clock.sleeps) <= 2.5


def test_the_retry_quota_is_shared_by_the_clients_calls(endpoint, server):
    """The quota pays for retries until it is spent; then calls make one attempt each."""
    outage(server)

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, RetryPolicy(max_attempts=3), sleep=AsyncSleeps(), random=lambda: 0.0)
            vars(ec2)["_boto3_idempotent_plugin"].quota.acquire(490)  # 10 tokens left
            reasons = []
            for _ in range(3):
                with pytest.raises(ClientError) as raised:
                    await ec2.run_instances(**RUN)
                reasons.append(call_info(raised.value).stop_reason)
            return reasons

    reasons = asyncio.run(scenario())

    assert reasons[-1] == "retry_quota"
    assert server.count() < 3 * 3


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("injected", [True, False])
def test_a_long_polling_call_out_of_quota_lingers_before_giving_up(
    endpoint, server, monkeypatch, injected, backend
):
    """SQS ReceiveMessage, quota spent: one awaited pause, then the throttle is raised."""
    endpoint_sleeps = EndpointSleeps().install(monkeypatch)
    sleeps = AsyncSleeps()
    server.script = lambda seen, prior: Reply(400, "ThrottlingException")

    async def scenario():
        async with aio_client("sqs", endpoint, backend=backend) as sqs:
            policy = RetryPolicy(max_attempts=3, base_delay=1.0)
            wrap(sqs, policy, sleep=sleeps if injected else None, random=lambda: 1.0)
            plugin = vars(sqs)["_boto3_idempotent_plugin"]
            plugin.setup.settings = plugin.setup.settings._replace(  # as botocore 1.44 declares
                long_polling=frozenset({"ReceiveMessage"})
            )
            plugin.quota.acquire(plugin.quota.available)
            with pytest.raises(ClientError) as raised:
                await sqs.receive_message(QueueUrl=f"{endpoint}/123456789012/q")
            return raised.value

    error = asyncio.run(scenario())

    assert server.count() == 1
    assert (sleeps if injected else endpoint_sleeps) == [1.0]
    assert (endpoint_sleeps if injected else sleeps) == []
    assert call_info(error).stop_reason == "retry_quota"


@pytest.mark.parametrize(
    ("reply", "sent"),
    [
        (Reply(400, "InvalidParameterValue"), 1),  # aiobotocore 2.x would resend on False
        (Reply(500, "InternalError"), 1),  # AllocateAddress: ambiguous, not safe to resend
        (Reply(400, "Throttling"), 2),  # throttled: refused, resent
    ],
)
def test_a_decision_not_to_resend_is_kept(endpoint, server, reply, sent):
    """Stopping returns None, never False: the request is not sent again."""
    server.plan(reply, OK)

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, POLICY, sleep=AsyncSleeps())
            try:
                await ec2.allocate_address(Domain="vpc")
            except ClientError:
                return False
            return True

    succeeded = asyncio.run(scenario())

    assert succeeded is (sent == 2)
    assert server.count() == sent


def crc(body: bytes) -> Reply:
    """A 200 whose x-amz-crc32 header is the CRC32 of ``body``."""
    return Reply(headers=(("x-amz-crc32", str(zlib.crc32(body))),))


@pytest.mark.parametrize("backend", BACKENDS)
def test_dynamodb_bodies_are_awaited_and_checked(endpoint, server, backend):
    """ListTables works; a bad checksum is refetched for GetItem, raised for a counter."""
    server.plan(crc(b"{}"), crc(b"other"), crc(b"{}"), crc(b"other"))

    async def scenario():
        async with aio_client("dynamodb", endpoint, backend=backend) as ddb:
            wrap(ddb, RetryPolicy(), sleep=AsyncSleeps())
            await ddb.list_tables()
            await ddb.get_item(TableName="t", Key={"k": {"S": "1"}})
            with pytest.raises(ChecksumError):
                await ddb.update_item(
                    TableName="t",
                    Key={"k": {"S": "1"}},
                    UpdateExpression="ADD n :one",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )

    asyncio.run(scenario())

    operations = [r.operation for r in server.requests]
    assert operations == ["ListTables", "GetItem", "GetItem", "UpdateItem"]


ENDPOINT_OWNERS = {
    "AioRetryHandler",
    "AnyioRetryHandler",
    "RetryHandler",
    "RetryQuotaChecker",
    "MaxAttemptsSeeder",
    "AsyncClientRateLimiter",
    "AnyioClientRateLimiter",
}


def retry_machinery(client):
    """Names of the retry handlers' owners (or classes) registered on ``client``."""
    found = set()
    events = (
        "needs-retry",
        "needs-retry.ec2",
        "before-send",
        "after-call.ec2",
        "request-created.ec2",
    )
    for event in events:
        for handler in registered(client.meta.events, event):
            owner = getattr(handler, "__self__", handler)
            found.add(type(owner).__name__)
    return found & ENDPOINT_OWNERS


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_aiobotocores_retry_machinery_is_removed_in_every_mode(endpoint, server, mode, backend):
    """Handler, quota refund, adaptive rate limiter: all gone; an outage costs max_attempts."""
    outage(server)

    async def scenario():
        async with aio_client("ec2", endpoint, backend=backend, mode=mode) as ec2:
            before = retry_machinery(ec2)
            wrap(ec2, RetryPolicy(max_attempts=3), sleep=AsyncSleeps())
            after = retry_machinery(ec2)
            with pytest.raises(ClientError):
                await ec2.run_instances(**RUN)
            needs_retry = registered(ec2.meta.events, "needs-retry.ec2.RunInstances")
            return before, after, needs_retry

    before, after, needs_retry = asyncio.run(scenario())

    assert before  # there was something to remove
    assert ("AsyncClientRateLimiter" in before or "AnyioClientRateLimiter" in before) == (
        mode == "adaptive"
    )
    assert after == set()
    assert [type(getattr(h, "__self__", None)) for h in needs_retry] == [AioPlugin]
    assert server.count() == 3


def test_fifty_concurrent_calls_interleave_each_with_its_own_token_and_attempts(endpoint, server):
    """50 tasks on one loop, retries interleaved: per-call state stays per call."""
    failures = {f"ami-{i}": i % 4 for i in range(50)}  # 0..3 failures; 3 exhausts 3 attempts

    def script(seen, prior):  # throttles: cheap enough for the quota on every botocore line
        return Reply(400, "Throttling") if prior < failures[seen.params["ImageId"]] else OK

    server.script = script
    sleeps = AsyncSleeps()  # yields to the loop at every backoff: the tasks interleave

    async def call(ec2, image):
        await asyncio.sleep(0)
        try:
            response = await ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
        except ClientError as exc:
            return image, call_info(exc)
        return image, call_info(response)

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, RetryPolicy(max_attempts=3), sleep=sleeps, random=lambda: 0.0)
            return await asyncio.gather(*(call(ec2, image) for image in failures))

    results = dict(asyncio.run(scenario()))

    by_image: dict[str, list[str | None]] = {}
    for seen in server.requests:
        by_image.setdefault(seen.params["ImageId"], []).append(seen.token)
    for image, fails in failures.items():
        tokens = by_image[image]
        assert len(tokens) == min(fails + 1, 3), image
        assert len(set(tokens)) == 1, image
        assert results[image].token == tokens[0]
        assert results[image].attempts == len(tokens)
        assert results[image].stop_reason == ("max_attempts" if fails == 3 else None)
    assert len({tokens[0] for tokens in by_image.values()}) == 50
    order = [seen.params["ImageId"] for seen in server.requests]
    assert order != sorted(order, key=order.index)  # sanity: attempts really interleaved


def test_idempotency_key_scopes_give_each_task_its_own_reproducible_tokens(endpoint, server):
    """A scope per task: each task's tokens are the same on a re-run, whatever the timing."""

    async def task(ec2, key, delay):
        for _ in range(delay):
            await asyncio.sleep(0)
        with idempotency_key(key):
            response = await ec2.run_instances(**RUN)
        return key, call_info(response).token

    async def run(delays):
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, POLICY, sleep=AsyncSleeps())
            return dict(await asyncio.gather(*(task(ec2, f"order-{i}", d) for i, d in delays)))

    first = asyncio.run(run([(i, i) for i in range(5)]))
    rerun = asyncio.run(run([(i, 5 - i) for i in range(5)]))  # other order

    assert first == rerun
    assert len(set(first.values())) == 5


def test_wrapping_again_replaces_the_policy_and_keeps_the_plugin(endpoint, server):
    """Re-wrap: one AioPlugin, the new max_attempts applies."""
    outage(server)

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2:
            assert wrap(ec2, RetryPolicy(max_attempts=5), sleep=AsyncSleeps()) is ec2
            plugin = vars(ec2)["_boto3_idempotent_plugin"]
            wrap(ec2, RetryPolicy(max_attempts=2), sleep=AsyncSleeps())
            with pytest.raises(ClientError):
                await ec2.run_instances(**RUN)
            return plugin, vars(ec2)["_boto3_idempotent_plugin"]

    before, after = asyncio.run(scenario())

    assert before is after
    assert isinstance(after, AioPlugin)
    assert server.count() == 2


def test_a_callers_token_is_kept_on_every_attempt(endpoint, server):
    """A caller-supplied token goes out unchanged on every attempt, as on sync clients."""
    server.plan(Reply(503, "Unavailable"), OK)

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, POLICY, sleep=AsyncSleeps())
            await ec2.run_instances(ClientToken="order-42-launch", **RUN)

    asyncio.run(scenario())

    assert server.tokens() == ["order-42-launch", "order-42-launch"]


def test_importing_and_wrapping_sync_clients_never_imports_aiobotocore():
    """Detection looks in sys.modules: the sync path loads neither aiobotocore nor _aio."""
    code = (
        "import sys, boto3, boto3_idempotent\n"
        "boto3_idempotent.wrap(boto3.client('ec2', region_name='us-east-1',"
        " aws_access_key_id='a', aws_secret_access_key='b'))\n"
        "print(sorted(m for m in sys.modules"
        " if m.startswith(('aiobotocore', 'aiohttp', 'httpx', 'boto3_idempotent._integrations.aio'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"AWS_EC2_METADATA_DISABLED": "true", "PATH": ""},
    )
    assert result.stdout.strip() == "[]"


def test_the_installed_pairing_is_one_the_readme_names():
    """CI runs aiobotocore 3.x (botocore 1.43) or 2.x under aioboto3 (botocore 1.40)."""
    assert AIOBOTOCORE >= (2, 25)


def test_telemetry_records_an_asyncio_call_as_a_sync_one(endpoint, server):
    """aiobotocore: one 500 then success gives attempts 2, errors 1, one resend, over HTTP."""
    pytest.importorskip("opentelemetry.sdk")
    from helpers.otel import Delta, install_providers

    install_providers()
    server.plan(Reply(500, "InternalError"), OK)
    delta = Delta()

    async def scenario():
        async with aio_client("ec2", endpoint) as ec2:
            wrap(ec2, RetryPolicy(), sleep=AsyncSleeps())
            await ec2.run_instances(ImageId="ami-1", MinCount=1, MaxCount=1)

    asyncio.run(scenario())

    method = {"rpc.service": "EC2", "rpc.method": "RunInstances"}
    assert server.count() == 2
    assert delta.get("smithy.client.call.attempts", **method) == 2
    assert delta.get("smithy.client.call.errors", **method) == 1
    assert delta.get("boto3_idempotent.resends", **method, reason="ambiguous") == 1
