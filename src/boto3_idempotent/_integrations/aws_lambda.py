"""AWS Lambda: handlers whose re-runs send the first run's tokens, and stop retrying in time.

Lambda re-runs a failed asynchronous invocation (twice, with the same
``aws_request_id``), and SQS delivers a message at least once (with the same
``messageId``). With random tokens, a handler that crashed after its create
creates again on the re-run. Under ``idempotent_handler`` the tokens come from
the invocation's key, so the re-run's calls carry the same tokens and the service
replays the first answers. A re-run that makes *different* calls gets
``IdempotentParameterMismatch`` (same token, other parameters), never a silent
duplicate.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import math
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast, overload

from boto3_idempotent._config import parse_seconds
from boto3_idempotent._exceptions import ConfigError
from boto3_idempotent._scope import keyed, time_limit

if TYPE_CHECKING:
    from .journal import CallJournal

__all__ = [
    "DEFAULT_LAMBDA_MARGIN",
    "JOURNAL_EXPIRES_ENV",
    "JOURNAL_TABLE_ENV",
    "MARGIN_ENV",
    "idempotent_handler",
    "journal_from",
    "process_sqs_batch",
]

logger = logging.getLogger("boto3_idempotent")

MARGIN_ENV = "BOTO3_IDEMPOTENT_LAMBDA_MARGIN"
#: Seconds kept free at the end of an invocation: no retry sleeps into them.
DEFAULT_LAMBDA_MARGIN = 1.0

ResultT = TypeVar("ResultT")
AwaitedT = TypeVar("AwaitedT")
EventT = TypeVar("EventT")
ParamsP = ParamSpec("ParamsP")
#: A handler: ``(event, context, ...)``; the decorator keeps its exact signature.
Handler = Callable[Concatenate[EventT, Any, ParamsP], ResultT]
KeyFunction = Callable[[Any, Any], str]

_MARGIN_EXPECTED = "a finite number of seconds >= 0, in ASCII digits"

#: A call journal for every ``idempotent_handler`` and ``process_sqs_batch``: its table.
JOURNAL_TABLE_ENV = "BOTO3_IDEMPOTENT_JOURNAL_TABLE"
#: Seconds that journal keeps a record (default six hours).
JOURNAL_EXPIRES_ENV = "BOTO3_IDEMPOTENT_JOURNAL_EXPIRES_AFTER"
_EXPIRES_EXPECTED = "a finite number of seconds > 0, in ASCII digits"


_ENV_JOURNALS: dict[tuple[str, float], CallJournal] = {}


def journal_from(
    value: object, environ: Mapping[str, str], *, cache: bool = False
) -> CallJournal | None:
    """The journal: ``value`` if given, else the one the environment names, else ``None``.

    Nothing is loaded, read or sent when neither gives one. ``cache``: the environment's
    journal is made once per table and expiry (``process_sqs_batch`` runs per invocation,
    and a journal's client is made once).

    Raises:
        ConfigError: ``journal`` is not a ``CallJournal``, or a variable is malformed
            (naming it, its value and the form expected).
    """
    if value is not None:
        from .journal import check_journal  # noqa: PLC0415

        check_journal(value, "journal")
        return cast("CallJournal", value)
    table = environ.get(JOURNAL_TABLE_ENV, "").strip()
    raw = environ.get(JOURNAL_EXPIRES_ENV, "").strip()
    if not table and not raw:
        return None
    from .journal import DEFAULT_EXPIRES_AFTER, TABLE_EXPECTED, CallJournal, valid_table  # noqa: PLC0415

    expires = DEFAULT_EXPIRES_AFTER
    if raw:
        try:
            expires = parse_seconds(raw)
        except ValueError:
            raise ConfigError(JOURNAL_EXPIRES_ENV, raw, _EXPIRES_EXPECTED) from None
        if expires <= 0:
            raise ConfigError(JOURNAL_EXPIRES_ENV, raw, _EXPIRES_EXPECTED)
    if not table:
        return None
    if not valid_table(table):
        raise ConfigError(JOURNAL_TABLE_ENV, table, TABLE_EXPECTED)
    if not cache:
        return CallJournal(table, expires_after=expires)
    found = _ENV_JOURNALS.get((table, expires))
    if found is None:  # racing threads may both make one; either serves
        found = _ENV_JOURNALS[table, expires] = CallJournal(table, expires_after=expires)
    return found


def margin_from(value: object, environ: Mapping[str, str]) -> float:
    """The margin: ``value`` if given, else ``BOTO3_IDEMPOTENT_LAMBDA_MARGIN``, else 1.0.

    Raises:
        ConfigError: naming ``margin`` or the variable, the value and the form expected.
    """
    if value is not None:
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or not math.isfinite(value)
            or value < 0
        ):
            raise ConfigError("margin", value, _MARGIN_EXPECTED)
        return float(value)
    raw = environ.get(MARGIN_ENV, "").strip()
    if not raw:
        return DEFAULT_LAMBDA_MARGIN
    try:
        seconds = parse_seconds(raw)
    except ValueError:
        raise ConfigError(MARGIN_ENV, raw, _MARGIN_EXPECTED) from None
    if seconds < 0:
        raise ConfigError(MARGIN_ENV, raw, _MARGIN_EXPECTED)
    return seconds


def _request_id(_event: Any, context: Any) -> str:
    request_id = getattr(context, "aws_request_id", None)
    if not isinstance(request_id, str) or not request_id:
        raise TypeError(
            "idempotent_handler needs the Lambda context's aws_request_id; "
            "pass key=lambda event, context: ... to key the tokens yourself"
        )
    return request_id


@overload
def idempotent_handler(
    handler: Handler[EventT, ParamsP, ResultT], /
) -> Handler[EventT, ParamsP, ResultT]: ...


@overload
def idempotent_handler(
    *,
    key: KeyFunction | None = None,
    margin: float | None = None,
    journal: CallJournal | None = None,
) -> Callable[[Handler[EventT, ParamsP, ResultT]], Handler[EventT, ParamsP, ResultT]]: ...


def idempotent_handler(
    handler: Handler[EventT, ParamsP, ResultT] | None = None,
    /,
    *,
    key: KeyFunction | None = None,
    margin: float | None = None,
    journal: CallJournal | None = None,
) -> (
    Handler[EventT, ParamsP, ResultT]
    | Callable[[Handler[EventT, ParamsP, ResultT]], Handler[EventT, ParamsP, ResultT]]
):
    """Decorate a Lambda handler: deterministic tokens, and retries that end in time.

    Use bare (``@idempotent_handler``: tokens keyed by ``context.aws_request_id``,
    which a re-run of a failed asynchronous invocation keeps) or with
    ``key=lambda event, context: ...`` (an order id, an S3 object's key and version).
    An ``async def`` handler stays one: the scope and time limit last while its
    coroutine runs.

    Inside the handler, every wrapped client:

    * derives its generated tokens from the key (see ``idempotency_key``);
    * starts no backoff that would end within ``margin`` seconds of the function's
      timeout (``context.get_remaining_time_in_millis()``).

    A call the key cannot protect (no client token, not idempotent: SQS
    ``SendMessage``, SNS ``Publish``, ...) warns ``UnprotectedCallWarning`` before it
    is sent, unless a ``journal`` keeps it: then a re-run gets its first answer
    without sending it again.

    Args:
        handler: The handler, when used bare.
        key: Computes the key from ``(event, context)``; must return a non-empty str.
        margin: Seconds to keep free; default ``BOTO3_IDEMPOTENT_LAMBDA_MARGIN``, else
            1.0. Read and checked when the decorator is applied (at cold start).
        journal: A ``CallJournal`` for the calls a re-run would repeat; default: the
            one ``BOTO3_IDEMPOTENT_JOURNAL_TABLE`` names, else none. Read and checked
            when the decorator is applied.

    Raises:
        ConfigError: the margin (argument or variable) is not seconds >= 0; the
            journal is not a ``CallJournal``, or its variables are malformed.
    """
    seconds = margin_from(margin, os.environ)
    calls = journal_from(journal, os.environ)
    key_of = key or _request_id

    @contextlib.contextmanager
    def invocation(event: Any, context: Any) -> Iterator[None]:
        """The key scope and time limit one invocation runs in."""
        work_key = key_of(event, context)
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        with keyed(work_key, journal=calls, random_key=key is None):
            if not callable(remaining):  # invoked locally without a context: no limit
                yield
                return
            with time_limit(functools.partial(_seconds_left, remaining, seconds)):
                yield

    def decorate(function: Handler[EventT, ParamsP, ResultT]) -> Handler[EventT, ParamsP, ResultT]:
        if inspect.iscoroutinefunction(function):
            # The scope must last while the coroutine runs, not while it is created.
            return cast("Handler[EventT, ParamsP, ResultT]", _async_handler(function, invocation))

        @functools.wraps(function)
        def wrapper(
            event: EventT, context: Any, /, *args: ParamsP.args, **kwargs: ParamsP.kwargs
        ) -> ResultT:
            with invocation(event, context):
                return function(event, context, *args, **kwargs)

        return wrapper

    return decorate(handler) if handler is not None else decorate


def _async_handler(
    function: Callable[Concatenate[EventT, Any, ParamsP], Awaitable[AwaitedT]],
    invocation: Callable[[Any, Any], contextlib.AbstractContextManager[None]],
) -> Callable[Concatenate[EventT, Any, ParamsP], Awaitable[AwaitedT]]:
    """``function`` (an ``async def`` handler) run inside its invocation's scope."""

    @functools.wraps(function)
    async def wrapper(
        event: EventT, context: Any, /, *args: ParamsP.args, **kwargs: ParamsP.kwargs
    ) -> AwaitedT:
        with invocation(event, context):
            return await function(event, context, *args, **kwargs)

    return wrapper


def _seconds_left(remaining: Callable[[], object], margin: float) -> float:
    """Seconds a retry may still sleep; no limit if the context cannot tell."""
    millis = remaining()
    if not isinstance(millis, (int, float)) or isinstance(millis, bool):
        return math.inf  # a context that answers None (a stand-in in tests, a local run)
    return millis / 1000.0 - margin


def process_sqs_batch(
    event: Mapping[str, Any],
    record_handler: Callable[[dict[str, Any]], object],
    *,
    journal: CallJournal | None = None,
) -> dict[str, list[dict[str, str]]]:
    """Handle each SQS record under its own ``messageId`` key; report the failures.

    A redelivered message keeps its ``messageId``, so the calls it makes carry the
    tokens its first delivery sent. Records are handled in order; a record whose
    handler raises is listed for redelivery and the others go on, except on a FIFO
    queue, where the first failure stops the batch and every record from it on is
    listed (so that order within a message group is kept).

    ``journal`` (default: the enclosing key scope's, else the one
    ``BOTO3_IDEMPOTENT_JOURNAL_TABLE`` names) keeps the calls a redelivery would
    repeat, per message.

    Returns:
        The partial batch response Lambda expects (enable ``ReportBatchItemFailures``
        on the event source mapping): ``{"batchItemFailures": [{"itemIdentifier": id}]}``.

    Raises:
        ValueError: the event is not an SQS batch: not a mapping, no ``Records`` list,
            or a record that is not an SQS message (no ``messageId``, another
            ``eventSource``).
        TypeError: ``record_handler`` is an ``async def`` function (it would never run).
        ConfigError: ``journal`` is not a ``CallJournal``, or its variables are malformed.
    """
    if inspect.iscoroutinefunction(record_handler):
        raise TypeError(
            "process_sqs_batch() calls record_handler synchronously, so an async def one"
            " would never run: await each record yourself inside"
            " idempotency_key(record['messageId'])"
        )
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        # ValueError, as documented: a wrong *event*, whatever its Python type.
        raise ValueError(  # noqa: TRY004
            "process_sqs_batch() needs an SQS event: a mapping with a Records list"
        )
    message_ids: list[str] = []
    for record in records:
        message_id = record.get("messageId") if isinstance(record, dict) else None
        source = record.get("eventSource", "aws:sqs") if isinstance(record, dict) else None
        if not isinstance(message_id, str) or not message_id or source != "aws:sqs":
            raise ValueError(
                "process_sqs_batch() needs an SQS event: each record has a messageId and"
                " eventSource 'aws:sqs'"
            )
        message_ids.append(message_id)
    from boto3_idempotent._context import current_scope  # noqa: PLC0415

    enclosing = current_scope()
    if journal is not None or enclosing is None or enclosing.journal is None:
        # Else each record's scope inherits the enclosing handler's journal.
        journal = journal_from(journal, os.environ, cache=True)
    failures: list[dict[str, str]] = []
    for index, (record, message_id) in enumerate(zip(records, message_ids, strict=True)):
        try:
            with keyed(message_id, journal=journal, random_key=True):
                record_handler(record)
        except Exception as exc:  # noqa: BLE001, PERF203  (reported to SQS, which redelivers)
            # The type only: exception messages can carry request parameters.
            logger.warning(
                "SQS record %s failed with %s; SQS will redeliver it",
                message_id,
                type(exc).__name__,
                extra={"message_id": message_id, "error_type": type(exc).__name__},
            )
            if _is_fifo(record):
                failures.extend({"itemIdentifier": m} for m in message_ids[index:])
                break
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


def _is_fifo(record: dict[str, Any]) -> bool:
    source = record.get("eventSourceARN")
    return isinstance(source, str) and source.endswith(".fifo")
