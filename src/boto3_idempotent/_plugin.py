"""The botocore event-hook plugin: one token per logical call, exactly one retry layer.

One client call, and where this module steps in::

    before-parameter-build.<service>   _Plugin.prepare
        Find the operation's token members (cached per operation). Keep and check
        a caller's token; generate one where none was given. Note the token and
        the start time in the call's context: botocore's per-call dict, never
        client state, so concurrent calls on one client cannot see each other's.
    botocore serializes the request once; then, for each attempt, signs and sends
    needs-retry.<service>              _Plugin.needs_retry
        Success (2xx, and for DynamoDB a body matching its x-amz-crc32): refund
        the quota, note the token in ResponseMetadata. Nothing else.
        Failure: classify it (_classify's table). A mismatch is raised typed. A
        failure that may not be resent (a plain 4xx, or an ambiguous failure of
        an unprotected mutation) is handed back to botocore as it is. Anything
        else goes to a tenacity Retrying built once per client (full-jitter wait;
        stop on attempts, deadline or Lambda time left, then quota). To retry, we
        sleep (injectable) and return 0: botocore resends the same serialized
        body, with the same token, re-signed, with streams rewound.

All of botocore's retry machinery is unregistered from the wrapped client: the
legacy, standard or adaptive handler, botocore 1.44's attempt-header seeder,
standard mode's quota refund and adaptive mode's rate limiter. One layer counts
attempts, whatever the client's retry configuration says.
"""

from __future__ import annotations

import hashlib
import random as _random
import time
import warnings
import weakref
import zlib
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

from botocore.client import BaseClient
from botocore.exceptions import ChecksumError, ClientError
from botocore.retries.adaptive import ClientRateLimiter
from botocore.retries.standard import RetryQuotaChecker

from ._classify import TIMEOUT_EXCEPTIONS, Outcome, classify_error, classify_exception
from ._config import RetryPolicy
from ._exceptions import IdempotentParameterMismatch, mismatch_class
from ._lifetimes import LAMBDA_RETRY_WINDOW, TOKEN_LIFETIMES, TokenLifetimeWarning
from ._operations import OperationInfo, operation_info
from ._quota import CTX_COST, NO_RETRY_REFUND, RETRY_COST, TIMEOUT_RETRY_COST, RetryQuota
from ._scope import current_scope, current_time_left

if TYPE_CHECKING:
    from ._retrying import RetryDecider

__all__ = ["TOKEN_METADATA_KEY", "CallInfo", "call_info", "wrap"]

_C = TypeVar("_C", bound=BaseClient)

#: The ResponseMetadata key that carries the client token a call sent.
TOKEN_METADATA_KEY: Final = "IdempotencyToken"  # noqa: S105  (a key name, not a secret)

_PLUGIN_ATTR = "_boto3_idempotent_plugin"
_CALL_INFO_ATTR = "_boto3_idempotent_call_info"
# Keys of botocore's per-call context dict.
_CTX_TOKEN = "boto3_idempotent.token"  # noqa: S105  (a key name)
_CTX_FROM_CALLER = "boto3_idempotent.token_from_caller"
_CTX_START = "boto3_idempotent.start"
_CTX_TIME_LEFT = "boto3_idempotent.time_left"
# unique_ids botocore registers its retry handlers under (legacy, standard, adaptive).
_BOTOCORE_RETRY_ID = "retry-config-{}"
_BOTOCORE_MAX_SEEDER_ID = "seed-max-attempts-{}"  # botocore >= 1.44: amz-sdk-request max=


@dataclass(frozen=True)
class CallInfo:
    """How a logical call went on the wire; see :func:`call_info`.

    Attributes:
        attempts: Attempts sent, the first one included.
        token: The client token every attempt carried; ``None`` for operations
            without a token member.
        max_attempts_reached: Whether retrying stopped because attempts ran out.
    """

    attempts: int
    token: str | None
    max_attempts_reached: bool = False


def call_info(outcome: BaseException | Mapping[str, Any]) -> CallInfo | None:
    """Tell how many attempts a call made and which token it sent.

    Args:
        outcome: What the call returned (its response dict) or raised. A
            ``ClientError`` carries it in ``exc.response["ResponseMetadata"]``;
            a connection error or timeout carries it as an attribute.

    Returns:
        ``None`` when ``outcome`` holds no record (it did not come from a client call).
    """
    if isinstance(outcome, ClientError):
        outcome = outcome.response
    if isinstance(outcome, BaseException):
        info = getattr(outcome, _CALL_INFO_ATTR, None)
        return info if isinstance(info, CallInfo) else None
    metadata = outcome.get("ResponseMetadata")
    if not isinstance(metadata, Mapping) or "RetryAttempts" not in metadata:
        return None
    token = metadata.get(TOKEN_METADATA_KEY)
    return CallInfo(
        attempts=int(metadata["RetryAttempts"]) + 1,
        token=token if isinstance(token, str) else None,
        max_attempts_reached=bool(metadata.get("MaxAttemptsReached", False)),
    )


class _Plugin:
    """The hooks one wrapped client runs, and the state they share (quota, caches)."""

    def __init__(
        self,
        client: BaseClient,
        policy: RetryPolicy,
        *,
        quota: RetryQuota,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        random: Callable[[], float],
    ) -> None:
        self.policy = policy
        self.quota = quota
        self._client = weakref.ref(client)
        service_model = client.meta.service_model
        self._service_name: str = service_model.service_name
        self._event_name: str = service_model.service_id.hyphenize()
        self._operations: dict[str, OperationInfo] = {}
        self._sleep = sleep
        self._clock = clock
        self._random = random
        self._decider: RetryDecider | None = None  # built at the first failed attempt
        self._crc32 = self._service_name in _CRC32_SERVICES

    # -- registration ---------------------------------------------------------------

    def _ids(self) -> tuple[str, str]:
        return (
            f"boto3-idempotent-prepare-{self._event_name}",
            f"boto3-idempotent-needs-retry-{self._event_name}",
        )

    def register(self, events: Any) -> None:
        name = self._event_name
        _remove_botocore_retries(events, name)
        prepare_id, retry_id = self._ids()
        # Service-level handlers run before botocore's generic generate_idempotent_uuid.
        events.register(f"before-parameter-build.{name}", self.prepare, unique_id=prepare_id)
        events.register(f"needs-retry.{name}", self.needs_retry, unique_id=retry_id)

    def unregister(self, events: Any) -> None:
        prepare_id, retry_id = self._ids()
        events.unregister(f"before-parameter-build.{self._event_name}", unique_id=prepare_id)
        events.unregister(f"needs-retry.{self._event_name}", unique_id=retry_id)

    # -- hooks ----------------------------------------------------------------------

    def _info(self, model: Any) -> OperationInfo:
        info = self._operations.get(model.name)
        if info is None:
            # Racing threads may both build it; the results are equal.
            info = self._operations[model.name] = operation_info(self._service_name, model)
        return info

    def prepare(
        self,
        params: MutableMapping[str, Any],
        model: Any,
        context: MutableMapping[str, Any],
        **kwargs: Any,
    ) -> None:
        """Put one token per token member into ``params``; note it in the call's context."""
        info = self._info(model)
        # Seeds the amz-sdk-request header's max= with our count, not botocore's.
        context["retries"] = {"max": self.policy.max_attempts}
        context[_CTX_START] = self._clock()
        time_left = current_time_left()
        if time_left is not None:
            context[_CTX_TIME_LEFT] = time_left
        if info.tokens:
            scope = current_scope()
            seed = None
            if scope is not None:
                region = context.get("client_region") or ""
                seed = scope.seed(self._service_name, region, info.name)
                _warn_if_short_lived(self._service_name)
            for member in info.tokens:
                applied = member.apply(params, info.name, seed)
                if applied is not None and _CTX_TOKEN not in context:
                    context[_CTX_TOKEN], context[_CTX_FROM_CALLER] = applied

    def needs_retry(
        self,
        response: tuple[Any, dict[str, Any]] | None,
        attempts: int,
        caught_exception: BaseException | None,
        request_dict: Mapping[str, Any],
        operation: Any,
        **kwargs: Any,
    ) -> float | None:
        """Decide whether botocore resends; sleep here and return 0 if so."""
        context: MutableMapping[str, Any] = request_dict["context"]
        if caught_exception is not None:
            outcome = classify_exception(caught_exception)
            return self._after_failure(
                outcome, type(caught_exception).__name__, None, caught_exception,
                attempts, operation, context,
            )  # fmt: skip
        if response is None:
            return None
        http_response, parsed = response
        status = http_response.status_code
        if status < 300 and (not self._crc32 or _crc32_matches(http_response)):
            # Success: the hot path.
            self.quota.release(context.get(CTX_COST, NO_RETRY_REFUND))
            token = context.get(_CTX_TOKEN)
            if token is not None:
                _note_token(parsed, token)
            return None
        error = parsed.get("Error") or {}
        error_code = error.get("Code") or ""
        message = error.get("Message") or ""
        retryable_errors = self._info(operation).retryable_errors
        maybe = classify_error(status, error_code, message, retryable_errors)
        if maybe is None:  # a 2xx whose body failed its checksum
            maybe, error_code = Outcome.AMBIGUOUS, "ChecksumError"
        return self._after_failure(maybe, error_code, parsed, None, attempts, operation, context)

    def _after_failure(
        self,
        outcome: Outcome,
        error_code: str,
        parsed: dict[str, Any] | None,
        caught_exception: BaseException | None,
        attempts: int,
        operation: Any,
        context: MutableMapping[str, Any],
    ) -> float | None:
        token: str | None = context.get(_CTX_TOKEN)
        if outcome is Outcome.MISMATCH:
            raise self._mismatch(parsed or {}, operation.name, token, attempts, error_code)
        retryable = outcome in _ALWAYS_RESENT or (
            outcome is Outcome.AMBIGUOUS
            and (self.policy.retry_unsafe or self._info(operation).resend_safe)
        )
        if retryable:
            delay = self._decide(
                outcome, error_code, caught_exception, attempts, operation, context
            )
            if delay is not None:
                if delay > 0:  # testing mode asks for none
                    self._sleep(delay)
                return 0
        # Not resent: botocore raises or returns this attempt. Say how the call went.
        if error_code == "ChecksumError":  # never hand back a body that failed its checksum
            raise ChecksumError(
                checksum_type="crc32", expected_checksum="header", actual_checksum="body"
            )
        exhausted = retryable and attempts >= self.policy.max_attempts
        if parsed is not None:
            metadata = parsed.setdefault("ResponseMetadata", {})
            if token is not None:
                metadata[TOKEN_METADATA_KEY] = token
            if exhausted:
                metadata["MaxAttemptsReached"] = True
        elif caught_exception is not None:
            setattr(caught_exception, _CALL_INFO_ATTR, CallInfo(attempts, token, exhausted))
        return None

    def _decide(
        self,
        outcome: Outcome,
        error_code: str,
        caught_exception: BaseException | None,
        attempts: int,
        operation: Any,
        context: MutableMapping[str, Any],
    ) -> float | None:
        """Ask the tenacity policy how long to back off before resending; ``None``: stop."""
        # tenacity loads at a client's first retryable failure, never on the success path.
        from . import _retrying  # noqa: PLC0415

        decider = self._decider
        if decider is None:
            decider = self._decider = _retrying.RetryDecider(
                self.policy,
                self.quota,
                service=self._service_name,
                clock=self._clock,
                random=self._random,
            )
        token: str | None = context.get(_CTX_TOKEN)
        log_token = _masked(token) if context.get(_CTX_FROM_CALLER) else token
        start = context.get(_CTX_START)
        if start is None:  # wrapped while this call was already under way
            start = self._clock()
        time_left = context.get(_CTX_TIME_LEFT)
        call = _retrying.Call(operation.name, token, log_token, start, time_left, context)
        timeout = isinstance(caught_exception, TIMEOUT_EXCEPTIONS)
        cost = TIMEOUT_RETRY_COST if timeout else RETRY_COST
        attempt = _retrying.Attempt(outcome, error_code, cost)
        return decider.decide(context, call, attempts, attempt)

    def _mismatch(
        self,
        parsed: dict[str, Any],
        operation_name: str,
        token: str | None,
        attempts: int,
        error_code: str,
    ) -> IdempotentParameterMismatch:
        metadata = parsed.setdefault("ResponseMetadata", {})
        metadata["RetryAttempts"] = attempts - 1
        if token is not None:
            metadata[TOKEN_METADATA_KEY] = token
        client = self._client()
        modeled = cast(
            "type[ClientError]",
            client.exceptions.from_code(error_code) if client is not None else ClientError,
        )
        return mismatch_class(modeled)(parsed, operation_name, token)


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
        stacklevel=2,
    )


_ALWAYS_RESENT = frozenset({Outcome.THROTTLED, Outcome.REFUSED, Outcome.NOT_SENT})
_CRC32_SERVICES = frozenset({"dynamodb"})  # as botocore's retry handler checks


def _crc32_matches(http_response: Any) -> bool:
    """Whether a body agrees with its x-amz-crc32 header (absent header: nothing to check)."""
    expected = http_response.headers.get("x-amz-crc32")
    if expected is None:
        return True
    return int(expected) == zlib.crc32(http_response.content) & 0xFFFFFFFF


def _masked(token: str | None) -> str | None:
    """A caller's token may be business data (an order number): logs get a digest."""
    if token is None:
        return None
    return "caller:" + hashlib.sha256(token.encode()).hexdigest()[:12]


def _registered(events: Any, event: str) -> list[Any]:
    """Handlers registered for ``event`` (botocore offers no public way to list them)."""
    emitter = getattr(events, "_emitter", events)
    trie = getattr(emitter, "_handlers", None)
    return list(trie.prefix_search(event)) if trie is not None else []


def _remove_botocore_retries(events: Any, name: str) -> None:
    """Unregister all of botocore's retry machinery from one client's emitter.

    The retry handler (legacy, standard and adaptive modes) and botocore 1.44's
    attempt-header seeder have unique ids. Standard mode's quota refund and adaptive
    mode's client-side rate limiter do not: they are found by their owners' types.
    The rate limiter sleeps on its own, knowing nothing of the deadline, a Lambda
    handler's remaining time or testing mode, so it goes too.
    """
    events.unregister(f"needs-retry.{name}", unique_id=_BOTOCORE_RETRY_ID.format(name))
    events.unregister(f"request-created.{name}", unique_id=_BOTOCORE_MAX_SEEDER_ID.format(name))
    owners = (
        (f"after-call.{name}", RetryQuotaChecker),
        ("before-send", ClientRateLimiter),
        ("needs-retry", ClientRateLimiter),
    )
    for event, owner in owners:
        for handler in _registered(events, event):
            if isinstance(getattr(handler, "__self__", None), owner):
                events.unregister(event, handler)


def _note_token(parsed: dict[str, Any], token: str) -> None:
    metadata = parsed.get("ResponseMetadata")
    if metadata is not None:
        metadata[TOKEN_METADATA_KEY] = token


def wrap(
    client: _C,
    policy: RetryPolicy | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    random: Callable[[], float] = _random.random,
) -> _C:
    """Make ``client`` retry safely: one stable client token per call, one retry layer.

    The client is changed in place and returned, so its type (boto3-stubs'
    ``EC2Client`` ...), paginators, waiters and ``boto3.resource(...).meta.client``
    all go through the policy. Wrapping again replaces the policy and keeps the
    client's retry quota; hooks and retries never stack.

    Args:
        client: A botocore client, e.g. ``boto3.client("ec2")``.
        policy: How to retry; read from ``BOTO3_IDEMPOTENT_*`` variables when ``None``.
        sleep: Waits between attempts (seconds). Tests pass a recorder.
        clock: Monotonic seconds, for the deadline.
        random: Returns a float in ``[0, 1)``, for jitter.

    Raises:
        TypeError: ``client`` is not a botocore client.
        ConfigError: ``policy`` is ``None`` and an environment variable is invalid.
    """
    if not isinstance(client, BaseClient):
        raise TypeError(
            f"wrap() takes a botocore client such as boto3.client('ec2'), "
            f"not {type(client).__name__}"
        )
    if policy is None:
        policy = RetryPolicy.from_env()
    events = client.meta.events
    previous: _Plugin | None = vars(client).get(_PLUGIN_ATTR)
    if previous is not None:
        previous.unregister(events)
    plugin = _Plugin(
        client,
        policy,
        quota=previous.quota if previous is not None else RetryQuota(),
        sleep=sleep,
        clock=clock,
        random=random,
    )
    plugin.register(events)
    setattr(client, _PLUGIN_ATTR, plugin)
    return client
