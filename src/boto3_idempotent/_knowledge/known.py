"""Whether a ``service:Operation`` name exists, and the name meant when it does not.

``retry_unsafe`` and ``treat_as_unsafe`` name operations; a misspelt name would be
kept and match nothing, so the operation the user meant to protect would be resent.
Names are checked against the list of reviewed operations (``_knowledge/review``: one service's
part, 0.3 ms) and, for what it lacks (a botocore newer than the review), against the
installed botocore's model of that service, loaded once. Loaded only when a policy
names operations.
"""

from __future__ import annotations

import difflib
from functools import cache
from typing import Any

from . import review as _review

__all__ = ["NO_PROFILE", "models_session", "unknown_names"]

#: botocore session variables that read no profile (``AWS_PROFILE``): model lookups need
#: none, and a profile this machine lacks would make them raise ``ProfileNotFound``.
NO_PROFILE = {"profile": (None, None, None, None)}


@cache
def models_session() -> object:
    """A botocore session for reading models only (never for making clients)."""
    import botocore.session  # noqa: PLC0415

    return botocore.session.Session(session_vars=NO_PROFILE)


@cache
def _services() -> tuple[str, ...]:
    """Every service name: the review's and the installed botocore's."""
    installed = models_session().get_available_services()  # type: ignore[attr-defined]
    return tuple(sorted(set(installed) | _review.reviewed_services()))


@cache
def _operations(service: str) -> frozenset[str]:
    """The service's operations: the review's, and the installed model's if it has one."""
    found = set(_review.reviewed_operations(service) or ())
    session: Any = models_session()
    if service in session.get_available_services():
        found.update(session.get_service_data(service)["operations"])
    return frozenset(found)


def _meant(name: str, candidates: tuple[str, ...] | frozenset[str]) -> str | None:
    """The candidate meant: the same name in another case, else the closest one."""
    by_lower = {c.lower(): c for c in candidates}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    return by_lower[close[0]] if close else None


def unknown_names(keys: frozenset[str]) -> list[tuple[str, str]]:
    """``(name, why)`` per name no botocore model has; ``why`` gives the name meant."""
    problems = []
    for key in sorted(keys):
        service, _, operation = key.partition(":")
        if service not in _services() and _review.reviewed_operations(service) is None:
            meant = _meant(service, _services())
            hint = f" (did you mean {meant}:{operation}?)" if meant else ""
            problems.append((key, f"no service {service!r}{hint}"))
            continue
        known = _review.reviewed_operations(service) or frozenset()
        if operation in known or operation in _operations(service):
            continue
        meant = _meant(operation, _operations(service))
        hint = f" (did you mean {service}:{meant}?)" if meant else ""
        problems.append((key, f"{service} has no operation {operation!r}{hint}"))
    return problems
