"""Which operations get a token, what it looks like, and what a caller's token must be."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from boto3_idempotent import InvalidClientToken, RetryPolicy, wrap
from boto3_idempotent._tokens import TokenMember
from helpers.wire import Reply

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def wrapped(make_client, sleeps):
    """Build wrapped clients of any service against the scripted server."""

    def build(service: str = "ec2", **kwargs):
        return wrap(make_client(service, **kwargs), RetryPolicy(), sleep=sleeps, random=lambda: 0.0)

    return build


@pytest.mark.parametrize(
    ("service", "call", "kwargs", "operation"),
    [
        # Untraited in the model, documented as idempotent with a client token.
        (
            "ec2",
            "allocate_hosts",
            {"AvailabilityZone": "us-east-1a", "Quantity": 1},
            "AllocateHosts",
        ),
        (
            "ec2",
            "create_flow_logs",
            {"ResourceIds": ["vpc-1"], "ResourceType": "VPC", "TrafficType": "ALL"},
            "CreateFlowLogs",
        ),
        (
            "ec2",
            "create_vpc_endpoint",
            {"VpcId": "vpc-1", "ServiceName": "com.amazonaws.s3"},
            "CreateVpcEndpoint",
        ),
        ("ec2", "request_spot_instances", {}, "RequestSpotInstances"),
        ("cloudformation", "create_stack", {"StackName": "s", "TemplateBody": "{}"}, "CreateStack"),
        # Traited: botocore would generate one too; ours is the one that goes out.
        (
            "ec2",
            "run_instances",
            {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1},
            "RunInstances",
        ),
        ("ec2", "create_nat_gateway", {"SubnetId": "subnet-1"}, "CreateNatGateway"),
        (
            "dynamodb",
            "transact_write_items",
            {
                "TransactItems": [
                    {
                        "ConditionCheck": {
                            "TableName": "t",
                            "Key": {"k": {"S": "1"}},
                            "ConditionExpression": "attribute_exists(k)",
                        }
                    }
                ]
            },
            "TransactWriteItems",
        ),
    ],
)
def test_supported_operations_send_one_uuid_token_on_every_attempt(
    wrapped, server, service, call, kwargs, operation
):
    """Traited and curated operations alike: a UUID token, the same on the retry."""
    server.plan(Reply(500, "InternalError"))

    getattr(wrapped(service), call)(**kwargs)

    tokens = server.tokens(operation)
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]
    assert UUID.fullmatch(tokens[0] or "")


def test_a_bare_client_sends_no_token_for_untraited_operations(make_client, server):
    """Control: botocore alone sends AllocateHosts without any token."""
    make_client("ec2").allocate_hosts(AvailabilityZone="us-east-1a", Quantity=1)

    assert server.tokens("AllocateHosts") == [None]


def test_request_spot_fleet_gets_its_nested_token_and_the_callers_dict_is_untouched(
    wrapped, server
):
    """SpotFleetRequestConfig.ClientToken is filled in a copy: a reused config gets a new token."""
    config = {"IamFleetRole": "arn:aws:iam::123456789012:role/fleet", "TargetCapacity": 1}
    client = wrapped()
    server.plan(Reply(503, "Unavailable"))

    client.request_spot_fleet(SpotFleetRequestConfig=config)
    client.request_spot_fleet(SpotFleetRequestConfig=config)

    assert "ClientToken" not in config
    first, retry, second = server.tokens("RequestSpotFleet")
    assert first == retry
    assert first != second
    assert "SpotFleetRequestConfig.ClientToken" in server.requests[0].params


def test_acm_gets_a_token_its_shape_accepts(wrapped, server):
    """ACM's IdempotencyToken allows 32 word characters: the token is uuid4().hex."""
    wrapped("acm").request_certificate(DomainName="example.com")

    (token,) = server.tokens("RequestCertificate")
    assert HEX32.fullmatch(token or "")


def test_codepipeline_job_client_token_is_not_touched(wrapped, server):
    """A member named clientToken that identifies a job is never filled by name."""
    client = wrapped("codepipeline")

    client.acknowledge_third_party_job(
        jobId="11111111-2222-3333-4444-555555555555", nonce="1", clientToken="job-secret"
    )

    assert server.requests[0].params["clientToken"] == "job-secret"


def test_operations_without_tokens_send_none(wrapped, server):
    """DescribeInstances has no token member and gets none."""
    wrapped().describe_instances()

    assert server.tokens() == [None]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "empty"),
        ("x" * 65, "longer than 64 (EC2's model declares no length)"),
        ("tök", "not ASCII"),
        ("tab\there", "not printable"),
        (42, "not a string"),
    ],
)
def test_bad_caller_tokens_fail_before_anything_is_sent(wrapped, server, token, reason):
    """An unusable token raises InvalidClientToken (a ValueError), and no request goes out."""
    with pytest.raises(InvalidClientToken) as raised:
        wrapped().run_instances(ImageId="ami-1", MinCount=1, MaxCount=1, ClientToken=token)

    assert isinstance(raised.value, ValueError)
    assert "RunInstances ClientToken" in str(raised.value)
    assert server.count() == 0


def test_a_token_outside_its_members_shape_fails_before_sending(wrapped, server):
    """CloudFormation's pattern forbids a leading hyphen: rejected locally, not by the service."""
    with pytest.raises(InvalidClientToken, match="CreateStack ClientRequestToken"):
        wrapped("cloudformation").create_stack(StackName="s", ClientRequestToken="-bad")

    assert server.count() == 0


def test_a_long_token_is_fine_where_the_model_allows_it(wrapped, server):
    """CloudFormation allows 128 characters; the 64 limit is for members with no declared max."""
    token = "a" * 100

    wrapped("cloudformation").create_stack(StackName="s", ClientRequestToken=token)

    assert server.tokens("CreateStack") == [token]


def test_the_error_message_does_not_show_the_token(wrapped, server):
    """Tokens can be derived from business data: messages say their length, not their value."""
    secret = "customer-4111111111111111-" + "x" * 60

    with pytest.raises(InvalidClientToken) as raised:
        wrapped().run_instances(ImageId="ami-1", MinCount=1, MaxCount=1, ClientToken=secret)

    assert secret not in str(raised.value)
    assert "86 characters" in str(raised.value)


def test_a_refused_token_is_what_botocore_users_already_catch(wrapped, server):
    """InvalidClientToken is a ParamValidationError and a BotoCoreError, like botocore's own checks."""
    from botocore.exceptions import BotoCoreError, ParamValidationError

    with pytest.raises(ParamValidationError) as raised:
        wrapped().run_instances(ImageId="ami-1", MinCount=1, MaxCount=1, ClientToken="x" * 65)

    assert isinstance(raised.value, BotoCoreError)
    assert isinstance(raised.value, InvalidClientToken)
    assert "RunInstances ClientToken" in str(raised.value)
    assert server.count() == 0


@pytest.mark.parametrize("token", ["x" * 65, "tök", "-bad"])
def test_without_parameter_validation_a_token_is_sent_as_given(wrapped, server, token):
    """Config(parameter_validation=False): no check of ours either; the service judges the token."""
    client = wrapped("cloudformation", parameter_validation=False)

    client.create_stack(StackName="s", ClientRequestToken=token)

    assert server.tokens("CreateStack") == [token]


# -- caller tokens on EC2, members that are not tokens, and what a refused token says ------


@pytest.fixture
def ec2(make_client, sleeps):
    """A wrapped EC2 client on the scripted server."""
    return wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps)


def test_a_long_caller_token_is_fine_where_ec2_documents_no_64_limit(ec2, server):
    """CreateLaunchTemplate allows 128 characters: the 64 limit is for the idempotency page's list."""
    token = "t" * 100

    ec2.create_launch_template(LaunchTemplateName="lt-1", LaunchTemplateData={}, ClientToken=token)

    assert server.tokens() == [token]


def test_a_traited_session_id_does_not_make_an_invocation_safe_to_resend(
    make_client, server, sleeps
):
    """bedrock-agentcore's runtimeSessionId is no idempotency token: a 500 is not resent."""
    client = wrap(make_client("bedrock-agentcore"), RetryPolicy(), sleep=sleeps)
    server.plan(Reply(500, "InternalServerException"))

    with pytest.raises(ClientError):
        client.invoke_agent_runtime(
            agentRuntimeArn="arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/r",
            payload=b"{}",
        )

    assert server.count() == 1


def test_a_non_ascii_token_is_named_as_such():
    """The message says what is wrong (a non-ASCII character, where), not its length."""
    member = TokenMember(("ClientToken",))
    with pytest.raises(InvalidClientToken, match="a non-ASCII character at position 3") as caught:
        member.check("abé-token", "RunInstances")
    assert "é" not in str(caught.value)
