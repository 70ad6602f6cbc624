"""An asynchronously invoked Lambda function that launches one instance per order.

Lambda retries a failed asynchronous invocation twice, with the same request id.
If the function crashes after ``run_instances`` (here: the DynamoDB write fails),
the re-run sends the same ClientToken, EC2 hands back the instance it already
launched, and the order is recorded with it: one instance, however many runs.

Environment: ORDERS_TABLE (the DynamoDB table); the usual AWS_* variables.
"""

from __future__ import annotations

import os
from typing import Any

import boto3

from boto3_idempotent import idempotent_handler, wrap

# At module level: built once per cold start, reused by warm invocations.
ec2 = wrap(boto3.client("ec2"))
dynamodb = wrap(boto3.client("dynamodb"))


@idempotent_handler  # tokens keyed by context.aws_request_id
def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Launch the order's instance and record it; return the instance id."""
    reservation = ec2.run_instances(
        ImageId=event["image_id"],
        InstanceType=event.get("instance_type", "t3.micro"),
        MinCount=1,
        MaxCount=1,
    )
    instance_id = reservation["Instances"][0]["InstanceId"]
    dynamodb.put_item(
        TableName=os.environ["ORDERS_TABLE"],
        Item={"order_id": {"S": event["order_id"]}, "instance_id": {"S": instance_id}},
    )
    return {"order_id": event["order_id"], "instance_id": instance_id}
