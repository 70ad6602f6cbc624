"""Request conditions (``REQUEST_CONDITIONS``): the data that lets the request decide a resend.

The clauses are compiled by ``_knowledge/refine.condition`` (a pure function: tested here on
plain dicts); the table is checked against the installed models (every path a member, every
code a modeled error, no entry that another table decides). That each entry decides over
HTTP is in tests/policy/test_operations_that_run_or_mint.py.
"""

from __future__ import annotations

import botocore.session
import pytest

from boto3_idempotent._knowledge import resend_table as table
from boto3_idempotent._knowledge.operations import operation_info
from boto3_idempotent._knowledge.refine import condition
from conftest import require_model
from helpers.requests import member_at

SESSION = botocore.session.get_session()
TESTS = {"given", "absent", "in", "not_in"}

# EC2 models no errors: the codes of its entries are from its documented error codes page
# ("InvalidPlacementGroup.Duplicate: The specified placement group already exists").
UNMODELED = {"ec2"}


@pytest.mark.parametrize(
    ("clauses", "params", "holds"),
    [
        ([[["Name"], "given"]], {"Name": "n"}, True),
        ([[["Name"], "given"]], {"Name": ""}, False),
        ([[["Name"], "given"]], {}, False),
        ([[["Name"], "given"]], {"Name": None}, False),
        ([[["Count"], "given"]], {"Count": 0}, True),  # a number is given, zero too
        ([[["Flag"], "given"]], {"Flag": False}, False),
        ([[["Parent"], "given"]], {"Parent": {}}, False),
        ([[["Parent"], "given"]], {"Parent": {"Selector": "/"}}, True),
        ([[["A", "B"], "given"]], {"A": {"B": "x"}}, True),
        ([[["A", "B"], "given"]], {"A": "not a structure"}, False),
        ([[["L", "[]", "Id"], "given"]], {"L": [{"Id": "1"}, {"Id": "2"}]}, True),
        ([[["L", "[]", "Id"], "given"]], {"L": [{"Id": "1"}, {}]}, False),  # every element
        ([[["L", "[]", "Id"], "given"]], {"L": []}, False),
        ([[["L", "[]", "Id"], "given"]], {}, False),
        ([[["L", "[]", "Mode"], "not_in", ["NEW"]]], {"L": [{}]}, True),  # default per element
        ([[["L", "[]", "Mode"], "not_in", ["NEW"]]], {"L": []}, False),  # no element: nothing
        ([[["L", "[]", "Mode"], "not_in", ["NEW"]]], {}, False),
        ([[["L", "[]", "Count"], "absent"]], {"L": []}, False),
        ([[["A", "L", "[]", "Id"], "given"]], {}, False),
        ([[["Count"], "absent"]], {}, True),
        ([[["Count"], "absent"]], {"Count": 2}, False),
        ([[["Preview"], "in", [True]]], {"Preview": True}, True),
        ([[["Preview"], "in", [True]]], {"Preview": False}, False),
        ([[["Preview"], "in", [True]]], {}, False),
        ([[["Mode"], "not_in", ["NEW"]]], {}, True),  # the documented default
        ([[["Mode"], "not_in", ["NEW"]]], {"Mode": "RESUME"}, True),
        ([[["Mode"], "not_in", ["NEW"]]], {"Mode": "NEW"}, False),
        ([[["Mode"], "not_in", ["NEW"]]], {"Mode": ["NEW"]}, False),  # unreadable: unsafe
        ([[["A"], "given"], [["B"], "given"]], {"A": "a"}, False),  # all clauses
        ([[["A"], "given"], [["B"], "given"]], {"A": "a", "B": "b"}, True),
        ([[["A"], "a test this release does not know"]], {"A": "a"}, False),
        ([], {"A": "a"}, False),  # no clause is no evidence
    ],
)
def test_a_condition_holds_only_when_every_clause_reads_true(clauses, params, holds):
    """given, absent, in, not_in, nested paths and every element of a list; unknown: unsafe."""
    assert condition(clauses)(params) is holds


def _entries():
    return sorted(table.REQUEST_CONDITIONS.items())


@pytest.mark.parametrize(("key", "when"), _entries(), ids=[f"{s}:{o}" for (s, o), _ in _entries()])
def test_each_entry_reads_members_its_model_has(key, when):
    """Paths name members (a list where ``"[]"`` steps in), tests are known, codes modeled."""
    service, operation = key
    require_model(service, operation, *{clause[0][0] for clause in when.clauses})
    model = SESSION.get_service_model(service).operation_model(operation)
    assert when.clauses
    assert when.reason.startswith("per call: ")
    assert when.quote
    for clause in when.clauses:
        path, test = clause[0], clause[1]
        assert test in TESTS, clause
        assert (len(clause) == 3) is (test in ("in", "not_in")), clause
        shape = member_at(model.input_shape, path)
        assert shape is not None, f"{service}.{operation}: no member {'.'.join(path)}"
        if test in ("in", "not_in") and shape.type_name == "string" and shape.enum:
            assert set(clause[2]) <= set(shape.enum), clause
        if len(path) == 1 and test == "given":
            assert path[0] not in model.input_shape.required_members, (
                "a required member decides nothing"
            )
    modeled = {getattr(e, "error_code", None) or e.name for e in model.error_shapes}
    modeled |= {e.name for e in model.error_shapes}
    if service not in UNMODELED:
        assert set(when.codes) <= modeled, f"{service}.{operation}: {set(when.codes) - modeled}"


def test_no_entry_is_decided_by_another_table():
    """A reviewed class, a code refinement or a repeat refusal would shadow or contradict it."""
    conditions = set(table.REQUEST_CONDITIONS)
    assert not conditions & set(table.OPERATIONS)
    assert not conditions & set(table.PER_CALL)
    assert not conditions & set(table.REPEAT_REFUSALS)


@pytest.mark.parametrize(("key", "when"), _entries(), ids=[f"{s}:{o}" for (s, o), _ in _entries()])
def test_a_client_reads_each_entry_from_the_knowledge_file(key, when):
    """The class a client builds is per call, with the entry's reason and its refusal codes."""
    service, operation = key
    require_model(service, operation, *{clause[0][0] for clause in when.clauses})
    info = operation_info(service, SESSION.get_service_model(service).operation_model(operation))
    assert (info.resend.kind, info.resend.source) == ("unsafe", "per call")
    assert info.resend.reason == when.reason
    assert info.resend.refine is not None
    assert info.repeat_refusals == frozenset(when.codes)


def test_evidence_added_as_a_new_version_is_never_resent():
    """Assurance PutEvidence: with evidenceId a new version, without it new evidence: unsafe."""
    require_model("assurance", "PutEvidence", "evidenceId")
    model = SESSION.get_service_model("assurance").operation_model("PutEvidence")
    info = operation_info("assurance", model)
    assert (info.resend.kind, info.resend.refine) == ("unsafe", None)
