"""``GET /submissions/{id}``: a submission's status, never its content."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from toiawase.core import answers, records
from toiawase.core.i18n import Translator, t
from toiawase.core.outcome import Outcome
from toiawase.core.ports import StoreUnavailable, SubmissionStore

STATUS_PREFIX = "/submissions/"
_ID = re.compile(r"[0-9a-f]{32}")


def submission_status(
    submission_id: str,
    store: SubmissionStore | None,
    now: datetime | None = None,
    delivery_events: bool = False,
    tr: Translator | None = None,
) -> Outcome:
    """``GET /submissions/{id}``: the status and when it changed, never any content. The
    ``status`` word is machine-readable (``toiawase.js`` shows it in the page's language)."""
    if store is None or not _ID.fullmatch(submission_id):
        response = answers.error_json(404, "not_found", t("error.no_submission"), tr=tr)
        return Outcome(response, "status", "not_found")
    try:
        record = store.get(submission_id)
    except StoreUnavailable:
        response = answers.error_json(
            503,
            "status_unavailable",
            t("error.status_unavailable"),
            None,
            {"Retry-After": "30"},
            tr,
        )
        return Outcome(response, "status", "store_unavailable", notes=("StoreFailed",))
    if record is None:
        response = answers.error_json(404, "not_found", t("error.no_submission"), tr=tr)
        return Outcome(response, "status", "not_found")
    status = records.PUBLIC_STATUS.get(record.status, record.status)
    updated_at = record.updated_at
    if record.status == records.SPAM and delivery_events and now is not None:
        status, updated_at = _spam_life(record.submission_id, record.created_at, now)
    payload = {
        "id": record.submission_id,
        "form": record.form_id or "default",
        "status": status,
        "updated_at": updated_at.isoformat(timespec="seconds"),
    }
    return Outcome(answers.json_answer(200, payload), "status", None, record.submission_id)


def _spam_life(submission_id: str, created_at: datetime, now: datetime) -> tuple[str, datetime]:
    """What a bot polling a honeypot submission sees: the life of a real one.

    With SES delivery events configured, a real submission goes ``sent`` → ``delivered`` a few
    seconds after it was sent; a spam one does the same, after a delay of 2 to 10 s taken from its
    (random) id, so it is stable across polls and differs between submissions. Without delivery
    events a real one stays ``sent``, and so does spam.
    """
    delay = timedelta(seconds=2 + int(submission_id[:2], 16) % 9)
    if now - created_at >= delay:
        return records.DELIVERED, created_at + delay
    return records.SENT, created_at
