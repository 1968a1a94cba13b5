"""``GET /submissions/{id}``: a submission's status, never its content."""

from __future__ import annotations

import re

from toiawase.core import answers, records
from toiawase.core.outcome import Outcome
from toiawase.core.ports import StoreUnavailable, SubmissionStore

STATUS_PREFIX = "/submissions/"
_ID = re.compile(r"[0-9a-f]{32}")


def submission_status(submission_id: str, store: SubmissionStore | None) -> Outcome:
    """``GET /submissions/{id}``: the status and when it changed, never any content."""
    if store is None or not _ID.fullmatch(submission_id):
        response = answers.error_json(404, "not_found", "No submission with that reference.")
        return Outcome(response, "status", "not_found")
    try:
        record = store.get(submission_id)
    except StoreUnavailable:
        response = answers.error_json(
            503,
            "status_unavailable",
            "The status cannot be read right now.",
            None,
            {"Retry-After": "30"},
        )
        return Outcome(response, "status", "store_unavailable", notes=("StoreFailed",))
    if record is None:
        response = answers.error_json(404, "not_found", "No submission with that reference.")
        return Outcome(response, "status", "not_found")
    payload = {
        "id": record.submission_id,
        "status": records.PUBLIC_STATUS.get(record.status, record.status),
        "updated_at": record.updated_at.isoformat(timespec="seconds"),
    }
    return Outcome(answers.json_answer(200, payload), "status", None, record.submission_id)
