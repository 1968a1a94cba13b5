"""In-memory adapters for the core's ports (unit tests only)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from toiawase.core import records
from toiawase.core.ports import InProgress, QueueUnavailable, StoreUnavailable
from toiawase.core.records import StoredSubmission


class MemoryStore:
    def __init__(self, *, down: bool = False) -> None:
        self.rows: dict[str, StoredSubmission] = {}
        self.claimed_at: dict[str, datetime] = {}
        self.down = down

    def _check(self) -> None:
        if self.down:
            raise StoreUnavailable("down")

    def create(self, record: StoredSubmission) -> None:
        self._check()
        assert record.submission_id not in self.rows
        self.rows[record.submission_id] = record

    def get(self, submission_id: str) -> StoredSubmission | None:
        self._check()
        return self.rows.get(submission_id)

    def mark(
        self,
        submission_id,
        status,
        now,
        *,
        reason=None,
        message_id=None,
        only_from=None,
        count_attempt=False,
    ) -> bool:
        self._check()
        row = self.rows.get(submission_id)
        if row is None or (only_from is not None and row.status not in set(only_from)):
            return False
        self.rows[submission_id] = replace(
            row,
            status=status,
            updated_at=now,
            reason=reason or row.reason,
            attempts=row.attempts + (1 if count_attempt else 0),
        )
        return True

    def claim(self, submission_id: str, now: datetime, lease_seconds: int) -> bool:
        self._check()
        row = self.rows.get(submission_id)
        if row is None:
            return False
        expired = row.status == records.SENDING and self.claimed_at[
            submission_id
        ] < now - timedelta(seconds=lease_seconds)
        if row.status in (records.RECEIVED, records.QUEUED) or expired:
            self.rows[submission_id] = replace(row, status=records.SENDING, updated_at=now)
            self.claimed_at[submission_id] = now
            return True
        return False

    def with_status(self, statuses: Iterable[str]) -> list[StoredSubmission]:
        wanted = set(statuses)
        return [r for r in self.rows.values() if r.status in wanted]


class MemoryQueue:
    def __init__(self, *, down: bool = False) -> None:
        self.messages: list[str] = []
        self.down = down

    def enqueue(self, submission_id: str, delay_seconds: int = 0) -> None:
        if self.down:
            raise QueueUnavailable("down")
        self.messages.append(submission_id)


class MemoryDedupe:
    def __init__(self) -> None:
        self.results: dict[str, Mapping[str, Any]] = {}
        self.in_progress: set[str] = set()

    def once(self, key: str, work: Callable[[], Mapping[str, Any]]) -> Mapping[str, Any]:
        if key in self.in_progress:
            raise InProgress(key)
        if key in self.results:
            return self.results[key]
        self.in_progress.add(key)
        try:
            result = work()
        finally:
            self.in_progress.discard(key)
        self.results[key] = result
        return result
