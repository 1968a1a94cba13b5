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
  retry queue, whose function sends it, reading the files again from the bucket, and then plans
  its deliveries (webhook, Slack, Discord, receipt: ``core/retry.resend``);
* no verdict within ``ScanTimeoutMinutes`` (``expire_scans``, run by a schedule): the submission
  is held (``failed``, reason ``scan_timeout``) and the owner is told; never sent unscanned
  unless the owner runs ``toiawase redrive``. A verdict that arrives later still counts while
  it is held: malware ends it ``infected``, every file clean releases it as above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from toiawase.core import records
from toiawase.core.ports import FileStore, RetryQueue, ScanWatch, SubmissionStore
from toiawase.core.uploads import stored_files

CLEAN = "NO_THREATS_FOUND"
THREATS = "THREATS_FOUND"
SCAN_TIMEOUT = "scan_timeout"
DEFAULT_SCAN_TIMEOUT_MINUTES = 60
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
    if record is None or not _awaits_verdict(record):
        return ScanOutcome("ignored", sid, "not_scanning")
    # Every write is conditional on the status read here: a timeout, a redrive or another
    # result that moved it on meanwhile wins, and this one changes nothing.
    waiting = (record.status,)
    if status == THREATS:
        store.mark(sid, records.INFECTED, now, reason="malware", only_from=waiting)
        return ScanOutcome("infected", sid, "malware")
    if status != CLEAN:
        reason = f"scan_{status.lower()}"[:40]
        store.mark(sid, records.FAILED, now, reason=reason, only_from=waiting)
        return ScanOutcome("unscannable", sid, reason)
    verdicts = [
        CLEAN if item.key == key else files.scan_status(str(item.key))
        for item in stored_files(record.payload)
    ]
    if THREATS in verdicts:
        store.mark(sid, records.INFECTED, now, reason="malware", only_from=waiting)
        return ScanOutcome("infected", sid, "malware")
    if any(verdict != CLEAN for verdict in verdicts):
        return ScanOutcome("waiting", sid)
    if not store.mark(sid, records.QUEUED, now, reason="scanned", only_from=waiting):
        return ScanOutcome("ignored", sid, "queued_elsewhere")
    if queue is not None:
        queue.enqueue(sid)
    return ScanOutcome("queued", sid)


def _awaits_verdict(record: records.StoredSubmission) -> bool:
    """Scanning, or held because its verdicts were late (a late verdict still counts)."""
    return record.status == records.SCANNING or (
        record.status == records.FAILED and record.reason == SCAN_TIMEOUT
    )


def expire_scans(
    watch: ScanWatch, store: SubmissionStore, now: datetime, timeout: timedelta
) -> list[str]:
    """Hold every submission still ``scanning`` after ``timeout``: ``failed``, reason
    ``scan_timeout`` (one conditional write each, so a verdict that lands meanwhile wins).

    Returns the ids held, for the owner's alert. Never sends anything: a held submission is
    released by a late verdict (``on_scan_result``) or, unscanned, by the owner's redrive.
    """
    held: list[str] = []
    for sid in watch.scanning_since(now - timeout):
        if store.mark(sid, records.FAILED, now, reason=SCAN_TIMEOUT, only_from=(records.SCANNING,)):
            held.append(sid)
    return held
