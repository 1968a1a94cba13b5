"""SES event notifications (through SNS) → the submission's new status, and owner alerts.

Accepts both SES formats: event publishing (``eventType``, from a configuration set) and
identity notifications (``notificationType``). The submission is found by the
``submission_id`` message tag the sender attached. A receipt to the submitter also carries the
tag ``kind=receipt``: its events never change the submission's status (a bounced receipt is not
a bounced submission); a hard bounce or a complaint puts its address on the receipt ledger's
bounce list instead, so it gets no more receipts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from toiawase.core import records

TAG = "submission_id"
KIND_TAG = "kind"
SUBMISSION_KIND = "submission"
RECEIPT_KIND = "receipt"


@dataclass(frozen=True)
class FeedbackEvent:
    """What an SES event says about one submission."""

    event_type: str
    submission_id: str | None
    new_status: str | None
    affected: tuple[str, ...]  # recipients the event is about
    detail: str  # e.g. the bounce type; safe to log
    kind: str = SUBMISSION_KIND  # the mail's ``kind`` tag: the owner's mail, or a receipt


class FeedbackError(ValueError):
    """Not an SES event this handler understands."""


def parse_ses_event(message: str) -> FeedbackEvent:
    """Read one SNS message body holding an SES event."""
    try:
        data: dict[str, Any] = json.loads(message)
    except ValueError as exc:
        raise FeedbackError("not JSON") from exc
    if not isinstance(data, dict):
        raise FeedbackError("not an object")
    event_type = str(data.get("eventType") or data.get("notificationType") or "")
    if not event_type:
        raise FeedbackError("no eventType")
    mail = data.get("mail") or {}
    tags = mail.get("tags") or {}
    tag_values = tags.get(TAG) or []
    submission_id = str(tag_values[0]) if tag_values else None
    kind_values = tags.get(KIND_TAG) or []
    kind = RECEIPT_KIND if kind_values and str(kind_values[0]) == RECEIPT_KIND else SUBMISSION_KIND
    new_status: str | None = None
    affected: tuple[str, ...] = ()
    detail = ""
    if event_type == "Delivery":
        new_status = records.DELIVERED
        affected = tuple((data.get("delivery") or {}).get("recipients") or ())
    elif event_type == "Bounce":
        bounce = data.get("bounce") or {}
        detail = str(bounce.get("bounceType") or "")
        affected = tuple(
            str(r.get("emailAddress", "")) for r in bounce.get("bouncedRecipients") or ()
        )
        # A transient (soft) bounce is SES still trying: no change of status.
        new_status = records.BOUNCED if detail != "Transient" else None
    elif event_type == "Complaint":
        complaint = data.get("complaint") or {}
        detail = str(complaint.get("complaintFeedbackType") or "")
        affected = tuple(
            str(r.get("emailAddress", "")) for r in complaint.get("complainedRecipients") or ()
        )
        new_status = records.COMPLAINED
    elif event_type == "Reject":
        new_status = records.REJECTED
        detail = str((data.get("reject") or {}).get("reason") or "")
    elif event_type == "DeliveryDelay":
        detail = str((data.get("deliveryDelay") or {}).get("delayType") or "")
    if kind == RECEIPT_KIND:
        new_status = None  # the submission's status is the owner's mail's, never the receipt's
    return FeedbackEvent(event_type, submission_id, new_status, affected, detail, kind)


def receipt_addresses_to_block(event: FeedbackEvent) -> tuple[str, ...]:
    """The addresses a receipt hard-bounced from or drew a complaint from: no more receipts."""
    if event.kind != RECEIPT_KIND:
        return ()
    if event.event_type == "Complaint" or (
        event.event_type == "Bounce" and event.detail != "Transient"
    ):
        return tuple(a for a in event.affected if a)
    return ()


def statuses_it_may_replace(new_status: str) -> tuple[str, ...]:
    """The current statuses ``new_status`` may overwrite: only ones ranked lower."""
    rank = records.RANK[new_status]
    return tuple(status for status, r in records.RANK.items() if r < rank)


def owner_inboxes_hit(event: FeedbackEvent, recipients: tuple[str, ...]) -> tuple[str, ...]:
    """The owner's own inboxes a bounce or complaint names: those inboxes are broken."""
    if event.event_type not in ("Bounce", "Complaint"):
        return ()
    if event.event_type == "Bounce" and event.detail == "Transient":
        return ()
    owned = {r.lower() for r in recipients}
    return tuple(a for a in event.affected if a.lower() in owned)
