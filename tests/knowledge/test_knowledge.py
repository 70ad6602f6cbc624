"""The per-service knowledge file: equal to the reviewed tables, read one service at a time.

It is read through the package's loader, so the package also works from a zip.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from boto3_idempotent._knowledge import loader as _knowledge
from boto3_idempotent._knowledge import resend_table as _resend_table
from boto3_idempotent._knowledge import token_table as _token_table

ROOT = Path(__file__).resolve().parents[2]


def _writer():
    spec = importlib.util.spec_from_file_location(
        "write_knowledge", ROOT / "tools/write_knowledge.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_file_is_what_the_tables_make():
    """Edit a table, run tools/write_knowledge.py: otherwise this fails."""
    written = (ROOT / "src/boto3_idempotent/_knowledge/knowledge.txt").read_text(encoding="ascii")
    assert written == _writer().build(), "run: python tools/write_knowledge.py"


def test_every_reviewed_entry_reads_back_for_its_service():
    """Each table entry is found under its own service, and under no other."""
    for (service, operation), (kind, reason) in _resend_table.OPERATIONS.items():
        assert _knowledge.service(service).of(operation)["o"] == [kind, reason]
    for entry in _token_table.GENERATED:
        assert entry.path in _knowledge.service(entry.service).paths(entry.operation, "g")
    for entry in _token_table.CALLER_REFERENCES:
        assert entry.path in _knowledge.service(entry.service).paths(entry.operation, "c")
    assert _knowledge.service("no-such-service").of("RunInstances") == {}
    assert _knowledge.service("ec2").paths("NoSuchOperation", "g") == ()


#: A fresh interpreter's wrapped DynamoDB client, answered 200 by a before-send handler,
#: after one PutItem (no network).
CANNED_DYNAMODB = """
import sys
import boto3
from botocore.awsrequest import AWSResponse
import boto3_idempotent

class Raw:
    def stream(self, **kwargs):
        yield b"{}"

ddb = boto3_idempotent.wrap(boto3.client(
    "dynamodb", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"))
ddb.meta.events.register(
    "before-send", lambda request, **kw: AWSResponse(request.url, 200, {}, Raw()))
ddb.put_item(TableName="t", Item={"k": {"S": "v"}})
"""


def fresh(code: str, **env: str) -> list[str]:
    """Run ``CANNED_DYNAMODB`` then ``code`` in a new interpreter; its printed lines."""
    return subprocess.run(
        [sys.executable, "-c", CANNED_DYNAMODB + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        env={"AWS_EC2_METADATA_DISABLED": "true", "PATH": "", **env},
    ).stdout.splitlines()


def test_a_first_call_parses_only_its_own_services_line():
    """Neither table module loads on a call's path; only the called service is parsed."""
    out = fresh(
        """
        from boto3_idempotent._knowledge import loader as _knowledge
        print(sorted(_knowledge._services))
        print(sorted(m for m in sys.modules if m.endswith(("_token_table", "_resend_table"))))
        """
    )
    assert out == ["['dynamodb']", "[]"]


def test_the_package_works_from_a_zip(tmp_path):
    """zipapp, pex, zipimport: the knowledge file is read through the package's loader."""
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in (ROOT / "src" / "boto3_idempotent").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, path.relative_to(ROOT / "src"))
    out = fresh(
        """
        assert ".zip" in boto3_idempotent.__file__, boto3_idempotent.__file__
        from boto3_idempotent._knowledge.operations import operation_info
        model = ddb.meta.service_model.operation_model("UpdateItem")
        print(operation_info("dynamodb", model).resend.source)
        """,
        PYTHONPATH=str(archive),
    )
    assert out == ["per call"]
