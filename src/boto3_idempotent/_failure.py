"""One failed attempt, from what is known to what happens: loaded at a client's first failure.

The plugin's needs-retry hook hands a failure down here once and gets back one step
for its adapter (``Resend``, ``Linger`` or ``None``), or an exception; nothing here
calls back into the plugin's decisions. The walk::

    _Plugin.failed ──> handle(plugin, ...)
                          classify(...)     the response table (_policy/classify): an Outcome
                          decide(...)       a Verdict, from the settings, the failure,
                                            the operation's class and the call's state:
                                              resend after a delay  (tenacity: _policy/retrying)
                                              give up, with a reason
                                              raise typed (mismatch, terminated,
                                                           "earlier attempt" conflicts)
                          conclude(...)     the effects, in this one place: the rate
                                            limiter, telemetry, the call's context, the
                                            log record, ResponseMetadata / call_info,
                                            the exception raised
                   <──  Resend | Linger | None

``decide`` changes nothing but the retry quota (tenacity's policy takes from it) and
the call's start time when a re-wrap caught it under way. Shared by the synchronous
and the asyncio plugin: both adapters act on the step returned. Nothing here runs on
the success path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ChecksumError, ClientError

from . import _context as ctx
from ._knowledge.operations import IDEMPOTENT, is_read_only
from ._policy.classify import TIMEOUT_EXCEPTIONS, Outcome, classify_error, classify_exception
from ._policy.setup import Linger, Resend

if TYPE_CHECKING:
    from ._callinfo import StopReason
    from ._hooks import RetryEvent
    from ._knowledge.operations import OperationInfo
    from ._plugin import _Plugin
    from ._policy.retrying import Attempt, Call
    from ._policy.settings import Settings
    from ._policy.setup import Setup

__all__ = [
    "EARLIER_CONFLICT",
    "NOT_EARLIER",
    "Failure",
    "Verdict",
    "attempt_of",
    "classify",
    "decide",
    "handle",
    "log_no_resend",
    "raise_noted",
    "resend_safe",
]

logger = logging.getLogger("boto3_idempotent")

_ALWAYS_RESENT = frozenset({Outcome.THROTTLED, Outcome.REFUSED, Outcome.NOT_SENT})
#: Stop reasons whose exception gets a note (``_notes.NOTED``, spelt here: it loads lazily).
_NOTED = frozenset(
    {"unsafe_to_resend", "max_attempts", "deadline", "lambda_time_left", "retry_quota"}
)
#: EC2: the token's earlier launch succeeded and its instance has terminated since.
_TERMINATED_CODES = frozenset({"IdempotentInstanceTerminated"})
#: Refusals the earlier attempt of the same call could have caused: a unique name taken
#: ("already exists", "duplicate", "in use"), a conflict, a failed condition (DynamoDB
#: ConditionalCheckFailedException, S3 PreconditionFailed for IfNoneMatch). Patterns,
#: compiled (and cached by ``re``) at the first refusal after a lost answer.
EARLIER_CONFLICT = (
    r"AlreadyExist|AlreadyOwnedByYou|Duplicate|ResourceInUse|ConditionalCheckFailed"
    r"|PreconditionFailed|Conflict|Exists"
)
#: ... except codes that say something else: "not exists", someone else's transaction, a
#: conflict a first request gets as well (a validation error), a delete that did not act,
#: a name taken in a namespace shared by every account where the service answers its own
#: owner otherwise (S3 and S3 Control ``BucketAlreadyExists``: "The bucket namespace is
#: shared by all users"; an earlier attempt of ours would be ``BucketAlreadyOwnedByYou``).
NOT_EARLIER = (
    r"Not(?:Exist|Found|Empty)|NoSuch|Transaction|Invalid(?!\w*\.Duplicate)|Maximum"
    r"|Multiple|Limit|TagKeys|Conflicting|DeleteConflict|BucketNotEmpty|Behavior"
    r"|^BucketAlreadyExists$"
)


class Failure:
    """A failed attempt, classified."""

    __slots__ = ("error_code", "exception", "outcome", "parsed", "retry_after", "status")

    def __init__(
        self,
        outcome: Outcome,
        error_code: str,
        parsed: dict[str, Any] | None,  # None: an exception, no response
        retry_after: float | None,
        status: int | None = None,
        exception: BaseException | None = None,
    ) -> None:
        """What the response table says of one attempt."""
        self.exception = exception
        self.outcome = outcome
        self.error_code = error_code
        self.parsed = parsed
        self.retry_after = retry_after
        self.status = status


class Verdict:
    """What to do with a failed attempt: resend, give up, or raise typed.

    Attributes:
        reason: Why not resent (``None``: resend).
        delay: Seconds to back off before resending.
        event: What ``on_retry`` hooks are given before the backoff.
        pause: Seconds to wait before giving up (a long-polling call out of quota).
        raised: What to raise: ``"succeeded"`` (``EarlierAttemptSucceeded``),
            ``"may_have_acted"``, ``"terminated"``, ``"mismatch"``; combined with the
            service's own class when raised (``_exceptions`` loads then).
    """

    __slots__ = ("delay", "event", "pause", "raised", "reason")

    def __init__(
        self,
        reason: StopReason | None,
        *,
        delay: float = 0.0,
        event: RetryEvent | None = None,
        pause: float = 0.0,
        raised: str | None = None,
    ) -> None:
        """A verdict; see the class."""
        self.reason = reason
        self.delay = delay
        self.event = event
        self.pause = pause
        self.raised = raised


def handle(
    plugin: _Plugin,
    setup: Setup,
    response: tuple[Any, dict[str, Any]] | None,
    attempts: int,
    caught_exception: BaseException | None,
    context: MutableMapping[str, Any],
    info: OperationInfo,
    operation: Any,
) -> Resend | Linger | None:
    """Classify a failed attempt, decide, and apply the verdict: the step for the adapter."""
    failure = classify(setup.settings, response, caught_exception, info)
    if failure is None:
        return None
    verdict = decide(setup, plugin, failure, attempts, context, info)
    return conclude(plugin, setup, verdict, failure, attempts, context, info, operation)


def classify(
    settings: Settings,
    response: tuple[Any, dict[str, Any]] | None,
    caught_exception: BaseException | None,
    info: OperationInfo,
) -> Failure | None:
    """What went wrong, by the response table; ``None`` when there is nothing to judge."""
    if caught_exception is not None:
        outcome = classify_exception(caught_exception)
        code = type(caught_exception).__name__
        return Failure(outcome, code, None, None, exception=caught_exception)
    if response is None:
        return None
    http_response, parsed = response
    error = parsed.get("Error") or {}
    code = error.get("Code") or ""
    message = error.get("Message") or ""
    status = http_response.status_code
    maybe = classify_error(status, code, message, info.retryable_errors, info.refused_errors)
    if maybe is None:  # a 2xx whose body failed its checksum
        maybe, code = Outcome.AMBIGUOUS, "ChecksumError"
    headers = http_response.headers
    retry_after = _retry_after(headers) if settings.mode.retry_after else None
    return Failure(maybe, code, parsed, retry_after, status)


def decide(
    setup: Setup,
    plugin: _Plugin,
    failure: Failure,
    attempts: int,
    context: MutableMapping[str, Any],
    info: OperationInfo,
) -> Verdict:
    """The verdict on one failed attempt; no effect but the quota tenacity's policy takes."""
    ambiguous_before = bool(context.get(ctx.AMBIGUOUS, False))
    if failure.parsed is not None:
        raised = _typed(failure, info, ambiguous_before)
        if raised is None and failure.error_code in info.name_conflicts:
            # A name derived from the key is taken: by this unit of work's earlier run.
            raised = "may_have_acted" if context.get(ctx.DERIVED_NAME) else None
        if raised is not None:
            return Verdict("not_retryable", raised=raised)
    outcome = failure.outcome
    if outcome in _ALWAYS_RESENT or (
        outcome is Outcome.AMBIGUOUS and resend_safe(setup.settings, info, context)
    ):
        call = _call(plugin.service_name, info, context, setup)
        attempt = attempt_of(setup.settings, failure, failure.exception)
        decision = setup.decider(plugin.quota).decide(call, attempts, attempt)
        if decision.delay is not None:
            return Verdict(None, delay=decision.delay, event=decision.event)
        return Verdict(decision.reason or "max_attempts", pause=decision.pause)
    if outcome is Outcome.AMBIGUOUS:
        return Verdict("unsafe_to_resend")
    if (
        ambiguous_before
        and failure.parsed is not None
        and (_earlier_conflict(failure, info) or _refused_repeat(failure, info))
    ):
        return Verdict("not_retryable", raised="may_have_acted")
    return Verdict("not_retryable")


def resend_safe(settings: Settings, info: OperationInfo, context: Mapping[str, Any]) -> bool:
    """Whether this call may be resent after an ambiguous failure.

    The caller's lists come first (``treat_as_unsafe``, then ``retry_unsafe``);
    then a call carrying its token or reference is protected; then the
    operation's class, refined by the request where it decides.
    """
    if info.name in settings.treat_as_unsafe:
        return False
    if settings.retry_unsafe is True or info.name in settings.retry_unsafe_operations:
        return True
    if context.get(ctx.PROTECTED, False):
        return True
    resend = info.resend
    if resend.refine is not None:
        params = context.get(ctx.PARAMS)
        return params is not None and resend.refine(params)
    return resend.kind == IDEMPOTENT


def _typed(failure: Failure, info: OperationInfo, ambiguous_before: bool) -> str | None:
    """Ours to raise before any resend: a repeat answered as a conflict, a mismatch."""
    code = failure.error_code
    if ambiguous_before and code in info.repeat_conflicts:  # before a mismatch: CloudFormation's
        marker = info.repeat_marker  # TokenAlreadyExistsException is both
        message = str((failure.parsed or {}).get("Error", {}).get("Message", ""))
        if marker is None or marker in message:
            return "succeeded"
    if code in _TERMINATED_CODES:
        return "terminated"
    if failure.outcome is Outcome.MISMATCH:
        return "mismatch"
    return None


def _earlier_conflict(failure: Failure, info: OperationInfo) -> bool:
    """A refusal the earlier attempt of this call could have caused (see EARLIER_CONFLICT).

    Never for an operation that only reads: its earlier attempt acted on nothing.
    """
    code = failure.error_code
    if is_read_only(info.name) or re.search(EARLIER_CONFLICT, code) is None:
        return False
    return re.search(NOT_EARLIER, code) is None


def _refused_repeat(failure: Failure, info: OperationInfo) -> bool:
    """A refusal the operation's review says a repeat gets (a state fault: "already started")."""
    if failure.error_code not in info.repeat_refusals:
        return False
    marker = info.refusal_marker
    message = str((failure.parsed or {}).get("Error", {}).get("Message", ""))
    return marker is None or marker in message


def conclude(
    plugin: _Plugin,
    setup: Setup,
    verdict: Verdict,
    failure: Failure,
    attempts: int,
    context: MutableMapping[str, Any],
    info: OperationInfo,
    operation: Any,
) -> Resend | Linger | None:
    """Apply a verdict's effects, all of them here; the step the adapter takes."""
    if plugin.limiter is not None:
        plugin.limiter.observe(throttled=failure.outcome is Outcome.THROTTLED)
    telemetry = plugin.telemetry()
    error_type = failure.error_code
    if telemetry is not None:
        error_type = telemetry.error_type(operation, failure.error_code)
        started = context.get(ctx.ATTEMPT)
        telemetry.attempt_ended(
            info.name, None if started is None else setup.clock() - started, error_type
        )
    reason = verdict.reason
    if reason is None:  # resend
        if failure.outcome is Outcome.AMBIGUOUS:
            context[ctx.AMBIGUOUS] = True
        if telemetry is not None:
            outcome = failure.outcome.name.lower()
            telemetry.resent(info.name, attempts, verdict.delay, error_type, outcome)
        return Resend(verdict.delay, verdict.event)
    log_no_resend(plugin.service_name, info.name, failure.error_code, reason, context)
    if telemetry is not None:
        start = context.get(ctx.START)
        seconds = None if start is None else setup.clock() - start
        telemetry.call_ended(info.name, attempts, seconds, reason)
    if failure.error_code == "ChecksumError":  # never hand back a body that failed it
        raise ChecksumError(
            checksum_type="crc32", expected_checksum="header", actual_checksum="body"
        )
    _tell(plugin, verdict, failure, attempts, context, info)
    return Linger(verdict.pause) if verdict.pause > 0 else None


def _tell(  # noqa: C901  (one branch per thing told)
    plugin: _Plugin,
    verdict: Verdict,
    failure: Failure,
    attempts: int,
    context: MutableMapping[str, Any],
    info: OperationInfo,
) -> None:
    """Tell the caller why the call stopped: call_info, a note, and the typed error if any.

    A note (``_notes``) goes on the exception itself when there is one (a timeout); for an
    error answer, botocore makes the exception after this hook, so the note waits in the
    call's context for the plugin's after-call hook, which raises it noted.
    """
    from ._callinfo import (  # noqa: PLC0415  (a call given up: not on a resend's path)
        CALL_INFO_ATTR,
        EARLIER_ATTEMPT_METADATA_KEY,
        STOP_REASON_METADATA_KEY,
        TOKEN_METADATA_KEY,
        CallInfo,
    )

    reason = cast("StopReason", verdict.reason)
    token: str | None = context.get(ctx.TOKEN)
    acted = bool(context.get(ctx.AMBIGUOUS, False))  # an attempt before this one may have
    on_rerun = context.get(ctx.ON_RERUN)
    operation_name = info.name
    parsed = failure.parsed
    record = CallInfo(attempts, token, reason == "max_attempts", reason, acted, on_rerun=on_rerun)
    note: str | None = None
    if reason in _NOTED and verdict.raised is None:
        from ._notes import stop_note  # noqa: PLC0415

        why = info.resend.reason if reason == "unsafe_to_resend" else ""
        note = stop_note(
            plugin.service_name, operation_name, failure.error_code, reason, record, why
        )
    if parsed is None:
        if failure.exception is not None:
            setattr(failure.exception, CALL_INFO_ATTR, record)
            if note is not None:
                from ._notes import add_note  # noqa: PLC0415

                add_note(failure.exception, note)
        return
    if note is not None:
        context[ctx.NOTE] = note  # raised with it by the plugin's after-call hook
    metadata = parsed.setdefault("ResponseMetadata", {})
    if token is not None:
        metadata[TOKEN_METADATA_KEY] = token
    if on_rerun is not None:
        metadata[ctx.ON_RERUN_METADATA_KEY] = on_rerun
    metadata[STOP_REASON_METADATA_KEY] = reason
    if reason == "max_attempts":
        metadata["MaxAttemptsReached"] = True
    if acted:
        metadata[EARLIER_ATTEMPT_METADATA_KEY] = True
    if verdict.raised is None:
        return
    metadata["RetryAttempts"] = attempts - 1
    client = plugin.client()
    # As botocore picks the class: a query-compatible service (SQS) models the query
    # code, which its after-call handler would put in place of the JSON one.
    shape = (parsed.get("Error") or {}).get("QueryErrorCode") or failure.error_code
    modeled = cast(
        "type[ClientError]",
        client.exceptions.from_code(shape) if client is not None else ClientError,
    )
    from . import _exceptions as ours  # noqa: PLC0415  (raised typed: rare)

    if verdict.raised in ("succeeded", "may_have_acted"):
        from ._notes import add_note, earlier_note  # noqa: PLC0415

        earlier = (
            ours.EarlierAttemptSucceeded
            if verdict.raised == "succeeded"
            else ours.EarlierAttemptMayHaveActed
        )
        error = ours.combined_class(earlier, modeled)(parsed, operation_name, token, attempts)
        told = CallInfo(
            attempts,
            token,
            stop_reason=reason,
            earlier_attempt_may_have_acted=acted,
            on_rerun=on_rerun,
        )
        add_note(error, earlier_note(plugin.service_name, operation_name, failure.error_code, told))
        raise error
    token_error = (
        ours.IdempotentInstanceTerminated
        if verdict.raised == "terminated"
        else ours.IdempotentParameterMismatch
    )
    raise ours.combined_class(token_error, modeled)(parsed, operation_name, token)


def _call(
    service: str, info: OperationInfo, context: MutableMapping[str, Any], setup: Setup
) -> Call:
    """The call as the tenacity policy sees it."""
    from ._policy.retrying import Call  # noqa: PLC0415  (the failure path only)

    token: str | None = context.get(ctx.TOKEN)
    start = context.get(ctx.START)
    if start is None:  # wrapped while this call was already under way
        start = context[ctx.START] = setup.clock()
    return Call(
        service=service,
        operation_name=info.name,
        token=token,
        from_caller=bool(context.get(ctx.FROM_CALLER)),
        start=start,
        time_left=context.get(ctx.TIME_LEFT),
        context=context,
    )


def attempt_of(
    settings: Settings, failure: Failure, caught_exception: BaseException | None
) -> Attempt:
    """The failed attempt as the tenacity policy sees it, with what a retry would cost."""
    # tenacity loads only when something is to be retried, not at any failure.
    from ._policy.retrying import Attempt  # noqa: PLC0415

    mode = settings.mode
    if failure.outcome is Outcome.THROTTLED:
        cost = mode.throttle_retry_cost
    elif isinstance(caught_exception, TIMEOUT_EXCEPTIONS):
        cost = mode.timeout_retry_cost
    else:
        cost = mode.retry_cost
    return Attempt(failure.outcome, failure.error_code, cost, failure.retry_after)


def log_no_resend(
    service: str,
    operation: str,
    error_code: str,
    reason: StopReason,
    context: Mapping[str, Any] | None = None,
) -> None:
    """One record per decision not to resend: never parameters, never the response.

    Its ``token`` attribute is the call's token in its log-safe form (``None`` without
    one), as the retry records carry it, so one ``%(token)s`` format serves them all.
    """
    # The quota running out is an outage signal; the rest explains a single call.
    level = logging.INFO if reason == "retry_quota" else logging.DEBUG
    if logger.isEnabledFor(level):
        token = None if context is None else context.get(ctx.TOKEN)
        if token is not None:
            from ._masking import log_safe  # noqa: PLC0415  (a record to write)

            token = log_safe(token, from_caller=bool(context and context.get(ctx.FROM_CALLER)))
        logger.log(
            level,
            "Not resending %s.%s after %s: %s",
            service,
            operation,
            error_code,
            reason,
            extra={
                "operation": operation,
                "error_code": error_code,
                "stop_reason": reason,
                "token": token,
            },
        )


def _retry_after(headers: Any) -> float | None:
    """Seconds from an ``x-amz-retry-after`` header (milliseconds), if it is valid."""
    raw = headers.get("x-amz-retry-after")
    if raw is None:
        return None
    try:
        seconds = int(raw) / 1000.0
    except (ValueError, OverflowError):
        return None
    return seconds if seconds >= 0 else None


def raise_noted(
    plugin: _Plugin,
    parsed: Mapping[str, Any],
    operation_name: str,
    note: str,
    context: Mapping[str, Any],
) -> None:
    """Raise what botocore would raise for this error answer, with the library's note.

    The class is botocore's choice, as ``BaseClient._make_api_call`` makes it: the modeled
    class of the context's ``error_code_override`` (SQS's query code, which botocore's
    after-call handler put there), else of the answer's code.

    Raises:
        ClientError: always (the service's modeled class where it has one).
    """
    from ._notes import add_note  # noqa: PLC0415

    error_info = parsed.get("Error") or {}
    code = str(context.get("error_code_override") or error_info.get("Code") or "")
    client = plugin.client()
    modeled = cast(
        "type[ClientError]",
        client.exceptions.from_code(code) if client is not None else ClientError,
    )
    error = modeled(cast("Any", parsed), operation_name)
    add_note(error, note)
    raise error
