"""What AWS documents of client tokens, as the test endpoint honours them: its own short list.

The endpoint is a witness against the library, so it never reads the library's token
table, operation classes or error codes: a wrong path there would be honoured on both
sides, and no test could see it. What it knows instead:

* the models' ``idempotencyToken`` traits, read from botocore at run time, except
  ``TRAITED_NOT_TOKENS``: traited members that name a session or a resource,
  which different requests reuse on purpose;
* ``UNTRAITED_TOKENS``: token members the services document but whose model
  lacks the trait, for the operations moto implements (the endpoint forwards to
  moto: nothing else can be created through it);
* ``MISMATCH_CODES``: the error each service answers a token reused with other
  parameters.

Paths are member names from the top of the input, as in the request (EC2's query
protocol joins them with dots: ``SpotFleetRequestConfig.ClientToken``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "DEFAULT_MISMATCH_CODE",
    "MISMATCH_AS_VALIDATION",
    "MISMATCH_CODES",
    "TRAITED_NOT_TOKENS",
    "UNTRAITED_TOKENS",
]

_CLIENT_TOKEN = (("ClientToken",),)
_CFN_TOKEN = (("ClientRequestToken",),)
_ECS_TOKEN = (("clientToken",),)

#: (service, operation) -> token member paths the model does not trait.
UNTRAITED_TOKENS: Mapping[tuple[str, str], tuple[tuple[str, ...], ...]] = MappingProxyType(
    {
        # EC2 API reference, "Ensuring idempotency": operations that take a client token.
        ("ec2", "AllocateHosts"): _CLIENT_TOKEN,
        ("ec2", "CreateEgressOnlyInternetGateway"): _CLIENT_TOKEN,
        ("ec2", "CreateFlowLogs"): _CLIENT_TOKEN,
        ("ec2", "CreateReservedInstancesListing"): _CLIENT_TOKEN,
        ("ec2", "CreateVpcEndpoint"): _CLIENT_TOKEN,
        ("ec2", "CreateVpcEndpointServiceConfiguration"): _CLIENT_TOKEN,
        ("ec2", "RequestSpotFleet"): (("SpotFleetRequestConfig", "ClientToken"),),
        ("ec2", "RequestSpotInstances"): _CLIENT_TOKEN,
        # CloudFormation: "Specify this token if you plan to retry requests so that
        # CloudFormation knows that you're not attempting to [repeat the request]."
        ("cloudformation", "CreateStack"): _CFN_TOKEN,
        ("cloudformation", "UpdateStack"): _CFN_TOKEN,
        ("cloudformation", "DeleteStack"): _CFN_TOKEN,
        ("cloudformation", "ExecuteChangeSet"): _CFN_TOKEN,
        ("cloudformation", "CreateChangeSet"): _CLIENT_TOKEN,
        # ECS: clientToken, documented as what you provide to make the request idempotent.
        ("ecs", "CreateService"): _ECS_TOKEN,
        ("ecs", "CreateTaskSet"): _ECS_TOKEN,
    }
)

#: (service, operation, member): traited, but an id that different requests share.
TRAITED_NOT_TOKENS = frozenset(
    {
        ("athena", "DeleteNamedQuery", "NamedQueryId"),  # the query to delete
        ("athena", "StopQueryExecution", "QueryExecutionId"),  # the execution to stop
        ("bedrock-agentcore", "GetAgentCard", "runtimeSessionId"),  # a session: reused
        ("bedrock-agentcore", "InvokeAgentRuntime", "runtimeSessionId"),
        ("bedrock-agentcore", "InvokeAgentRuntimeCommand", "runtimeSessionId"),
        ("chime-sdk-messaging", "ChannelFlowCallback", "CallbackId"),  # the service's id
        ("elementalinference", "AssociateFeed", "associatedResourceName"),  # a name
        ("elementalinference", "DisassociateFeed", "associatedResourceName"),
    }
)

#: Service -> the error code (on the wire) for a token reused with other parameters:
#: the services in the endpoint's protocols (query, JSON) whose model has one, and EC2's
#: documented, unmodeled code.
MISMATCH_CODES: Mapping[str, str] = MappingProxyType(
    {
        "autoscaling": "IdempotentParameterMismatch",  # its shape: ...MismatchError
        "cloudcontrol": "ClientTokenConflictException",
        "cloudformation": "TokenAlreadyExistsException",
        "codecommit": "IdempotencyParameterMismatchException",
        "config": "IdempotentParameterMismatch",
        "dynamodb": "IdempotentParameterMismatchException",
        "ec2": "IdempotentParameterMismatch",
        "glue": "IdempotentParameterMismatchException",
        "machinelearning": "IdempotentParameterMismatchException",
        "meteringmarketplace": "IdempotencyConflictException",
        "rekognition": "IdempotentParameterMismatchException",
        "ssm": "IdempotentParameterMismatch",
    }
)

#: Every other service.
DEFAULT_MISMATCH_CODE = "IdempotentParameterMismatch"

#: Services that report a mismatch as a ValidationException naming it (Proton's docs).
MISMATCH_AS_VALIDATION = frozenset({"proton"})
