"""Inside a key scope: what a re-run of the unit of work does with each call, decided first.

A key scope (``idempotency_key``, ``idempotent_handler``, ``process_sqs_batch``) makes a
re-run send the first run's tokens. That protects calls with a token; the others a
re-run repeats, unless something else does. Each keyed call is judged once, in the
plugin's before-parameter-build hook, and the answer kept in its context
(``ON_RERUN``, read back by ``call_info(...).on_rerun``)::

    its request carries a client token or a caller's reference     "token"
    a name AWS deduplicates it by, the caller's or derived here    "name"
    idempotent: its class or this request (``_knowledge/resend``)  "idempotent"
    journaled: the scope has a ``CallJournal`` that can keep it    "journal"
    none of these: ``UnprotectedCallWarning``, at the caller's line "repeated"

Derived names (``_knowledge/token_table.DERIVED_NAMES``) are made as tokens are, from the
scope's seed for that call, so they are as opaque as AWS's own. The class is the one
a resend after a lost answer follows, with the caller's ``treat_as_unsafe`` list (its
``retry_unsafe`` accepts duplicates of a resend, not of a re-run: it changes nothing here).

Loaded at the first call inside a key scope; never for a call outside one.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from . import _context as ctx
from ._knowledge.operations import IDEMPOTENT
from ._warnings import user_stacklevel

if TYPE_CHECKING:
    from ._knowledge.operations import OperationInfo
    from ._plugin import _Plugin
    from ._scope import KeyScope

__all__ = [
    "JOURNAL_REMEDY",
    "REMEDIES",
    "derive_names",
    "digest",
    "judge",
    "record_id",
    "remedies",
]

#: Remedies that fit one operation, besides the journal and a durable step (each with why).
REMEDIES: dict[tuple[str, str], str] = {
    # FIFO: "any messages sent with the same MessageDeduplicationId are accepted
    # successfully but aren't delivered during the 5-minute deduplication interval".
    ("sqs", "SendMessage"): (
        "a FIFO queue with a MessageDeduplicationId (deduplicated for five minutes)"
    ),
    ("sqs", "SendMessageBatch"): (
        "a FIFO queue with a MessageDeduplicationId per entry (deduplicated for five minutes)"
    ),
    ("sns", "Publish"): (
        "a FIFO topic with a MessageDeduplicationId (deduplicated for five minutes)"
    ),
    ("sns", "PublishBatch"): (
        "a FIFO topic with a MessageDeduplicationId per entry (deduplicated for five minutes)"
    ),
    # _knowledge/refine: an optimistic lock makes a second request fail its condition.
    ("dynamodb", "UpdateItem"): (
        "an optimistic lock (a ConditionExpression on a version the update changes)"
    ),
    ("stepfunctions", "StartSyncExecution"): (
        "a STANDARD workflow started with StartExecution (its name is derived from the key)"
    ),
}
JOURNAL_REMEDY = (
    "the call journal (a CallJournal as journal= of idempotent_handler, idempotency_key or"
    " IdempotentSteps, or BOTO3_IDEMPOTENT_JOURNAL_TABLE)"
)
_DURABLE_REMEDY = "its own durable step with StepSemantics.AT_MOST_ONCE_PER_RETRY"

#: Why an operation's calls cannot be journaled, by (service, operation): None if they can.
_NOT_JOURNALED: dict[tuple[str, str], str | None] = {}


def derive_names(
    scope: KeyScope,
    service: str,
    region: str,
    info: OperationInfo,
    params: MutableMapping[str, Any],
    context: MutableMapping[str, Any],
) -> None:
    """Fill the names AWS deduplicates the call by, where the caller left them out."""
    seed: bytes | None = None
    for member in info.names:
        name = member.path[0]
        if params.get(name) is not None:  # the caller's: never replaced, never checked
            continue
        if seed is None:
            seed = scope.seed(service, region, info.name)
        params[name] = member.generate(seed)
        context[ctx.DERIVED_NAME] = True
    context[ctx.ON_RERUN] = "name"


def judge(
    plugin: _Plugin,
    scope: KeyScope,
    info: OperationInfo,
    model: Any,
    params: Mapping[str, Any],
    context: MutableMapping[str, Any],
) -> None:
    """Decide what a re-run does with this call; journal it or warn (see the module)."""
    if ctx.ON_RERUN in context:  # a name (derive_names)
        return
    if context.get(ctx.PROTECTED):
        context[ctx.ON_RERUN] = "token"
        return
    if _idempotent(plugin, info, params):
        context[ctx.ON_RERUN] = IDEMPOTENT
        return
    service = plugin.service_name
    journal = scope.journal
    why_not: str | None = None
    if journal is not None:
        why_not = _why_not_journaled(plugin, service, model)
        if why_not is None:
            from ._integrations.journal import Entry  # noqa: PLC0415  (journaled calls only)

            region = context.get("client_region") or ""
            seed = scope.seed(service, region, info.name)
            call = f"{service}:{info.name}"
            context[ctx.JOURNAL] = Entry(journal, record_id(seed), seed, call)
            context[ctx.ON_RERUN] = "journal"
            return
    context[ctx.ON_RERUN] = "repeated"
    _warn(service, info.name, why_not)


def _idempotent(plugin: _Plugin, info: OperationInfo, params: Mapping[str, Any]) -> bool:
    """Whether sending this request twice leaves what sending it once does.

    ``treat_as_unsafe`` counts; ``retry_unsafe`` does not: it accepts duplicates of a
    resend within one call, not of a whole re-run (a journal still keeps such a call).
    """
    if info.name in plugin.setup.settings.treat_as_unsafe:
        return False
    resend = info.resend
    if resend.refine is not None:
        return resend.refine(params)
    return resend.kind == IDEMPOTENT


def _why_not_journaled(plugin: _Plugin, service: str, model: Any) -> str | None:
    """Why this client cannot journal this operation's calls; ``None``: it can."""
    if not plugin.journals:
        return "an asyncio client's calls are not journaled (the journal is synchronous)"
    key = (service, model.name)
    if key not in _NOT_JOURNALED:
        reason = None
        output = getattr(model, "output_shape", None)
        if getattr(model, "has_event_stream_output", False):
            reason = "its answer is an event stream, which cannot be kept"
        elif output is not None and _sensitive(output, set()):
            reason = "its answer holds members the model marks sensitive, never stored"
        _NOT_JOURNALED[key] = reason  # racing threads write the same value
    return _NOT_JOURNALED[key]


def _sensitive(shape: Any, seen: set[str]) -> bool:
    """Whether ``shape`` or anything inside it is marked ``sensitive`` in the model."""
    if shape.name in seen:
        return False
    seen.add(shape.name)
    if shape.metadata.get("sensitive"):
        return True
    members = getattr(shape, "members", None)
    if members:
        return any(_sensitive(member, seen) for member in members.values())
    inner = [getattr(shape, name, None) for name in ("member", "key", "value")]
    return any(_sensitive(s, seen) for s in inner if s is not None)


def remedies(service: str, operation: str, why_not_journaled: str | None = None) -> list[str]:
    """The remedies that fit a call a re-run would repeat, most specific first."""
    found = [REMEDIES[service, operation]] if (service, operation) in REMEDIES else []
    if why_not_journaled is None:
        found.append(JOURNAL_REMEDY)
    found.append(_DURABLE_REMEDY)
    return found


def _warn(service: str, operation: str, why_not_journaled: str | None) -> None:
    from ._exceptions import UnprotectedCallWarning  # noqa: PLC0415  (a warning: once per line)

    journal = (
        "" if why_not_journaled is None else f"; the journal cannot keep it: {why_not_journaled}"
    )
    fixes = "; ".join(remedies(service, operation, why_not_journaled))
    warnings.warn(
        f"{service}:{operation} is not protected on a re-run: it carries no client token"
        " and AWS does not deduplicate it, so a re-run of this unit of work (the key"
        f" scope) sends it again{journal}. Remedies: {fixes}",
        UnprotectedCallWarning,
        stacklevel=user_stacklevel(),
    )


def record_id(seed: bytes) -> str:
    """The journal record of the call whose seed is ``seed``: opaque, as its tokens are."""
    return "boto3-idempotent#" + hashlib.sha256(b"journal/" + seed).hexdigest()


#: Headers of a serialized request that do not say what it asks for (botocore's version).
_NOT_THE_REQUEST = frozenset({"user-agent", "x-amz-user-agent", "amz-sdk-invocation-id"})


def digest(seed: bytes, request_dict: Mapping[str, Any]) -> str:
    """A keyed digest of the request as botocore serialized it (never the request itself).

    Taken at before-call, after every parameter handler ran (boto3's resource conditions
    and types are serialized by then): the method, path, query, body and the headers
    but botocore's own (its version in ``User-Agent`` changes with an upgrade).
    """
    import hmac  # noqa: PLC0415

    headers = request_dict.get("headers") or {}
    kept = {
        str(name).lower(): value
        for name, value in headers.items()
        if str(name).lower() not in _NOT_THE_REQUEST
    }
    found = hmac.new(seed, digestmod=hashlib.sha256)
    for part in (
        request_dict.get("method"),
        request_dict.get("url_path"),
        request_dict.get("query_string"),
        kept,
        request_dict.get("body"),
    ):
        _feed(found, part)
    return found.hexdigest()


def _feed(digest: Any, value: Any) -> None:  # noqa: C901  (one branch per type)
    """Feed ``value`` to ``digest`` in a form that tells every type and length apart."""
    if isinstance(value, Mapping):
        digest.update(b"{%d" % len(value))
        for key in sorted(value, key=str):
            _feed(digest, str(key))
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(b"[%d" % len(value))
        for item in value:
            _feed(digest, item)
    elif isinstance(value, (set, frozenset)):
        digest.update(b"<%d" % len(value))
        for item in sorted(value, key=repr):
            _feed(digest, item)
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        digest.update(b"s%d:" % len(data) + data)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        digest.update(b"b%d:" % len(data) + data)
    elif value is None or isinstance(value, (bool, int, float)):
        text = repr(value).encode()
        digest.update(b"n%d:" % len(text) + text)
    elif hasattr(value, "read"):  # a stream: its bytes from where it stands, put back after
        _feed_stream(digest, value)
    else:  # datetime, Decimal, ...: their text
        text = f"{type(value).__name__}:{value!s}".encode("utf-8", "surrogatepass")
        digest.update(b"o%d:" % len(text) + text)


def _feed_stream(digest: Any, stream: Any) -> None:
    """A seekable stream's remaining bytes (it is put back); an unseekable one by type."""
    try:
        start = stream.tell()
        data = stream.read()
        stream.seek(start)
    except (AttributeError, OSError, ValueError):
        text = f"stream:{type(stream).__name__}".encode()
        digest.update(b"o%d:" % len(text) + text)
        return
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    digest.update(b"b%d:" % len(data) + bytes(data))
