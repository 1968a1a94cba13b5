"""``toiawase spam``: review what the honeypot caught, and release a false positive.

A submission that filled the honeypot was answered normally and not sent, but kept with status
``spam``. ``list`` shows them to the owner (in the owner's own terminal: this is the one place
submitted content is printed); ``release ID`` queues one to be sent like any other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from toiawase.core import records
from toiawase.core.ports import RetryQueue, SubmissionStore


def describe_spam(store: SubmissionStore) -> list[str]:
    """One line per kept spam submission, oldest first: id, time, form, sender and a preview."""
    lines: list[str] = []
    for record in sorted(store.with_status({records.SPAM}), key=lambda r: r.created_at):
        submission, _ = records.decode_payload(record.payload)
        text = submission.message or " ".join(v for _, values in submission.fields for v in values)
        preview = " ".join(text.split())[:60]
        sender = submission.email.normalized if submission.email else "(no reply address)"
        lines.append(
            f"{record.submission_id}  {record.created_at:%Y-%m-%d %H:%M}  "
            f"{submission.form_id}  {sender}  {preview}"
        )
    return lines


def release(store: SubmissionStore, queue: RetryQueue, submission_id: str) -> bool:
    """Queue a kept spam submission for sending; False when it is not (or no longer) spam."""
    now = datetime.now(tz=UTC)
    if not store.mark(submission_id, records.QUEUED, now, only_from=(records.SPAM,)):
        return False
    queue.enqueue(submission_id)
    return True
