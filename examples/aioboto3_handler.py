"""The async-invoked order function of async_invocation_handler.py, with aioboto3 (asyncio).

Lambda retries a failed asynchronous invocation twice, with the same request id.
If the function crashes after ``run_instances`` (here: the DynamoDB write fails),
the re-run sends the same ClientToken, EC2 hands back the instance it already
launched, and the order is recorded with it: one instance, however many runs.

Lambda calls a Python handler synchronously, so ``handler`` runs the coroutine
with ``asyncio.run``; ``@idempotent_handler`` on the ``async def`` keeps the
tokens keyed by the request id (and retries within the time left) while it runs.
aiobotocore clients belong to the event loop they were entered on, so they are
entered per invocation; the session is built once per cold start.

Environment: ORDERS_TABLE (the DynamoDB table); the usual AWS_* variables.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import aioboto3

from boto3_idempotent import idempotent_handler, install

session = aioboto3.Session()
install(session)  # every client entered from this session is wrapped


@idempotent_handler  # tokens keyed by context.aws_request_id
async def launch(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Launch the order's instance and record it; return the instance id."""
    async with session.client("ec2") as ec2, session.client("dynamodb") as dynamodb:
        reservation = await ec2.run_instances(
            ImageId=event["image_id"],
            InstanceType=event.get("instance_type", "t3.micro"),
            MinCount=1,
            MaxCount=1,
        )
        instance_id = reservation["Instances"][0]["InstanceId"]
        await dynamodb.put_item(
            TableName=os.environ["ORDERS_TABLE"],
            Item={"order_id": {"S": event["order_id"]}, "instance_id": {"S": instance_id}},
        )
    return {"order_id": event["order_id"], "instance_id": instance_id}


def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Lambda's entry point: run the invocation's coroutine on a fresh event loop."""
    return asyncio.run(launch(event, context))
