"""The botocore event-hook plugin: one token per logical call, exactly one retry layer.

One client call, and where this module steps in::

    before-parameter-build.<service>   _Plugin.prepare
        Find the operation's token members (cached per operation). Keep and check
        a caller's token; generate one where none was given; note a caller's
        reference (Route 53's CallerReference). Note in the call's context (botocore's
        per-call dict, never client state) the token, the start time, and whether
        this call is *protected*: its request carries its token or reference.
        Inside a key scope only (_rerun): derive the names AWS deduplicates by,
        judge what a re-run does with the call, journal it or warn.
    botocore validates and serializes the request once;
    before-call.<service>              _Plugin.before_call (journaled calls only act)
        Write the call's journal record (_integrations/journal), or answer from it.
    then, for each attempt:
    request-created.<service>          _Plugin.request_created
        An upload stream is put back where the caller had it (botocore rewinds to 0).
        Adaptive mode before botocore 1.43.72 (_Plugin.note_sending): the call's
        context noted for before-send, whose prepared request does not carry it.
    ... signs;
    before-send.<service>              _Plugin.before_send (adaptive mode only)
        Reserve the next token of the client's rate limiter (_policy/rate_limit), wait
        for it, or fail at once if it is due past the deadline or the Lambda margin.
    ... sends; the HTTP session checks the body against Content-Length.
    needs-retry.<service>              _Plugin.needs_retry
        Success (2xx, and for DynamoDB a body matching its x-amz-crc32): refund
        the quota, note the token in ResponseMetadata. Nothing else.
        Failure: handed down to _failure.handle once, which classifies it
        (_policy/classify's table), decides (a mismatch or a repeat's conflict raised
        typed; a failure that may not be resent handed back to botocore as it is,
        its reason noted; anything else to the tenacity policy, _policy/retrying), applies
        every effect of the decision in one place, and returns one step: resend
        after a delay, linger, or stop. To resend: hooks, then the backoff
        (injectable sleep, cut to the deadline), then return 0; botocore resends
        the same serialized body, with the same token, re-signed.
    after-call.<service> / after-call-error.<service>   (keyed calls only act)
        Note what a re-run does with the call in its ResponseMetadata; complete or
        remove its journal record.

All of botocore's retry machinery is unregistered from the wrapped client (see
_policy/botocore_retries). Wrapping again swaps the policy inside the registered hooks in
one assignment, so a call in flight sees the old policy or the new, never no hooks.
``wrap()`` lives in _wrap; an aiobotocore client gets _integrations/aio's subclass,
whose needs_retry awaits (body, hooks, backoff) around the same decisions made here.

The package, by concern (the arrows are imports; nothing below the root imports _plugin
but _integrations/aio)::

    boto3_idempotent/          the call path: _wrap -> _plugin -> _tokens, _failure,
                               _notes, _rerun, _scope, _transport, _context; the public
                               values (_config, _callinfo, _hooks, _exceptions)
      _policy/                 whether and when to resend: classify (the response table),
                               retrying (tenacity), backoff, rate_limit, standard_mode,
                               botocore_retries, settings, setup, testing_mode
      _knowledge/              what is known of operations: loader (knowledge.txt, one
                               service at a first call), operations, resend, refine,
                               dynamodb_update, review (reviewed_operations.txt), known;
                               the reviewed tables token_table, resend_table,
                               resend_evidence (read by tools/, never on a call's path)
      _integrations/           aws_lambda, aio, install, telemetry, journal
      _cli/                    python -m boto3_idempotent: main, commands, demo, serve
      durable.py, testing/     public modules: the durable functions plugin; the
                               fault-injecting endpoint and its pytest plugin
"""

from __future__ import annotations

import sys
import time
import weakref
import zlib
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final

from . import _context as ctx
from ._loaded import is_instance
from ._policy import testing_mode
from ._policy.setup import CTX_COST, Linger, Resend, RetryQuota, Setup

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from ._callinfo import StopReason
    from ._integrations.telemetry import Telemetry
    from ._knowledge.operations import OperationInfo
    from ._policy.rate_limit import RateLimiter

__all__ = ["PLUGIN_ATTR"]

PLUGIN_ATTR = "_boto3_idempotent_plugin"  # where a wrapped client keeps its plugin
# The call-context keys as module globals: one lookup each on every call.
_CTX_ATTEMPT: Final = ctx.ATTEMPT
_CTX_FROM_CALLER: Final = ctx.FROM_CALLER
_CTX_JOURNAL: Final = ctx.JOURNAL
_CTX_NOTE: Final = ctx.NOTE
_CTX_ON_RERUN: Final = ctx.ON_RERUN
_CTX_OPERATION: Final = ctx.OPERATION
_CTX_PARAMS: Final = ctx.PARAMS
_CTX_PROTECTED: Final = ctx.PROTECTED
_CTX_SCOPE: Final = ctx.SCOPE
_CTX_START: Final = ctx.START
_CTX_TIME_LEFT: Final = ctx.TIME_LEFT
_CTX_TIME_LIMIT: Final = ctx.TIME_LIMIT
_CTX_TOKEN: Final = ctx.TOKEN
TOKEN_METADATA_KEY: Final = ctx.TOKEN_METADATA_KEY
_OTEL: Final = "opentelemetry"  # in sys.modules: the program uses OpenTelemetry
_CRC32_SERVICES = frozenset({"dynamodb"})  # as botocore's retry handler checks
_RATE_LIMITED = ("boto3_idempotent._exceptions", "ClientRateLimited")
# Adaptive mode on a botocore whose prepared request has no ``context`` (before 1.43.72):
# the context of the request just created, for the before-send hook that follows it in
# the same thread or task. Taken (and cleared) by that hook; cleared by after-call-error.
_SENDING: ContextVar[MutableMapping[str, Any] | None] = ContextVar(
    "boto3_idempotent_sending", default=None
)


class _Plugin:
    """The hooks one wrapped client runs, and the state they share (quota, caches)."""

    journals = True  # whether a key scope's journal can keep this client's calls

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
            from ._policy.rate_limit import RateLimiter  # noqa: PLC0415  (adaptive clients only)

            # The clock of the setup in force: a re-wrap's clock is the limiter's too.
            self.limiter = RateLimiter(lambda: self.setup.clock())  # noqa: PLW0108  (late-bound)

    # -- registration ---------------------------------------------------------------

    def register(self, events: Any) -> None:
        from ._policy.botocore_retries import remove_botocore_retries  # noqa: PLC0415  (at wrap)

        name = self.event_name
        remove_botocore_retries(events, name)
        # Service-level handlers run before botocore's generic ones
        # (generate_idempotent_uuid, the request signer). after-call: ours first (the
        # answer as botocore parsed it, before boto3's DynamoDB resource turns numbers into
        # Decimals), and the noted raise last (every other handler saw the error first).
        hooks = (
            ("before-parameter-build", "prepare", events.register),
            ("request-created", "request_created", events.register),
            ("needs-retry", "needs_retry", events.register),
            ("before-call", "before_call", events.register),  # journaled calls only act
            ("after-call", "after_call", events.register_first),  # keyed calls only act
            ("after-call", "raise_noted", events.register_last),  # given-up calls only act
            ("after-call-error", "after_call_error", events.register),
        )
        for event, method, add in hooks:
            unique = f"boto3-idempotent-{method.replace('_', '-')}-{name}"
            add(f"{event}.{name}", getattr(self, method), unique_id=unique)
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
            if not _prepared_requests_carry_context():
                events.register(
                    f"request-created.{name}",
                    self.note_sending,
                    unique_id=f"boto3-idempotent-note-sending-{name}",
                )

    # -- hooks ----------------------------------------------------------------------

    def info(self, model: Any) -> OperationInfo:
        """What this client knows of one operation (built at its first call)."""
        info = self._operations.get(model.name)
        if info is None:
            # Racing threads may both build it; the results are equal.
            from ._knowledge.operations import operation_info  # noqa: PLC0415  (an operation's first call)

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
        time_left = _CTX_TIME_LIMIT.get()
        if time_left is not None:
            context[_CTX_TIME_LEFT] = time_left
        scope = _CTX_SCOPE.get()
        if info.tokens:
            seed = None
            if scope is not None:
                region = context.get("client_region") or ""
                seed = scope.seed(self.service_name, region, info.name)
                from ._knowledge.lifetimes import warn_if_short_lived  # noqa: PLC0415  (keyed calls)

                warn_if_short_lived(self.service_name)
            for member in info.tokens:
                applied = member.apply(params, info.name, seed, validate=self._validate)
                if applied is not None and _CTX_TOKEN not in context:
                    context[_CTX_TOKEN], context[_CTX_FROM_CALLER] = applied
                    context[_CTX_PROTECTED] = True
        if scope is not None and info.names:
            from ._rerun import derive_names  # noqa: PLC0415  (keyed calls only)

            region = context.get("client_region") or ""
            derive_names(scope, self.service_name, region, info, params, context)
        if info.references:
            self.note_references(info, params, context)
        if scope is not None:
            from ._rerun import judge  # noqa: PLC0415  (keyed calls only)

            judge(self, scope, info, model, params, context)

    def note_references(
        self, info: OperationInfo, params: Mapping[str, Any], context: MutableMapping[str, Any]
    ) -> None:
        """A call carrying a caller's reference (Route 53's CallerReference) is protected."""
        from ._tokens import carried  # noqa: PLC0415  (operations with a reference only)

        for path in info.references:
            reference = carried(params, path)
            if reference is not None:
                context[_CTX_PROTECTED] = True
                if reference and _CTX_TOKEN not in context:
                    context[_CTX_TOKEN], context[_CTX_FROM_CALLER] = reference, True

    def before_call(
        self, params: Mapping[str, Any], context: MutableMapping[str, Any], **kwargs: Any
    ) -> Any:
        """A journaled call: write its record, or answer it from the journal (nothing sent)."""
        entry = context.get(_CTX_JOURNAL)
        if entry is None:
            return None
        from ._integrations.journal import before_call  # noqa: PLC0415  (journaled calls only)

        return before_call(entry, params, context)

    def after_call(
        self,
        http_response: Any,
        parsed: MutableMapping[str, Any],
        model: Any,
        context: MutableMapping[str, Any],
        **kwargs: Any,
    ) -> None:
        """A keyed call answered: say what a re-run does with it; keep its journal record."""
        on_rerun = context.get(_CTX_ON_RERUN)
        if on_rerun is not None:
            self._rerun_answered(on_rerun, http_response, parsed, model, context)

    def raise_noted(
        self,
        http_response: Any,
        parsed: MutableMapping[str, Any],
        model: Any,
        context: MutableMapping[str, Any],
        **kwargs: Any,
    ) -> None:
        """The last after-call hook: a call given up raises what botocore would, with a note."""
        note = context.get(_CTX_NOTE)
        if note is not None and http_response.status_code >= 300:
            from ._failure import raise_noted  # noqa: PLC0415  (a call given up)

            raise_noted(self, parsed, model.name, note, context)

    def _rerun_answered(
        self,
        on_rerun: str,
        http_response: Any,
        parsed: MutableMapping[str, Any],
        model: Any,
        context: MutableMapping[str, Any],
    ) -> None:
        metadata = parsed.get("ResponseMetadata")
        if isinstance(metadata, dict):
            metadata[ctx.ON_RERUN_METADATA_KEY] = on_rerun
        entry = context.get(_CTX_JOURNAL)
        if entry is not None:
            from ._integrations.journal import after_call  # noqa: PLC0415  (journaled calls only)

            status = http_response.status_code
            after_call(
                entry,
                status,
                parsed,
                status >= 300 and self._ambiguous(status, parsed, model),
                context,
            )

    def after_call_error(
        self, exception: BaseException, context: MutableMapping[str, Any], **kwargs: Any
    ) -> None:
        """A journaled call that raised: remove its record if nothing was sent."""
        if self.limiter is not None and _SENDING.get() is context:  # never sent: let it go
            _SENDING.set(None)
        entry = context.get(_CTX_JOURNAL)
        if entry is None:
            return
        from ._integrations.journal import after_call_error  # noqa: PLC0415

        after_call_error(entry, exception, context)

    def _ambiguous(self, status: int, parsed: Mapping[str, Any], model: Any) -> bool:
        """Whether a final error answer may have followed the call's acting (a 5xx, a 408)."""
        from ._policy.classify import Outcome, classify_error  # noqa: PLC0415  (an error, keyed)

        info = self.info(model)
        error = parsed.get("Error") or {}
        code, message = error.get("Code") or "", error.get("Message") or ""
        outcome = classify_error(status, code, message, info.retryable_errors, info.refused_errors)
        return outcome is None or outcome is Outcome.AMBIGUOUS

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
        if context is not None:
            from ._transport import keep_offset  # noqa: PLC0415  (stream bodies only)

            keep_offset(body, context)

    def note_sending(self, request: Any, **kwargs: Any) -> None:
        """Adaptive mode, older botocore: note the call's context for the before-send hook.

        Before botocore 1.43.72 the prepared request that ``before-send`` gets carries no
        ``context``: without it, a refused wait would know neither the call's start
        (its deadline), nor the Lambda margin, nor its attempt and operation.
        """
        _SENDING.set(getattr(request, "context", None))

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
            from ._integrations.telemetry import Telemetry  # noqa: PLC0415  (with OpenTelemetry only)

            # Racing threads may both build one; either is as good as the other.
            try:
                telemetry = self._telemetry = Telemetry(self.service_id)
            except Exception:  # noqa: BLE001  (a meter provider that raises: record nothing)
                from ._integrations.telemetry import logger  # noqa: PLC0415

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
        """A failed attempt: the step to take (``_failure`` decides, and applies the effects)."""
        context[ctx.ATTEMPTED] = True  # the journal: an attempt was made (failure path only)
        info = self.info(operation)
        if response is not None and 300 <= response[0].status_code < 400:
            # A redirect is botocore's: S3's region redirector resends a 301 itself (one
            # call, not a failure to log or count); unredirected, it is returned as it is.
            return None
        if self.limiter is not None and is_instance(caught_exception, *_RATE_LIMITED):
            # Refused before sending (rate_wait), with its record: nothing to judge.
            record = getattr(caught_exception, "_boto3_idempotent_call_info")  # noqa: B009
            self.ended(info.name, record.attempts, context, record.stop_reason, "ClientRateLimited")
            return None
        from ._failure import handle  # noqa: PLC0415  (the failure path only)

        return handle(self, setup, response, attempts, caught_exception, context, info, operation)

    def client(self) -> BaseClient | None:
        """The wrapped client, while it lives (its modeled exception classes)."""
        return self._client()

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
        context: MutableMapping[str, Any] | None = getattr(request, "context", None)
        if context is None:  # botocore before 1.43.72: the one request-created noted
            context = _SENDING.get()
            _SENDING.set(None)
        limiter = self.limiter
        if limiter is None or not limiter.enabled or testing_mode.state.enabled:
            return 0.0
        if context is None:
            context = {}
        return limiter.wait_for(self.service_name, remaining(self.setup, context), context)


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


def _prepared_requests_carry_context() -> bool:
    """Whether botocore's prepared request has the call's ``context`` (botocore 1.43.72+)."""
    import inspect  # noqa: PLC0415  (wrap time, adaptive clients only)

    from botocore.awsrequest import AWSPreparedRequest  # noqa: PLC0415

    return "context" in inspect.signature(AWSPreparedRequest).parameters


def _validates(client: BaseClient) -> bool:
    """Whether botocore checks this client's parameters; ours are checked only if it does.

    ``Config(parameter_validation=False)`` (or the profile's ``parameter_validation``)
    leaves no trace on ``client.meta.config``: botocore's answer is which serializer
    it built, a ``ParamValidationDecorator`` or the bare one.
    """
    from botocore.validate import ParamValidationDecorator  # noqa: PLC0415  (wrap time)

    serializer = getattr(client, "_serializer", None)
    return serializer is None or isinstance(serializer, ParamValidationDecorator)


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
