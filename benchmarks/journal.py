"""What the call journal costs: requests and time per call, against the same handler without it.

    python -m benchmarks.journal [--quick] [--out DIR]

moto's server (in this process, on 127.0.0.1) holds an SQS queue and the journal's
DynamoDB table; every call runs inside a key scope, as in an ``idempotent_handler``.
Three cases, each alternating batches of the same calls with and without a
``CallJournal`` on the scope (order swapped every other pair):

- ``no_journal_needed``: a call the journal never touches (SQS ``GetQueueAttributes``, a
  read). Issue 32's budget: median ratio journal/no journal <= 1.00 (noise aside: 1.02).
- ``journaled``: SQS ``SendMessage`` under a new key each call (a first run): the journal
  adds a conditional ``PutItem`` before and one after; without it the call is sent as
  is (its ``UnprotectedCallWarning`` filtered out).
- ``answered``: the same ``SendMessage`` under a key that already ran it (a re-run): one
  ``PutItem``, refused with the record, and no SQS request at all.

Requests are counted by ``before-send`` recorders on the SQS and the journal's DynamoDB
client; times include moto's own work (a local moto answers in about a millisecond),
so ``added_ms_per_call`` is an upper bound of what the journal costs beside a real
DynamoDB round trip.
"""

from __future__ import annotations

import itertools
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: import the package from the checkout, not modules from this folder.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import boto3

from benchmarks.harness import REGION, Json, alternate, settle, spread, timed
from benchmarks.runner import Scenario, main
from boto3_idempotent import CallJournal, UnprotectedCallWarning, idempotency_key, wrap

BUDGET = 1.02  # a call that needs no journal: journal / none (issue 32: <= 1.00, noise aside)
TABLE = "journal"
SECRET = "benchmark-secret"  # noqa: S105  (keys of the benchmark's own making)


@dataclass(frozen=True)
class Sizes:
    """How much work the scenario does."""

    calls: int  # calls per timed batch
    pairs: int  # (without, with) batch pairs per case


FULL = Sizes(calls=20, pairs=30)
QUICK = Sizes(calls=2, pairs=2)


class Counter:
    """A ``before-send`` handler counting the requests a client sends."""

    def __init__(self) -> None:
        """None counted yet."""
        self.count = 0

    def __call__(self, **_kwargs: Any) -> None:
        """One more request; botocore sends it."""
        self.count += 1


def _client(service: str, url: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106  (moto on 127.0.0.1)
    )


def run(_session: boto3.session.Session, quick: bool) -> Json:
    """The three cases against an in-process moto server."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415  (the tests extra)

    sizes = QUICK if quick else FULL
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        return _measure(f"http://{host}:{port}", sizes)
    finally:
        moto.stop()


def _measure(url: str, sizes: Sizes) -> Json:
    ddb = _client("dynamodb", url)
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    journal_requests, sqs_requests = Counter(), Counter()
    ddb.meta.events.register("before-send", journal_requests)
    journal = CallJournal(TABLE, client=ddb)
    sqs = wrap(_client("sqs", url))
    sqs.meta.events.register("before-send", sqs_requests)
    # A queue per case: moto's SendMessage slows down as a queue fills, which would make the
    # later cases' baselines incomparable.
    queues = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("a", "b", "c")}
    queue = queues["a"]
    keys = (f"key-{n}" for n in itertools.count())
    warnings.filterwarnings("ignore", category=UnprotectedCallWarning)

    def read() -> object:
        return sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])

    def sender(name: str) -> Callable[[], object]:
        def send() -> object:
            return sqs.send_message(QueueUrl=queues[name], MessageBody="order")

        return send

    counts = {True: [0, 0], False: [0, 0]}  # with journal?: [DynamoDB, SQS] requests

    def batch(
        work: Callable[[], object], key: str | None, *, with_journal: bool
    ) -> Callable[[], float]:
        def measure() -> float:
            def one() -> object:
                with idempotency_key(
                    key or next(keys), secret=SECRET, journal=journal if with_journal else None
                ):
                    return work()

            before = journal_requests.count, sqs_requests.count
            seconds = timed(one, sizes.calls)
            counts[with_journal][0] += journal_requests.count - before[0]
            counts[with_journal][1] += sqs_requests.count - before[1]
            return seconds

        return measure

    # A key that has already run SendMessage once: each later call is a re-run.
    with idempotency_key("ran", secret=SECRET, journal=journal):
        sender("c")()
    cases: Json = {}
    for name, work, key in (
        ("no_journal_needed", read, "same"),
        ("journaled", sender("b"), None),
        ("answered", sender("c"), "ran"),
    ):
        for _ in range(2):  # warm up both paths
            batch(work, key, with_journal=False)()
            batch(work, key, with_journal=True)()
        settle()
        counts[True], counts[False] = [0, 0], [0, 0]
        without, with_journal = alternate(
            batch(work, key, with_journal=False), batch(work, key, with_journal=True), sizes.pairs
        )
        calls = sizes.pairs * sizes.calls
        ratios = [w / b for b, w in zip(without, with_journal, strict=True)]
        added = [(w - b) / sizes.calls * 1000 for b, w in zip(without, with_journal, strict=True)]
        cases[name] = {
            "ratio": spread(ratios),
            "added_ms_per_call": spread(added, 3),
            "baseline_ms_per_call": round(min(without) / sizes.calls * 1000, 3),
            "journal_requests_per_call": counts[True][0] / calls,
            "sqs_requests_per_call": counts[True][1] / calls,
            "sqs_requests_per_call_without": counts[False][1] / calls,
        }
    cases["no_journal_needed"]["within_budget"] = (
        cases["no_journal_needed"]["ratio"]["median"] <= BUDGET
    )
    return {"budget": BUDGET, "calls": sizes.calls, "pairs": sizes.pairs, "cases": cases}


def summary(data: Json) -> list[str]:
    """One line per case."""
    lines = []
    for name, case in data["cases"].items():
        r, added = case["ratio"], case["added_ms_per_call"]
        lines.append(
            f"journal {name:<17} ratio median {r['median']:.4f} (p10 {r['p10']:.4f},"
            f" p90 {r['p90']:.4f}) {added['median']:+.3f} ms/call"
            f" (baseline {case['baseline_ms_per_call']} ms); DynamoDB requests/call"
            f" {case['journal_requests_per_call']:.2f}, SQS requests/call"
            f" {case['sqs_requests_per_call']:.2f} (without the journal"
            f" {case['sqs_requests_per_call_without']:.2f})"
        )
    return lines


SCENARIO = Scenario("journal", run, summary)

if __name__ == "__main__":
    sys.exit(main([SCENARIO]))
