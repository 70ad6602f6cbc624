"""Service and operation names, checked against botocore's models in either spelling.

``script()``, ``attempts()``, ``created()`` and a schedule's ``operations`` take an
operation as its model names it (``RunInstances``) or as the client's method
(``run_instances``, botocore's ``xform_name`` of the model name). Anything else raises
``ValueError`` with the close matches: a misspelled name must not let a test pass having
injected no fault.

Without ``service=``, a name must be in some model. Loading every model takes seconds, so
the services the endpoint has met (clients it made, requests it answered, services named
before) are tried first; only a name in none of them consults an index of every model's
operation names, built once per process from the ``"operations"`` object of each model
file alone (about 0.8 s instead of 4 s for whole models).
"""

from __future__ import annotations

import difflib
import gzip
import json
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["Names"]

_OPERATIONS_KEY = re.compile(r'"operations"\s*:\s*')
_INDEX_LOCK = threading.Lock()
# Every operation name of every model, both spellings -> the model names it stands for.
_index: Mapping[str, frozenset[str]] | None = None


class Names:
    """Checks names against botocore's models; caches what it read. Thread-safe."""

    def __init__(self) -> None:
        """Load nothing yet: the first question loads what it needs."""
        self._lock = threading.Lock()
        self._session: Any = None
        self._available: frozenset[str] | None = None
        self._operations: dict[str, Mapping[str, str]] = {}
        self._met: dict[str, None] = {}  # services met, in order (a set that keeps order)

    @property
    def session(self) -> Any:
        """The botocore session whose models are read (one per endpoint).

        No client is ever made from it: a client's calls change its cached models
        (see ``_rest.py``).
        """
        with self._lock:
            if self._session is None:
                # Models only, loaded once a name is asked: a profile (AWS_PROFILE) is none
                # of its business, and one this machine lacks would make lookups raise.
                from boto3_idempotent._knowledge.known import models_session  # noqa: PLC0415

                self._session = models_session()
            return self._session

    def available(self) -> frozenset[str]:
        """The botocore service names (``ec2``, ``stepfunctions``, ...)."""
        if self._available is None:
            self._available = frozenset(self.session.get_available_services())
        return self._available

    def meet(self, service: str) -> None:
        """Remember a service in use, to look names up there first."""
        if service not in self._met and service in self.available():
            with self._lock:
                self._met[service] = None

    def service(self, name: str) -> str:
        """``name`` if botocore has that service; else ``ValueError`` with close matches."""
        if name in self.available():
            self.meet(name)
            return name
        raise ValueError(
            _unknown(f"service={name!r} is not a botocore service name", name, self.available())
        )

    def operations(self, service: str) -> Mapping[str, str]:
        """Both spellings of each operation of ``service`` -> its model name."""
        known = self._operations.get(service)
        if known is None:
            names = self.session.get_service_model(service).operation_names
            known = _spellings(names)
            with self._lock:
                self._operations[service] = known
        return known

    def operation(self, name: str, service: str | None = None) -> str:
        """The model name of operation ``name`` (of ``service``, if given).

        Raises:
            ValueError: ``service`` is unknown, or no model (``service``'s) has ``name``,
                or ``name`` without a service stands for different model names.
        """
        if service is not None:
            operations = self.operations(self.service(service))
            found = operations.get(name)
            if found is None:
                message = f"operation {name!r} is not an operation of service {service!r}"
                raise ValueError(_unknown(message, name, operations))
            return found
        for met in list(self._met):
            found = self.operations(met).get(name)
            if found is not None:
                return found
        index = _all_operations(self.session)
        meanings = index.get(name)
        if meanings is None:
            message = f"operation {name!r} is not an operation of any botocore service"
            raise ValueError(_unknown(message, name, index))
        if len(meanings) > 1:
            raise ValueError(
                f"operation {name!r} stands for {', '.join(sorted(meanings))} in different "
                "services: name it as the model does, or give service="
            )
        return next(iter(meanings))


def _spellings(operation_names: Iterable[str]) -> Mapping[str, str]:
    from botocore import xform_name  # noqa: PLC0415  (botocore is loaded by now)

    spellings: dict[str, str] = {}
    for name in operation_names:
        spellings[name] = name
        spellings.setdefault(xform_name(name), name)  # the client's method name
    return spellings


def _unknown(message: str, name: str, candidates: Iterable[str]) -> str:
    candidates = list(candidates)
    same = sorted(c for c in candidates if c.lower() == name.lower())  # only the case differs
    close = same + [
        c for c in difflib.get_close_matches(name, candidates, n=3, cutoff=0.6) if c not in same
    ]
    if close:
        return f"{message}: did you mean {' or '.join(repr(c) for c in close)}?"
    return f"{message}: expected a name like 'RunInstances' or 'run_instances'"


def _all_operations(session: Any) -> Mapping[str, frozenset[str]]:
    """The process-wide index of every model's operation names, built on first use."""
    global _index  # noqa: PLW0603  (one index per process: the models do not change)
    with _INDEX_LOCK:
        if _index is None:
            loader = session.get_component("data_loader")
            index: dict[str, set[str]] = {}
            for service in session.get_available_services():
                for spelling, name in _spellings(_operation_names(loader, service)).items():
                    index.setdefault(spelling, set()).add(name)
            _index = {spelling: frozenset(names) for spelling, names in index.items()}
        return _index


def _operation_names(loader: Any, service: str) -> list[str]:
    """One model's operation names: the keys of its ``"operations"`` object.

    Reads that object alone from the newest model file, where botocore's loader would
    find it; anything unexpected falls back to loading the whole model.
    """
    version = loader.determine_latest_version(service, "service-2")
    for base in loader.search_paths:
        stem = Path(base, service, version, "service-2")
        for suffix in (".json", ".json.gz"):
            path = stem.with_name(stem.name + suffix)
            if path.is_file():
                data = path.read_bytes()
                text = (gzip.decompress(data) if suffix.endswith(".gz") else data).decode()
                match = _OPERATIONS_KEY.search(text)
                if match is not None:
                    operations, _ = json.JSONDecoder().raw_decode(text, match.end())
                    if isinstance(operations, dict) and all(
                        isinstance(o, dict) and "http" in o for o in operations.values()
                    ):
                        return list(operations)
                return list(loader.load_service_model(service, "service-2")["operations"])
    return list(loader.load_service_model(service, "service-2")["operations"])
