"""``python -m boto3_idempotent demo``: the same faulty workload, naive retries vs wrap().

Both runs face the same seeded fault schedule on a local endpoint that behaves like
AWS about client tokens (moto behind boto3_idempotent.testing's proxy): no AWS
account, no network beyond 127.0.0.1.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from boto3_idempotent._policy.backoff import full_jitter

AMI = "ami-12c6146b"


@dataclass(frozen=True)
class DemoResult:
    """What one run did, as the endpoint saw it."""

    name: str
    calls: int
    attempts: int
    created: int
    mismatches: int
    failed: int
    seconds: float

    @property
    def duplicates(self) -> int:
        """Resources beyond one per successful logical call."""
        return max(0, self.created - (self.calls - self.failed))


def _creates(ec2: Any) -> list[tuple[str, Callable[[], Any]]]:
    fleet = {
        "IamFleetRole": "arn:aws:iam::123456789012:role/fleet",
        "TargetCapacity": 1,
        "SpotPrice": "0.12",
        "AllocationStrategy": "lowestPrice",
        "LaunchSpecifications": [{"ImageId": AMI, "InstanceType": "t2.micro"}],
    }
    return [
        ("RunInstances", lambda: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)),
        (
            "AllocateHosts",
            lambda: ec2.allocate_hosts(
                AvailabilityZone="us-east-1a", Quantity=1, InstanceType="m5.large"
            ),
        ),
        ("RequestSpotFleet", lambda: ec2.request_spot_fleet(SpotFleetRequestConfig=fleet)),
    ]


class _Progress:
    """One status line on stderr, redrawn in place on a terminal."""

    def __init__(self, name: str, total: int, err: TextIO) -> None:
        self._name, self._total, self._err = name, total, err
        self._done = 0
        self._lock = threading.Lock()
        self._tty = err.isatty()
        self._step = max(1, total // 10)

    def tick(self) -> None:
        with self._lock:
            self._done += 1
            done = self._done
        if self._tty or done % self._step == 0 or done == self._total:
            bar = "#" * (20 * done // self._total)
            end = "\r" if self._tty and done < self._total else "\n"
            self._err.write(f"  {self._name:<8} [{bar:<20}] {done}/{self._total}{end}")
            self._err.flush()


def _run(
    name: str, endpoint: Any, ec2: Any, call: Callable[[Callable[[], Any]], Any], calls: int,
    threads: int, err: TextIO,
) -> DemoResult:  # fmt: skip
    work = _creates(ec2)
    progress = _Progress(name, calls, err)
    failed = [0]
    lock = threading.Lock()
    indexes = iter(range(calls))

    def worker() -> None:
        for index in iter(lambda: next(indexes, None), None):
            _, create = work[index % len(work)]
            try:
                call(create)
            except Exception:  # noqa: BLE001  (counted: a call that failed for good)
                with lock:
                    failed[0] += 1
            progress.tick()

    err.flush()
    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - started
    records = endpoint.records
    return DemoResult(
        name=name,
        calls=calls,
        attempts=len(records),
        created=endpoint.created(),
        mismatches=sum(r.outcome == "mismatch" for r in records),
        failed=failed[0],
        seconds=seconds,
    )


def render(results: list[DemoResult]) -> str:
    """The side-by-side table: counts only.

    No wall time: both sides back off alike, so a timing shows only the noise of one
    run (it read as a 2x speed-up once and did not reproduce).
    """
    rows = [
        ("", *(r.name for r in results)),
        ("logical calls", *(str(r.calls) for r in results)),
        ("wire attempts", *(str(r.attempts) for r in results)),
        ("resources created", *(str(r.created) for r in results)),
        ("duplicates", *(str(r.duplicates) for r in results)),
        ("mismatches", *(str(r.mismatches) for r in results)),
        ("calls failed", *(str(r.failed) for r in results)),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        values = zip(row[1:], widths[1:], strict=True)
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in values]
        lines.append("  ".join(cells))
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_demo(
    *,
    calls: int = 40,
    fault_rate: float = 0.3,
    seed: int = 1,
    threads: int = 4,
    max_attempts: int = 5,
    base_delay: float = 0.05,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> list[DemoResult]:
    """Run the workload twice on a local faulty endpoint and print the comparison."""
    import tenacity  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from boto3_idempotent import RetryPolicy, wrap  # noqa: PLC0415
    from boto3_idempotent.testing import Fault, FaultSchedule, FaultyEndpoint  # noqa: PLC0415

    demo_faults = (
        Fault.INTERNAL_ERROR,
        Fault.UNAVAILABLE,
        Fault.THROTTLE_503,
        Fault.RESET,
        Fault.LOST_RESPONSE,
        Fault.LOST_RESPONSE,
    )

    max_delay = base_delay * 8
    schedule = FaultSchedule(rate=fault_rate, seed=seed, faults=demo_faults)
    out.write(
        f"{calls} creates (RunInstances, AllocateHosts, RequestSpotFleet) from {threads} threads"
        f" against a local endpoint that honours client tokens like AWS.\n"
        f"{fault_rate:.0%} of requests get a fault: 500, 503, throttling, connection reset, or"
        f" (a third of them) a lost response after the create happened. Seed {seed}.\n"
        f"Both clients: at most {max_attempts} attempts, the same full-jitter backoff from"
        f" {base_delay} s.\n\n"
    )
    results = []
    with FaultyEndpoint(schedule) as endpoint:
        # moto loads its EC2 data on first use (about a second): not either client's time.
        for _, create in _creates(endpoint.backend_client("ec2")):
            create()
        endpoint.reset()
        bare = endpoint.client("ec2", config=Config(retries={"total_max_attempts": 1}))
        naive = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max_attempts),
            wait=lambda state: full_jitter(
                state.attempt_number, base_delay, max_delay, random.random
            ),
            retry=tenacity.retry_if_exception_type((ClientError, BotoCoreError)),
            reraise=True,
        )
        out.flush()
        results.append(_run("naive", endpoint, bare, naive, calls, threads, err))

        endpoint.reset()
        policy = RetryPolicy(max_attempts=max_attempts, base_delay=base_delay, max_delay=max_delay)
        wrapped = wrap(endpoint.client("ec2"), policy)
        results.append(
            _run("wrapped", endpoint, wrapped, lambda create: create(), calls, threads, err)
        )

    out.write("\n" + render(results) + "\n\n")
    out.write(
        "naive:   tenacity around a bare boto3 client; each retry is a new call with a new"
        " token (or, for AllocateHosts, none), so a lost response creates the resource again.\n"
        "wrapped: boto3_idempotent.wrap(client); every attempt of a call carries the same token,"
        " and the endpoint replays the first answer instead of creating again.\n"
    )
    return results
