"""Sending a stored submission again: the retry queue's and the redrive's use case.

Exactly once: a submission is sent only by whoever wins the conditional ``claim`` (status
``received``/``queued`` → ``sending``), and nothing in ``DONE`` is ever sent again. A
``sending`` claim whose lease has expired (the sender crashed mid-way) may be taken again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from toiawase.core import records
from toiawase.core.compose import OutgoingEmail, SubmissionMeta, compose
from toiawase.core.config import Settings
from toiawase.core.forms.model import Form
from toiawase.core.notify.delivery import plan_deliveries
from toiawase.core.notify.ports import DeliveryQueue
from toiawase.core.ports import (
    FileStore,
    FilesUnavailable,
    Sender,
    SendFailed,
    SubmissionStore,
    Tombstones,
)
from toiawase.core.privacy import erased_before
from toiawase.core.submission import Submission
from toiawase.core.uploads import UploadSettings, delivered_files, stored_files

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
    """``sent``, ``failed`` (a permanent refusal: parked for a redrive) or ``skipped``.

    ``notes``: what happened on the way, as metric names (``DeliveriesPlanned``,
    ``DeliveryQueueFailed`` …, as on the request path).
    """

    result: str
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())


def resend(
    submission_id: str,
    settings: Settings | Callable[[str], Settings],
    store: SubmissionStore,
    sender: Sender,
    now: datetime,
    gate: BatchGate | None = None,
    tombstones: Tombstones | None = None,
    files: FileStore | None = None,
    files_settings: UploadSettings | None = None,
    form_for: Callable[[str], Form | None] | None = None,
    deliveries: DeliveryQueue | None = None,
) -> RetryResult:
    """Send one stored submission if it still needs sending; raise ``RetryLater`` if transient
    (or if ``gate`` says its batch was already throttled: then nothing is claimed or sent).

    ``settings`` may be a function of the submission's form id (``settings_for_form``): a
    submission is recomposed with its own form's configuration in force now. Its files are read
    again from the bucket (``files``), never from the queue.

    A submission whose deliveries wait for its release (``records.plans_on_send``: its files
    were scanned first) has them planned here, once SES accepted its email: ``form_for`` finds
    its form's targets, ``deliveries`` is their queue. The claim makes this send, and so this
    plan, happen once; a failed or infected submission is never sent, so never planned.
    """
    if gate is not None:
        gate.check()
    record = store.get(submission_id)
    if record is None:
        return RetryResult("skipped", "missing")
    if record.status in records.DONE:
        return RetryResult("skipped", "already_" + record.status)
    # Its sender asked for erasure after it arrived (``toiawase forget`` missed it, or a copy of
    # it travels in a queue message): dropped, never sent.
    if (
        record.reply_hash
        and tombstones is not None
        and erased_before(record.created_at, tombstones.erased_at(record.reply_hash))
    ):
        return RetryResult("skipped", "erased")
    if not store.claim(submission_id, now, LEASE_SECONDS):
        return RetryResult("skipped", "claimed_elsewhere")
    submission, meta = records.decode_payload(record.payload)
    chosen = settings(submission.form_id) if callable(settings) else settings
    try:
        email = _compose_with_files(submission, meta, chosen, record.payload, files, files_settings)
    except FilesUnavailable as exc:
        store.mark(
            submission_id,
            records.QUEUED,
            now,
            reason="files_unavailable",
            only_from=(records.SENDING,),
        )
        raise RetryLater("files_unavailable") from exc
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
    notes: list[str] = []
    if form_for is not None and records.plans_on_send(record.payload):
        form = form_for(submission.form_id)
        if form is not None:
            plan_deliveries(form, submission_id, deliveries, notes)
    return RetryResult("sent", notes=tuple(notes))


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


def _compose_with_files(
    submission: Submission,
    meta: SubmissionMeta,
    settings: Settings,
    payload: str,
    files: FileStore | None,
    files_settings: UploadSettings | None,
) -> OutgoingEmail:
    """``compose``, with the stored files attached or linked as on the first attempt."""
    kept = stored_files(payload)
    if not kept:
        return compose(submission, meta, settings)
    files_settings = files_settings or UploadSettings()
    delivered = delivered_files(kept, files, files_settings)
    return compose(submission, meta, settings, delivered, files_settings.link_days)
