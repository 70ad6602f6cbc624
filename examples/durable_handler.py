"""A Lambda durable function whose steps launch an instance and send a message, each once.

The durable execution SDK retries a step that raises, in a later invocation, and replays
the handler's body from its start. With ``IdempotentSteps`` (or
``DURABLE_EXECUTION_PLUGINS=boto3_idempotent``), a retried step sends its first attempt's
client tokens, so ``launch`` leaves one instance however often its tag fails; the message
has no token, so the call journal named by ``BOTO3_IDEMPOTENT_JOURNAL_TABLE`` keeps it, and a
retry of ``notify`` gets the first ``MessageId`` back.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import boto3
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.context import DurableContext, durable_step
from aws_durable_execution_sdk_python.execution import durable_execution
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

from boto3_idempotent import wrap
from boto3_idempotent.durable import IdempotentSteps

if TYPE_CHECKING:
    from aws_durable_execution_sdk_python.types import StepContext

# Module level: built once per cold start.
ec2 = wrap(boto3.client("ec2"))
sqs = wrap(boto3.client("sqs"))
RETRIED = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(2))
    )
)


@durable_step
def launch(step_context: StepContext, image_id: str, order_id: str) -> str:
    """Launch and tag: a retry after a failed tag sends the same ClientToken (one instance)."""
    reservation = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)
    instance_id: str = reservation["Instances"][0]["InstanceId"]
    ec2.create_tags(Resources=[instance_id], Tags=[{"Key": "order", "Value": order_id}])
    return instance_id


@durable_step
def notify(step_context: StepContext, queue_url: str, instance_id: str) -> str:
    """Send: journaled (no token), so a retry of this step gets the first MessageId."""
    message_id: str = sqs.send_message(QueueUrl=queue_url, MessageBody=instance_id)["MessageId"]
    return message_id


def order(event: dict[str, Any], context: DurableContext) -> dict[str, str]:
    """Launch an instance for an order, then say so on a queue."""
    instance_id = context.step(launch(event["image_id"], event["order_id"]), config=RETRIED)
    message_id = context.step(notify(os.environ["QUEUE_URL"], instance_id), config=RETRIED)
    return {"instance_id": instance_id, "message_id": message_id}


# The function Lambda runs; DURABLE_EXECUTION_PLUGINS=boto3_idempotent does the same without
# plugins= (one or the other: both is refused as a duplicate).
handler = durable_execution(order, plugins=[IdempotentSteps()])
