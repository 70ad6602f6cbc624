"""What a call did on the wire, read back from its response or exception: ``call_info``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final, Literal, cast, get_args

from botocore.exceptions import ClientError

from . import _context
from ._values import Value

__all__ = [
    "CALL_INFO_ATTR",
    "EARLIER_ATTEMPT_METADATA_KEY",
    "FROM_JOURNAL_METADATA_KEY",
    "ON_RERUN_METADATA_KEY",
    "STOP_REASON_METADATA_KEY",
    "TOKEN_METADATA_KEY",
    "CallInfo",
    "OnRerun",
    "StopReason",
    "call_info",
]

#: The ResponseMetadata key that carries the client token a call sent.
TOKEN_METADATA_KEY: Final = _context.TOKEN_METADATA_KEY
#: The ResponseMetadata key that says why a failed call was not resent (again).
STOP_REASON_METADATA_KEY: Final = "RetryStopReason"
#: The ResponseMetadata key set on an error answered to a *resend* after an ambiguous
#: failure (a 5xx, a lost response): the earlier attempt may have acted, so "not
#: found" after a delete, or "already exists" after a put, may be its doing.
EARLIER_ATTEMPT_METADATA_KEY: Final = "EarlierAttemptMayHaveActed"
#: The ResponseMetadata key that says what a re-run of the key scope does with the call.
ON_RERUN_METADATA_KEY: Final = _context.ON_RERUN_METADATA_KEY
#: The ResponseMetadata key set on an answer (or error) given by the call journal.
FROM_JOURNAL_METADATA_KEY: Final = "FromJournal"
#: Where an exception without a response (a timeout, a lost connection) carries it.
CALL_INFO_ATTR: Final = "_boto3_idempotent_call_info"

#: Why a failed call was not resent (again):
#:
#: * ``"max_attempts"``: attempts ran out (the policy's, or ``set_testing``'s cap);
#: * ``"deadline"``: the next backoff would have ended past the policy's deadline;
#: * ``"lambda_time_left"``: ... or within the Lambda margin of the function's timeout;
#: * ``"retry_quota"``: the client's retry quota is spent (an outage: fail fast);
#: * ``"not_retryable"``: the response table says no (a 4xx, a mismatch, ...);
#: * ``"unsafe_to_resend"``: an ambiguous failure (5xx, lost response) of a call that
#:   carried no client token, which the service might carry out twice.
StopReason = Literal[
    "max_attempts",
    "deadline",
    "lambda_time_left",
    "retry_quota",
    "not_retryable",
    "unsafe_to_resend",
]
_STOP_REASONS = frozenset(get_args(StopReason))

#: What a re-run of the key scope (a Lambda re-run, an SQS redelivery) does with a call
#: made inside it:
#:
#: * ``"token"``: its client token or caller's reference makes AWS answer it once;
#: * ``"name"``: so does a name AWS deduplicates it by (derived from the key);
#: * ``"idempotent"``: sending it again leaves what sending it once did;
#: * ``"journal"``: the call journal answers it with the first run's answer;
#: * ``"repeated"``: a re-run sends it again (``UnprotectedCallWarning`` said so).
OnRerun = Literal["token", "name", "idempotent", "journal", "repeated"]
_ON_RERUN = frozenset(get_args(OnRerun))


#: Token forms the library generates (random or derived: they carry nothing).
_GENERATED_FORM = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}"


class CallInfo(Value):
    """How a logical call went on the wire; see ``call_info``.

    A frozen value: equal records compare equal, and none can be changed.

    Attributes:
        attempts: Attempts sent, the first one included.
        token: The client token every attempt carried; ``None`` for operations
            without a token member.
        max_attempts_reached: Whether retrying stopped because attempts ran out.
        stop_reason: Why a failed call was not resent (again), see
            ``StopReason``; ``None`` for a success.
        earlier_attempt_may_have_acted: The call failed on a *resend* that followed
            an ambiguous failure (5xx, lost response): the earlier attempt may have
            done the work, so an error such as "not found" (after a delete) or
            "already exists" (after a put without overwrite) may be its doing.
        on_rerun: Inside a key scope, what a re-run does with this call (see
            ``OnRerun``); ``None`` outside one (a single call is not re-run).
        from_journal: The answer (or error) came from the call journal: nothing was
            sent (``attempts`` is 0).
    """

    __slots__ = (
        "__weakref__",
        "attempts",
        "earlier_attempt_may_have_acted",
        "from_journal",
        "max_attempts_reached",
        "on_rerun",
        "stop_reason",
        "token",
    )
    _fields = _compared = _shown = (
        "attempts",
        "token",
        "max_attempts_reached",
        "stop_reason",
        "earlier_attempt_may_have_acted",
        "on_rerun",
        "from_journal",
    )
    __match_args__ = _fields  # as the dataclass had: ``case CallInfo(...)``
    #: Fields added since 0.1, for values pickled before them.
    _defaults: ClassVar[dict[str, Any]] = {"on_rerun": None, "from_journal": False}
    attempts: int
    token: str | None
    max_attempts_reached: bool
    stop_reason: StopReason | None
    earlier_attempt_may_have_acted: bool
    on_rerun: OnRerun | None
    from_journal: bool

    def __init__(
        self,
        attempts: int,
        token: str | None,
        max_attempts_reached: bool = False,
        stop_reason: StopReason | None = None,
        earlier_attempt_may_have_acted: bool = False,
        on_rerun: OnRerun | None = None,
        from_journal: bool = False,
    ) -> None:
        """Hold the record."""
        init = object.__setattr__
        init(self, "attempts", attempts)
        init(self, "token", token)
        init(self, "max_attempts_reached", max_attempts_reached)
        init(self, "stop_reason", stop_reason)
        init(self, "earlier_attempt_may_have_acted", earlier_attempt_may_have_acted)
        init(self, "on_rerun", on_rerun)
        init(self, "from_journal", from_journal)

    def __repr__(self) -> str:
        """Every field, but a token of yours is shown in its log-safe form.

        A token you passed may be an order number or an e-mail address; ``repr``
        ends up in logs and tracebacks. Generated forms (a UUID, 32 hex digits)
        carry nothing and are shown; anything else as ``caller:<12 hex>``, the form
        ``RetryEvent.token`` and the logs use. ``token`` itself is the raw value.
        """
        import re  # noqa: PLC0415  (repr is rare; keep import light)

        from ._masking import log_safe  # noqa: PLC0415

        token = self.token
        if token is not None and not re.fullmatch(_GENERATED_FORM, token):
            token = log_safe(token, from_caller=True)
        return (
            f"CallInfo(attempts={self.attempts!r}, token={token!r},"
            f" max_attempts_reached={self.max_attempts_reached!r},"
            f" stop_reason={self.stop_reason!r},"
            f" earlier_attempt_may_have_acted={self.earlier_attempt_may_have_acted!r},"
            f" on_rerun={self.on_rerun!r}, from_journal={self.from_journal!r})"
        )


def call_info(outcome: BaseException | Mapping[str, Any]) -> CallInfo | None:
    """Tell how many attempts a call made, which token it sent, and why it stopped.

    Args:
        outcome: What the call returned (its response dict) or raised. A
            ``ClientError`` carries it in ``exc.response["ResponseMetadata"]``;
            a connection error or timeout carries it as an attribute; an error raised
            over one (s3transfer's ``S3UploadFailedError``) is followed to it through
            ``__cause__`` and ``__context__``.

    Returns:
        ``None`` when ``outcome`` holds no record (it did not come from a client call).
    """
    if isinstance(outcome, BaseException):
        # An error raised over the call's own (s3transfer's S3UploadFailedError) keeps it
        # as its __cause__ or __context__: follow the chain to the first with a record.
        seen: set[int] = set()
        error: BaseException | None = outcome
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            found = _of_exception(error)
            if found is not None:
                return found
            error = error.__cause__ or error.__context__
        return None
    return _of_response(outcome)


def _of_exception(error: BaseException) -> CallInfo | None:
    """The record an exception carries: a ClientError's response, else an attribute."""
    if isinstance(error, ClientError):
        return _of_response(error.response)
    info = getattr(error, CALL_INFO_ATTR, None)
    return info if isinstance(info, CallInfo) else None


def _of_response(outcome: Mapping[str, Any]) -> CallInfo | None:
    """The record in a response's (or an error response's) ResponseMetadata."""
    metadata = outcome.get("ResponseMetadata")
    if not isinstance(metadata, Mapping) or "RetryAttempts" not in metadata:
        return None
    token = metadata.get(TOKEN_METADATA_KEY)
    reason = metadata.get(STOP_REASON_METADATA_KEY)
    if reason not in _STOP_REASONS:
        reason = None
    on_rerun = metadata.get(ON_RERUN_METADATA_KEY)
    from_journal = metadata.get(FROM_JOURNAL_METADATA_KEY) is True
    return CallInfo(
        attempts=0 if from_journal else int(metadata["RetryAttempts"]) + 1,
        token=token if isinstance(token, str) else None,
        max_attempts_reached=bool(metadata.get("MaxAttemptsReached", False)),
        stop_reason=cast("StopReason | None", reason),
        earlier_attempt_may_have_acted=metadata.get(EARLIER_ATTEMPT_METADATA_KEY) is True,
        on_rerun=cast("OnRerun", on_rerun) if on_rerun in _ON_RERUN else None,
        from_journal=from_journal,
    )
