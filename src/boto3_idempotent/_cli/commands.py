"""The ``operations`` and ``policy`` commands: what the library will do, before it does it."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Collection, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from boto3_idempotent._config import RetryPolicy
from boto3_idempotent._exceptions import ConfigError
from boto3_idempotent._integrations.aws_lambda import DEFAULT_LAMBDA_MARGIN, MARGIN_ENV, margin_from
from boto3_idempotent._knowledge import review as _review
from boto3_idempotent._knowledge.operations import operation_info
from boto3_idempotent._knowledge.review import REVIEWED_WITH
from boto3_idempotent._policy.settings import CLIENT_CONFIG, resolve
from boto3_idempotent._policy.standard_mode import StandardMode, installed
from boto3_idempotent._scope import SECRET_ENV

__all__ = ["CommandError", "list_operations", "show_policy"]


class CommandError(Exception):
    """A usage error: the message goes to stderr and the exit status is 2."""


@dataclass(frozen=True)
class Row:
    """One line of the ``operations`` listing."""

    service: str
    operation: str
    resend: str  # protected | idempotent | unsafe
    member: str | None  # dotted path of the member ("[]": each element); None: no member
    # model | scan | reference | documented | reviewed | per call | unreviewed | method | verb
    # | default
    source: str
    reason: str  # why (for protected rows: the class of a call without the reference)
    reviewed: bool = True  # False: newer than the release the tables were reviewed against


#: Where a protected operation's knowledge comes from, for the summary.
_SOURCES = (
    ("model", "the model's idempotencyToken trait"),
    ("scan", "the reviewed scan (tools/scan_tokens.py), token generated"),
    ("reference", "a caller reference, never generated"),
)
_CLASSES = (
    ("protected", "carry a token or caller reference: resent"),
    ("idempotent", "idempotent without a token: resent, as bare botocore resends them"),
    ("unsafe", "unsafe without a token: not resent after a 5xx or a lost response"),
)


def _rows(session: Any, service: str) -> Iterator[Row]:
    model = session.get_service_model(service)
    for name in model.operation_names:
        operation = model.operation_model(name)
        info = operation_info(service, operation)
        traited = set(operation.idempotent_members)
        fallback = info.resend
        reviewed = not _review.is_unreviewed(service, name)
        without = f"without it: {fallback.kind} ({fallback.reason})"
        for member in info.tokens:
            from_model = len(member.path) == 1 and member.path[0] in traited
            source = "model" if from_model else "scan"
            yield Row(service, name, "protected", ".".join(member.path), source, "", reviewed)
        if info.tokens:
            continue  # a token is generated when absent: every call is protected
        for path in info.references:
            yield Row(service, name, "protected", ".".join(path), "reference", without, reviewed)
        yield Row(service, name, fallback.kind, None, fallback.source, fallback.reason, reviewed)


def list_operations(
    service: str | None,
    *,
    everything: bool,
    as_json: bool,
    out: TextIO,
    resend: str | None = None,
    unreviewed: bool = False,
    in_service: str | None = None,
) -> None:
    """Print each operation's class: protected and unsafe ones (``everything``: all).

    Args:
        service: One botocore service name, ``service:Operation`` (that operation
            alone, with its reason), an operation name with ``in_service``, or
            ``None`` for every service.
        everything: Also list idempotent operations (resent as bare botocore does).
        as_json: A JSON list of rows instead of a table and its summary.
        out: Where to write.
        resend: Only rows of this class (``protected``, ``idempotent``, ``unsafe``).
        unreviewed: Only operations newer than the review (every class).
        in_service: ``--service``: the service of an operation named alone.

    Raises:
        CommandError: an unknown service or operation (naming the ones meant).
    """
    import botocore.session  # noqa: PLC0415

    session = botocore.session.get_session()
    known = session.get_available_services()
    operation: str | None = None
    if service is not None and ":" in service:
        service, operation = service.split(":", 1)
    elif in_service is not None:
        service, operation = in_service, service
    if service is not None:
        service = _service_name(service, known)
    if operation is not None:
        _one_operation(session, service or "", operation, as_json=as_json, out=out)
        return
    rows = [r for s in ([service] if service else known) for r in _rows(session, s)]
    shown = [
        r
        for r in rows
        if (resend is None or r.resend == resend)
        and (everything or unreviewed or resend is not None or r.resend != "idempotent")
        and (not unreviewed or not r.reviewed)
    ]
    if as_json:
        json.dump([asdict(r) for r in shown], out, indent=1)
        out.write("\n")
        return
    cells = [[str(getattr(r, h) or "-") for h in _HEADERS] for r in shown]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(_HEADERS)]
    out.write("  ".join(h.upper().ljust(w) for h, w in zip(_HEADERS, widths, strict=True)).rstrip())
    out.write("\n")
    out.writelines(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in cells
    )
    out.write(summary(rows) + "\n")


def _one_operation(session: Any, service: str, name: str, *, as_json: bool, out: TextIO) -> None:
    """``operations sqs:SendMessage``: every row of one operation, each with its reason."""
    names = session.get_service_model(service).operation_names
    if name not in names:
        by_lower = {n.lower(): n for n in names}
        found = by_lower.get(name.lower())
        if found is None:
            close = difflib.get_close_matches(name, names, n=3)
            meant = f"; did you mean {', '.join(close)}?" if close else ""
            raise CommandError(f"{service} has no operation {name!r}{meant}")
        name = found
    rows = [r for r in _rows(session, service) if r.operation == name]
    if as_json:
        json.dump([asdict(r) for r in rows], out, indent=1)
        out.write("\n")
        return
    out.write(f"{service}:{name}\n")
    for row in rows:
        member = f" by {row.member} ({row.source})" if row.member else f" ({row.source})"
        out.write(f"  {row.resend}{member}: {row.reason or 'a token is generated when absent'}\n")
        if not row.reviewed:
            out.write("  newer than the review: " + review_sentence(None) + "\n")


def summary(rows: list[Row]) -> str:  # noqa: C901  (one pass over the rows, by kind)
    """Operations by class (protected ones by their first source), then the census.

    The census counts the operations some of whose calls are resent less than bare
    botocore would resend them: unsafe ones, per-call ones, and protected ones by a
    caller reference whose calls without it are unsafe.
    """
    kind: dict[tuple[str, str], str] = {}
    first: dict[tuple[str, str], str] = {}
    fewer: dict[tuple[str, str], str] = {}
    some: set[tuple[str, str]] = set()  # only some calls: per call, or without a reference
    order = [source for source, _ in _SOURCES]
    for row in rows:
        key = (row.service, row.operation)
        if row.member is not None:
            kind[key] = "protected"
            if key not in first or order.index(row.source) < order.index(first[key]):
                first[key] = row.source
            if row.source in {"reference", "per call"}:
                some.add(key)
            continue
        kind.setdefault(key, row.resend)
        if row.resend == "unsafe" or row.source == "per call":
            if row.source == "per call":
                some.add(key)
            fewer[key] = (
                row.reason.split(":", 1)[0]
                if row.source == "verb"
                else f"{row.source}: {row.reason}"
            )
    services = len({service for service, _ in kind})
    lines = [f"\n{_count(len(kind), 'operation')} in {_count(services, 'service')}:"]
    for name, meaning in _CLASSES:
        lines.append(f"  {sum(1 for k in kind.values() if k == name):>6,}  {meaning}")
        if name == "protected":
            for source, text in _SOURCES:
                number = sum(1 for s in first.values() if s == source)
                lines.append(f"          {number:>6,}  {text}")
    partly = len(some.intersection(fewer))
    lines.append(
        f"Resent less than bare botocore: {_count(len(fewer), 'operation')}:"
        f" {len(fewer) - partly:,} refused on every call, {partly:,} only for some requests"
        " (calls without their reference, or, per call, requests that could act twice);"
        " by verb or source:"
    )
    by_reason: dict[str, int] = {}
    for reason in fewer.values():
        by_reason[reason] = by_reason.get(reason, 0) + 1
    lines.extend(
        f"  {number:>6,}  {reason}"
        for reason, number in sorted(by_reason.items(), key=lambda item: (-item[1], item[0]))
    )
    newer = {(row.service, row.operation) for row in rows if not row.reviewed}
    lines.append(review_sentence(len(newer)))
    return "\n".join(lines)


def review_sentence(unreviewed: int | None, installed: str | None = None) -> str:
    """The installed botocore beside the review, and what that means, in one sentence.

    Args:
        unreviewed: How many operations are newer than the review, if counted.
        installed: The botocore version (default: the installed one).
    """
    installed = installed or _review.installed_botocore()
    where = _review.relation(installed)
    if where == "reviewed":
        return f"Tables reviewed against botocore {REVIEWED_WITH}, the installed release."
    if where == "older":
        return (
            f"Tables reviewed against botocore {REVIEWED_WITH}; the installed {installed} is"
            " older: every operation it has was reviewed."
        )
    if unreviewed is None:
        count = "the operations added since are"
    else:
        count = "1 operation is" if unreviewed == 1 else f"{_count(unreviewed, 'operation')} are"
    return (
        f"botocore {installed} is newer than the reviewed {REVIEWED_WITH}: {count} not"
        " reviewed yet; they are treated conservatively (resent after a 5xx or a lost"
        " answer only if they only read, or carry a token the model traits)."
    )


def _count(number: int, noun: str) -> str:
    """``1 service``, ``2 services``, ``1,501 token members``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _service_name(given: str, known: list[str]) -> str:
    """Botocore's name for a service, whatever its case; close matches when unknown."""
    if given in known:
        return given
    by_lower = {name.lower(): name for name in known}
    found = by_lower.get(given.strip().lower())
    if found is not None:
        return found
    close = difflib.get_close_matches(given.lower(), list(by_lower), n=3)
    hint = f" (did you mean: {', '.join(by_lower[c] for c in close)}?)" if close else ""
    raise CommandError(f"unknown service {given!r}{hint}; botocore knows {len(known)}")


_HEADERS = ("service", "operation", "resend", "member", "source")
_RELATION_WORDS = {
    "reviewed": "the reviewed release",
    "older": "older: every operation reviewed",
    "newer": "newer: operations added since are not resent unless they read;"
    " see operations --unreviewed",
}


@dataclass(frozen=True)
class _Shown:
    """A ``policy`` value shown as words in the table and as data in ``--json``."""

    text: str
    data: Any


def show_policy(environ: Mapping[str, str] | None, *, as_json: bool, out: TextIO) -> None:
    """Print the policy ``wrap(client)`` would use now, each value with where it came from.

    Without a client at hand, attempts that follow "the client's own budget" are read
    the way botocore would for a client made now: ``AWS_MAX_ATTEMPTS``, then the
    profile's ``max_attempts``.

    Raises:
        ConfigError: variables are invalid, all of them named (exit status 2).
    """
    env = os.environ if environ is None else environ
    errors: list[ConfigError] = []
    try:
        policy = RetryPolicy.from_env(env)
    except ConfigError as exc:
        errors.extend(exc.errors)
        policy = RetryPolicy()
    try:
        margin = margin_from(None, env)
    except ConfigError as exc:
        errors.append(exc)
        margin = DEFAULT_LAMBDA_MARGIN
    try:
        budget, budget_source = _botocore_attempts(env)
    except ConfigError as exc:
        errors.append(exc)
    from boto3_idempotent._integrations.telemetry import TELEMETRY_ENV, telemetry_on  # noqa: PLC0415

    try:
        telemetry = telemetry_on(env)
    except ConfigError as exc:
        errors.append(exc)
    if errors:
        raise ConfigError.combine(errors)
    mode = installed()
    retries = {"total_max_attempts": budget} if budget is not None else None
    settings = resolve(policy, service_id="", client_retries=retries, mode=mode)
    sources = dict(settings.sources)
    if sources["max_attempts"] == CLIENT_CONFIG:
        sources["max_attempts"] = budget_source
    rows: list[tuple[str, Any, str]] = [
        ("max_attempts", settings.max_attempts, sources["max_attempts"]),
        ("base_delay", settings.base_delay, sources["base_delay"]),
        ("throttle_base_delay", settings.throttle_base_delay, sources["throttle_base_delay"]),
        ("max_delay", settings.max_delay, sources["max_delay"]),
        ("deadline", settings.deadline, sources["deadline"]),
        ("retry_unsafe", _keys(policy.retry_unsafe), sources["retry_unsafe"]),
        ("treat_as_unsafe", _keys(policy.treat_as_unsafe), sources["treat_as_unsafe"]),
        ("retry_quota", _Shown(_quota(mode), _quota_data(mode)), mode.name),
    ]
    rows.extend(_per_service(mode, policy, budget))
    margin_set = bool(env.get(MARGIN_ENV, "").strip())
    rows.append(("lambda_margin", margin, MARGIN_ENV if margin_set else "default"))
    secret_set = bool(env.get(SECRET_ENV))  # empty counts as unset
    rows.append(
        ("token_secret", "set" if secret_set else "unset", SECRET_ENV if secret_set else "default")
    )
    rows.append(("reviewed_with", _reviewed_with(), "tables"))
    telemetry_set = bool(env.get(TELEMETRY_ENV, "").strip())
    rows.append(
        (
            "telemetry",
            _Shown("on (when the program uses OpenTelemetry)" if telemetry else "off", telemetry),
            TELEMETRY_ENV if telemetry_set else "default",
        )
    )
    mode_name = env.get("AWS_RETRY_MODE", "").strip().lower()
    if mode_name:
        rows.append(("aws_retry_mode", _retry_mode(mode_name), "AWS_RETRY_MODE"))
    rows.append(_rate_limiting(env, mode_name))
    if as_json:
        payload = {
            name: {"value": value.data if isinstance(value, _Shown) else value, "source": source}
            for name, value, source in rows
        }
        json.dump(payload, out, indent=1)
        out.write("\n")
        return
    shown = [(name, _show(value), source) for name, value, source in rows]
    width = [max(len(r[i]) for r in shown) for i in range(2)]
    out.writelines(
        f"{name.ljust(width[0])}  {value.ljust(width[1])}  {source}\n"
        for name, value, source in shown
    )


def _reviewed_with() -> _Shown:
    """The release the tables were reviewed against, beside the installed one."""
    installed_version = _review.installed_botocore()
    where = _review.relation(installed_version)
    return _Shown(
        f"botocore {REVIEWED_WITH} (installed: {installed_version}, {_RELATION_WORDS[where]})",
        {"reviewed": REVIEWED_WITH, "installed": installed_version, "relation": where},
    )


def _per_service(
    mode: StandardMode, policy: RetryPolicy, budget: int | None
) -> list[tuple[str, Any, str]]:
    """Botocore's per-service exceptions to its defaults, where nothing overrides them."""
    rows: list[tuple[str, Any, str]] = []
    if policy.max_attempts is None and budget is None:
        rows.extend(
            (f"max_attempts[{service}]", attempts, mode.name)
            for service, attempts in sorted(mode.service_max_attempts.items())
        )
    if policy.base_delay is None:
        rows.extend(
            (f"base_delay[{service}]", base, mode.name)
            for service, base in sorted(mode.service_base_delay.items())
        )
    return rows


def _quota(mode: StandardMode) -> str:
    timeout = (
        f", {mode.timeout_retry_cost} after a timeout"
        if mode.timeout_retry_cost != mode.retry_cost
        else ""
    )
    return (
        f"{mode.quota_capacity} tokens; a retry costs {mode.retry_cost}"
        f"{timeout}, {mode.throttle_retry_cost} after throttling"
    )


def _retry_mode(name: str) -> _Shown:
    """``AWS_RETRY_MODE``: its retries replaced; adaptive's rate limiting kept."""
    if name == "adaptive":
        return _Shown(
            f"{name} (retries replaced; client-side rate limiting kept, within the deadline)",
            {"mode": name, "replaced": True, "rate_limiter_kept": True},
        )
    return _Shown(f"{name} (replaced)", {"mode": name, "replaced": True})


def _rate_limiting(env: Mapping[str, str], mode_name: str) -> tuple[str, _Shown, str]:
    """Whether a client made now gets adaptive mode's rate limiting, and from where.

    ``Config(retries={"mode": "adaptive"})`` in code also turns it on; that is the
    client's, and not seen here.
    """
    source = "AWS_RETRY_MODE" if mode_name else "default"
    if not mode_name:
        try:
            import botocore.session  # noqa: PLC0415

            session = botocore.session.get_session()
            if env.get("AWS_PROFILE"):
                session.set_config_variable("profile", env["AWS_PROFILE"])
            mode_name = str(session.get_scoped_config().get("retry_mode") or "").lower()
            if mode_name:
                source = f"profile {session.get_config_variable('profile') or 'default'}"
        except Exception:  # noqa: BLE001  (a broken or absent profile: botocore's default)
            mode_name = ""
    on = mode_name == "adaptive"
    text = (
        "on (adaptive mode: after a throttle, sends wait for tokens, within the deadline)"
        if on
        else "off (adaptive retry mode not selected)"
    )
    return "rate_limiting", _Shown(text, on), source


def _quota_data(mode: StandardMode) -> dict[str, int]:
    """The retry quota as numbers, for ``--json``."""
    return {
        "capacity": mode.quota_capacity,
        "retry_cost": mode.retry_cost,
        "timeout_retry_cost": mode.timeout_retry_cost,
        "throttle_retry_cost": mode.throttle_retry_cost,
    }


def _botocore_attempts(env: Mapping[str, str]) -> tuple[int | None, str]:
    """The attempt budget botocore would give a new client, and where it comes from."""
    raw = env.get("AWS_MAX_ATTEMPTS", "").strip()
    if raw or "AWS_MAX_ATTEMPTS" in env:  # set but empty: boto3.client() fails on it too
        # What boto3.client() refuses (ValueError, InvalidMaxRetryAttemptsError), refused here.
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise ConfigError(
                "AWS_MAX_ATTEMPTS",
                raw,
                "a whole number >= 1 in ASCII digits (boto3.client() refuses anything else)",
            )
        return int(raw), "AWS_MAX_ATTEMPTS"
    try:
        import botocore.session  # noqa: PLC0415

        session = botocore.session.get_session()
        if env.get("AWS_PROFILE"):
            session.set_config_variable("profile", env["AWS_PROFILE"])
        value = session.get_scoped_config().get("max_attempts")
    except Exception:  # noqa: BLE001  (a broken or absent profile: no budget of its own)
        return None, "default"
    try:
        profile = session.get_config_variable("profile") or "default"
        return (max(1, int(value)), f"profile {profile}") if value is not None else (None, "")
    except (TypeError, ValueError):
        return None, "default"


def _keys(value: bool | Collection[str]) -> bool | list[str]:
    """A ``service:Operation`` collection as a sorted list (JSON has no sets)."""
    return value if isinstance(value, bool) else sorted(value)


def _show(value: object) -> str:
    if isinstance(value, _Shown):
        return value.text
    if isinstance(value, list):
        return ",".join(value) if value else "none"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
