"""Requests built from a model: the required members filled, for tests over every entry of a table.

``minimal(shape)`` fills each required member with the smallest value botocore's validation
accepts (a string of the minimum length, the first enum value, a number at its minimum, one
element of a list); ``fill(shape, path, value)`` sets a member at a path (``"[]"``: in the
first element of a list), creating what lies on the way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def minimal(shape: Any) -> Any:  # noqa: C901, PLR0911  (one case a type)
    """The smallest valid value of ``shape``, with every required member (and only those)."""
    kind = shape.type_name
    if kind == "structure":
        value = {name: minimal(shape.members[name]) for name in shape.required_members}
        if not value and getattr(shape, "is_tagged_union", False):  # exactly one member set
            first = next(iter(shape.members))
            value[first] = present(shape.members[first])
        return value
    if kind == "list":
        return [minimal(shape.member) for _ in range(max(1, shape.metadata.get("min", 1)))]
    if kind == "map":
        return {}
    if kind == "string":
        if shape.enum:
            return shape.enum[0]
        return "a" * max(1, shape.metadata.get("min", 1))
    if kind in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if kind in ("float", "double"):
        return float(max(1, shape.metadata.get("min", 1)))
    if kind == "boolean":
        return True
    if kind == "blob":
        return b"a" * max(1, shape.metadata.get("min", 1))
    if kind == "timestamp":
        return dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    raise ValueError(f"no minimal value for a {kind}")


def present(shape: Any) -> Any:
    """A value of ``shape`` that is not empty (a structure holds at least one member)."""
    value = minimal(shape)
    if shape.type_name == "structure" and not value and shape.members:
        first = next(iter(shape.members))
        value[first] = present(shape.members[first])
    elif shape.type_name == "list":
        value = [present(shape.member)]
    elif shape.type_name == "map":
        value = {"a": present(shape.value)}
    return value


def member_at(shape: Any, path: tuple[str, ...]) -> Any:
    """The shape of the member at ``path`` (``"[]"``: a list's element), or ``None``."""
    for step in path:
        if step == "[]":
            if shape.type_name != "list":
                return None
            shape = shape.member
        elif shape.type_name == "structure" and step in shape.members:
            shape = shape.members[step]
        else:
            return None
    return shape


def fill(params: dict, shape: Any, path: tuple[str, ...], value: Any) -> None:
    """Set ``value`` at ``path`` in ``params``, creating minimal parents on the way."""
    where: Any = params
    for index, step in enumerate(path[:-1]):
        following = path[index + 1]
        shape = shape.member if step == "[]" else shape.members[step]
        if step == "[]":
            where = where[0]
            continue
        if step not in where:
            where[step] = minimal(shape) if following != "[]" else [minimal(shape.member)]
        where = where[step]
    if path[-1] == "[]":
        raise ValueError("a path ends in a member, not in a list")
    where[path[-1]] = value


def drop(params: dict, path: tuple[str, ...]) -> None:
    """Remove the member at ``path`` (in every element of a list on the way)."""
    found = [params]
    for step in path[:-1]:
        found = (
            [e for f in found for e in f] if step == "[]" else [f[step] for f in found if step in f]
        )
    for where in found:
        where.pop(path[-1], None)
