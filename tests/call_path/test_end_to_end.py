"""N logical creates under seeded fault schedules: wrap() makes exactly N; a naive loop does not."""

from __future__ import annotations

import types

import botocore.endpoint
import pytest
import tenacity
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from boto3_idempotent import RetryPolicy, wrap
from boto3_idempotent.testing import Fault, FaultSchedule
from conftest import run_in_threads

AMI = "ami-12c6146b"
# Generous attempts, no real sleeping: the schedule's fault streaks must not exhaust them.
POLICY = RetryPolicy(max_attempts=10, base_delay=0.001, max_delay=0.001)

CREATES = {
    "RunInstances": lambda ec2: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1),
    # Untraited: botocore alone sends no token at all.
    "AllocateHosts": lambda ec2: ec2.allocate_hosts(
        AvailabilityZone="us-east-1a", Quantity=1, InstanceType="m5.large"
    ),
}

# A second witness beside the endpoint's own counts: what moto holds, asked directly.
HELD = {
    "RunInstances": lambda ec2: sum(
        len(r["Instances"]) for r in ec2.describe_instances()["Reservations"]
    ),
    "AllocateHosts": lambda ec2: len(ec2.describe_hosts()["Hosts"]),
}


def held(endpoint, operation: str) -> int:
    """Resources of ``operation``'s kind that moto holds (its own URL: no faults, no contract)."""
    return HELD[operation](endpoint.backend_client("ec2"))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("operation", sorted(CREATES))
def test_wrapped_client_creates_exactly_n_under_faults_and_threads(
    faulty_endpoint, operation, seed
):
    """4 threads x 5 creates through one wrapped client, 40% faults: exactly 20 resources."""
    faulty_endpoint.schedule = FaultSchedule(rate=0.4, seed=seed)
    ec2 = wrap(faulty_endpoint.client("ec2"), POLICY, sleep=lambda _: None)

    def five_creates():
        for _ in range(5):
            CREATES[operation](ec2)

    run_in_threads(4, five_creates)

    assert faulty_endpoint.created(operation) == 20
    assert held(faulty_endpoint, operation) == 20
    faults = [r.fault for r in faulty_endpoint.records if r.fault is not None]
    assert len(faults) >= 5  # the schedule really bit
    lost = [r for r in faulty_endpoint.records if r.fault is Fault.LOST_RESPONSE]
    assert lost  # and yet no duplicate: each retry of a lost create was replayed
    assert sum(r.outcome == "replayed" for r in faulty_endpoint.records) >= len(lost)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("operation", sorted(CREATES))
def test_a_naive_retry_loop_duplicates_under_the_same_faults(faulty_endpoint, operation, seed):
    """Tenacity around a bare client: every lost response becomes one more resource."""
    faulty_endpoint.schedule = FaultSchedule(rate=0.4, seed=seed)
    # botocore's retries off, tenacity doing them: the usual way to avoid two layers.
    ec2 = faulty_endpoint.client("ec2", config=Config(retries={"total_max_attempts": 1}))
    naive = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(10),
        retry=tenacity.retry_if_exception_type((ClientError, BotoCoreError)),
        sleep=lambda _: None,
        reraise=True,
    )

    for _ in range(20):
        naive(CREATES[operation], ec2)

    lost = sum(r.fault is Fault.LOST_RESPONSE for r in faulty_endpoint.records)
    assert lost > 0
    assert faulty_endpoint.created(operation) == 20 + lost
    assert held(faulty_endpoint, operation) == 20 + lost


def test_stacking_on_botocore_retries_does_not_save_untraited_operations(
    faulty_endpoint, monkeypatch
):
    """Naive tenacity on botocore's standard retries: AllocateHosts still duplicates."""
    # botocore's own backoff sleeps through botocore.endpoint.time; make it instant here only.
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda _: None))
    faulty_endpoint.schedule = FaultSchedule(rate=0.4, seed=1)
    ec2 = faulty_endpoint.client("ec2")
    naive = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(10), sleep=lambda _: None, reraise=True
    )

    for _ in range(20):
        naive(CREATES["AllocateHosts"], ec2)

    lost = sum(r.fault is Fault.LOST_RESPONSE for r in faulty_endpoint.records)
    assert lost > 0
    assert faulty_endpoint.created("AllocateHosts") == 20 + lost
    assert held(faulty_endpoint, "AllocateHosts") == 20 + lost
