"""An SQS-triggered Lambda function that launches one instance per message.

SQS delivers a message at least once and redelivers it (same messageId) when its
record is reported as failed. Each record's calls get tokens from its messageId,
so a redelivery sends the first delivery's tokens and launches nothing new.

Enable ReportBatchItemFailures on the event source mapping, so that only failed
records come back. Environment: ORDERS_TABLE; the usual AWS_* variables.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import boto3

from boto3_idempotent import idempotent_handler, process_sqs_batch, wrap

ec2 = wrap(boto3.client("ec2"))
dynamodb = wrap(boto3.client("dynamodb"))


def launch(record: Mapping[str, Any]) -> None:
    """Launch the instance a message asks for, and record it."""
    order = json.loads(record["body"])
    reservation = ec2.run_instances(ImageId=order["image_id"], MinCount=1, MaxCount=1)
    instance_id = reservation["Instances"][0]["InstanceId"]
    dynamodb.put_item(
        TableName=os.environ["ORDERS_TABLE"],
        Item={"order_id": {"S": order["order_id"]}, "instance_id": {"S": instance_id}},
    )


@idempotent_handler  # retries stop before the function's timeout
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Each record under its own messageId key; failed ones go back to the queue."""
    return process_sqs_batch(event, launch)
