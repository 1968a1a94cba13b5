"""Malware scanning of a submission's files (optional): wait for every verdict, then send.

With ``MalwareScanning=guardduty`` (template.yaml), GuardDuty Malware Protection for S3 scans
every object written under ``submissions/`` and tags it ``GuardDutyMalwareScanStatus``; a
submission with files is stored with status ``scanning`` and answered 202 (``core/submit.py``).
For each scan result, EventBridge invokes the scan-result function, which calls
``on_scan_result``:

* a file found infected (``THREATS_FOUND``): the submission becomes ``infected`` and is never
  delivered; the handler tells the owner which submission and why;
* a file that could not be scanned (``UNSUPPORTED``, ``ACCESS_DENIED``, ``FAILED``): the
  submission is held (``failed``, reason ``scan_<status>``) and the owner is told; a redrive
  sends it, unscanned, only when the owner decides to;
* every file clean (``NO_THREATS_FOUND``, read from each object's tag): the submission moves to
  ``queued`` (by one conditional write, so two clean results cannot both send it) and goes on the
  retry queue, whose function sends it, reading the files again from the bucket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from toiawase.core import records
from toiawase.core.ports import FileStore, RetryQueue, SubmissionStore
from toiawase.core.uploads import stored_files

CLEAN = "NO_THREATS_FOUND"
THREATS = "THREATS_FOUND"
_KEY = re.compile(r"submissions/[a-z0-9][a-z0-9_-]{0,63}/([0-9a-f]{32})/\d+")


@dataclass(frozen=True)
class ScanOutcome:
    """``queued``, ``waiting``, ``infected``, ``unscannable`` or ``ignored`` (not ours, or done)."""

    result: str
    submission_id: str | None = None
    reason: str | None = None


def submission_of(key: str) -> str | None:
    """The submission id in ``submissions/<form>/<id>/<n>``, or None for any other key."""
    match = _KEY.fullmatch(key)
    return match.group(1) if match else None


def on_scan_result(
    key: str,
    status: str,
    store: SubmissionStore,
    files: FileStore,
    queue: RetryQueue | None,
    now: datetime,
) -> ScanOutcome:
    """Act on one object's scan result (see the module's docstring)."""
    sid = submission_of(key)
    if sid is None:
        return ScanOutcome("ignored", None, "not_a_submission_file")
    record = store.get(sid)
    if record is None or record.status != records.SCANNING:
        return ScanOutcome("ignored", sid, "not_scanning")
    if status == THREATS:
        store.mark(sid, records.INFECTED, now, reason="malware", only_from=(records.SCANNING,))
        return ScanOutcome("infected", sid, "malware")
    if status != CLEAN:
        reason = f"scan_{status.lower()}"[:40]
        store.mark(sid, records.FAILED, now, reason=reason, only_from=(records.SCANNING,))
        return ScanOutcome("unscannable", sid, reason)
    verdicts = [
        CLEAN if item.key == key else files.scan_status(str(item.key))
        for item in stored_files(record.payload)
    ]
    if THREATS in verdicts:
        store.mark(sid, records.INFECTED, now, reason="malware", only_from=(records.SCANNING,))
        return ScanOutcome("infected", sid, "malware")
    if any(verdict != CLEAN for verdict in verdicts):
        return ScanOutcome("waiting", sid)
    if not store.mark(sid, records.QUEUED, now, reason="scanned", only_from=(records.SCANNING,)):
        return ScanOutcome("ignored", sid, "queued_elsewhere")
    if queue is not None:
        queue.enqueue(sid)
    return ScanOutcome("queued", sid)
