"""Operation knowledge checked against the installed botocore models (the scan has its own test)."""

from __future__ import annotations

import re
import uuid

import botocore.session
import pytest

from boto3_idempotent._knowledge.operations import (
    DOCUMENTED_IDEMPOTENT,
    is_read_only,
    operation_info,
)
from boto3_idempotent._tokens import TokenMember

SESSION = botocore.session.get_session()
DOCUMENTED_AS_IDEMPOTENCY_TOKEN = re.compile(r"idempoten|plan to retry", re.IGNORECASE)

# The EC2 "Ensuring idempotency" page's client-token list.
EC2_DOCUMENTED = {
    "AllocateHosts", "CopyImage", "CreateEgressOnlyInternetGateway", "CreateFlowLogs",
    "CreateFpgaImage", "CreateNatGateway", "CreateReservedInstancesListing", "CreateRoute",
    "CreateVpcEndpoint", "ImportImage", "ImportSnapshot", "ModifyReservedInstances",
    "PurchaseHostReservation", "PurchaseScheduledInstances", "RequestSpotFleet",
    "RequestSpotInstances", "RunInstances", "RunScheduledInstances",
}  # fmt: skip


def _model(service, operation):
    return SESSION.get_service_model(service).operation_model(operation)


def _shape(service, operation, path):
    shape = _model(service, operation).input_shape
    for name in path:
        shape = shape.members[name]
    return shape


@pytest.mark.parametrize(("service", "operation"), sorted(DOCUMENTED_IDEMPOTENT))
def test_documented_idempotent_operations_exist(service, operation):
    """No typo in the table of operations that are idempotent without a token."""
    assert operation in SESSION.get_service_model(service).operation_names


@pytest.mark.parametrize("operation", sorted(EC2_DOCUMENTED))
def test_every_operation_on_the_ec2_page_is_covered(operation):
    """Each is token-protected (trait or registry), or has no token member and is listed safe."""
    info = operation_info("ec2", _model("ec2", operation))
    assert info.tokens or (info.safe_without_token and ("ec2", operation) in DOCUMENTED_IDEMPOTENT)


def test_request_spot_fleet_token_is_the_nested_one():
    """RequestSpotFleet's token lives in SpotFleetRequestConfig."""
    info = operation_info("ec2", _model("ec2", "RequestSpotFleet"))
    assert [m.path for m in info.tokens] == [("SpotFleetRequestConfig", "ClientToken")]


def test_codepipeline_client_token_is_not_an_idempotency_token():
    """Named like one, but it identifies a job: no token member; resent as idempotent by verb."""
    info = operation_info("codepipeline", _model("codepipeline", "AcknowledgeThirdPartyJob"))
    assert info.tokens == ()
    assert not info.protectable
    assert (info.resend.kind, info.resend.source) == ("idempotent", "verb")


def test_generated_tokens_fit_every_traited_member_in_the_installed_models():
    """All traited members accept what we generate (UUIDs, or hex where the shape says so)."""
    misfits = []
    traited = 0
    for service in SESSION.get_available_services():
        model = SESSION.get_service_model(service)
        for name in model.operation_names:
            operation = model.operation_model(name)
            for member_name in operation.idempotent_members:
                traited += 1
                shape = operation.input_shape.members[member_name]
                member = TokenMember.from_shape((member_name,), shape)
                if not member.accepts(member.generate()):
                    misfits.append((service, name, member_name))
    assert traited > 1000
    assert misfits == []


@pytest.mark.parametrize(
    ("name", "read_only"),
    [
        ("DescribeInstances", True),
        ("GetObject", True),
        ("ListBuckets", True),
        ("HeadObject", True),
        ("BatchGetItem", True),
        ("Query", True),
        ("Scan", True),
        ("SearchResources", True),
        ("LookupEvents", True),
        ("Getaway", False),
        ("Listen", False),
        ("PutItem", False),
        ("CreateTags", False),
        ("BatchWriteItem", False),
        ("DeleteObject", False),
    ],
)
def test_read_only_by_name_only_at_a_word_boundary(name, read_only):
    """Verbs count at a CamelCase boundary only."""
    assert is_read_only(name) is read_only


def test_uuid_format_is_used_where_the_shape_allows_it():
    """The 36-character UUID form by default; 32 hex characters where the max is 32."""
    roomy = TokenMember(("ClientToken",))
    tight = TokenMember(("IdempotencyToken",), max_length=32, uuid_format=False)
    assert uuid.UUID(roomy.generate()).version == 4
    assert len(tight.generate()) == 32
