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
) -> RetryResult:
    """Send one stored submission if it still needs sending; raise ``RetryLater`` if transient.

    ``settings`` may be a function of the submission's form id (``settings_for_form``): a
    submission is recomposed with its own form's configuration in force now.
    """
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
