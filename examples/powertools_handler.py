"""Powertools' idempotency and boto3-idempotent together: one instance per order.

The two layers cover different failures:

* Powertools' ``@idempotent`` stores the handler's result under the order id, so a
  duplicate event (the same order, under any request id) gets that result back and
  the handler does not run again.
* Powertools saves the result only after the handler returns. If the invocation
  fails between ``run_instances`` and that save (the create's answer is lost, a later
  call fails, the save itself fails, the function times out), no result is stored:
  Powertools deletes its in-progress record (the handler raised) or leaves it to
  expire (the save failed, a timeout), and the next invocation of the same event
  runs the handler again. Under ``@idempotent_handler`` keyed by the same order id,
  that run sends the first run's ClientToken, and EC2 returns the instance it
  already launched.

Key both layers by the order, not by ``context.aws_request_id``. The duplicate event
that Powertools lets through usually arrives as a new invocation with a new request
id (a client retrying a synchronous invoke, a Step Functions Retry, an SQS message
delivered again). Keyed by the request id, that run would send a new token and
launch a second instance.

Environment: IDEMPOTENCY_TABLE (Powertools' table, partition key ``id``),
BOTO3_IDEMPOTENT_TOKEN_SECRET (order ids can be guessed; see the Lambda docs), and
the usual AWS_* variables.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent,
)

from boto3_idempotent import idempotent_handler, wrap

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# At module level: built once per cold start, reused by warm invocations.
ec2 = wrap(boto3.client("ec2"))
# Powertools' own client, wrapped too: its record writes get the same retries.
persistence = DynamoDBPersistenceLayer(
    table_name=os.environ["IDEMPOTENCY_TABLE"], boto3_client=wrap(boto3.client("dynamodb"))
)
# Powertools keys its record by the order id...
config = IdempotencyConfig(event_key_jmespath="order_id", raise_on_no_idempotency_key=True)


def order_key(event: dict[str, Any], context: LambdaContext) -> str:
    """...and the AWS calls' tokens come from the same order id."""
    return str(event["order_id"])


# idempotent_handler outermost: Powertools' own DynamoDB calls also stop retrying
# before the function's timeout. The other order also launches one instance.
@idempotent_handler(key=order_key)
@idempotent(persistence_store=persistence, config=config)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    """Launch the order's instance; return its id (Powertools stores this result)."""
    reservation = ec2.run_instances(
        ImageId=event["image_id"],
        InstanceType=event.get("instance_type", "t3.micro"),
        MinCount=1,
        MaxCount=1,
    )
    return {"order_id": event["order_id"], "instance_id": reservation["Instances"][0]["InstanceId"]}
