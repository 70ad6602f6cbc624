"""The test endpoint's token contract is a witness of its own, not a copy of the library's tables.

It must not import the library's token table, operation classes or response table
(a wrong token path there would be honoured on both sides). Its own short lists are
checked against botocore's models, and against the library's table: two witnesses
that agree.
"""

from __future__ import annotations

import ast
from pathlib import Path

import botocore.session
import pytest

import boto3_idempotent.testing
from boto3_idempotent._knowledge.operations import operation_info
from boto3_idempotent.testing._aws_tokens import (
    MISMATCH_CODES,
    TRAITED_NOT_TOKENS,
    UNTRAITED_TOKENS,
)
from conftest import require_model

TESTING = Path(boto3_idempotent.testing.__file__).parent
FORBIDDEN = {
    "boto3_idempotent._knowledge.token_table",
    "boto3_idempotent._knowledge.operations",
    "boto3_idempotent._policy.classify",
}


def imported_modules(path: Path) -> set[str]:
    """Every module (and ``package.name``) a file imports, relative imports resolved."""
    package = "boto3_idempotent.testing"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.fixture(scope="module")
def session():
    """A botocore session, for its models."""
    return botocore.session.get_session()


@pytest.mark.parametrize("path", sorted(TESTING.glob("*.py")), ids=lambda p: p.name)
def test_the_testing_package_never_imports_the_librarys_token_knowledge(path):
    """No testing/*.py imports token_table, operations or classify (relative or absolute)."""
    assert imported_modules(path) & FORBIDDEN == set()


def test_the_import_check_sees_relative_and_absolute_imports(tmp_path):
    """Control: both spellings of a forbidden import are caught."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from .._policy import classify\nfrom .._knowledge.operations import x\n"
        "import boto3_idempotent._knowledge.token_table\n"
    )
    assert imported_modules(probe) & FORBIDDEN == FORBIDDEN


@pytest.mark.parametrize(("where", "paths"), sorted(UNTRAITED_TOKENS.items()))
def test_each_untraited_token_is_an_untraited_member_the_library_fills_too(session, where, paths):
    """Each listed path is a string member of the input, lacks the trait, and the library agrees."""
    service, operation = where
    model = session.get_service_model(service).operation_model(operation)
    for path in paths:
        shape = model.input_shape
        for name in path:
            shape = shape.members[name]
        assert shape.type_name == "string"
        assert path not in {(member,) for member in model.idempotent_members}
    library = {m.path for m in operation_info(service, model).tokens}
    assert set(paths) <= library


@pytest.mark.parametrize(("service", "operation", "member"), sorted(TRAITED_NOT_TOKENS))
def test_each_excluded_member_is_traited(session, service, operation, member):
    """The exclusions are traited members (else they would need no entry)."""
    require_model(service, operation, member)  # an exclusion for a newer botocore's member
    model = session.get_service_model(service).operation_model(operation)
    assert member in model.idempotent_members


@pytest.mark.parametrize(("service", "code"), sorted(MISMATCH_CODES.items()))
def test_each_mismatch_code_is_the_services_modeled_error(session, service, code):
    """Where the model has the error, the code is its wire code: botocore raises it typed."""
    if service == "ec2":  # EC2 models no errors; its code is documented
        assert code == "IdempotentParameterMismatch"
        return
    codes = {shape.error_code for shape in session.get_service_model(service).error_shapes}
    assert code in codes
