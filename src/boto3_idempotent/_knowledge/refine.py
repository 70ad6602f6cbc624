"""Per-call refinements: operations whose request decides whether a resend can act twice.

Each function takes the call's params and returns ``True`` when a second request cannot
act a second time (the call is *idempotent*), ``False`` otherwise. Anything a function
cannot read is ``False``: unsafe. ``_knowledge/resend_table.PER_CALL`` names the operations; the
functions are registered in ``REFINERS`` with their reasons in ``REASONS``. Most
operations the request decides are data, not code (``_knowledge/resend_table.REQUEST_CONDITIONS``:
an optional unique name given, a preview flag set, a mode that reuses): ``condition``
compiles their clauses into the same kind of function. Loaded with ``_knowledge/resend``,
at a client's first call.

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

__all__ = ["REASONS", "REFINERS", "RefineFn", "condition", "dynamodb_update_item"]

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


# -- conditions as data: REQUEST_CONDITIONS -----------------------------------------------

_MISSING = object()  # the member is absent: its documented default applies
_NO_ELEMENT = object()  # an empty or missing list: no element to hold the member


def _values(params: Any, path: Any) -> list[Any]:
    """The values at ``path`` (``"[]"``: every element of a list), or the markers above."""
    found: list[Any] = [params]
    for step in path:
        following: list[Any] = []
        for value in found:
            if value is _NO_ELEMENT:
                following.append(_NO_ELEMENT)
            elif step == "[]":
                if not isinstance(value, (list, tuple)) or not value:
                    following.append(_NO_ELEMENT)
                else:
                    following.extend(value)
            elif value is _MISSING:
                following.append(_MISSING)
            elif isinstance(value, Mapping):
                following.append(value.get(step, _MISSING))
            else:
                following.append(_MISSING)
        found = following
    return found


def _present(value: Any) -> bool:
    if value is _MISSING or value is None or value is False:
        return False
    if isinstance(value, (str, bytes, list, tuple, Mapping)):
        return bool(value)
    return isinstance(value, (int, float))  # a number, true


def _holds(value: Any, test: str, values: tuple[Any, ...]) -> bool:
    if test == "given":
        return _present(value)
    if test == "absent":
        return value is _MISSING or value is None
    if value is _MISSING:
        return test == "not_in"  # the documented default, when absent, is safe
    plain = _plain(value)
    if test == "in":
        return plain is not None and plain in values
    if test == "not_in":
        return plain is not None and plain not in values
    return False  # a test this release does not know: unsafe


def _plain(value: Any) -> Any:
    """A value comparable with the table's (strings, numbers, booleans); else ``None``."""
    return value if isinstance(value, (str, int, float, bool)) else None


def condition(clauses: Any) -> RefineFn:
    """A refinement from ``REQUEST_CONDITIONS`` clauses: idempotent when every clause holds.

    A clause is ``[path, test]`` or ``[path, test, values]``: ``given`` (present and not
    empty), ``absent``, ``in`` (present and one of ``values``), ``not_in`` (absent, or not
    one of ``values``). A path steps into every element of a list at ``"[]"``, and each must pass
    (an empty or missing list passes nothing). A request the clauses cannot read is unsafe.
    """
    compiled = tuple(
        (tuple(clause[0]), str(clause[1]), tuple(clause[2]) if len(clause) > 2 else ())
        for clause in clauses
    )

    def holds(params: Mapping[str, Any]) -> bool:
        return bool(compiled) and all(
            all(
                value is not _NO_ELEMENT and _holds(value, test, values)  # no element: nothing
                for value in _values(params, path)
            )
            for path, test, values in compiled
        )

    return holds


REFINERS: dict[str, RefineFn] = {
    "dynamodb_update_item": dynamodb_update_item,
    "ssm_update_association": ssm_update_association,
    "stepfunctions_test_state": stepfunctions_test_state,
    "ecs_update_service": ecs_update_service,
    "ec2_associate_vpc_cidr_block": ec2_associate_vpc_cidr_block,
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
}
