"""Sending a stored submission again: the retry queue's and the redrive's use case.

Exactly once: a submission is sent only by whoever wins the conditional ``claim`` (status
``received``/``queued`` → ``sending``), and nothing in ``DONE`` is ever sent again. A
``sending`` claim whose lease has expired (the sender crashed mid-way) may be taken again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from toiawase.core import records
from toiawase.core.compose import compose
from toiawase.core.config import Settings
from toiawase.core.ports import Sender, SendFailed, SubmissionStore

LEASE_SECONDS = 300
BASE_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 900  # SQS's visibility change we use at most (15 minutes)
THROTTLED = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})


def backoff_seconds(receive_count: int, random: Callable[[], float]) -> int:
    """Seconds before a deferred message comes back: exponential, capped, with equal jitter.

    The ceiling doubles per receive (30 s, 60 s, 120 s … 900 s); the delay is half the ceiling
    plus a random share of the other half ("equal jitter", AWS Architecture Blog, *Exponential
    Backoff And Jitter*). Without jitter, every message throttled in the same second comes back
    in the same second and is throttled again; with it they spread over the window, and the
    fixed half keeps a floor so a burst never hammers SES. ``random`` returns [0, 1).
    """
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(0, receive_count - 1))
    return max(1, int(ceiling / 2 + random() * ceiling / 2))


class BatchGate:
    """One retry invocation's courtesy to SES: after the first throttle, send nothing more.

    The retry function receives a batch of messages; once SES has said "too many requests",
    sending the rest of the batch now only earns more throttles (and more receives towards the
    dead-letter queue). Every later record of the batch is deferred with its own backoff
    instead, so the consumer never makes throttling worse.
    """

    def __init__(self) -> None:
        self.throttled = False

    def check(self) -> None:
        if self.throttled:
            raise RetryLater("deferred_after_throttle")

    def observe(self, code: str) -> None:
        if code in THROTTLED:
            self.throttled = True


class RetryLater(Exception):
    """A transient failure: leave the message on the queue so it comes back with backoff."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class RetryResult:
    """``sent``, ``failed`` (a permanent refusal: parked for a redrive) or ``skipped``."""

    result: str
    reason: str | None = None


def resend(
    submission_id: str,
    settings: Settings | Callable[[str], Settings],
    store: SubmissionStore,
    sender: Sender,
    now: datetime,
    gate: BatchGate | None = None,
) -> RetryResult:
    """Send one stored submission if it still needs sending; raise ``RetryLater`` if transient
    (or if ``gate`` says its batch was already throttled: then nothing is claimed or sent).

    ``settings`` may be a function of the submission's form id (``settings_for_form``): a
    submission is recomposed with its own form's configuration in force now.
    """
    if gate is not None:
        gate.check()
    record = store.get(submission_id)
    if record is None:
        return RetryResult("skipped", "missing")
    if record.status in records.DONE:
        return RetryResult("skipped", "already_" + record.status)
    if not store.claim(submission_id, now, LEASE_SECONDS):
        return RetryResult("skipped", "claimed_elsewhere")
    submission, meta = records.decode_payload(record.payload)
    chosen = settings(submission.form_id) if callable(settings) else settings
    email = compose(submission, meta, chosen)
    try:
        message_id = sender.send(email)
    except SendFailed as exc:
        if gate is not None:
            gate.observe(exc.code)
        if exc.transient:
            store.mark(
                submission_id,
                records.QUEUED,
                now,
                reason=exc.code,
                count_attempt=True,
                only_from=(records.SENDING,),
            )
            raise RetryLater(exc.code) from exc
        store.mark(
            submission_id,
            records.FAILED,
            now,
            reason=exc.code,
            count_attempt=True,
            only_from=(records.SENDING,),
        )
        return RetryResult("failed", exc.code)
    store.mark(submission_id, records.SENT, now, message_id=message_id, count_attempt=True)
    return RetryResult("sent")


def prepare_redrive(
    store: SubmissionStore,
    now: datetime,
    *,
    include_received: bool = False,
    older_than_seconds: int = 60,
) -> list[str]:
    """Submissions a redrive should queue again, moved back to ``queued``.

    Parked ``failed`` ones always; ``queued`` ones older than ``older_than_seconds`` (their
    queue message may be lost or dead-lettered). ``received`` ones only when asked: a row stuck
    in ``received`` means the table failed around the send, and SES may already have accepted
    that message, so resending it risks a duplicate.
    """
    wanted = {records.FAILED, records.QUEUED} | ({records.RECEIVED} if include_received else set())
    due: list[str] = []
    for record in store.with_status(wanted):
        age = (now - record.updated_at).total_seconds()
        if record.status != records.FAILED and age < older_than_seconds:
            continue
        if store.mark(record.submission_id, records.QUEUED, now, only_from=(record.status,)):
            due.append(record.submission_id)
    return due
