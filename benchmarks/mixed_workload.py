"""A mixed workload under 500s and lost responses: wrapped vs bare standard mode, effects counted.

    python -m benchmarks.mixed_workload [--quick] [--out DIR]

Four kinds of logical call, interleaved in one seeded order, the same for both clients:

* ``s3_put``: S3 PutObject of its own key (idempotent: a PUT of a whole value);
* ``dynamodb_put``: DynamoDB PutItem of its own item (idempotent: a whole item);
* ``counter_add``: DynamoDB UpdateItem ``ADD #n :one, #seen :call`` on one counter item
  (unsafe: a second request adds again);
* ``sqs_send``: SQS SendMessage to a standard queue, no deduplication id (unsafe: a
  second request sends a second message).

The backend is moto's server behind ``boto3_idempotent.testing.FaultyEndpoint``. A
``before-send`` hook on every client scripts the endpoint for the next request: attempt
*a* of logical call *k* gets ``FaultSchedule(0.10, seed, (INTERNAL_ERROR,
LOST_RESPONSE)).fault_for(f"<kind>#{k}", a)``, so 5 % of attempts are answered ``500``
before reaching moto and 5 % reach moto, act, and lose their answer (the connection is
closed). Both clients meet the same faults at the same (call, attempt); no sleeps
(``wrap(sleep=...)`` and ``harness.botocore_sleeps``).

Effects are counted by the backend, not by the client:

* ``counter_add``: each call also adds its own name to a string set on the counter
  item (``#seen``); a set union applied twice leaves one element, the counter two. So
  ``duplicates = counter - len(seen)``: effects applied minus logical calls whose
  effect happened at least once.
* ``sqs_send``: each body is unique; the queue is drained at the end:
  ``duplicates = messages in the queue - distinct bodies``.
* puts: objects and items in the backend; a resent put writes the same key again
  (``repeated_writes``, counted by the endpoint), which is not a duplicate.

The wrapped client gives up on an ambiguous failure of an unsafe call (``stop_reason``
``unsafe_to_resend``): those failed calls are its price, reported with whether the
backend had acted (a lost response) or not (a 500).
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):
    # Run as a script: import the package from the checkout, not modules from this folder.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from benchmarks.harness import Json, botocore_sleeps, no_sleep
from benchmarks.runner import Scenario, main
from boto3_idempotent import call_info, wrap
from boto3_idempotent.testing import Fault, FaultSchedule, FaultyEndpoint

if TYPE_CHECKING:
    import boto3

SEED = 13
FAULT_RATE = 0.10  # drawn uniformly from the two faults below: 5 % each
SCHEDULE = FaultSchedule(
    rate=FAULT_RATE, seed=SEED, faults=(Fault.INTERNAL_ERROR, Fault.LOST_RESPONSE)
)
CLIENTS = ("bare_standard", "wrapped")
DESCRIPTIONS = {
    "bare_standard": "bare botocore clients, standard retry mode (3 attempts)",
    "wrapped": "wrap(client): the default policy, in an emptied environment",
}
FULL, QUICK = 100, 10  # logical calls of each kind

BUCKET, ITEMS, COUNTERS, QUEUE = "mixed-workload", "items", "counters", "mixed-workload"
COUNTER_KEY = {"pk": {"S": "hits"}}


@dataclass(frozen=True)
class Kind:
    """One kind of logical call: its service, operation, and resend class."""

    service: str
    operation: str
    resend: str  # "idempotent" or "unsafe", as the library classifies these requests


KINDS: dict[str, Kind] = {
    "s3_put": Kind("s3", "PutObject", "idempotent"),
    "dynamodb_put": Kind("dynamodb", "PutItem", "idempotent"),
    "counter_add": Kind("dynamodb", "UpdateItem", "unsafe"),
    "sqs_send": Kind("sqs", "SendMessage", "unsafe"),
}
IDEMPOTENT_KINDS = tuple(k for k, v in KINDS.items() if v.resend == "idempotent")
UNSAFE_KINDS = tuple(k for k, v in KINDS.items() if v.resend == "unsafe")


def plan(per_kind: int) -> list[tuple[int, str]]:
    """``(number, kind)`` of every logical call: ``per_kind`` of each, in a seeded order."""
    kinds = [kind for kind in KINDS for _ in range(per_kind)]
    random.Random(SEED).shuffle(kinds)  # noqa: S311  (an order, not crypto)
    return list(enumerate(kinds, start=1))


def fault_for(number: int, kind: str, attempt: int) -> Fault | None:
    """The fault of attempt ``attempt`` of logical call ``number``: the same for every client."""
    return SCHEDULE.fault_for(f"{kind}#{number}", attempt)


class Fates:
    """``before-send`` hooks on one client kind's clients: number attempts, script faults."""

    def __init__(self, aws: FaultyEndpoint, clients: dict[str, Any]) -> None:
        """Register on each (service client, operation) the workload uses."""
        self.aws = aws
        self.number, self.kind, self.attempt = 0, "", 0
        self.requests: Counter[str] = Counter()
        self.faults: Counter[tuple[str, str]] = Counter()  # (kind, fault value)
        registered = set()
        for kind in KINDS.values():
            if (kind.service, kind.operation) in registered:
                continue
            registered.add((kind.service, kind.operation))
            client = clients[kind.service]
            event = f"before-send.{client.meta.service_model.service_id.hyphenize()}"
            client.meta.events.register(f"{event}.{kind.operation}", self.before_send)

    def start(self, number: int, kind: str) -> None:
        """Logical call ``number`` of ``kind`` begins."""
        self.number, self.kind, self.attempt = number, kind, 0

    def before_send(self, request: Any, **_kwargs: Any) -> None:
        """Count the attempt; tell the endpoint its fault (``None``: none)."""
        del request
        self.attempt += 1
        self.requests[self.kind] += 1
        fault = fault_for(self.number, self.kind, self.attempt)
        if fault is not None:
            self.faults[self.kind, fault.value] += 1
        kind = KINDS[self.kind]
        self.aws.script(kind.operation, fault, service=kind.service)


def make_clients(session: boto3.session.Session, aws: FaultyEndpoint, name: str) -> dict[str, Any]:
    """S3, DynamoDB and SQS clients for the endpoint: bare standard mode, or wrapped."""
    clients = {}
    for service in ("s3", "dynamodb", "sqs"):
        config = Config(retries={"mode": "standard"}, s3={"addressing_style": "path"})
        make: Any = session.client  # one signature for every service name
        client = make(service, config=config, **aws.client_kwargs())
        # No policy: RetryPolicy.from_env() in the emptied environment, the defaults.
        clients[service] = wrap(client, sleep=no_sleep) if name == "wrapped" else client
    return clients


def prepare_backend(aws: FaultyEndpoint) -> str:
    """Empty moto and the endpoint's records; create the bucket, tables, queue; its URL."""
    aws.reset()
    aws.backend_client("s3").create_bucket(Bucket=BUCKET)
    dynamodb = aws.backend_client("dynamodb")
    for table in (ITEMS, COUNTERS):
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return str(aws.backend_client("sqs").create_queue(QueueName=QUEUE)["QueueUrl"])


def calls(clients: dict[str, Any], queue_url: str) -> dict[str, Callable[[int], object]]:
    """Logical call ``number`` of each kind."""
    s3, dynamodb, sqs = clients["s3"], clients["dynamodb"], clients["sqs"]
    return {
        "s3_put": lambda n: s3.put_object(Bucket=BUCKET, Key=f"obj-{n}", Body=b"x" * 256),
        "dynamodb_put": lambda n: dynamodb.put_item(
            TableName=ITEMS, Item={"pk": {"S": f"item-{n}"}, "v": {"N": str(n)}}
        ),
        "counter_add": lambda n: dynamodb.update_item(
            TableName=COUNTERS,
            Key=COUNTER_KEY,
            UpdateExpression="ADD #n :one, #seen :call",
            ExpressionAttributeNames={"#n": "n", "#seen": "seen"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":call": {"SS": [f"c{n}"]}},
        ),
        "sqs_send": lambda n: sqs.send_message(QueueUrl=queue_url, MessageBody=f"msg-{n}"),
    }


# -- what the backend holds ------------------------------------------------------------------


def drain(aws: FaultyEndpoint, queue_url: str) -> list[str]:
    """Every message body in the queue (moto directly, hidden for 10 minutes once read)."""
    sqs = aws.backend_client("sqs")
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=600, WaitTimeSeconds=0
        ).get("Messages", [])
        if not got:
            return bodies
        bodies.extend(m["Body"] for m in got)


def backend_state(aws: FaultyEndpoint, queue_url: str) -> Json:
    """What the backend holds: keys, items, the counter and its witness set, messages."""
    s3 = aws.backend_client("s3")
    keys = [
        obj["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for obj in page.get("Contents", [])
    ]
    dynamodb = aws.backend_client("dynamodb")
    items = [
        item["pk"]["S"]
        for page in dynamodb.get_paginator("scan").paginate(TableName=ITEMS)
        for item in page["Items"]
    ]
    counter = dynamodb.get_item(TableName=COUNTERS, Key=COUNTER_KEY, ConsistentRead=True)
    item = counter.get("Item", {})
    return {
        "s3_put": keys,
        "dynamodb_put": items,
        "counter": int(item["n"]["N"]) if "n" in item else 0,
        "counter_seen": list(item.get("seen", {}).get("SS", [])),
        "messages": drain(aws, queue_url),
    }


# -- one client kind through the workload --------------------------------------------------------


def run_client(
    session: boto3.session.Session, aws: FaultyEndpoint, name: str, per_kind: int
) -> Json:
    """The whole workload through one client kind, on a fresh backend; counts per kind."""
    queue_url = prepare_backend(aws)
    clients = make_clients(session, aws, name)
    fates = Fates(aws, clients)
    call = calls(clients, queue_url)
    succeeded: dict[str, set[int]] = {kind: set() for kind in KINDS}
    stop_reasons: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    numbers: dict[str, list[int]] = {kind: [] for kind in KINDS}
    start = time.perf_counter()
    with botocore_sleeps(no_sleep):
        for number, kind in plan(per_kind):
            numbers[kind].append(number)
            fates.start(number, kind)
            try:
                call[kind](number)
            except (ClientError, BotoCoreError) as exc:
                info = call_info(exc)
                reason = info.stop_reason if info is not None and info.stop_reason else None
                stop_reasons[kind][reason or type(exc).__name__] += 1
            else:
                succeeded[kind].add(number)
    seconds = time.perf_counter() - start
    state = backend_state(aws, queue_url)
    records = aws.records
    # Which logical calls the backend acted on, at least once (by its own state).
    applied = {
        "s3_put": {int(k.removeprefix("obj-")) for k in state["s3_put"]},
        "dynamodb_put": {int(k.removeprefix("item-")) for k in state["dynamodb_put"]},
        "counter_add": {int(c.removeprefix("c")) for c in state["counter_seen"]},
        "sqs_send": {int(b.removeprefix("msg-")) for b in state["messages"]},
    }
    # Effects the backend applied: the counter's value and the messages held, for the
    # unsafe kinds; for puts, the endpoint's count of requests moto carried out (2xx).
    effects = {
        "s3_put": _forwarded(records, "s3", "PutObject"),
        "dynamodb_put": _forwarded(records, "dynamodb", "PutItem"),
        "counter_add": state["counter"],
        "sqs_send": len(state["messages"]),
    }
    kinds: Json = {}
    for kind, spec in KINDS.items():
        total = len(numbers[kind])
        ok = succeeded[kind]
        failed = set(numbers[kind]) - ok
        row: Json = {
            "operation": f"{spec.service}:{spec.operation}",
            "resend_class": spec.resend,
            "calls": total,
            "succeeded": len(ok),
            "failed": len(failed),
            "success_rate": round(len(ok) / total, 4) if total else None,
            "requests": fates.requests[kind],
            "faults_500": fates.faults[kind, Fault.INTERNAL_ERROR.value],
            "faults_lost_response": fates.faults[kind, Fault.LOST_RESPONSE.value],
            "effects": effects[kind],
            "calls_applied": len(applied[kind]),
            "failed_but_applied": len(failed & applied[kind]),
            "failed_not_applied": len(failed - applied[kind]),
            "succeeded_not_applied": len(ok - applied[kind]),  # must be 0: a 2xx acted
            "stop_reasons": dict(sorted(stop_reasons[kind].items())),
        }
        if spec.resend == "unsafe":
            row["duplicates"] = effects[kind] - len(applied[kind])
        else:
            row["repeated_writes"] = effects[kind] - len(applied[kind])
        kinds[kind] = row
    kinds["counter_add"]["final_counter"] = state["counter"]
    kinds["counter_add"]["counter_minus_acknowledged"] = state["counter"] - len(
        succeeded["counter_add"]
    )
    kinds["counter_add"]["endpoint_forwarded"] = _forwarded(records, "dynamodb", "UpdateItem")
    kinds["sqs_send"]["messages_in_queue"] = len(state["messages"])
    kinds["sqs_send"]["distinct_bodies"] = len(set(state["messages"]))
    kinds["sqs_send"]["endpoint_forwarded"] = _forwarded(records, "sqs", "SendMessage")
    idempotent_calls = sum(kinds[k]["calls"] for k in IDEMPOTENT_KINDS)
    idempotent_ok = sum(kinds[k]["succeeded"] for k in IDEMPOTENT_KINDS)
    return {
        "kinds": kinds,
        "idempotent_success_rate": round(idempotent_ok / idempotent_calls, 4),
        "idempotent_failed": idempotent_calls - idempotent_ok,
        "duplicates": {k: kinds[k]["duplicates"] for k in UNSAFE_KINDS},
        "duplicates_total": sum(kinds[k]["duplicates"] for k in UNSAFE_KINDS),
        "unsafe_failed": sum(kinds[k]["failed"] for k in UNSAFE_KINDS),
        "unsafe_failed_but_applied": sum(kinds[k]["failed_but_applied"] for k in UNSAFE_KINDS),
        "requests": sum(fates.requests.values()),
        "requests_seen_by_endpoint": len(records),
        "faults": sum(fates.faults.values()),
        "seconds": round(seconds, 2),
    }


def _forwarded(records: list[Any], service: str, operation: str) -> int:
    """Requests for ``operation`` that moto carried out (2xx), lost answers included."""
    return sum(
        1
        for r in records
        if r.service == service
        and r.operation == operation
        and r.outcome == "forwarded"
        and r.status is not None
        and r.status < 300
    )


def first_attempts(per_kind: int, *faults: Fault) -> dict[str, int]:
    """Per kind: logical calls whose first attempt meets one of ``faults`` (the schedule's)."""
    found = Counter(kind for number, kind in plan(per_kind) if fault_for(number, kind, 1) in faults)
    return {kind: found[kind] for kind in KINDS}


def run(session: boto3.session.Session, quick: bool) -> Json:
    """Both client kinds through the same workload and fault schedule."""
    per_kind = QUICK if quick else FULL
    with FaultyEndpoint() as aws:
        clients = {name: run_client(session, aws, name, per_kind) for name in CLIENTS}
    return {
        "clients": DESCRIPTIONS,
        "logical_calls": per_kind * len(KINDS),
        "calls_per_kind": per_kind,
        "kinds": {kind: f"{v.service}:{v.operation} ({v.resend})" for kind, v in KINDS.items()},
        "fault_rate": FAULT_RATE,
        "faults": [f.value for f in SCHEDULE.faults],
        "seed": SEED,
        # The wrapped client gives up on an unsafe call at its first fault: these counts.
        "calls_with_first_attempt_fault": first_attempts(per_kind, *SCHEDULE.faults),
        "calls_with_first_attempt_lost": first_attempts(per_kind, Fault.LOST_RESPONSE),
        "results": clients,
        "verdicts": verdicts(clients),
    }


def verdicts(clients: Json) -> list[Json]:
    """Idempotent success rate equal to bare's; no duplicates wrapped; bare's, for scale."""
    wrapped, bare = clients["wrapped"], clients["bare_standard"]
    return [
        {
            "criterion": "idempotent success rate equals bare's",
            "wrapped": wrapped["idempotent_success_rate"],
            "bare_standard": bare["idempotent_success_rate"],
            "pass": wrapped["idempotent_success_rate"] == bare["idempotent_success_rate"],
        },
        {
            "criterion": "no duplicates (counter, SQS)",
            "wrapped": wrapped["duplicates_total"],
            "bare_standard": bare["duplicates_total"],
            "pass": wrapped["duplicates_total"] == 0,
        },
    ]


def summary(data: Json) -> list[str]:
    """One line per client kind, then the verdicts."""
    lines = []
    for name, row in data["results"].items():
        dup = row["duplicates"]
        lines.append(
            f"mixed {name:<13} idempotent success {row['idempotent_success_rate']:.4f}"
            f"  duplicates counter {dup['counter_add']} sqs {dup['sqs_send']}"
            f"  unsafe failed {row['unsafe_failed']} ({row['unsafe_failed_but_applied']} acted)"
            f"  requests {row['requests']}  faults {row['faults']}"
        )
    for row in data["verdicts"]:
        verdict = "PASS" if row["pass"] else "FAIL"
        lines.append(
            f"{verdict} {row['criterion']}: wrapped {row['wrapped']}"
            f" vs bare standard {row['bare_standard']}"
        )
    return lines


SCENARIO = Scenario("mixed_workload", run, summary)

if __name__ == "__main__":
    sys.exit(main([SCENARIO], description=__doc__.splitlines()[0]))
