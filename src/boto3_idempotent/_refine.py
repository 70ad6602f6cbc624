"""Per-call refinements: operations whose request decides whether a resend can act twice.

Each function takes the call's params and returns ``True`` when a second request cannot
act a second time (the call is *idempotent*), ``False`` otherwise. Anything a function
cannot read is ``False``: unsafe. ``_resend_table.PER_CALL`` names the operations; the
functions are registered in :data:`REFINERS` with their reasons in :data:`REASONS`.
Loaded with ``_resend``, at a client's first call.

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

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["REASONS", "REFINERS", "RefineFn", "dynamodb_update_item"]

#: A per-call refinement: ``True`` when this request may be resent (idempotent).
RefineFn = Callable[[Mapping[str, Any]], bool]

# Reserved words in DynamoDB, so a bare one is the clause keyword (names clash: #name).
_CLAUSE = re.compile(r"(?<![#:\w.])(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)
_PATH = re.compile(r"[#\w]+(?:\[\d+\]|\.[#\w]+)*")
_PLACEHOLDER = re.compile(r":\w+")
_IF_NOT_EXISTS = re.compile(
    r"if_not_exists\s*\(\s*(?P<path>[^,()]+?)\s*,\s*(?P<value>:\w+)\s*\)", re.IGNORECASE
)
_FUNCTION = re.compile(r"\b\w+\s*\(")
_OPERAND = r"(?::\w+|[#\w]+(?:\[\d+\]|\.[#\w]+)*|\w+\s*\((?:[^()]|\([^()]*\))*\))"
_VALUE = re.compile(rf"\s*{_OPERAND}(?:\s*[+\-]\s*{_OPERAND})?\s*")
_ARITHMETIC = re.compile(r"[+\-]")
_LIST_APPEND = re.compile(r"\blist_append\s*\(", re.IGNORECASE)
_INCREMENT = re.compile(r"^(?P<a>[^+\-]+?)\s*(?P<op>[+\-])\s*(?P<b>[^+\-]+)$")
_NOT_EXISTS = re.compile(r"^attribute_not_exists\s*\(\s*(?P<path>[^()]+?)\s*\)$", re.IGNORECASE)
_AND = re.compile(r"\bAND\b", re.IGNORECASE)
_OR_NOT = re.compile(r"\b(?:OR|NOT)\b", re.IGNORECASE)
_SETS = frozenset({"SS", "NS", "BS"})


class _UnreadableError(Exception):
    """The expression is not what the parser reads: the call is unsafe."""


def _split_top(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


class _Update:
    """What one ``UpdateItem`` writes and reads, and whether any action repeats."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        names = params.get("ExpressionAttributeNames") or {}
        values = params.get("ExpressionAttributeValues") or {}
        if not isinstance(names, Mapping) or not isinstance(values, Mapping):
            raise _UnreadableError
        self.names, self.values = names, values
        self.repeats = False  # an action that changes the item again when repeated
        self.sets: dict[str, str] = {}  # attribute path -> the value expression
        self.adds: dict[str, str] = {}  # attribute path -> the placeholder added
        self.removes: set[str] = set()
        self.deletes: set[str] = set()
        self.reads: set[str] = set()

    def path(self, text: str) -> str:
        """A path with its #names resolved, as DynamoDB reads it."""
        text = text.strip()
        if not _PATH.fullmatch(text):
            raise _UnreadableError
        return re.sub(r"#\w+", lambda m: str(self.names.get(m.group(0), m.group(0))), text)

    def type_of(self, placeholder: str) -> str | None:
        value = self.values.get(placeholder.strip())
        if isinstance(value, Mapping) and len(value) == 1:
            return str(next(iter(value)))
        return None

    def read_expression(self, expression: str) -> None:
        """Read an update expression's clauses (``_UnreadableError`` if it cannot)."""
        starts = list(_CLAUSE.finditer(expression))
        if not starts or expression[: starts[0].start()].strip():
            raise _UnreadableError
        for here, after in zip(starts, [*starts[1:], None], strict=True):
            body = expression[here.end() : after.start() if after else len(expression)]
            for action in _split_top(body, ","):
                getattr(self, f"_{here.group(1).lower()}")(action)

    def _set(self, action: str) -> None:
        target, equals, value = action.partition("=")
        if not equals:
            raise _UnreadableError
        path = self.path(target)
        if not _VALUE.fullmatch(value):
            raise _UnreadableError
        self.sets[path] = value.strip()
        if _LIST_APPEND.search(value) or _ARITHMETIC.search(value):
            self.repeats = True
        guarded = _IF_NOT_EXISTS.fullmatch(value.strip())
        if guarded and self.path(guarded["path"]) == path:
            return  # if_not_exists(a, :v) into a: written once, then kept
        without_functions = _FUNCTION.sub(" ", _PLACEHOLDER.sub(" ", value))
        for token in re.split(r"[\s,()+\-]+", without_functions):
            if token:
                self.reads.add(self.path(token))

    def _remove(self, action: str) -> None:
        path = self.path(action)
        if "[" in path:
            self.repeats = True  # the list shifts: a second request removes another element
        self.removes.add(path)

    def _add(self, action: str) -> None:
        path, placeholder = self._path_and_placeholder(action)
        if self.type_of(placeholder) not in _SETS:
            self.repeats = True  # a number (or unknown): added twice
        self.adds[path] = placeholder

    def _delete(self, action: str) -> None:
        path, _ = self._path_and_placeholder(action)
        self.deletes.add(path)

    def _path_and_placeholder(self, action: str) -> tuple[str, str]:
        parts = action.split()
        if len(parts) != 2 or not _PLACEHOLDER.fullmatch(parts[1]):
            raise _UnreadableError
        return self.path(parts[0]), parts[1]

    def writes(self) -> set[str]:
        return {*self.sets, *self.adds, *self.removes, *self.deletes}

    def reads_what_it_writes(self) -> bool:
        written = {_attribute(p) for p in self.writes()}
        return any(_attribute(p) in written for p in self.reads)

    def changes(self, path: str, placeholder: str) -> bool:
        """Whether the update leaves ``path`` different from ``placeholder``'s value."""
        compared = self.values.get(placeholder)
        if path in self.removes:
            return True
        if path in self.adds:
            return _nonzero(self.values.get(self.adds[path]))
        value = self.sets.get(path)
        if value is None:
            return False
        if _PLACEHOLDER.fullmatch(value):
            return value in self.values and self.values[value] != compared
        step = _INCREMENT.fullmatch(value)
        if step is None:
            return False
        operands = {step["a"].strip(), step["b"].strip()}
        amount = [o for o in operands if _PLACEHOLDER.fullmatch(o)]
        others = operands - set(amount)
        return (
            len(amount) == 1
            and len(others) == 1
            and self.path(others.pop()) == path
            and (step["op"] == "+" or step["a"].strip() != amount[0])
            and _nonzero(self.values.get(amount[0]))
        )

    def locked(self, condition: object) -> bool:
        """Whether ``condition`` fails on a second request once the first has acted."""
        if not isinstance(condition, str) or _OR_NOT.search(condition):
            return False
        for conjunct in (c.strip() for c in _AND.split(condition)):
            missing = _NOT_EXISTS.fullmatch(conjunct)
            if missing and self.path(missing["path"]) in {*self.sets, *self.adds}:
                return True
            left, equals, right = conjunct.partition("=")
            if not equals or left.endswith(("<", ">")) or right.startswith(("=", ">")):
                continue
            left, right = left.strip(), right.strip()
            placeholder, path = (left, right) if _PLACEHOLDER.fullmatch(left) else (right, left)
            if not _PLACEHOLDER.fullmatch(placeholder) or not _PATH.fullmatch(path):
                continue
            if self.changes(self.path(path), placeholder):
                return True
        return False


def _attribute(path: str) -> str:
    """The top-level attribute of a path (``a`` of ``a.b[2]``)."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _nonzero(value: object) -> bool:
    if not isinstance(value, Mapping) or set(value) != {"N"}:
        return False
    try:
        return float(str(value["N"])) != 0
    except ValueError:
        return False


def _legacy_repeats(updates: object) -> bool:
    """Whether legacy ``AttributeUpdates`` add a number or a list (unreadable: yes)."""
    if not isinstance(updates, Mapping):
        return True
    for update in updates.values():
        if not isinstance(update, Mapping):
            return True
        if str(update.get("Action", "PUT")).upper() == "ADD":
            value = update.get("Value")
            if not isinstance(value, Mapping) or set(value) - _SETS or not value:
                return True
    return False


def dynamodb_update_item(params: Mapping[str, Any]) -> bool:
    """Whether an ``UpdateItem`` leaves the same item when sent twice (see the module)."""
    try:
        update = _Update(params)
        expression = params.get("UpdateExpression")
        if expression is not None:
            if not isinstance(expression, str):
                return False
            update.read_expression(expression)
        legacy = params.get("AttributeUpdates")
        if legacy is not None and _legacy_repeats(legacy):
            return False
        if not update.repeats and not update.reads_what_it_writes():
            return True
        return update.locked(params.get("ConditionExpression"))
    except _UnreadableError:
        return False


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
