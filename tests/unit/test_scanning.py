"""Malware scanning: a submission with files waits as ``scanning`` and is sent only when every
file is clean; an infected file ends it undelivered (core/scanning.py, core/submit.py)."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.files_fixtures import MULTIPART, multipart
from tests.unit.fakes import MemoryQueue, MemoryStore
from tests.unit.files_fakes import MemoryFiles, MemoryLedger
from tests.unit.helpers import WHEN, RecordingSender, form_request, settings
from tests.unit.test_submit_files import FORM, PDF, TEXT
from toiawase.core import records
from toiawase.core.outcome import Dependencies
from toiawase.core.retry import resend
from toiawase.core.scanning import CLEAN, THREATS, on_scan_result, submission_of
from toiawase.core.submit import submit
from toiawase.core.uploads import UploadSettings

SCANNING = UploadSettings(scanning=True)


class TaggedFiles(MemoryFiles):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def scan_status(self, key: str) -> str | None:
        return self.tags.get(key)


def setup(files: list[tuple[str, bytes]]):
    store, queue, bucket, sender = MemoryStore(), MemoryQueue(), TaggedFiles(), RecordingSender()
    deps = Dependencies(
        sender=sender,
        new_id=lambda: "ab" * 16,
        store=store,
        queue=queue,
        files=bucket,
        uploads=MemoryLedger(),
    )
    parts = [*TEXT, *(("cv", name, data, "application/pdf") for name, data in files)]
    request = form_request(
        body=multipart(*parts),
        content_type=MULTIPART,
        accept="application/json",
    )
    outcome = submit(request, settings(), deps, True, form=FORM, files_settings=SCANNING)
    return outcome, store, queue, bucket, sender


def test_a_submission_with_files_waits_for_its_scan_answered_202():
    outcome, store, queue, _, sender = setup([("a.pdf", PDF)])
    assert outcome.response.status == 202
    assert json.loads(outcome.response.body)["status"] == "scanning"
    record = store.get("ab" * 16)
    assert record is not None and record.status == records.SCANNING
    assert sender.sent == [] and queue.messages == []


def test_sent_only_when_every_file_is_clean_then_by_the_retry_path():
    _, store, queue, bucket, sender = setup([("a.pdf", PDF), ("b.pdf", PDF[:900])])
    first, second = (f"submissions/jobs/{'ab' * 16}/{n}" for n in (0, 1))
    bucket.tags[first] = CLEAN
    assert on_scan_result(first, CLEAN, store, bucket, queue, WHEN).result == "waiting"
    assert queue.messages == []
    bucket.tags[second] = CLEAN
    outcome = on_scan_result(second, CLEAN, store, bucket, queue, WHEN)
    assert outcome.result == "queued" and queue.messages == ["ab" * 16]
    # A late duplicate result does not queue it twice.
    assert on_scan_result(first, CLEAN, store, bucket, queue, WHEN).result == "ignored"
    assert queue.messages == ["ab" * 16]
    result = resend("ab" * 16, settings(), store, sender, WHEN + timedelta(seconds=5), files=bucket)
    assert result.result == "sent" and len(sender.sent) == 1


def test_an_infected_file_is_never_delivered():
    _, store, queue, bucket, sender = setup([("a.pdf", PDF), ("b.pdf", PDF[:900])])
    key = f"submissions/jobs/{'ab' * 16}/1"
    outcome = on_scan_result(key, THREATS, store, bucket, queue, WHEN)
    assert (outcome.result, outcome.submission_id, outcome.reason) == (
        "infected",
        "ab" * 16,
        "malware",
    )
    record = store.get("ab" * 16)
    assert record is not None and record.status == records.INFECTED
    assert records.PUBLIC_STATUS[records.INFECTED] == "rejected"
    bucket.tags[f"submissions/jobs/{'ab' * 16}/0"] = CLEAN
    assert on_scan_result(key.replace("/1", "/0"), CLEAN, store, bucket, queue, WHEN).result == (
        "ignored"
    )
    assert resend("ab" * 16, settings(), store, sender, WHEN, files=bucket).result == "skipped"
    assert queue.messages == [] and sender.sent == []


def test_an_unscannable_file_holds_the_submission_for_the_owner():
    _, store, queue, bucket, _ = setup([("a.pdf", PDF)])
    key = f"submissions/jobs/{'ab' * 16}/0"
    outcome = on_scan_result(key, "UNSUPPORTED", store, bucket, queue, WHEN)
    assert (outcome.result, outcome.reason) == ("unscannable", "scan_unsupported")
    record = store.get("ab" * 16)
    assert record is not None and record.status == records.FAILED
    assert queue.messages == []


def test_keys_that_are_not_a_submissions_files_are_ignored():
    assert submission_of("uploads/jobs/" + "a" * 32 + "/0") is None
    assert submission_of("submissions/jobs/../x/0") is None
    assert submission_of(f"submissions/jobs/{'ab' * 16}/3") == "ab" * 16
