"""Per-call refinements: operations whose request decides whether a resend can act twice.

Each function takes the call's params and returns ``True`` when a second request cannot
act a second time (the call is *idempotent*), ``False`` otherwise. Anything a function
cannot read is ``False``: unsafe. ``_knowledge/resend_table.PER_CALL`` names the operations; the
functions are registered in ``REFINERS`` with their reasons in ``REASONS``.
Loaded with ``_knowledge/resend``, at a client's first call.

DynamoDB ``UpdateItem`` is decided exactly (keywords are case-insensitive). A resend
changes the item again, so the call is unsafe, when an action:

* adds a number (``ADD n :one`` with a number, legacy ``AttributeUpdates`` ``ADD`` of a
  number or a list), does arithmetic (``SET n = n + :one``) or ``list_append``;
* removes a list element by index (``REMOVE l[0]``: the list shifts, and a second
  request removes the next element);
* sets a value that reads an attribute the same update writes (``SET prev = cur,
  cur = :n``: a second request loses the history value). ``if_not_exists(a, :v)``
  assigned to ``a`` itself only reads what it writes once.

It is idempotent when every value is a placeholder or ``if_not_exists``, for ``REMOVE``
of attributes, ``DELETE`` from a set and ``ADD`` to a set (its type is read from
``ExpressionAttributeValues``), and, whatever its actions, when the
``ConditionExpression`` is an optimistic lock on what the update writes: a conjunct
``p = :v`` where the update sets ``p`` to another value (a placeholder of another value,
``p + :n`` or ``ADD p :n`` with ``n`` not zero, or ``REMOVE p``), or
``attribute_not_exists(p)`` where the update sets ``p``. After the first request acted,
a second one fails its condition. A condition with ``OR`` or ``NOT`` is not read as a
lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["REASONS", "REFINERS", "RefineFn", "dynamodb_update_item"]

#: A per-call refinement: ``True`` when this request may be resent (idempotent).
RefineFn = Callable[[Mapping[str, Any]], bool]


def dynamodb_update_item(params: Mapping[str, Any]) -> bool:
    """Whether an ``UpdateItem`` leaves the same item when sent twice (see the module)."""
    from .dynamodb_update import update_is_idempotent  # noqa: PLC0415  (a failure only)

    return update_is_idempotent(params)


# -- the others: one member of the request decides ------------------------------------------


def ssm_update_association(params: Mapping[str, Any]) -> bool:
    """Idempotent only with ``ApplyOnlyAtCronInterval``; otherwise it runs at once."""
    return params.get("ApplyOnlyAtCronInterval") is True


def stepfunctions_test_state(params: Mapping[str, Any]) -> bool:
    """Idempotent with a ``mock``; otherwise the state's real integration runs."""
    return isinstance(params.get("mock"), Mapping)


def ecs_update_service(params: Mapping[str, Any]) -> bool:
    """Unsafe with ``forceNewDeployment``: a second request starts a second deployment."""
    return params.get("forceNewDeployment") in (None, False)


def ec2_associate_vpc_cidr_block(params: Mapping[str, Any]) -> bool:
    """Idempotent for an explicit block; AWS picking one (Amazon-provided, a pool) adds another."""
    explicit = bool(params.get("CidrBlock") or params.get("Ipv6CidrBlock"))
    return explicit and not params.get("AmazonProvidedIpv6CidrBlock")


def _given(member: str) -> RefineFn:
    def given(params: Mapping[str, Any]) -> bool:
        return isinstance(params.get(member), str) and bool(params[member])

    given.__doc__ = f"Idempotent when ``{member}`` names the thing; without it, another is made."
    return given


def clouddirectory_linked(params: Mapping[str, Any]) -> bool:
    """Idempotent when linked under a parent by a name (unique there); otherwise another."""
    return bool(params.get("ParentReference")) and bool(params.get("LinkName"))


REFINERS: dict[str, RefineFn] = {
    "dynamodb_update_item": dynamodb_update_item,
    "ssm_update_association": ssm_update_association,
    "stepfunctions_test_state": stepfunctions_test_state,
    "ecs_update_service": ecs_update_service,
    "ec2_associate_vpc_cidr_block": ec2_associate_vpc_cidr_block,
    "invocation_step_id": _given("invocationStepId"),
    "evidence_id": _given("evidenceId"),
    "clouddirectory_linked": clouddirectory_linked,
}
REASONS: dict[str, str] = {
    "dynamodb_update_item": (
        "idempotent when it only sets placeholders, removes attributes or changes sets, or"
        " an optimistic lock guards it; unsafe when it adds a number, does arithmetic,"
        " list_append, removes a list element, or reads what it writes"
    ),
    "ssm_update_association": (
        "'the association immediately runs against the specified targets' unless"
        " ApplyOnlyAtCronInterval: unsafe without it"
    ),
    "stepfunctions_test_state": (
        "executes the state's real integration unless a mock is given: unsafe without it"
    ),
    "ecs_update_service": "forceNewDeployment starts a second deployment: unsafe with it",
    "ec2_associate_vpc_cidr_block": (
        "an explicit CidrBlock or Ipv6CidrBlock is associated once; an Amazon-provided or"
        " pool-allocated block is another block each time: unsafe"
    ),
    "invocation_step_id": "without invocationStepId, a second step is stored: unsafe",
    "evidence_id": "without evidenceId, a second piece of evidence is stored: unsafe",
    "clouddirectory_linked": (
        "linked under a parent by LinkName (unique there) it is made once; unlinked, a"
        " second object: unsafe"
    ),
}
