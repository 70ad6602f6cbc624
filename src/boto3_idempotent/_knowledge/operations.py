"""Which operations carry a client token, and which are safe to resend after an ambiguous failure.

Knowledge comes from two places:

* the model: botocore marks token members with the ``idempotencyToken`` trait;
* the reviewed table (``_knowledge/token_table``, made with ``tools/scan_tokens.py``): token
  members that the service documents but whose model lacks the trait (EC2
  AllocateHosts, RequestSpotFleet's nested token, RAM, CodeBuild, ...), caller
  references that are never invented (Route 53's ``CallerReference``), members
  that look like tokens but are not (CodePipeline's
  ``AcknowledgeThirdPartyJob.clientToken`` identifies a job), limits the
  documentation states and the model does not, and what a service answers to a
  repeated token. The table is read at an operation's first call, never at import.

Whether a call may be resent after an ambiguous failure (5xx, read timeout,
connection lost after sending) is decided per *call*: when its request carries its
token or caller reference (see ``_plugin``) it is *protected*; otherwise its
operation's class decides (``_knowledge/resend``: documented idempotent here, else the
reviewed table, the request itself, the HTTP method or the verb): *idempotent*
calls are resent as bare botocore resends them, *unsafe* ones are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from boto3_idempotent._tokens import DOCUMENTED_MAX_LENGTH, TokenMember
from boto3_idempotent._values import Record

if TYPE_CHECKING:
    from .loader import Service
    from .resend import ResendClass

__all__ = [
    "DOCUMENTED_IDEMPOTENT",
    "EC2_DOCUMENTED_TOKENS",
    "IDEMPOTENT",
    "READ_ONLY_PREFIXES",
    "OperationInfo",
    "operation_info",
    "published_uri",
]

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

IDEMPOTENT = "idempotent"  # _knowledge/resend_table's word, spelt here so that it loads lazily

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


class OperationInfo(Record):
    """What the plugin needs to know about one operation, built once per client.

    Attributes:
        name: The operation name, e.g. ``"RunInstances"``.
        tokens: Its token members, traited ones first: filled when the caller
            leaves them out.
        references: Member paths of caller-supplied references (Route 53's
            ``CallerReference``): never invented; a call carrying one is protected.
        resend: How a call that carries no token is treated after an ambiguous
            failure: its class (``"idempotent"``: resent; ``"unsafe"``: not), where
            that comes from, why, and the per-call refinement if the request decides.
        retryable_errors: Error codes the model marks ``retryable``, mapped to whether
            they are throttling (a retryable 5xx or 408 is still ambiguous).
        refused_errors: Error codes documented to mean the request was turned away
            before it ran, whatever their status (``_knowledge/resend_table.REFUSED_ERRORS``).
        repeat_conflicts: Error codes the service answers a *repeated* token or
            reference with, instead of replaying the first answer (Route 53's
            ``HostedZoneAlreadyExists``).
        repeat_marker: Text the error's message must also contain (MTurk answers
            ``RequestError`` for many things, ``AWS.MechanicalTurk.HitAlreadyExists``
            for this one), or ``None``.
        names: Names AWS deduplicates the request by, derived from the key inside a
            key scope when the caller leaves them out (``_knowledge/token_table.DERIVED_NAMES``).
        name_conflicts: Error codes a repeat of such a name may be answered with.
        repeat_refusals: Codes a repeat of this idempotent operation is *refused* with
            (``_knowledge/resend_table.REPEAT_REFUSALS``: RDS ``StartDBCluster``'s
            ``InvalidDBClusterStateFault``): answered to a resend after a lost answer, the
            first attempt acted.
        refusal_marker: Text the message must also hold for those codes, or ``None``.
    """

    __slots__ = (
        "name",
        "name_conflicts",
        "names",
        "references",
        "refusal_marker",
        "refused_errors",
        "repeat_conflicts",
        "repeat_marker",
        "repeat_refusals",
        "resend",
        "retryable_errors",
        "tokens",
    )
    _fields = _compared = _shown = (
        "name",
        "tokens",
        "resend",
        "retryable_errors",
        "references",
        "repeat_conflicts",
        "repeat_marker",
        "refused_errors",
        "names",
        "name_conflicts",
        "repeat_refusals",
        "refusal_marker",
    )
    _defaults: ClassVar[dict[str, Any]] = {
        "repeat_refusals": frozenset(),
        "refusal_marker": None,
        "names": (),
        "name_conflicts": frozenset(),
        "references": (),
        "repeat_conflicts": frozenset(),
        "repeat_marker": None,
        "refused_errors": frozenset(),
    }
    name: str
    tokens: tuple[TokenMember, ...]
    resend: ResendClass
    retryable_errors: Mapping[str, bool]
    references: tuple[tuple[str, ...], ...]
    repeat_conflicts: frozenset[str]
    repeat_marker: str | None
    refused_errors: frozenset[str]
    names: tuple[TokenMember, ...]
    name_conflicts: frozenset[str]
    repeat_refusals: frozenset[str]
    refusal_marker: str | None

    @property
    def safe_without_token(self) -> bool:
        """Whether every call of it may be resent without a token (no per-call check)."""
        return self.resend.kind == IDEMPOTENT and self.resend.refine is None

    @property
    def protectable(self) -> bool:
        """Whether a call of this operation can carry a token or a reference."""
        return bool(self.tokens or self.references)


def published_uri(http: Mapping[str, Any]) -> str:
    """An operation's request URI as its model publishes it, whatever botocore did since.

    botocore rewrites an S3 operation's loaded model at its first call
    (``remove_bucket_from_url_paths_from_model``: ``/{Bucket}`` becomes ``""``, the
    original kept as ``authPath``), for every later client of the session; a class read
    from the rewritten URI would differ from the published one (``CreateBucket``'s
    ``PUT /{Bucket}`` names the thing it makes).
    """
    uri = str(http.get("requestUri", ""))
    if "authPath" in http and not uri.startswith("/{Bucket}"):
        return "/{Bucket}" + uri
    return uri


def is_read_only(name: str) -> bool:
    """Whether an operation name starts with a read-only verb at a word boundary."""
    for prefix in READ_ONLY_PREFIXES:
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            return not rest or rest[0].isupper()
    return False


Path = tuple[str, ...]


def _member_shape(input_shape: Any, path: Path) -> Any | None:
    """The shape at ``path`` (``"[]"``: a list's element, ``"{}"``: a map's value)."""
    shape = input_shape
    for name in path:
        if name == "[]":
            shape = getattr(shape, "member", None)
        elif name == "{}":
            shape = getattr(shape, "value", None)
        else:
            members = getattr(shape, "members", None) or {}
            shape = members.get(name)  # None: an older model than the table's
        if shape is None:
            return None
    return shape


def _sources(known: Service, operation_model: Any) -> tuple[list[Path], list[Path]]:
    """Token paths (traited, then the table's generated ones) and caller-reference paths."""
    name = operation_model.name
    not_tokens = known.paths(name, "n")
    paths: list[Path] = [
        (member,) for member in operation_model.idempotent_members if (member,) not in not_tokens
    ]
    paths.extend(p for p in known.paths(name, "g") if p not in paths)
    return paths, list(known.paths(name, "c"))


def operation_info(service_name: str, operation_model: Any) -> OperationInfo:
    """Build the ``OperationInfo`` of a botocore ``OperationModel``."""
    from .loader import service  # noqa: PLC0415  (an operation's first call only)
    from .resend import ResendClass, operation_class  # noqa: PLC0415

    known = service(service_name)
    entries = known.of(operation_model.name)
    name = operation_model.name
    input_shape = operation_model.input_shape
    paths, references = _sources(known, operation_model)
    default_max = (
        DOCUMENTED_MAX_LENGTH if service_name == "ec2" and name in EC2_DOCUMENTED_TOKENS else None
    )
    limits = {
        tuple(path): (max_length, pattern) for path, max_length, pattern in entries.get("l", ())
    }
    same_roles = {tuple(path): member for path, member in entries.get("s", ())}
    tokens: list[TokenMember] = []
    for path in paths:
        shape = _member_shape(input_shape, path)
        if shape is None:  # an older model than the table's
            continue
        member = TokenMember.from_shape(path, shape, default_max, documented=limits.get(path))
        same_role = same_roles.get(path)
        tokens.append(member._replace(same_role=same_role) if same_role else member)
    present = [r for r in references if _member_shape(input_shape, r) is not None]
    names: list[TokenMember] = []
    conflicts: set[str] = set()
    for path, codes in entries.get("d", ()):
        shape = _member_shape(input_shape, tuple(path))
        if shape is not None:  # an older model than the table's
            names.append(TokenMember.from_shape(tuple(path), shape))
            conflicts.update(codes)
    if (service_name, name) in DOCUMENTED_IDEMPOTENT:
        resend = ResendClass(IDEMPOTENT, "documented", "documented idempotent without a token")
    else:
        metadata = getattr(operation_model, "metadata", None) or {}
        http = getattr(operation_model, "http", None) or {}
        resend = operation_class(
            service_name,
            name,
            metadata.get("protocol"),
            http.get("method", "POST"),
            published_uri(http),
        )
    retryable = {
        getattr(shape, "error_code", None) or shape.name: bool(
            shape.metadata["retryable"].get("throttling", False)
        )
        for shape in getattr(operation_model, "error_shapes", ())
        if isinstance(shape.metadata.get("retryable"), dict)
    }
    codes, marker = entries.get("r", ((), None))
    refusals, refusal_marker = entries.get("f", ((), None))
    return OperationInfo(
        name,
        tuple(tokens),
        resend,
        MappingProxyType(retryable),
        references=tuple(present),
        repeat_conflicts=frozenset(codes),
        repeat_marker=marker,
        refused_errors=known.refused.intersection(retryable),
        names=tuple(names),
        name_conflicts=frozenset(conflicts),
        repeat_refusals=frozenset(refusals),
        refusal_marker=refusal_marker,
    )
