"""The reviewed tables, one service at a time: what a client's first call loads.

The tables are written for review (``_knowledge/token_table``,
``_knowledge/resend_table``: every entry with its evidence) and are never imported on a
call's path. ``tools/write_knowledge.py`` distils them into
``_knowledge/knowledge.txt``: a line of rules every service shares (``*``: the verbs,
the REST method rule), then one line per service that has entries, each
``<service><TAB><JSON>``, and a line of the verbs' reasons (``*reasons``), parsed only
when a reason is shown. A client's first call maps the file once per process (never read
or decoded whole) and parses its own service's line only; a test keeps the file equal to
the tables.

A service's JSON has, by operation name (each key present only when not empty):

* ``g``: paths of members a token is generated for (``_knowledge/token_table.GENERATED``);
* ``c``: paths of caller references (``CALLER_REFERENCES``);
* ``n``: paths that are not tokens although traited or named so (``NOT_TOKENS``);
* ``l``: documented limits, ``[path, max_length, pattern]`` (``DOCUMENTED_LIMITS``);
* ``r``: the codes tied to a repeated token, and the marker text: ``[codes, marker]``;
* ``d``: a name derived inside a key scope, ``[path, conflict codes]`` (``DERIVED_NAMES``);
* ``s``: a member of the same role as a generated one, ``[path, member]`` (``SAME_ROLE``);
* ``o``: a reviewed resend class, ``[kind, reason]`` (``_knowledge/resend_table.OPERATIONS``);
* ``p``: the per-call refinement's name (``PER_CALL``);
* ``q``: a per-call condition as data, ``[clauses, reason]`` (``REQUEST_CONDITIONS``; the
  clauses are ``_knowledge/refine.condition``'s);
* ``f``: the codes a repeat of an idempotent operation is refused with, and a marker
  text or ``null``: ``[codes, marker]`` (``REPEAT_REFUSALS``);

and ``e``: the service's error codes documented as refused (``REFUSED_ERRORS``).
"""

from __future__ import annotations

import json
import mmap
import os
from typing import Any

__all__ = ["Path", "Service", "package_data", "rules", "service", "verb_reasons"]

Path = tuple[str, ...]
_FILE = os.path.join(os.path.dirname(__file__), "knowledge.txt")  # noqa: PTH118, PTH120
_EMPTY: dict[str, Any] = {}


class Service:
    """One service's entries (see the module), with paths as tuples."""

    __slots__ = ("entries", "refused")

    def __init__(self, raw: dict[str, Any]) -> None:
        """Index the raw JSON by operation."""
        self.entries: dict[str, dict[str, Any]] = raw.get("ops", _EMPTY)
        self.refused: frozenset[str] = frozenset(raw.get("e", ()))

    def of(self, operation: str) -> dict[str, Any]:
        """The entries of one operation (an empty dict when it has none)."""
        return self.entries.get(operation, _EMPTY)

    def paths(self, operation: str, kind: str) -> tuple[Path, ...]:
        """``g``, ``c`` or ``n`` paths of an operation, as tuples."""
        return tuple(tuple(path) for path in self.of(operation).get(kind, ()))


_data: mmap.mmap | bytes | None = None
_services: dict[str, Service] = {}
_rules: dict[str, Any] | None = None
_reasons: dict[str, str] | None = None


def _read() -> mmap.mmap | bytes:
    global _data  # noqa: PLW0603  (mapped once per process)
    data = _data
    if data is None:
        data = _data = package_data(_FILE)
    return data


def package_data(path: str) -> mmap.mmap | bytes:
    """A data file of the package: mapped (a call copies only what it slices), else read.

    From a zip (zipapp, pex, zipimport) the file is not on disk: the package's loader
    reads it whole.
    """
    try:
        with open(path, "rb") as file:  # noqa: PTH123  (no pathlib on the call path)
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError:  # NotADirectoryError inside a zip; no mmap on this platform
        loader = globals().get("__loader__")
        get_data = getattr(loader, "get_data", None)
        if get_data is None:
            raise
        return b"\n" + bytes(get_data(path))


def _line(key: str) -> dict[str, Any] | None:
    data = _read()
    needle = b"\n" + key.encode("ascii") + b"\t"
    start = data.find(needle)
    if start < 0:
        return None
    start += len(needle)
    end = data.find(b"\n", start)
    return json.loads(data[start : end if end >= 0 else len(data)])  # type: ignore[no-any-return]


def service(name: str) -> Service:
    """The reviewed entries of one botocore service (none: an empty ``Service``)."""
    found = _services.get(name)
    if found is None:
        # Racing threads may both parse it; the results are equal.
        found = _services[name] = Service(_line(name) or {})
    return found


def rules() -> dict[str, Any]:
    """What every service shares.

    ``verbs`` (verb -> kind), ``read_verbs``, ``acts`` (verbs that act whatever the
    method), ``rest`` (the REST protocols), ``methods`` (the idempotent ones).
    """
    global _rules  # noqa: PLW0603
    found = _rules
    if found is None:
        found = _rules = _line("*") or {}
    return found


def verb_reasons() -> dict[str, str]:
    """Each verb's reason (``*reasons``): read only when a reason is shown."""
    global _reasons  # noqa: PLW0603
    found = _reasons
    if found is None:
        found = _reasons = _line("*reasons") or {}
    return found
