"""The botocore event-hook plugin: one token per logical call, exactly one retry layer.

One client call, and where this module steps in::

    before-parameter-build.<service>   _Plugin.prepare
        Find the operation's token members (cached per operation). Keep and check
        a caller's token; generate one where none was given; note a caller's
        reference (Route 53's CallerReference). Note in the call's context (botocore's
        per-call dict, never client state) the token, the start time, and whether
        this call is *protected*: its request carries its token or reference.
    botocore serializes the request once; then, for each attempt:
    request-created.<service>          _Plugin.request_created
        An upload stream is put back where the caller had it (botocore rewinds to 0).
    ... signs;
    before-send.<service>              _Plugin.before_send (adaptive mode only)
        Reserve the next token of the client's rate limiter (_rate_limit) and wait
        for it, or fail at once if it is due past the deadline or the Lambda margin.
    ... sends; the HTTP session checks the body against Content-Length.
    needs-retry.<service>              _Plugin.needs_retry
        Success (2xx, and for DynamoDB a body matching its x-amz-crc32): refund
        the quota, note the token in ResponseMetadata. Nothing else.
        Failure: classify it (_classify's table). A mismatch is raised typed; so is
        "already exists" on a retry after a lost answer. A failure that may not be
        resent (a plain 4xx; an ambiguous failure of an unprotected call) is handed
        back to botocore as it is, its reason noted. Anything else goes to a
        tenacity Retrying built once per client (_retrying: full-jitter wait with
        botocore's bases; stop on attempts, deadline or Lambda time left, then
        quota). To resend: hooks, then the backoff (injectable sleep, cut to the
        deadline), then return 0; botocore resends the same serialized body, with
        the same token, re-signed.

All of botocore's retry machinery is unregistered from the wrapped client (see
_botocore_retries). Wrapping again swaps the policy inside the registered hooks in
one assignment, so a call in flight sees the old policy or the new, never no hooks.
``wrap()`` lives in _wrap; an aiobotocore client gets _aio's subclass, whose
needs_retry awaits (body, hooks, backoff) around the same decisions made here.
"""

from __future__ import annotations

import sys
import time
import warnings
import weakref
import zlib
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Final, cast

from botocore.exceptions import ChecksumError, ClientError

from . import _testing_mode as testing_mode
from ._callinfo import (
    CALL_INFO_ATTR,
    EARLIER_ATTEMPT_METADATA_KEY,
    STOP_REASON_METADATA_KEY,
    TOKEN_METADATA_KEY,
    CallInfo,
    StopReason,
)
from ._classify import Outcome
from ._exceptions import (
    ClientRateLimited,
    EarlierAttemptSucceeded,
    IdempotentInstanceTerminated,
    IdempotentParameterMismatch,
    combined_class,
)
from ._lifetimes import LAMBDA_RETRY_WINDOW, TOKEN_LIFETIMES, TokenLifetimeWarning
from ._operations import IDEMPOTENT, OperationInfo, operation_info
from ._quota import CTX_COST, RetryQuota
from ._scope import current_scope, current_time_left
from ._setup import Linger, Resend, Setup
from ._warnings import user_stacklevel

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from ._failure import Failure
    from ._rate_limit import RateLimiter
    from ._telemetry import Telemetry

__all__ = ["PLUGIN_ATTR"]

PLUGIN_ATTR = "_boto3_idempotent_plugin"  # where a wrapped client keeps its plugin
# Keys of botocore's per-call context dict.
_CTX_TOKEN: Final = "boto3_idempotent.token"  # noqa: S105  (a key name)
_CTX_FROM_CALLER: Final = "boto3_idempotent.token_from_caller"
_CTX_PROTECTED: Final = "boto3_idempotent.protected"
_CTX_START: Final = "boto3_idempotent.start"
_CTX_TIME_LEFT: Final = "boto3_idempotent.time_left"
_CTX_AMBIGUOUS: Final = "boto3_idempotent.ambiguous_before"
_CTX_BODY_OFFSET: Final = "boto3_idempotent.body_offset"
_CTX_PARAMS: Final = "boto3_idempotent.params"  # kept only where the request decides
_CTX_ATTEMPT: Final = "boto3_idempotent.attempt_start"  # with telemetry only
_CTX_OPERATION: Final = "boto3_idempotent.operation"  # adaptive mode only
_OTEL: Final = "opentelemetry"  # in sys.modules: the program uses OpenTelemetry

_ALWAYS_RESENT = frozenset({Outcome.THROTTLED, Outcome.REFUSED, Outcome.NOT_SENT})
_CRC32_SERVICES = frozenset({"dynamodb"})  # as botocore's retry handler checks
_CHUNKED = "AwsChunkedWrapper"  # botocore's, and aiobotocore's AioAwsChunkedWrapper
#: EC2: the token's earlier launch succeeded and its instance has terminated since.
_TERMINATED_CODES = frozenset({"IdempotentInstanceTerminated"})


class _Plugin:
    """The hooks one wrapped client runs, and the state they share (quota, caches)."""

    def __init__(self, client: BaseClient, setup: Setup) -> None:
        self.setup = setup
        self.quota = RetryQuota(setup.settings.mode.quota_capacity)
        self._refund = setup.settings.mode.no_retry_refund  # the botocore line's: fixed
        self._client = weakref.ref(client)
        service_model = client.meta.service_model
        self.service_name: str = service_model.service_name
        self.event_name: str = service_model.service_id.hyphenize()
        self.service_id = str(service_model.service_id)  # "EC2": rpc.service
        self._telemetry: Telemetry | None = None  # made when OpenTelemetry is in use
        self._telemetry_broken = False  # its instruments could not be made
        self._operations: dict[str, OperationInfo] = {}
        self._crc32 = self.service_name in _CRC32_SERVICES
        self._validate = _validates(client)
        self.limiter: RateLimiter | None = None  # adaptive retry mode: one per client
        if (getattr(client.meta.config, "retries", None) or {}).get("mode") == "adaptive":
            from ._rate_limit import RateLimiter  # noqa: PLC0415  (adaptive clients only)

            # The clock of the setup in force: a re-wrap's clock is the limiter's too.
            self.limiter = RateLimiter(lambda: self.setup.clock())  # noqa: PLW0108  (late-bound)

    # -- registration ---------------------------------------------------------------

    def register(self, events: Any) -> None:
        from ._botocore_retries import remove_botocore_retries  # noqa: PLC0415  (at wrap)

        name = self.event_name
        remove_botocore_retries(events, name)
        # Service-level handlers run before botocore's generic ones
        # (generate_idempotent_uuid, the request signer).
        events.register(
            f"before-parameter-build.{name}",
            self.prepare,
            unique_id=f"boto3-idempotent-prepare-{name}",
        )
        events.register(
            f"request-created.{name}",
            self.request_created,
            unique_id=f"boto3-idempotent-request-created-{name}",
        )
        events.register(
            f"needs-retry.{name}",
            self.needs_retry,
            unique_id=f"boto3-idempotent-needs-retry-{name}",
        )
        if self.limiter is not None:
            events.register(
                f"before-parameter-build.{name}",
                self.note_operation,
                unique_id=f"boto3-idempotent-note-operation-{name}",
            )
            events.register(
                f"before-send.{name}",
                self.before_send,
                unique_id=f"boto3-idempotent-before-send-{name}",
            )

    # -- hooks ----------------------------------------------------------------------

    def info(self, model: Any) -> OperationInfo:
        """What this client knows of one operation (built at its first call)."""
        info = self._operations.get(model.name)
        if info is None:
            # Racing threads may both build it; the results are equal.
            info = self._operations[model.name] = operation_info(self.service_name, model)
        return info

    def prepare(
        self,
        params: MutableMapping[str, Any],
        model: Any,
        context: MutableMapping[str, Any],
        **kwargs: Any,
    ) -> None:
        """Put one token per token member into ``params``; note the call in its context."""
        setup = self.setup
        info = self._operations.get(model.name) or self.info(model)
        # Seeds the amz-sdk-request header's max= with our count, not botocore's.
        cap = testing_mode.state.attempts
        attempts = setup.settings.max_attempts
        context["retries"] = {"max": attempts if cap is None else min(cap, attempts)}
        context[_CTX_START] = setup.clock()
        if info.resend.refine is not None:  # the request decides its class, at a failure
            context[_CTX_PARAMS] = params
        time_left = current_time_left()
        if time_left is not None:
            context[_CTX_TIME_LEFT] = time_left
        if info.tokens:
            scope = current_scope()
            seed = None
            if scope is not None:
                region = context.get("client_region") or ""
                seed = scope.seed(self.service_name, region, info.name)
                _warn_if_short_lived(self.service_name)
            for member in info.tokens:
                applied = member.apply(params, info.name, seed, validate=self._validate)
                if applied is not None and _CTX_TOKEN not in context:
                    context[_CTX_TOKEN], context[_CTX_FROM_CALLER] = applied
                    context[_CTX_PROTECTED] = True
        for path in info.references:
            reference = _carried(params, path)
            if reference is not None:
                context[_CTX_PROTECTED] = True
                if reference and _CTX_TOKEN not in context:
                    context[_CTX_TOKEN], context[_CTX_FROM_CALLER] = reference, True

    def request_created(self, request: Any, **kwargs: Any) -> None:
        """Keep an upload stream at the offset the caller gave it, on every attempt.

        botocore rewinds a stream to 0 before a resend; a file positioned at byte N
        (a part of a larger file) would then be sent from its start. The first
        attempt notes the offset, later ones seek back to it, before the signer and
        the Content-Length read the stream.
        """
        if self.setup.telemetry and _OTEL in sys.modules:
            stamp = getattr(request, "context", None)
            if stamp is not None:
                stamp[_CTX_ATTEMPT] = self.setup.clock()
        # request.data, the body as given: request.body would prepare (url-encode) it.
        body = request.data
        if getattr(body, "seek", None) is None:  # bytes, a form dict, no body: the common case
            return
        context = getattr(request, "context", None)
        if context is None:
            return
        # Over HTTPS, botocore streams PutObject/UploadPart bodies as aws-chunked with a
        # trailing checksum: an AwsChunkedWrapper (aiobotocore: its Aio twin) around the
        # caller's stream, with no tell() and a seek() that only goes to 0, rewinding
        # the stream to its start. botocore has already called that seek(0) (resetting
        # the wrapper) before this hook, so putting the stream inside at the caller's
        # offset is all a resend needs.
        offset = context.get(_CTX_BODY_OFFSET)
        try:
            chunked = type(body).__name__.endswith(_CHUNKED)
            stream: Any = body._raw if chunked else body  # noqa: SLF001
            if offset is None:
                context[_CTX_BODY_OFFSET] = stream.tell()
            else:
                stream.seek(offset)
        except (OSError, ValueError, AttributeError):  # not seekable after all
            return

    def note_operation(self, model: Any, context: MutableMapping[str, Any], **kwargs: Any) -> None:
        """Adaptive mode: note the operation, for the error a refused wait raises."""
        context[_CTX_OPERATION] = model.name

    def before_send(self, request: Any, **kwargs: Any) -> None:
        """Adaptive mode: wait for the next token of the client's rate limiter."""
        wait = self.rate_wait(request)
        if wait > 0:
            setup = self.setup
            (time.sleep if setup.sleep is None else setup.sleep)(wait)

    def needs_retry(
        self,
        response: tuple[Any, dict[str, Any]] | None,
        attempts: int,
        caught_exception: BaseException | None,
        request_dict: Mapping[str, Any],
        operation: Any,
        **kwargs: Any,
    ) -> float | None:
        """Decide whether botocore resends; back off here and return 0 if so."""
        context: MutableMapping[str, Any] = request_dict["context"]
        if response is not None and caught_exception is None:
            http_response, parsed = response
            body = http_response.content if self._crc32 else None
            if self.settled(http_response, parsed, body, context):  # the hot path
                if self.setup.telemetry and _OTEL in sys.modules:
                    self.ended(operation.name, attempts, context, None)
                return None
        setup = self.setup
        sleep = time.sleep if setup.sleep is None else setup.sleep  # a recorder may be falsy
        step = self.failed(setup, response, attempts, caught_exception, context, operation)
        if step is None:
            return None
        if isinstance(step, Linger):
            sleep(step.pause)
            return None
        if step.event is not None and setup.settings.on_retry:
            from ._hooks import notify  # noqa: PLC0415

            notify(setup.settings.on_retry, step.event)
        delay = self.cut_to_limits(setup, step.delay, context)
        if delay > 0:  # testing mode asks for none
            sleep(delay)
        return 0

    # -- decisions shared by synchronous and asyncio clients --------------------------

    def settled(
        self,
        http_response: Any,
        parsed: Mapping[str, Any],
        body: bytes | None,
        context: MutableMapping[str, Any],
    ) -> bool:
        """A 2xx whose ``body`` (DynamoDB's, else ``None``) passes its checksum: succeeded."""
        if http_response.status_code < 300 and _crc32_matches(http_response.headers, body):
            self.succeeded(context, parsed)
            return True
        return False

    def telemetry(self) -> Telemetry | None:
        """The client's instruments, when the switch is on and OpenTelemetry is in use."""
        if not self.setup.telemetry or _OTEL not in sys.modules or self._telemetry_broken:
            return None
        telemetry = self._telemetry
        if telemetry is None:
            from ._telemetry import Telemetry  # noqa: PLC0415  (with OpenTelemetry only)

            # Racing threads may both build one; either is as good as the other.
            try:
                telemetry = self._telemetry = Telemetry(self.service_id)
            except Exception:  # noqa: BLE001  (a meter provider that raises: record nothing)
                from ._telemetry import logger  # noqa: PLC0415

                logger.warning("OpenTelemetry instruments could not be made; not recording")
                self._telemetry_broken = True
                return None
        return telemetry

    def ended(
        self,
        operation_name: str,
        attempts: int,
        context: Mapping[str, Any],
        stop_reason: StopReason | None,
        error_type: str | None = None,
    ) -> None:
        """Record a call's end: its last attempt, its attempts, duration and stop reason."""
        telemetry = self.telemetry()
        if telemetry is None:
            return
        now = self.setup.clock()
        if error_type is None:  # a failed last attempt was recorded when it was classified
            attempt_start = context.get(_CTX_ATTEMPT)
            seconds = None if attempt_start is None else now - attempt_start
            telemetry.attempt_ended(operation_name, seconds, None)
        start = context.get(_CTX_START)
        telemetry.call_ended(
            operation_name, attempts, None if start is None else now - start, stop_reason
        )

    def succeeded(self, context: MutableMapping[str, Any], parsed: Mapping[str, Any]) -> None:
        """A 2xx: refund the quota and tell the caller which token went out."""
        self.quota.release(context.get(CTX_COST, self._refund))
        if self.limiter is not None:
            self.limiter.observe(throttled=False)
        token = context.get(_CTX_TOKEN)
        if token is not None:
            metadata = parsed.get("ResponseMetadata")
            if metadata is not None:
                metadata[TOKEN_METADATA_KEY] = token

    def failed(
        self,
        setup: Setup,
        response: tuple[Any, dict[str, Any]] | None,
        attempts: int,
        caught_exception: BaseException | None,
        context: MutableMapping[str, Any],
        operation: Any,
    ) -> Resend | Linger | None:
        """Classify a failed attempt; decide to resend, give up, or raise typed."""
        info = self.info(operation)
        if self._not_a_failure(info, response, caught_exception, context):
            return None
        from ._failure import attempt_of, classify  # noqa: PLC0415  (the failure path only)

        failure = classify(setup.settings, response, caught_exception, info)
        if failure is None:
            return None
        if self.limiter is not None:
            self.limiter.observe(throttled=failure.outcome is Outcome.THROTTLED)
        telemetry = self.telemetry()
        error_type = failure.error_code
        if telemetry is not None:
            error_type = telemetry.error_type(operation, failure.error_code)
            attempt_start = context.get(_CTX_ATTEMPT)
            seconds = None if attempt_start is None else setup.clock() - attempt_start
            telemetry.attempt_ended(info.name, seconds, error_type)
        if failure.parsed is not None:
            self._raise_typed(failure, attempts, info, context)
        outcome = failure.outcome
        retryable = outcome in _ALWAYS_RESENT or (
            outcome is Outcome.AMBIGUOUS and self.resend_safe(setup, info, context)
        )
        reason: StopReason
        pause = 0.0
        if retryable:
            attempt = attempt_of(setup.settings, failure, caught_exception)
            call = self._call(info, context, setup)
            decision = setup.decider(self.quota).decide(call, attempts, attempt)
            if decision.delay is not None:
                if outcome is Outcome.AMBIGUOUS:
                    context[_CTX_AMBIGUOUS] = True
                if telemetry is not None:
                    telemetry.resent(
                        info.name,
                        attempts,
                        decision.delay,
                        error_type,
                        outcome.name.lower(),
                    )
                return Resend(decision.delay, decision.event)
            reason, pause = decision.reason or "max_attempts", decision.pause
        else:
            reason = "unsafe_to_resend" if outcome is Outcome.AMBIGUOUS else "not_retryable"
        self._give_up(failure, reason, attempts, caught_exception, context, info)
        return Linger(pause) if pause > 0 else None

    def _not_a_failure(
        self,
        info: OperationInfo,
        response: tuple[Any, dict[str, Any]] | None,
        caught_exception: BaseException | None,
        context: MutableMapping[str, Any],
    ) -> bool:
        """What needs-retry sees that is not a failed attempt for the response table."""
        if isinstance(caught_exception, ClientRateLimited):  # refused before sending
            record: CallInfo = getattr(caught_exception, CALL_INFO_ATTR)
            self.ended(info.name, record.attempts, context, record.stop_reason, "ClientRateLimited")
            return True
        # A redirect is botocore's: S3's region redirector resends a 301 itself (one call,
        # not a failure to log or count); unredirected, it is returned as it is.
        return response is not None and 300 <= response[0].status_code < 400

    def resend_safe(self, setup: Setup, info: OperationInfo, context: Mapping[str, Any]) -> bool:
        """Whether this call may be resent after an ambiguous failure.

        The caller's lists come first (``treat_as_unsafe``, then ``retry_unsafe``);
        then a call carrying its token or reference is protected; then the
        operation's class, refined by the request where it decides.
        """
        settings = setup.settings
        if info.name in settings.treat_as_unsafe:
            return False
        if settings.retry_unsafe is True or info.name in settings.retry_unsafe_operations:
            return True
        if context.get(_CTX_PROTECTED, False):
            return True
        resend = info.resend
        if resend.refine is not None:
            params = context.get(_CTX_PARAMS)
            return params is not None and resend.refine(params)
        return resend.kind == IDEMPOTENT

    def _give_up(
        self,
        failure: Failure,
        reason: StopReason,
        attempts: int,
        caught_exception: BaseException | None,
        context: MutableMapping[str, Any],
        info: OperationInfo,
    ) -> None:
        """Not resending: log why, and tell the caller through call_info."""
        from ._failure import log_no_resend  # noqa: PLC0415

        log_no_resend(self.service_name, info.name, failure.error_code, reason)
        self.ended(info.name, attempts, context, reason, failure.error_code)
        if failure.error_code == "ChecksumError":  # never hand back a body that failed it
            raise ChecksumError(
                checksum_type="crc32", expected_checksum="header", actual_checksum="body"
            )
        token = context.get(_CTX_TOKEN)
        acted = bool(context.get(_CTX_AMBIGUOUS, False))  # an attempt before this one may have
        if failure.parsed is not None:
            metadata = failure.parsed.setdefault("ResponseMetadata", {})
            if token is not None:
                metadata[TOKEN_METADATA_KEY] = token
            metadata[STOP_REASON_METADATA_KEY] = reason
            if reason == "max_attempts":
                metadata["MaxAttemptsReached"] = True
            if acted:
                metadata[EARLIER_ATTEMPT_METADATA_KEY] = True
        elif caught_exception is not None:
            record = CallInfo(attempts, token, reason == "max_attempts", reason, acted)
            setattr(caught_exception, CALL_INFO_ATTR, record)

    def cut_to_limits(self, setup: Setup, delay: float, context: MutableMapping[str, Any]) -> float:
        """``delay``, shortened so that it ends by the deadline and the Lambda margin.

        The decision to resend already allowed for the backoff; slow hooks since
        then may have used some of the time. The resend was announced, so it
        happens: sooner, never later than the limits.
        """
        left = remaining(setup, context)
        return max(0.0, delay if left is None else min(delay, left[0]))

    def rate_wait(self, request: Any) -> float:
        """Adaptive mode: reserve the next send's token; the seconds to wait for it.

        Raises:
            ClientRateLimited: the token is due past the deadline or the Lambda margin
                (nothing is reserved, nothing sent).
        """
        limiter = self.limiter
        if limiter is None or not limiter.enabled or testing_mode.state.enabled:
            return 0.0
        context: MutableMapping[str, Any] = getattr(request, "context", None) or {}
        left = remaining(self.setup, context)
        wait, taken = limiter.reserve(None if left is None else max(0.0, left[0]))
        if taken or left is None:
            return wait
        limit, reason = left
        attempts = int((context.get("retries") or {}).get("attempt", 1)) - 1
        acted = bool(context.get(_CTX_AMBIGUOUS, False))
        operation = f"{self.service_name}.{context.get(_CTX_OPERATION, '?')}"
        error = ClientRateLimited(operation, wait, max(0.0, limit), reason)
        record = CallInfo(
            attempts,
            context.get(_CTX_TOKEN),
            max_attempts_reached=False,
            stop_reason=reason,
            earlier_attempt_may_have_acted=acted,
        )
        setattr(error, CALL_INFO_ATTR, record)
        raise error

    def _call(self, info: OperationInfo, context: MutableMapping[str, Any], setup: Setup) -> Any:
        from ._masking import log_safe  # noqa: PLC0415  (the failure path only)
        from ._retrying import Call  # noqa: PLC0415

        token: str | None = context.get(_CTX_TOKEN)
        start = context.get(_CTX_START)
        if start is None:  # wrapped while this call was already under way
            start = context[_CTX_START] = setup.clock()
        return Call(
            service=self.service_name,
            operation_name=info.name,
            token=token,
            log_token=log_safe(token, from_caller=bool(context.get(_CTX_FROM_CALLER))),
            start=start,
            time_left=context.get(_CTX_TIME_LEFT),
            context=context,
        )

    def _raise_typed(
        self,
        failure: Failure,
        attempts: int,
        info: OperationInfo,
        context: MutableMapping[str, Any],
    ) -> None:
        """Raise the typed errors: a repeat answered as a conflict, a parameter mismatch."""
        error_code, parsed = failure.error_code, failure.parsed or {}
        token: str | None = context.get(_CTX_TOKEN)
        marker = info.repeat_marker
        message = str(parsed.get("Error", {}).get("Message", ""))
        repeat = (
            error_code in info.repeat_conflicts
            and (marker is None or marker in message)
            and context.get(_CTX_AMBIGUOUS, False)
        )
        terminated = error_code in _TERMINATED_CODES
        if not repeat and not terminated and failure.outcome is not Outcome.MISMATCH:
            return
        metadata = parsed.setdefault("ResponseMetadata", {})
        metadata["RetryAttempts"] = attempts - 1
        metadata[STOP_REASON_METADATA_KEY] = "not_retryable"
        if token is not None:
            metadata[TOKEN_METADATA_KEY] = token
        client = self._client()
        modeled = cast(
            "type[ClientError]",
            client.exceptions.from_code(error_code) if client is not None else ClientError,
        )
        from ._failure import log_no_resend  # noqa: PLC0415

        log_no_resend(self.service_name, info.name, error_code, "not_retryable")
        self.ended(info.name, attempts, context, "not_retryable", error_code)
        if repeat:
            cls = combined_class(EarlierAttemptSucceeded, modeled)
            raise cls(parsed, info.name, token, attempts)
        if terminated:
            raise combined_class(IdempotentInstanceTerminated, modeled)(parsed, info.name, token)
        raise combined_class(IdempotentParameterMismatch, modeled)(parsed, info.name, token)


def remaining(setup: Setup, context: Mapping[str, Any]) -> tuple[float, StopReason] | None:
    """The seconds a call has left, and which limit that is; ``None``: no limit."""
    found: tuple[float, StopReason] | None = None
    time_left = context.get(_CTX_TIME_LEFT)
    if time_left is not None:
        found = (time_left(), "lambda_time_left")
    deadline = setup.settings.deadline
    if deadline is not None:
        start = context.get(_CTX_START, setup.clock())
        left = deadline - (setup.clock() - start)
        if found is None or left < found[0]:
            found = (left, "deadline")
    return found


def _validates(client: BaseClient) -> bool:
    """Whether botocore checks this client's parameters; ours are checked only if it does.

    ``Config(parameter_validation=False)`` (or the profile's ``parameter_validation``)
    leaves no trace on ``client.meta.config``: botocore's answer is which serializer
    it built, a ``ParamValidationDecorator`` or the bare one.
    """
    from botocore.validate import ParamValidationDecorator  # noqa: PLC0415  (wrap time)

    serializer = getattr(client, "_serializer", None)
    return serializer is None or isinstance(serializer, ParamValidationDecorator)


def _carried(node: object, path: tuple[str, ...]) -> str | None:
    """The caller's reference at ``path``; ``None`` if any place the path reaches lacks one.

    Through a list (``"[]"``) or a map (``"{}"``), every element must carry one (a batch
    resent with one element unprotected could act twice on it); the value then is
    ``""`` (protected, but no single reference to report).
    """
    for index, name in enumerate(path):
        rest = path[index + 1 :]
        if name in ("[]", "{}"):
            items = node if isinstance(node, list) else None
            if name == "{}" and isinstance(node, Mapping):
                items = list(node.values())
            if not items or any(_carried(item, rest) is None for item in items):
                return None
            return ""
        if not isinstance(node, Mapping):
            return None
        node = node.get(name)
    return node if isinstance(node, str) and node else None


_warned_services: set[str] = set()


def _warn_if_short_lived(service_name: str) -> None:
    """Warn once per service whose tokens expire before Lambda stops retrying."""
    lifetime = TOKEN_LIFETIMES.get(service_name)
    if lifetime is None or lifetime >= LAMBDA_RETRY_WINDOW or service_name in _warned_services:
        return
    _warned_services.add(service_name)
    warnings.warn(
        f"{service_name} honours a client token for {lifetime / 60:.0f} minutes, less than"
        f" Lambda's retry window ({LAMBDA_RETRY_WINDOW / 3600:.0f} hours for asynchronous"
        " invocations): a re-run after that creates anew despite the deterministic token",
        TokenLifetimeWarning,
        stacklevel=user_stacklevel(),
    )


def _crc32_matches(headers: Any, body: bytes | None) -> bool:
    """Whether a body agrees with its x-amz-crc32 header (absent header: nothing to check)."""
    if body is None:
        return True
    expected = headers.get("x-amz-crc32")
    if expected is None:
        return True
    try:
        return int(expected) == zlib.crc32(body) & 0xFFFFFFFF
    except ValueError:  # not a number: the body cannot be trusted either
        return False
