"""DynamoDB ``UpdateItem``: whether a second request changes the item again.

The rule is described in ``_knowledge/refine``'s docstring. This parser loads at the first failure
of an ``UpdateItem`` call, never at a client's first call: its regular expressions cost
about 2 ms to compile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["update_is_idempotent"]

#: A document path's segments: attribute names (str) and list indexes (int).
Path = tuple[str | int, ...]

# Reserved words in DynamoDB, so a bare one is the clause keyword (names clash: #name).
_CLAUSE = re.compile(r"(?<![#:\w.])(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)
_PATH = re.compile(r"[#\w]+(?:\[\d+\]|\.[#\w]+)*")
_SEGMENT = re.compile(r"([#\w]+)|\[(\d+)\]")
_EXISTS = re.compile(r"^attribute_exists\s*\(\s*(?P<path>[^()]+?)\s*\)$", re.IGNORECASE)
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
        self.sets: dict[Path, str] = {}  # attribute path -> the value expression
        self.adds: dict[Path, str] = {}  # attribute path -> the placeholder added
        self.removes: set[Path] = set()
        self.deletes: set[Path] = set()
        self.reads: set[Path] = set()
        # SET of a list element: past the list's end DynamoDB appends, so a second request
        # appends again, unless the condition proves the element exists.
        self.indexed: set[Path] = set()

    def path(self, text: str) -> Path:
        """A path as DynamoDB reads it: its segments, an alias (``#name``) one whole segment.

        ``#v`` naming the attribute ``a.b`` is the one segment ``("a.b",)``; the text
        ``a.b`` is the nested ``("a", "b")``; ``l[10]`` is ``("l", 10)``.
        """
        text = text.strip()
        if not _PATH.fullmatch(text):
            raise _UnreadableError
        segments: list[str | int] = []
        for name, index in _SEGMENT.findall(text):
            if index:
                segments.append(int(index))
            elif name.startswith("#"):  # an undefined alias stays itself: DynamoDB refuses it
                segments.append(str(self.names.get(name, name)))
            else:
                segments.append(name)
        return tuple(segments)

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
        if isinstance(path[-1], int):
            # if_not_exists(l[10], :v) is no guard: the element lands at the list's end,
            # and l[10] still does not exist for the second request.
            self.indexed.add(path)
        guarded = _IF_NOT_EXISTS.fullmatch(value.strip())
        if guarded and self.path(guarded["path"]) == path:
            return  # if_not_exists(a, :v) into a: written once, then kept
        without_functions = _FUNCTION.sub(" ", _PLACEHOLDER.sub(" ", value))
        for token in re.split(r"[\s,()+\-]+", without_functions):
            if token:
                self.reads.add(self.path(token))

    def _remove(self, action: str) -> None:
        path = self.path(action)
        if any(isinstance(segment, int) for segment in path):
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

    def _path_and_placeholder(self, action: str) -> tuple[Path, str]:
        parts = action.split()
        if len(parts) != 2 or not _PLACEHOLDER.fullmatch(parts[1]):
            raise _UnreadableError
        return self.path(parts[0]), parts[1]

    def writes(self) -> set[Path]:
        return {*self.sets, *self.adds, *self.removes, *self.deletes}

    def reads_what_it_writes(self) -> bool:
        written = {p[0] for p in self.writes()}
        return any(p[0] in written for p in self.reads)

    def appends_unproven(self, condition: object) -> bool:
        """Whether a SET of a list element may append: no ``attribute_exists`` proves it."""
        if not self.indexed:
            return False
        if not isinstance(condition, str) or _OR_NOT.search(condition):
            return True
        proven = set()
        for conjunct in (c.strip() for c in _AND.split(condition)):
            exists = _EXISTS.fullmatch(conjunct)
            if exists:
                proven.add(self.path(exists["path"]))
        return not self.indexed <= proven

    def changes(self, path: Path, placeholder: str) -> bool:
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
            return value in self.values and not _same(self.values[value], compared)
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


def _same(one: object, other: object) -> bool:
    """Whether two attribute values are one value to DynamoDB (numbers compared as numbers)."""
    if isinstance(one, Mapping) and isinstance(other, Mapping) and set(one) == set(other) == {"N"}:
        import decimal  # noqa: PLC0415

        try:
            return decimal.Decimal(str(one["N"])) == decimal.Decimal(str(other["N"]))
        except decimal.InvalidOperation:
            return False
    return one == other


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


def update_is_idempotent(params: Mapping[str, Any]) -> bool:
    """Whether an ``UpdateItem`` leaves the same item when sent twice.

    See ``_knowledge/refine``.
    """
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
        condition = params.get("ConditionExpression")
        repeats = update.repeats or update.appends_unproven(condition)
        if not repeats and not update.reads_what_it_writes():
            return True
        return update.locked(condition)
    except _UnreadableError:
        return False
