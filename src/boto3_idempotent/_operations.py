"""Which operations carry a client token, and which are safe to resend after an ambiguous failure.

Knowledge comes from two places:

* the model: botocore marks token members with the ``idempotencyToken`` trait;
* this module's curated registry: token members that the service documents as
  idempotency tokens but whose model lacks the trait (EC2 AllocateHosts,
  RequestSpotFleet's nested token, CloudFormation's ClientRequestToken, ...).
  Every entry was checked against the member's documentation, never its name:
  CodePipeline's ``AcknowledgeThirdPartyJob.clientToken`` identifies a job and
  is not an idempotency token. A test checks every entry against the installed
  botocore model.

Whether a call may be resent after an ambiguous failure (5xx, read timeout,
connection lost after sending) is decided per *call*: when its request carries its
token or caller reference (see ``_plugin``), or when the operation is read-only by
name or documented idempotent without a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ._tokens import DOCUMENTED_MAX_LENGTH, TokenMember

__all__ = [
    "DOCUMENTED_IDEMPOTENT",
    "EC2_DOCUMENTED_TOKENS",
    "NOT_TOKENS",
    "READ_ONLY_PREFIXES",
    "UNTRAITED_TOKENS",
    "OperationInfo",
    "operation_info",
]

_EC2_UNTRAITED = (
    # The EC2 "Ensuring idempotency" list, less what the model already traits.
    "AllocateHosts",
    "CreateEgressOnlyInternetGateway",
    "CreateFlowLogs",
    "CreateFpgaImage",
    "CreateReservedInstancesListing",
    "CreateVpcEndpoint",
    "ImportImage",
    "ImportSnapshot",
    "ModifyReservedInstances",
    "PurchaseHostReservation",
    "RequestSpotInstances",
    # Not on that list, but documented on the member as "to ensure the idempotency of
    # the request".
    "CopyFpgaImage",
    "CreateCapacityReservation",
    "CreateVpcEndpointConnectionNotification",
    "CreateVpcEndpointServiceConfiguration",
    "ModifyInstanceCreditSpecification",
)

#: (service name, operation) -> token member paths the model leaves untraited.
UNTRAITED_TOKENS: Mapping[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    **{("ec2", op): (("ClientToken",),) for op in _EC2_UNTRAITED},
    ("ec2", "RequestSpotFleet"): (("SpotFleetRequestConfig", "ClientToken"),),
    # "Specify this token if you plan to retry requests so that CloudFormation knows
    # that you're not attempting to create a stack with the same name."
    **{
        ("cloudformation", op): (("ClientRequestToken",),)
        for op in (
            "CancelUpdateStack",
            "ContinueUpdateRollback",
            "CreateStack",
            "DeleteStack",
            "ExecuteChangeSet",
            "RegisterType",
            "StartResourceScan",
            "UpdateStack",
        )
    },
    ("cloudformation", "CreateChangeSet"): (("ClientToken",),),
    # At most 32 word characters: these get uuid4().hex, not the 36-character form.
    ("acm", "RequestCertificate"): (("IdempotencyToken",),),
    ("acm", "PutAccountConfiguration"): (("IdempotencyToken",),),
    ("acm-pca", "CreateCertificateAuthority"): (("IdempotencyToken",),),
    ("acm-pca", "IssueCertificate"): (("IdempotencyToken",),),
    ("ecs", "CreateService"): (("clientToken",),),
    ("ecs", "CreateTaskSet"): (("clientToken",),),
    ("ecs", "CreateDaemon"): (("clientToken",),),
    ("ssm", "StartAutomationExecution"): (("ClientToken",),),
    ("ssm", "StartChangeRequestExecution"): (("ClientToken",),),
}

#: Members the model traits as idempotency tokens that are not: a session id, a
#: resource id, a callback id. botocore still fills them; they protect nothing, so
#: they do not make their operation safe to resend after an ambiguous failure.
NOT_TOKENS = frozenset(
    {
        ("athena", "DeleteNamedQuery", "NamedQueryId"),
        ("athena", "StopQueryExecution", "QueryExecutionId"),
        ("bedrock-agentcore", "GetAgentCard", "runtimeSessionId"),
        ("bedrock-agentcore", "InvokeAgentRuntime", "runtimeSessionId"),
        ("bedrock-agentcore", "InvokeAgentRuntimeCommand", "runtimeSessionId"),
        ("chime-sdk-messaging", "ChannelFlowCallback", "CallbackId"),
        ("elementalinference", "AssociateFeed", "associatedResourceName"),
        ("elementalinference", "DisassociateFeed", "associatedResourceName"),
    }
)

#: The EC2 "Ensuring idempotency" page's client-token list. Its "up to 64 ASCII
#: characters" bounds a caller's token where the model gives no length.
EC2_DOCUMENTED_TOKENS = frozenset(
    {
        "AllocateHosts", "CopyImage", "CreateEgressOnlyInternetGateway", "CreateFlowLogs",
        "CreateFpgaImage", "CreateNatGateway", "CreateReservedInstancesListing", "CreateRoute",
        "CreateVpcEndpoint", "ImportImage", "ImportSnapshot", "ModifyReservedInstances",
        "PurchaseHostReservation", "PurchaseScheduledInstances", "RequestSpotFleet",
        "RequestSpotInstances", "RunInstances", "RunScheduledInstances",
    }
)  # fmt: skip

#: Operations documented as idempotent without a token: resending them is safe.
DOCUMENTED_IDEMPOTENT = frozenset(
    {
        # EC2 "Ensuring idempotency": idempotent by default.
        ("ec2", "AssociateAddress"),
        ("ec2", "CreateVpnConnection"),
        ("ec2", "DisassociateAddress"),
        ("ec2", "ReplaceNetworkAclAssociation"),
        ("ec2", "TerminateInstances"),
        # On the same page's client-token list, but the model (and the API reference)
        # has no token member to send: a repeated CreateRoute fails with
        # RouteAlreadyExists rather than adding a second route.
        ("ec2", "CreateRoute"),
        # Proton "Ensuring idempotency": idempotent and asynchronous idempotent deletes.
        ("proton", "DeleteEnvironmentTemplate"),
        ("proton", "DeleteEnvironmentTemplateVersion"),
        ("proton", "DeleteServiceTemplate"),
        ("proton", "DeleteServiceTemplateVersion"),
        ("proton", "DeleteEnvironmentAccountConnection"),
        ("proton", "DeleteEnvironment"),
        ("proton", "DeleteService"),
    }
)

#: Operation-name verbs that only read. A prefix counts only at a word boundary
#: ("GetObject" yes, "Getaway" no).
READ_ONLY_PREFIXES = (
    "BatchGet",
    "Describe",
    "Get",
    "Head",
    "List",
    "Lookup",
    "Query",
    "Scan",
    "Search",
)


@dataclass(frozen=True)
class OperationInfo:
    """What the plugin needs to know about one operation, built once per client.

    Attributes:
        name: The operation name, e.g. ``"RunInstances"``.
        tokens: Its token members, traited ones first: filled when the caller
            leaves them out.
        references: Member paths of caller-supplied references (Route 53's
            ``CallerReference``): never invented; a call carrying one is protected.
        safe_without_token: Read-only, or documented idempotent without a token: an
            ambiguous failure may be retried even for a call that carries none.
        retryable_errors: Error codes the model marks ``retryable``, mapped to whether
            they are throttling.
        repeat_conflicts: Error codes the service answers a *repeated* token or
            reference with, instead of replaying the first answer (Route 53's
            ``HostedZoneAlreadyExists``).
    """

    name: str
    tokens: tuple[TokenMember, ...]
    safe_without_token: bool
    retryable_errors: Mapping[str, bool]
    references: tuple[tuple[str, ...], ...] = ()
    repeat_conflicts: frozenset[str] = frozenset()

    @property
    def protectable(self) -> bool:
        """Whether a call of this operation can carry a token or a reference."""
        return bool(self.tokens or self.references)


def is_read_only(name: str) -> bool:
    """Whether an operation name starts with a read-only verb at a word boundary."""
    for prefix in READ_ONLY_PREFIXES:
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            return not rest or rest[0].isupper()
    return False


def _member_shape(input_shape: Any, path: tuple[str, ...]) -> Any | None:
    shape = input_shape
    for name in path:
        members = getattr(shape, "members", None) or {}
        if name not in members:  # an older model than the registry's
            return None
        shape = members[name]
    return shape


def operation_info(service_name: str, operation_model: Any) -> OperationInfo:
    """Build the :class:`OperationInfo` of a botocore ``OperationModel``."""
    name = operation_model.name
    input_shape = operation_model.input_shape
    paths: list[tuple[str, ...]] = [
        (m,)
        for m in operation_model.idempotent_members
        if (service_name, name, m) not in NOT_TOKENS
    ]
    for path in UNTRAITED_TOKENS.get((service_name, name), ()):
        if path not in paths:
            paths.append(path)
    documented = (
        DOCUMENTED_MAX_LENGTH if service_name == "ec2" and name in EC2_DOCUMENTED_TOKENS else None
    )
    shapes = [(p, _member_shape(input_shape, p)) for p in paths]
    tokens = tuple(
        TokenMember.from_shape(p, shape, documented) for p, shape in shapes if shape is not None
    )
    safe_without_token = is_read_only(name) or (service_name, name) in DOCUMENTED_IDEMPOTENT
    retryable = {
        getattr(shape, "error_code", None) or shape.name: bool(
            shape.metadata["retryable"].get("throttling", False)
        )
        for shape in getattr(operation_model, "error_shapes", ())
        if isinstance(shape.metadata.get("retryable"), dict)
    }
    return OperationInfo(name, tokens, safe_without_token, MappingProxyType(retryable))
