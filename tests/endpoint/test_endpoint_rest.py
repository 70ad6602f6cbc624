"""REST services (S3's rest-xml, Lambda's rest-json) through FaultyEndpoint, named and faulted."""

from __future__ import annotations

import http.client
import io
import json
import zipfile
from urllib.parse import urlsplit

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from boto3_idempotent import RetryPolicy, wrap
from boto3_idempotent.testing import Fault
from boto3_idempotent.testing._rest import RestRoutes, virtual_host_bucket

ONE_ATTEMPT = Config(retries={"mode": "standard", "total_max_attempts": 1})
ROLE = "arn:aws:iam::123456789012:role/lambda"


@pytest.fixture
def aws(faulty_endpoint):
    """The endpoint, reset for this test."""
    return faulty_endpoint


@pytest.fixture
def s3(aws):
    """A bare S3 client, one attempt per call, with bucket "orders" made behind the proxy."""
    aws.backend_client("s3").create_bucket(Bucket="orders")
    return aws.client("s3", config=ONE_ATTEMPT)


@pytest.fixture
def lambda_backend(aws):
    """Lambda in moto without docker (its simple backend), and a role; moto's setting put back."""

    def configure(use_docker: bool) -> None:
        body = json.dumps({"lambda": {"use_docker": use_docker}})
        assert fetch("POST", f"{aws.backend_url}/moto-api/config", body)[0] == 201

    configure(use_docker=False)
    aws.backend_client("iam").create_role(RoleName="lambda", AssumeRolePolicyDocument="{}")
    yield aws.backend_client("lambda")
    configure(use_docker=True)


def fetch(method, url, body=None):
    """(status, body) of one plain HTTP request: no SDK, no signature of our own."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def function_code() -> bytes:
    """A zipped Python handler."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def create_function(client, name="f"):
    """CreateFunction with a zipped handler."""
    return client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": function_code()},
    )


def objects(aws):
    """Keys moto really holds in "orders", asked without faults."""
    listed = aws.backend_client("s3").list_objects_v2(Bucket="orders")
    return [o["Key"] for o in listed.get("Contents", [])]


def test_s3_operations_are_recorded_by_name(aws, s3):
    """Each S3 request, path-style as botocore sends it to an endpoint_url, has its operation."""
    s3.put_object(Bucket="orders", Key="a/b c.txt", Body=b"hello")
    s3.get_object(Bucket="orders", Key="a/b c.txt")["Body"].read()
    s3.head_object(Bucket="orders", Key="a/b c.txt")
    s3.put_object_tagging(
        Bucket="orders", Key="a/b c.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
    )
    upload = s3.create_multipart_upload(Bucket="orders", Key="big")["UploadId"]
    part = s3.upload_part(Bucket="orders", Key="big", PartNumber=1, UploadId=upload, Body=b"x")
    s3.complete_multipart_upload(
        Bucket="orders",
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    s3.list_objects_v2(Bucket="orders")
    s3.delete_object(Bucket="orders", Key="a/b c.txt")
    s3.create_bucket(Bucket="archive")

    assert [r.operation for r in aws.records] == [
        "PutObject",
        "GetObject",
        "HeadObject",
        "PutObjectTagging",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "ListObjectsV2",
        "DeleteObject",
        "CreateBucket",
    ]
    assert {r.service for r in aws.records} == {"s3"}
    assert aws.created("put_object") == 1
    assert objects(aws) == ["big"]


def test_a_scripted_lost_response_fires_for_put_object(aws, s3):
    """script("PutObject", LOST_RESPONSE, service="s3"): moto stores it, the client hears nothing."""
    aws.script("PutObject", Fault.LOST_RESPONSE, service="s3")

    with pytest.raises(ConnectionClosedError):
        s3.put_object(Bucket="orders", Key="a.txt", Body=b"hello")

    assert objects(aws) == ["a.txt"]
    assert aws.created("PutObject", service="s3") == 1
    assert aws.records[0].fault is Fault.LOST_RESPONSE


def test_a_scripted_reset_leaves_s3_untouched(aws, s3):
    """A reset before the backend: a connection error and no object."""
    aws.script("put_object", Fault.RESET)

    with pytest.raises(ConnectionClosedError):
        s3.put_object(Bucket="orders", Key="a.txt", Body=b"hello")

    assert objects(aws) == []


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (Fault.INTERNAL_ERROR, 500, "InternalError"),
        (Fault.UNAVAILABLE, 503, "ServiceUnavailable"),
        (Fault.THROTTLE_503, 503, "SlowDown"),
        (Fault.THROTTLE_400, 400, "Throttling"),
        (Fault.CLIENT_ERROR, 400, "InvalidArgument"),
    ],
)
def test_s3_error_faults_parse_to_their_code(aws, s3, fault, status, code):
    """S3's <Error> body: botocore reads the code and status; moto never sees the request."""
    aws.script("PutObject", fault)

    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="orders", Key="a.txt", Body=b"hello")

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert raised.value.response["ResponseMetadata"]["RequestId"].startswith("faulty-")
    assert objects(aws) == []


def test_a_head_request_fault_has_no_body_and_the_status_for_a_code(aws, s3):
    """HEAD answers carry no body (as S3's do): botocore names the error by its status."""
    s3.put_object(Bucket="orders", Key="a.txt", Body=b"hello")
    aws.script("HeadObject", Fault.UNAVAILABLE)

    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket="orders", Key="a.txt")

    assert raised.value.response["Error"]["Code"] == "503"


def test_a_wrapped_s3_client_retries_a_slow_down_once(aws, s3):
    """SlowDown is throttling: the library resends PutObject, and one object results."""
    wrapped = wrap(aws.client("s3"), RetryPolicy(max_attempts=3))
    aws.script("PutObject", Fault.THROTTLE_503)

    wrapped.put_object(Bucket="orders", Key="a.txt", Body=b"hello")

    assert aws.attempts("PutObject") == 2
    assert [r.fault for r in aws.records] == [Fault.THROTTLE_503, None]
    assert objects(aws) == ["a.txt"]


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (Fault.INTERNAL_ERROR, 500, "InternalServerException"),
        (Fault.UNAVAILABLE, 503, "ServiceUnavailableException"),
        (Fault.THROTTLE_503, 503, "ThrottlingException"),
        (Fault.THROTTLE_400, 400, "ThrottlingException"),
        (Fault.CLIENT_ERROR, 400, "ValidationException"),
    ],
)
def test_lambda_error_faults_parse_to_their_code(aws, lambda_backend, fault, status, code):
    """rest-json: the x-amzn-ErrorType header gives botocore the code; no function is made."""
    aws.script("CreateFunction", fault, service="lambda")

    with pytest.raises(ClientError) as raised:
        create_function(aws.client("lambda", config=ONE_ATTEMPT))

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["Error"]["Message"] == f"Injected fault: {fault.value}"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert lambda_backend.list_functions()["Functions"] == []


def test_lambda_operations_are_recorded_scripted_and_counted(aws, lambda_backend):
    """CreateFunction's answer lost, then Invoke: named, and the function made once."""
    client = aws.client("lambda", config=ONE_ATTEMPT)
    aws.script("create_function", Fault.LOST_RESPONSE)

    with pytest.raises(ConnectionClosedError):
        create_function(client)
    client.invoke(FunctionName="f", Payload=b"{}")

    assert [(r.operation, r.fault) for r in aws.records] == [
        ("CreateFunction", Fault.LOST_RESPONSE),
        ("Invoke", None),
    ]
    assert aws.created("CreateFunction") == 1
    assert [f["FunctionName"] for f in lambda_backend.list_functions()["Functions"]] == ["f"]


def test_a_virtual_hosted_s3_request_is_named_and_served(aws):
    """Bucket in the Host header (addressing_style="virtual"): named, and moto gets the Host."""
    port = urlsplit(aws.url).port
    s3 = aws.client(
        "s3",
        endpoint_url=f"http://localhost:{port}",
        config=Config(s3={"addressing_style": "virtual"}, retries={"total_max_attempts": 1}),
    )

    def to_loopback(request, **kwargs):
        """Stand in for DNS: orders.localhost is 127.0.0.1, the Host header stays."""
        request.headers["Host"] = f"orders.localhost:{port}"
        request.url = request.url.replace(f"orders.localhost:{port}", f"127.0.0.1:{port}")

    s3.meta.events.register("before-send", to_loopback)
    s3.create_bucket(Bucket="orders")
    s3.put_object(Bucket="orders", Key="a.txt", Body=b"hello")

    assert [r.operation for r in aws.records] == ["CreateBucket", "PutObject"]
    assert objects(aws) == ["a.txt"]


@pytest.mark.parametrize("signature_version", ["s3", "s3v4"])
def test_a_presigned_url_is_named(aws, s3, signature_version):
    """A presigned GET (either signature version) is S3's GetObject in the records."""
    s3.put_object(Bucket="orders", Key="a.txt", Body=b"hello")
    signer = aws.client("s3", config=Config(signature_version=signature_version))
    url = signer.generate_presigned_url("get_object", Params={"Bucket": "orders", "Key": "a.txt"})

    assert fetch("GET", url) == (200, b"hello")

    assert (aws.records[-1].service, aws.records[-1].operation) == ("s3", "GetObject")


S3_ROUTES = [
    ("put_object", {"Bucket": "b", "Key": "a/b c.txt", "Body": b"x"}),
    ("get_object", {"Bucket": "b", "Key": "k"}),
    ("head_object", {"Bucket": "b", "Key": "k"}),
    ("delete_object", {"Bucket": "b", "Key": "k"}),
    ("create_bucket", {"Bucket": "b"}),
    ("head_bucket", {"Bucket": "b"}),
    ("delete_bucket", {"Bucket": "b"}),
    ("list_buckets", {}),
    ("list_objects", {"Bucket": "b"}),
    ("list_objects_v2", {"Bucket": "b"}),
    ("list_object_versions", {"Bucket": "b"}),
    ("list_multipart_uploads", {"Bucket": "b"}),
    ("create_multipart_upload", {"Bucket": "b", "Key": "k"}),
    ("upload_part", {"Bucket": "b", "Key": "k", "PartNumber": 1, "UploadId": "u", "Body": b"x"}),
    (
        "upload_part_copy",
        {"Bucket": "b", "Key": "k", "PartNumber": 1, "UploadId": "u", "CopySource": "s/k"},
    ),
    ("copy_object", {"Bucket": "b", "Key": "k", "CopySource": "s/k"}),
    (
        "complete_multipart_upload",
        {"Bucket": "b", "Key": "k", "UploadId": "u", "MultipartUpload": {"Parts": []}},
    ),
    ("abort_multipart_upload", {"Bucket": "b", "Key": "k", "UploadId": "u"}),
    ("list_parts", {"Bucket": "b", "Key": "k", "UploadId": "u"}),
    ("put_object_tagging", {"Bucket": "b", "Key": "k", "Tagging": {"TagSet": []}}),
    ("get_object_tagging", {"Bucket": "b", "Key": "k"}),
    ("put_bucket_tagging", {"Bucket": "b", "Tagging": {"TagSet": []}}),
    ("get_bucket_location", {"Bucket": "b"}),
    ("delete_objects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "k"}]}}),
    (
        "put_bucket_lifecycle_configuration",
        {"Bucket": "b", "LifecycleConfiguration": {"Rules": []}},
    ),
    ("restore_object", {"Bucket": "b", "Key": "k"}),
]
LAMBDA_ROUTES = [
    ("create_function", {"FunctionName": "f", "Role": ROLE, "Code": {"ZipFile": b"x"}}),
    ("invoke", {"FunctionName": "f"}),
    ("get_function", {"FunctionName": "f"}),
    ("get_function_configuration", {"FunctionName": "f"}),
    ("list_functions", {}),
    ("delete_function", {"FunctionName": "f"}),
    ("publish_version", {"FunctionName": "f"}),
    ("list_versions_by_function", {"FunctionName": "f"}),
    ("tag_resource", {"Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "Tags": {}}),
]


class StopBeforeSendingError(Exception):
    """Raised by a before-send hook to keep the request botocore built."""

    def __init__(self, request) -> None:
        self.request = request


def built_request(service, method, kwargs):
    """The request botocore's serializer builds for ``method(**kwargs)``, never sent."""
    client = boto3.client(
        service,
        endpoint_url="http://127.0.0.1:1",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False),
    )

    def keep(request, **_):
        raise StopBeforeSendingError(request)

    client.meta.events.register("before-send", keep)
    with pytest.raises(StopBeforeSendingError) as sent:
        getattr(client, method)(**kwargs)
    return client, sent.value.request


@pytest.mark.parametrize(
    ("service", "method", "kwargs"),
    [("s3", *row) for row in S3_ROUTES] + [("lambda", *row) for row in LAMBDA_ROUTES],
)
def test_each_route_resolves_to_the_operation_botocore_built_it_for(service, method, kwargs):
    """Routes read backwards: method, path, query literals and required members pick the one."""
    client, request = built_request(service, method, kwargs)
    url = urlsplit(request.url)
    target = url.path + (f"?{url.query}" if url.query else "")

    # A model no client has used: a client's first S3 call strips "/{Bucket}" from its routes.
    model = botocore.session.get_session().get_service_model(service)

    operation = RestRoutes(model).operation(request.method, target, request.headers.keys())

    assert operation == client.meta.method_to_api_mapping[method]


@pytest.mark.parametrize(
    ("service", "method", "target", "expected"),
    [
        ("s3", "PUT", "/orders/k?x-id=PutObjectAcl", "PutObjectAcl"),  # other SDKs name it
        ("s3", "PUT", "/orders/k?x-id=NoSuchThing", "PutObject"),  # ignored when unknown
        ("s3", "PATCH", "/orders/k", ""),  # no S3 route has PATCH
        ("lambda", "GET", "/2015-03-31/nothing/here/at/all", ""),
        ("lambda", "POST", "/2015-03-31/functions/", "CreateFunction"),  # a final slash
    ],
)
def test_unknown_routes_name_nothing(service, method, target, expected):
    """No route, no name ("" as before); an x-id query parameter names the operation."""
    model = botocore.session.get_session().get_service_model(service)

    assert RestRoutes(model).operation(method, target, []) == expected


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("orders.localhost:4566", "orders"),
        ("orders.s3.amazonaws.com", "orders"),
        ("127.0.0.1:4566", None),
        ("localhost:4566", None),
        ("localhost", None),
        ("s3.amazonaws.com", None),
        ("s3-us-west-2.amazonaws.com", None),
        ("[::1]:4566", None),
        ("", None),
    ],
)
def test_virtual_host_bucket(host, bucket):
    """The bucket is the first label of a named host; IPs, localhost and S3's own are path style."""
    assert virtual_host_bucket(host) == bucket
