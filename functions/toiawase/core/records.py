"""Stored submissions: the status lifecycle and the payload kept for a later (re)send.

The payload is the validated submission plus what the endpoint knew about it, as JSON. It is
recomposed with the configuration in force when it is (re)sent, so a redrive after the owner
fixed the sender identity uses the fixed configuration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from toiawase.core.address import SubmitterAddress
from toiawase.core.compose import SubmissionMeta
from toiawase.core.submission import Submission

RECEIVED = "received"
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
DELIVERED = "delivered"
BOUNCED = "bounced"
COMPLAINED = "complained"
REJECTED = "rejected"
FAILED = "failed"
SPAM = "spam"
# Files (issue 12) with malware scanning on: kept until every file is scanned clean
# (core/scanning.py); a file found infected ends the submission undelivered.
SCANNING = "scanning"
INFECTED = "infected"

# The order in which states may follow each other; a late event never moves a submission back.
RANK = {
    RECEIVED: 0,
    SCANNING: 0,
    QUEUED: 1,
    SENDING: 1,
    FAILED: 1,
    SENT: 2,
    DELIVERED: 3,
    BOUNCED: 4,
    REJECTED: 4,
    COMPLAINED: 5,
    INFECTED: 5,
}
# States after which nothing is (re)sent.
DONE = frozenset({SENT, DELIVERED, BOUNCED, COMPLAINED, REJECTED, SPAM, INFECTED})
# What the public status endpoint shows for each internal state.
PUBLIC_STATUS = {SENDING: QUEUED, SPAM: SENT, INFECTED: REJECTED}


@dataclass(frozen=True)
class StoredSubmission:
    """One row of the submissions table."""

    submission_id: str
    status: str
    created_at: datetime
    updated_at: datetime
    payload: str
    attempts: int = 0
    reason: str | None = None
    form_id: str | None = None
    # For erasure (``toiawase forget``, core/privacy.py): the keyed hash of the reply-to address
    # and the idempotency record this submission's request left, written at create time.
    reply_hash: str | None = None
    idempotency_record: str | None = None


def encode_payload(
    submission: Submission,
    meta: SubmissionMeta,
    files: list[dict[str, object]] | None = None,
    *,
    plan_on_send: bool = False,
) -> str:
    """The submission and its metadata as JSON (UTF-8 text, submission order kept).

    ``files`` (``core/uploads.encode_files``): names, types, sizes and bucket keys of the
    submission's files, never their bytes; the (re)send reads them from the bucket.

    ``plan_on_send``: the form's deliveries (webhook, Slack, Discord, receipt) were not planned
    when it arrived (its files await their malware scan); the send that releases it plans them
    (``core/retry.resend``), so an infected or held submission never has any.
    """
    data: dict[str, Any] = {
        "v": 1,
        "form": submission.form_id,
        "labels": [[name, label] for name, label in submission.labels],
        "email": (
            [submission.email.normalized, submission.email.header] if submission.email else None
        ),
        "name": submission.name,
        "message": submission.message,
        "subject": submission.subject,
        "fields": [[name, list(values)] for name, values in submission.fields],
        "meta": {
            "id": meta.submission_id,
            "received_at": meta.received_at.isoformat(),
            "page_url": meta.page_url,
            "origin": meta.origin,
            "client_ip": meta.client_ip,
        },
    }
    if files:
        data["files"] = files
    if plan_on_send:
        data["plan_on_send"] = True
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def plans_on_send(payload: str) -> bool:
    """Whether the send that releases this submission plans its deliveries (``encode_payload``)."""
    return bool(json.loads(payload).get("plan_on_send")) if payload else False


def decode_payload(payload: str) -> tuple[Submission, SubmissionMeta]:
    """The inverse of ``encode_payload``."""
    data = json.loads(payload)
    meta = data["meta"]
    email = data.get("email")
    submission = Submission(
        email=SubmitterAddress(normalized=email[0], header=email[1]) if email else None,
        name=data["name"],
        message=data["message"],
        subject=data["subject"],
        next_url=None,
        honeypot_filled=False,
        fields=tuple((name, tuple(values)) for name, values in data["fields"]),
        form_id=data.get("form", "default"),
        labels=tuple((name, label) for name, label in data.get("labels", [])),
    )
    return submission, SubmissionMeta(
        submission_id=meta["id"],
        received_at=datetime.fromisoformat(meta["received_at"]),
        page_url=meta["page_url"],
        origin=meta["origin"],
        client_ip=meta["client_ip"],
    )
