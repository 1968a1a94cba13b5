"""In-memory adapters for the core's ports (unit tests only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from toiawase.core import records
from toiawase.core.ports import (
    AdmissionUnavailable,
    AlreadyClaimed,
    Claim,
    Counter,
    OverLimit,
    QueueUnavailable,
    StoreUnavailable,
)
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


class MemoryAdmission:
    """``adapters.admission`` in memory: counters, claims and the store's rows, all or nothing."""

    def __init__(self, store: MemoryStore | None = None, *, down: bool = False) -> None:
        self.store = store
        self.hits: dict[str, int] = {}
        self.claims: dict[str, tuple[str, int, str | None]] = {}  # key -> (sid, expires, answer)
        self.down = down
        self.calls = 0

    def admit(
        self,
        counters: Sequence[Counter],
        claim: Claim | None = None,
        record: StoredSubmission | None = None,
    ) -> None:
        self.calls += 1
        if self.down:
            raise AdmissionUnavailable("down")
        if claim is not None and claim.key in self.claims:
            sid, expires, answer = self.claims[claim.key]
            if expires >= claim.now:
                raise AlreadyClaimed(sid, answer)
        for index, counter in enumerate(counters):
            if self.hits.get(counter.key, 0) >= counter.limit:
                raise OverLimit(index)
        for counter in counters:
            self.hits[counter.key] = self.hits.get(counter.key, 0) + 1
        if claim is not None:
            self.claims[claim.key] = (claim.submission_id, claim.expires_at, None)
        if record is not None:
            assert self.store is not None
            self.store.rows[record.submission_id] = record

    def settle(self, claim: Claim, answer: str) -> None:
        if self.store is None and claim.key in self.claims:
            self.claims[claim.key] = (claim.submission_id, claim.expires_at, answer)

    def release(self, claim: Claim | None, record: StoredSubmission | None) -> None:
        self.calls += 1
        if claim is not None:
            self.claims.pop(claim.key, None)
        if record is not None and self.store is not None:
            row = self.store.rows.get(record.submission_id)
            if row is not None and row.status == record.status:
                del self.store.rows[record.submission_id]
