"""What a call the library did not resend says where its caller looks: a PEP 678 note.

The exception a call raises when the library stopped resending it (an ambiguous failure
of an unsafe call, attempts or time spent, the retry quota) carries a note naming the
operation, why it was not resent and its ``call_info``; a typed "earlier attempt" error
says what the earlier attempt probably did. ``traceback`` prints notes under the message
(Python 3.11+); on 3.10 they are kept in ``__notes__`` all the same. Never parameters,
never the response. Loaded when a call is given up, never on a success or a resend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._callinfo import CallInfo, StopReason

__all__ = ["NOTED", "add_note", "earlier_note", "stop_note"]

#: Stop reasons a note explains (``not_retryable`` is the service's own answer: no note).
NOTED = frozenset(
    {"unsafe_to_resend", "max_attempts", "deadline", "lambda_time_left", "retry_quota"}
)

_WHY = {
    "unsafe_to_resend": (
        "the first attempt may have been carried out (a 5xx, a timeout or a lost answer), and"
        " a second request could act twice: it carries no client token and its operation is"
        " not idempotent{because}; look its effect up before sending it again"
    ),
    "max_attempts": "its attempts ran out ({attempts} sent)",
    "deadline": "the next backoff would have ended past the policy's deadline",
    "lambda_time_left": "the next backoff would have ended within the Lambda margin",
    "retry_quota": "the client's retry quota is spent (an outage: failing fast)",
}


def stop_note(
    service: str, operation: str, error_code: str, reason: StopReason, info: CallInfo, why: str
) -> str:
    """The note of a call not resent (again): the operation, why, and its ``call_info``."""
    because = f" ({why})" if why and reason == "unsafe_to_resend" else ""
    text = _WHY[reason].format(because=because, attempts=info.attempts)
    return (
        f"boto3-idempotent: {service}:{operation} was not resent after {error_code}: {reason}:"
        f" {text}. call_info(exc) = {info!r}"
    )


def earlier_note(service: str, operation: str, error_code: str, info: CallInfo) -> str:
    """The note of a typed "earlier attempt" error: what the first attempt probably did."""
    if "ConditionalCheckFailed" in error_code or "PreconditionFailed" in error_code:
        probably = (
            "the first attempt's answer was lost, and the resend failed its condition: the"
            " first attempt probably wrote the item"
        )
    else:
        probably = (
            "the first attempt's answer was lost, and the resend was refused by a conflict the"
            " first attempt itself may have caused: it probably acted"
        )
    return f"boto3-idempotent: {service}:{operation}: {probably}. call_info(exc) = {info!r}"


def add_note(error: BaseException, note: str) -> None:
    """``error.add_note(note)``; on Python 3.10 the same ``__notes__`` list by hand."""
    adder: Any = getattr(error, "add_note", None)
    if adder is not None:
        adder(note)
        return
    notes = list(getattr(error, "__notes__", ()))
    notes.append(note)
    setattr(error, "__notes__", notes)  # noqa: B010  (PEP 678's attribute, on 3.10)
