"""The ``operations`` and ``policy`` commands: what the library will do, before it does it."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from ._config import ENV_FIELDS, RetryPolicy, env_sources
from ._lambda import MARGIN_ENV, _margin
from ._operations import DOCUMENTED_IDEMPOTENT, operation_info
from ._scope import SECRET_ENV

__all__ = ["CommandError", "list_operations", "show_policy"]


class CommandError(Exception):
    """A usage error: the message goes to stderr and the exit status is 2."""


@dataclass(frozen=True)
class Row:
    """One line of the ``operations`` listing."""

    service: str
    operation: str
    member: str | None  # dotted path of the token member; None for no-token rows
    source: str  # model | registry | read-only | documented


def _rows(session: Any, service: str, *, everything: bool) -> Iterator[Row]:
    model = session.get_service_model(service)
    for name in model.operation_names:
        operation = model.operation_model(name)
        info = operation_info(service, operation)
        traited = set(operation.idempotent_members)
        for member in info.tokens:
            from_model = len(member.path) == 1 and member.path[0] in traited
            yield Row(service, name, ".".join(member.path), "model" if from_model else "registry")
        if everything and not info.tokens and info.resend_safe:
            documented = (service, name) in DOCUMENTED_IDEMPOTENT
            yield Row(service, name, None, "documented" if documented else "read-only")


def list_operations(service: str | None, *, everything: bool, as_json: bool, out: TextIO) -> None:
    """Print token-protected operations (``everything``: and the ones safe without a token)."""
    import botocore.session  # noqa: PLC0415

    session = botocore.session.get_session()
    known = session.get_available_services()
    if service is not None and service not in known:
        close = difflib.get_close_matches(service, known, n=3)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        raise CommandError(f"unknown service {service!r}{hint}; botocore knows {len(known)}")
    rows = [
        r
        for s in ([service] if service else known)
        for r in _rows(session, s, everything=everything)
    ]
    if as_json:
        json.dump([asdict(r) for r in rows], out, indent=1)
        out.write("\n")
        return
    widths = [max([len(h), *(len(str(getattr(r, h) or "-")) for r in rows)]) for h in _HEADERS]
    out.write("  ".join(h.upper().ljust(w) for h, w in zip(_HEADERS, widths, strict=True)).rstrip())
    out.write("\n")
    for row in rows:
        cells = (
            str(getattr(row, h) or "-").ljust(w) for h, w in zip(_HEADERS, widths, strict=True)
        )
        out.write("  ".join(cells).rstrip() + "\n")
    protected = {(r.service, r.operation) for r in rows if r.member is not None}
    by_source = {s: sum(1 for r in rows if r.source == s) for s in ("model", "registry")}
    services = len({s for s, _ in protected})
    out.write(
        f"\n{len(protected)} token-protected operations in {services}"
        f" service{'' if services == 1 else 's'} ({by_source['model']} token members from"
        f" the model's trait, {by_source['registry']} from the curated registry)"
    )
    if everything:
        safe = sum(1 for r in rows if r.member is None)
        out.write(f"; {safe} more resent without a token (read-only or documented idempotent)")
    out.write("\n")


_HEADERS = ("service", "operation", "member", "source")


def show_policy(environ: Mapping[str, str] | None, *, as_json: bool, out: TextIO) -> None:
    """Print the policy ``wrap(client)`` would use now, each value with where it came from.

    Raises:
        ConfigError: a variable is invalid (the caller turns it into exit status 2).
    """
    env = os.environ if environ is None else environ
    policy = RetryPolicy.from_env(env)
    sources = env_sources(env)
    rows: list[tuple[str, Any, str]] = [(n, getattr(policy, n), sources[n]) for n in ENV_FIELDS]
    margin_set = bool(env.get(MARGIN_ENV, "").strip())
    rows.append(("lambda_margin", _margin(None, env), MARGIN_ENV if margin_set else "default"))
    secret_set = bool(env.get(SECRET_ENV))
    rows.append(
        ("token_secret", "set" if secret_set else "unset", SECRET_ENV if secret_set else "default")
    )
    if as_json:
        payload = {name: {"value": value, "source": source} for name, value, source in rows}
        json.dump(payload, out, indent=1)
        out.write("\n")
        return
    shown = [(name, _show(value), source) for name, value, source in rows]
    width = [max(len(r[i]) for r in shown) for i in range(2)]
    out.writelines(
        f"{name.ljust(width[0])}  {value.ljust(width[1])}  {source}\n"
        for name, value, source in shown
    )


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
