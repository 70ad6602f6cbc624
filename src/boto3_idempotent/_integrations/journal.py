"""The call journal: a re-run gets the first run's answer to a call AWS cannot deduplicate.

Inside a key scope with a journal, a call a re-run would repeat (``_rerun``: no token,
no name, not idempotent) is journaled at its place in the unit of work: the same
identity its derived tokens would have (key, service, region, operation, ordinal),
kept as an opaque record id, with a keyed digest of its parameters. One record, in a
DynamoDB table of yours (string partition key ``id``, TTL on the number ``expiration``;
Powertools' idempotency table has that shape and can be shared)::

    before-call   PutItem  id, status=INPROGRESS, validation=<digest>, owner=<this call>
                           if attribute_not_exists(id) OR expiration < now
        written:           the call is sent
        refused, the record as it is (ReturnValuesOnConditionCheckFailure=ALL_OLD):
          owner is this call's          its own earlier write (a resend of the PutItem): sent
          another digest (of the request
          as serialized)                IdempotentParameterMismatch, nothing sent
          COMPLETED                     its answer, parsed as it was: nothing sent
          INPROGRESS                    EarlierAttemptMayHaveActed, nothing sent (the first
                                        run's outcome is unknown); ``at_least_once``: taken
                                        over and sent
        anything else:                  JournalUnavailable, nothing sent
    after-call    2xx:     PutItem status=COMPLETED, data=<the answer> if owner is this call's
                  a 4xx that did nothing (throttled, refused, invalid) and no earlier
                  attempt that may have acted: DeleteItem, so a re-run sends
                  anything else (a 5xx, a lost answer): left INPROGRESS
    after-call-error   no attempt reached the wire (signing failed), or the last was not
                  sent (connect failure, ClientRateLimited) and none before it was
                  ambiguous: DeleteItem; else (a timeout, a lost answer) left INPROGRESS

A journaled call costs two DynamoDB requests; a re-run answered from the journal one.
The journal's own requests are made outside any key scope, so they are never
journaled, warned about or given derived tokens. Nothing here logs a parameter or an
answer; a record holds the digest, never the parameters, and the answer (which is
why calls whose answers hold ``sensitive`` members are never journaled).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import io
import json
import logging
import math
import re
import threading
import time
import uuid
import zlib
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, NoReturn

from boto3_idempotent import _context as ctx

__all__ = [
    "DEFAULT_EXPIRES_AFTER",
    "MAX_DATA_BYTES",
    "TABLE_EXPECTED",
    "CallJournal",
    "Entry",
    "check_journal",
    "config_error",
    "valid_table",
]

logger = logging.getLogger("boto3_idempotent")

#: Seconds a record is kept: the longest Lambda re-runs a failed asynchronous invocation
#: for (its maximum event age, six hours).
DEFAULT_EXPIRES_AFTER = 6 * 3600.0
#: The largest answer kept, compressed: a DynamoDB item holds at most 400 KB, and the
#: record's other attributes need a few hundred bytes of it.
MAX_DATA_BYTES = 390_000

# DynamoDB's TableName: 3 to 255 of [a-zA-Z0-9_.-], or a table's ARN (at most 1024).
_TABLE_NAME = r"[a-zA-Z0-9_.-]{3,255}"
_TABLE_ARN = r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[a-zA-Z0-9_.-]{3,255}"
TABLE_EXPECTED = "a DynamoDB table name (3 to 255 letters, digits, '_', '-' or '.') or a table ARN"

_IN_PROGRESS = "INPROGRESS"
#: What ``_put_in_progress`` returns for a record that refused the write, then was gone.
_GONE: dict[str, Any] = {"gone": {}}
_COMPLETED = "COMPLETED"
_NAMES = {"#id": "id", "#exp": "expiration", "#owner": "owner"}


class CallJournal:
    """Where the calls a re-run would repeat are journaled: a DynamoDB table you provision.

    Pass it to ``idempotent_handler(journal=...)``, ``process_sqs_batch(journal=...)``
    or ``idempotency_key(key, journal=...)``; ``BOTO3_IDEMPOTENT_JOURNAL_TABLE`` gives
    every ``idempotent_handler`` and ``process_sqs_batch`` one without code. The table
    has a string partition key ``id`` and TTL on the number attribute ``expiration``.

    Args:
        table_name: The table's name or ARN.
        client: A DynamoDB client for the journal's own requests; default: one made
            at the first journaled call (boto3's default session, else botocore's).
        expires_after: Seconds a record is kept; default six hours, the longest
            Lambda re-runs a failed asynchronous invocation for.
        at_least_once: What a re-run does when it finds a call still in progress (the
            first run's answer was lost, or it stopped while waiting): ``False``
            (default) raise ``EarlierAttemptMayHaveActed`` without sending: at most
            once; ``True`` send it again: at least once.

    Raises:
        ConfigError: naming the argument, its value and the form expected.
    """

    __slots__ = ("_client", "_lock", "at_least_once", "expires_after", "table_name")

    def __init__(
        self,
        table_name: str,
        client: Any = None,
        *,
        expires_after: float = DEFAULT_EXPIRES_AFTER,
        at_least_once: bool = False,
    ) -> None:
        """Check the arguments; nothing is sent until a journaled call."""
        if not isinstance(table_name, str) or not valid_table(table_name):
            config_error("table_name", table_name, TABLE_EXPECTED)
        if (
            not isinstance(expires_after, (int, float))
            or isinstance(expires_after, bool)
            or not math.isfinite(expires_after)
            or expires_after <= 0
        ):
            config_error("expires_after", expires_after, "a finite number of seconds > 0")
        if not isinstance(at_least_once, bool):
            config_error("at_least_once", at_least_once, "True or False")
        if client is not None and not callable(getattr(client, "put_item", None)):
            config_error("client", type(client).__name__, "a DynamoDB client, or None")
        self.table_name = table_name
        self.expires_after = float(expires_after)
        self.at_least_once = at_least_once
        self._client = client
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        """``CallJournal('table', expires_after=21600.0, at_least_once=False)``."""
        return (
            f"CallJournal({self.table_name!r}, expires_after={self.expires_after!r},"
            f" at_least_once={self.at_least_once!r})"
        )

    def client(self) -> Any:
        """The DynamoDB client the journal's requests go through (made at first use)."""
        client = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:
                    client = self._client = _default_client()
        return client

    # -- the protocol (see the module) -------------------------------------------------

    def begin(self, entry: Entry) -> tuple[Any, dict[str, Any]] | None:
        """Before the call is sent: ``None`` to send it, or the first run's answer.

        Raises:
            IdempotentParameterMismatch: the record holds another parameter digest.
            EarlierAttemptMayHaveActed: the record is in progress (not ``at_least_once``).
            EarlierAttemptSucceeded: the first run's answer was too large to keep.
            JournalUnavailable: the table could not be read or written.
        """
        for _ in range(3):  # a record that expires or is removed between two requests
            old = self._put_in_progress(entry, None)
            if old is None:
                return None
            if old is _GONE:  # refused, then gone before it could be read: write again
                continue
            if old.get("owner", {}).get("S") == entry.owner:  # our own write, resent
                return None
            if old.get("validation", {}).get("S") != entry.digest:
                raise _mismatch(entry)
            status = old.get("status", {}).get("S")
            if status == _COMPLETED:
                data = old.get("data", {}).get("B")
                if data is None:
                    raise _too_large(entry, old)
                return _replay(data)
            if not self.at_least_once:
                raise _in_progress(entry)
            previous = old.get("owner", {}).get("S", "")
            if self._put_in_progress(entry, previous) is None:  # taken over
                return None
        raise _unavailable(self, entry, "the record changed under three attempts")

    def complete(self, entry: Entry, parsed: MutableMapping[str, Any]) -> None:
        """After a 2xx: keep the answer (a stream's bytes are read, and put back)."""
        data, _, why = _encode(parsed)
        item = self._item(entry, _COMPLETED)
        if data is None:  # the call acted: a re-run is told so, and sends nothing
            item["unkept"] = {"S": why}
            logger.warning(
                "The answer of %s could not be kept in the journal %s (%s): a re-run will"
                " raise EarlierAttemptSucceeded instead of sending it again",
                entry.call,
                self.table_name,
                why,
                extra={"operation": entry.call},
            )
        else:
            item["data"] = {"B": data}
        self._finish("complete", entry, "put_item", Item=item)

    def abort(self, entry: Entry) -> None:
        """After a refusal that did nothing: remove the record, so a re-run sends."""
        self._finish("remove", entry, "delete_item", Key={"id": {"S": entry.record_id}})

    # -- DynamoDB ---------------------------------------------------------------------

    def _item(self, entry: Entry, status: str) -> dict[str, Any]:
        return {
            "id": {"S": entry.record_id},
            "expiration": {"N": str(int(time.time() + self.expires_after))},
            "status": {"S": status},
            "validation": {"S": entry.digest},
            "owner": {"S": entry.owner},
            "call": {"S": entry.call},
        }

    def _put_in_progress(self, entry: Entry, previous: str | None) -> dict[str, Any] | None:
        """Write the in-progress record; ``None``, or the record that stood in the way."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        now = str(int(time.time()))
        if previous is None:
            condition = "attribute_not_exists(#id) OR #exp < :now"
            values = {":now": {"N": now}}
            names = {"#id": "id", "#exp": "expiration"}
        else:  # take over an in-progress record (at least once)
            condition = "#owner = :previous"
            values = {":previous": {"S": previous}}
            names = {"#owner": "owner"}
        try:
            with _unscoped():
                self.client().put_item(
                    TableName=self.table_name,
                    Item=self._item(entry, _IN_PROGRESS),
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise _unavailable(self, entry, _code(error) or "an error") from error
            old = error.response.get("Item")
            if isinstance(old, dict) and old:
                return old
            return self._get(entry) or _GONE
        except BotoCoreError as error:
            raise _unavailable(self, entry, type(error).__name__) from error
        return None

    def _get(self, entry: Entry) -> dict[str, Any] | None:
        """The record as it stands (for a DynamoDB that does not return it with the refusal)."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            with _unscoped():
                found = self.client().get_item(
                    TableName=self.table_name,
                    Key={"id": {"S": entry.record_id}},
                    ConsistentRead=True,
                )
        except ClientError as error:
            raise _unavailable(self, entry, _code(error) or "an error") from error
        except BotoCoreError as error:
            raise _unavailable(self, entry, type(error).__name__) from error
        item = found.get("Item")
        return item if isinstance(item, dict) and item else None

    def _finish(self, what: str, entry: Entry, method: str, **kwargs: Any) -> None:
        """Complete or remove this call's record; a failure leaves it in progress (safe)."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            with _unscoped():
                getattr(self.client(), method)(
                    TableName=self.table_name,
                    ConditionExpression="#owner = :me",
                    ExpressionAttributeNames={"#owner": "owner"},
                    ExpressionAttributeValues={":me": {"S": entry.owner}},
                    **kwargs,
                )
        except (BotoCoreError, ClientError) as error:
            # In progress it stays: a re-run raises EarlierAttemptMayHaveActed, never repeats.
            code = _code(error) if isinstance(error, ClientError) else type(error).__name__
            logger.warning(
                "Could not %s the journal record of %s in %s (%s); it stays in progress",
                what,
                entry.call,
                self.table_name,
                code,
                extra={"operation": entry.call, "error_code": code},
            )


class Entry:
    """One journaled call: its journal, record id, seed, parameter digest, and its owner id."""

    __slots__ = ("call", "digest", "journal", "owner", "record_id", "seed")

    def __init__(self, journal: CallJournal, record_id: str, seed: bytes, call: str) -> None:
        """A fresh owner id: this call's writes are told from a resend's or a re-run's."""
        self.journal = journal
        self.record_id = record_id
        self.seed = seed  # keys the digest, taken at before-call
        self.digest = ""
        self.call = call
        self.owner = uuid.uuid4().hex


# -- the plugin's hooks --------------------------------------------------------------------


def before_call(
    entry: Entry, request_dict: Mapping[str, Any], context: MutableMapping[str, Any]
) -> tuple[Any, Any] | None:
    """before-call: ``None`` (send), or the first run's answer (nothing is sent)."""
    from boto3_idempotent._rerun import digest  # noqa: PLC0415

    entry.digest = digest(entry.seed, request_dict)
    answer = entry.journal.begin(entry)
    if answer is not None:
        context[ctx.REPLAYED] = True
    return answer


def after_call(
    entry: Entry,
    status: int,
    parsed: MutableMapping[str, Any],
    outcome_ambiguous: bool,
    context: Mapping[str, Any],
) -> None:
    """after-call: keep the answer, or remove a record whose call did nothing."""
    if context.get(ctx.REPLAYED):
        return
    if status < 300:
        entry.journal.complete(entry, parsed)
    elif not outcome_ambiguous and not context.get(ctx.AMBIGUOUS):
        entry.journal.abort(entry)


def after_call_error(entry: Entry, exception: BaseException, context: Mapping[str, Any]) -> None:
    """after-call-error: a call none of whose attempts can have acted is removed.

    None acted when no attempt reached the wire (signing failed: no credentials, a
    role that could not be assumed), or when the last one was not sent (a connect
    failure, adaptive mode's ``ClientRateLimited``) and every earlier one was refused.
    """
    if context.get(ctx.REPLAYED) or context.get(ctx.AMBIGUOUS):
        return
    if not context.get(ctx.ATTEMPTED) or _not_sent(exception):
        entry.journal.abort(entry)


def _not_sent(exception: BaseException) -> bool:
    from botocore.exceptions import (  # noqa: PLC0415
        CredentialRetrievalError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    from boto3_idempotent._loaded import is_instance  # noqa: PLC0415
    from boto3_idempotent._policy.classify import Outcome, classify_exception  # noqa: PLC0415

    if isinstance(
        exception, (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError)
    ):
        return True
    if is_instance(exception, "boto3_idempotent._exceptions", "ClientRateLimited"):
        return True
    return classify_exception(exception) is Outcome.NOT_SENT


# -- configuration ------------------------------------------------------------------------


def check_journal(value: object, name: str) -> None:
    """Raise ``ConfigError`` naming ``name`` unless ``value`` is a ``CallJournal``."""
    if not isinstance(value, CallJournal):
        config_error(name, type(value).__name__, "a CallJournal, or None")


def valid_table(name: str) -> bool:
    """Whether DynamoDB would take ``name`` as a TableName (a name or a table ARN)."""
    return bool(re.fullmatch(_TABLE_NAME, name) or re.fullmatch(_TABLE_ARN, name))


def config_error(name: str, value: object, expected: str) -> NoReturn:
    from boto3_idempotent._exceptions import ConfigError  # noqa: PLC0415

    raise ConfigError(name, value, expected)


def _default_client() -> Any:
    """A DynamoDB client of the default session: boto3's when it is there, else botocore's."""
    try:
        import boto3  # noqa: PLC0415
    except ImportError:  # pragma: no cover - botocore alone
        import botocore.session  # noqa: PLC0415

        return botocore.session.get_session().create_client("dynamodb")
    return boto3.client("dynamodb")


@contextmanager
def _unscoped() -> Iterator[None]:
    """The journal's own requests: outside any key scope (never journaled, never keyed)."""
    reset = ctx.SCOPE.set(None)
    try:
        yield
    finally:
        ctx.SCOPE.reset(reset)


def _code(error: Any) -> str:
    return str((getattr(error, "response", None) or {}).get("Error", {}).get("Code", ""))


# -- answers and errors ---------------------------------------------------------------------

_BYTES, _STREAM, _TIME = "\x00b", "\x00s", "\x00t"
_DECIMAL, _SET, _BINARY = "\x00d", "\x00S", "\x00B"


def _encode(parsed: MutableMapping[str, Any]) -> tuple[bytes | None, int, str]:
    """The answer compressed, its size, and why it is not kept when it is ``None``.

    A streaming body is read, kept, and put back as a new body over the same bytes.
    """
    from botocore.response import StreamingBody  # noqa: PLC0415

    kept = dict(parsed)
    for name, value in parsed.items():
        if isinstance(value, StreamingBody):
            raw = value.read()
            parsed[name] = StreamingBody(io.BytesIO(raw), len(raw))
            kept[name] = _Stream(raw)
    try:
        text = json.dumps(_tagged(kept), separators=(",", ":"), allow_nan=True)
    except TypeError as error:  # a value of a type no answer of botocore's has
        return None, 0, f"a value of type {error} cannot be stored"
    data = zlib.compress(text.encode("utf-8", "surrogatepass"))
    if len(data) > MAX_DATA_BYTES:
        return None, len(data), f"{len(data)} bytes compressed, more than {MAX_DATA_BYTES}"
    return data, len(data), ""


class _Stream:
    """A streaming body's bytes, read by ``_encode``."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw


def _tagged(value: Any) -> Any:
    """``value`` as JSON, bytes, streams and datetimes tagged so they come back as they were."""
    if isinstance(value, dict):
        return {key: _tagged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_tagged(item) for item in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    for kind, test, encode in _TAGS:
        if test(value):
            return {kind: encode(value)}
    raise TypeError(type(value).__name__)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _when(value: dt.datetime) -> list[Any]:
    offset = value.utcoffset()
    return [
        value.replace(tzinfo=None).isoformat(),
        None if offset is None else offset.total_seconds(),
    ]


def _is_binary(value: Any) -> bool:
    """boto3.dynamodb.types.Binary, by name (boto3 is not a dependency)."""
    return type(value).__name__ == "Binary" and isinstance(getattr(value, "value", None), bytes)


#: Tagged types: (tag, test, encode). The last three are put in an answer by handlers
#: that run before ours (boto3's DynamoDB resource), should one do so.
_TAGS: tuple[tuple[str, Any, Any], ...] = (
    (_BYTES, lambda v: isinstance(v, (bytes, bytearray)), lambda v: _b64(bytes(v))),
    (_TIME, lambda v: isinstance(v, dt.datetime), _when),
    (_STREAM, lambda v: isinstance(v, _Stream), lambda v: _b64(v.raw)),
    (_DECIMAL, lambda v: isinstance(v, decimal.Decimal), str),
    (_SET, lambda v: isinstance(v, (set, frozenset)), lambda v: [_tagged(m) for m in v]),
    (_BINARY, _is_binary, lambda v: _b64(v.value)),
)


def _stream(text: str) -> Any:
    from botocore.response import StreamingBody  # noqa: PLC0415

    raw = base64.b64decode(text)
    return StreamingBody(io.BytesIO(raw), len(raw))


def _binary(text: str) -> Any:
    from boto3.dynamodb.types import Binary  # noqa: PLC0415  (only boto3 makes these)

    return Binary(base64.b64decode(text))


_UNTAG: dict[str, Any] = {
    _BYTES: base64.b64decode,
    _STREAM: _stream,
    _TIME: lambda item: _datetime(*item),
    _DECIMAL: decimal.Decimal,
    _SET: lambda item: {_untagged(member) for member in item},
    _BINARY: _binary,
}


def _untagged(value: Any) -> Any:
    if isinstance(value, list):
        return [_untagged(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, item),) = value.items()
        untag = _UNTAG.get(key)
        if untag is not None:
            return untag(item)
    return {key: _untagged(item) for key, item in value.items()}


def _datetime(text: str, offset: float | None) -> dt.datetime:
    """A datetime as botocore's parser gives it: UTC as ``tzutc()``, else its offset."""
    naive = dt.datetime.fromisoformat(text)
    if offset is None:
        return naive
    from dateutil.tz import tzoffset, tzutc  # type: ignore[import-untyped]  # noqa: PLC0415  (botocore's own dependency)

    zone = tzutc() if offset == 0 else tzoffset(None, offset)
    return naive.replace(tzinfo=zone)


def _replay(data: Any) -> tuple[Any, dict[str, Any]]:
    """The first run's answer, parsed as it was, with a stand-in HTTP response (as Stubber's)."""
    from botocore.awsrequest import AWSResponse  # noqa: PLC0415

    raw = bytes(data.value if hasattr(data, "value") else data)  # boto3's Binary, or bytes
    parsed = _untagged(json.loads(zlib.decompress(raw)))
    metadata = parsed.setdefault("ResponseMetadata", {})
    metadata["FromJournal"] = True
    status = metadata.get("HTTPStatusCode", 200)
    stand_in = AWSResponse(None, status if isinstance(status, int) else 200, {}, None)  # type: ignore[arg-type]
    return stand_in, parsed


def _error_response(code: str, message: str) -> dict[str, Any]:
    return {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"RetryAttempts": 0, "FromJournal": True},
    }


def _operation(entry: Entry) -> str:
    return entry.call.split(":", 1)[1]


def _mismatch(entry: Entry) -> Exception:
    from boto3_idempotent._exceptions import IdempotentParameterMismatch  # noqa: PLC0415

    message = (
        f"{entry.call} was journaled at this place of the unit of work with other parameters:"
        " a re-run that makes different calls than the first run; nothing was sent"
    )
    return IdempotentParameterMismatch(
        _error_response("IdempotentParameterMismatch", message), _operation(entry)
    )


def _in_progress(entry: Entry) -> Exception:
    from boto3_idempotent._exceptions import EarlierAttemptMayHaveActed  # noqa: PLC0415

    message = (
        f"{entry.call} was journaled as in progress by an earlier run of this unit of work"
        " whose outcome is unknown (its answer was lost, or it stopped while waiting):"
        " not sent again; look its effect up before treating it as undone"
    )
    return EarlierAttemptMayHaveActed(
        _error_response("EarlierAttemptMayHaveActed", message), _operation(entry)
    )


def _too_large(entry: Entry, old: Mapping[str, Any]) -> Exception:
    from boto3_idempotent._exceptions import EarlierAttemptSucceeded  # noqa: PLC0415

    why = old.get("unkept", {}).get("S", "it was not kept")
    message = (
        f"{entry.call} succeeded in an earlier run of this unit of work, but its answer"
        f" could not be kept in the journal ({why}): not sent again"
    )
    return EarlierAttemptSucceeded(
        _error_response("EarlierAttemptSucceeded", message), _operation(entry)
    )


def _unavailable(journal: CallJournal, entry: Entry, reason: str) -> Exception:
    from boto3_idempotent._exceptions import JournalUnavailable  # noqa: PLC0415

    return JournalUnavailable(journal.table_name, entry.call, reason)
