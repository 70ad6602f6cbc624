"""Frozen value classes without ``dataclasses``: equality, hash, repr and pickling by fields.

A ``@dataclass(frozen=True)`` costs about a millisecond to define (it writes and
compiles its methods at import); three of them were a third of ``import
boto3_idempotent``. ``Value`` gives the same behaviour to a slotted class that
lists its fields once: assigning raises ``dataclasses.FrozenInstanceError`` (as the
dataclasses did; boto3 has imported ``dataclasses`` already), equal values compare
and hash equal, ``repr`` names every field, and a pickled value comes back equal.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any, ClassVar

__all__ = ["Value"]


def _restore(cls: type[Value], state: dict[str, Any]) -> Value:
    """Unpickle: a value with ``state`` set, without running ``__init__`` again."""
    value = object.__new__(cls)
    # A field added since the value was pickled takes its default.
    for name, item in {**getattr(cls, "_defaults", {}), **state}.items():
        object.__setattr__(value, name, item)
    return value


class Value:
    """A frozen, slotted value over ``_fields`` (``_compared``: those equality reads)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...]] = ()
    _shown: ClassVar[tuple[str, ...]] = ()

    def __setattr__(self, name: str, value: object) -> None:
        """Refuse: the value is frozen."""
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        """Refuse: the value is frozen."""
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._compared)

    def __eq__(self, other: object) -> bool:
        """Equal when of the same class with equal compared fields."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        """The hash of the compared fields."""
        return hash(self._key())

    def __repr__(self) -> str:
        """``Name(field=value, ...)``, the shown fields."""
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle every field; unpickling does not validate again."""
        return (_restore, (type(self), {name: getattr(self, name) for name in self._fields}))

    def __setstate__(self, state: Any) -> None:
        """Unpickle a value pickled when the class was a dataclass (a ``__dict__`` state)."""
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots) pickles
            state = {**(state[0] or {}), **(state[1] or {})}
        for name, item in {**getattr(self, "_defaults", {}), **dict(state or {})}.items():
            object.__setattr__(self, name, item)


class Record(Value):
    """A ``Value`` built from positional or keyword fields, with defaults and ``_replace``.

    For the library's own records (settings, operation facts), in place of
    ``typing.NamedTuple``, whose every class costs import time. Not a tuple: no
    indexing, no unpacking.
    """

    __slots__ = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Set each field from ``args`` in order, then ``kwargs``, then its default."""
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes {len(fields)} fields")
        values = dict(zip(fields, args, strict=False))  # fewer args than fields: defaults
        for name, value in kwargs.items():
            if name not in fields or name in values:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated {name!r}")
            values[name] = value
        defaults = self._defaults
        for name in fields:
            if name in values:
                object.__setattr__(self, name, values[name])
            elif name in defaults:
                object.__setattr__(self, name, defaults[name])
            else:
                raise TypeError(f"{type(self).__name__}: missing {name!r}")

    def _replace(self, **changes: Any) -> Any:
        """A copy with ``changes``, as ``NamedTuple._replace``."""
        return type(self)(**{**{name: getattr(self, name) for name in self._fields}, **changes})
