"""The interfaces the core needs from the outside world; adapters implement them.

Every port is small and plain so that tests can swap an adapter for a fake, and so the core never
learns which AWS service (or which library) is behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from toiawase.core.compose import OutgoingEmail
from toiawase.core.records import StoredSubmission


class SendFailed(Exception):
    """SES did not accept the message.

    ``transient`` is True for throttling, 5xx, timeouts and connection errors (worth retrying),
    False when SES refused the message itself (unverified identity, paused account …).
    ``code`` is the error code, safe to log and count.
    """

    def __init__(self, code: str, *, transient: bool) -> None:
        super().__init__(code)
        self.code = code
        self.transient = transient


class StoreUnavailable(Exception):
    """The submissions table could not be read or written (outage, throttling, permissions)."""


class QueueUnavailable(Exception):
    """The retry queue could not take a message."""


class CaptchaUnavailable(Exception):
    """The captcha provider did not answer in time, or answered with an error."""


class InProgress(Exception):
    """The same submission (same idempotency key) is being handled by another request."""


class OverLimit(Exception):
    """An admission was refused because ``counters[index]`` is at its limit; nothing was written."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class AlreadyClaimed(Exception):
    """The idempotency key is held by an earlier submission (a repeat): nothing was written.

    ``submission_id`` is the first submission's id; ``answer`` the status recorded on the claim
    when there is no submissions table to read it from (None while that one is in progress).
    """

    def __init__(self, submission_id: str, answer: str | None = None) -> None:
        super().__init__(submission_id)
        self.submission_id = submission_id
        self.answer = answer


class AdmissionUnavailable(Exception):
    """The admission write failed for an outage (not a condition): nothing is known written."""


class Sender(Protocol):
    """Sends one composed message; returns the provider's message id or raises ``SendFailed``."""

    def send(self, email: OutgoingEmail) -> str: ...


class SubmissionStore(Protocol):
    """Durable submissions, keyed by submission id."""

    def create(self, record: StoredSubmission) -> None:
        """Write a new submission; raise ``StoreUnavailable`` when it was not stored."""

    def get(self, submission_id: str) -> StoredSubmission | None: ...

    def mark(
        self,
        submission_id: str,
        status: str,
        now: datetime,
        *,
        reason: str | None = None,
        message_id: str | None = None,
        only_from: Iterable[str] | None = None,
        count_attempt: bool = False,
    ) -> bool:
        """Set the status (only when the current one is in ``only_from``, if given).

        Returns False when the condition did not hold; raises ``StoreUnavailable``.
        """

    def claim(self, submission_id: str, now: datetime, lease_seconds: int) -> bool:
        """Take the right to send: status → ``sending`` if it was received/queued (or a
        ``sending`` lease expired). True for exactly one caller."""

    def with_status(self, statuses: Iterable[str]) -> list[StoredSubmission]: ...


class ScanWatch(Protocol):
    """The submissions still waiting for their malware scan, by arrival (an index, never a
    scan of the table): what the scan-timeout sweep reads (``core/scanning.expire_scans``)."""

    def scanning_since(self, before: datetime) -> list[str]:
        """Ids of ``scanning`` submissions created before ``before``; raise
        ``StoreUnavailable``."""


class Tombstones(Protocol):
    """What ``toiawase forget`` left behind: the time an address (by its keyed hash) was erased."""

    def erased_at(self, reply_hash: str) -> datetime | None:
        """The latest erasure of that address, or None; raise ``StoreUnavailable``."""


class RetryQueue(Protocol):
    """Where a submission goes to be sent again later."""

    def enqueue(self, submission_id: str, delay_seconds: int = 0) -> None: ...


@dataclass(frozen=True)
class Counter:
    """One rate-limit counter: ``key`` counts admissions until ``resets_at`` (epoch seconds)."""

    key: str
    limit: int
    resets_at: int


@dataclass(frozen=True)
class Claim:
    """The right to handle one submission (its idempotency key) for a window.

    ``key`` is the digest of ``toiawase.core.idempotency``; ``submission_id`` the id the
    submission gets; ``now`` and ``expires_at`` epoch seconds (a repeat after ``expires_at`` is
    a new submission).
    """

    key: str
    submission_id: str
    now: int
    expires_at: int


class Admission(Protocol):
    """Counts, claims and keeps a submission in one all-or-nothing write (one round trip).

    The request path's first AWS call. Every part is optional: counters only (a refused post
    still counts against its client), or counters, the idempotency claim and the stored row.
    """

    def admit(
        self,
        counters: Sequence[Counter],
        claim: Claim | None = None,
        record: StoredSubmission | None = None,
    ) -> None:
        """Add one to every counter, take the claim and write the record, or none of it.

        Raises ``OverLimit`` (a counter is at its limit), ``AlreadyClaimed`` (a repeat; it wins
        over a limit: a repeat spends nothing) or ``AdmissionUnavailable`` (outage).
        """

    def settle(self, claim: Claim, answer: str) -> None:
        """Record the answer on the claim, for repeats, when no submissions table holds it.

        A no-op when the submission's row is the answer (a submissions table is configured).
        Raises ``AdmissionUnavailable``.
        """

    def release(self, claim: Claim | None, record: StoredSubmission | None) -> None:
        """Undo an admission whose submission was then refused or not accepted: the claim is
        dropped (the client may send again) and the row deleted while its status is still the
        record's (``received``, or ``scanning`` for files awaiting their malware scan).
        The counters stay spent. Raises ``AdmissionUnavailable``."""


@dataclass(frozen=True)
class CaptchaVerdict:
    """What the captcha provider said about one token."""

    success: bool
    score: float | None = None
    codes: tuple[str, ...] = ()


class CaptchaVerifier(Protocol):
    """Asks the provider whether a widget's token is good."""

    def verify(self, token: str, remote_ip: str) -> CaptchaVerdict:
        """Raise ``CaptchaUnavailable`` on a timeout, a 5xx or an unreadable answer."""


class Alerts(Protocol):
    """Tells the site owner something needs their attention (no submitter data)."""

    def alert(self, subject: str, message: str) -> None: ...


class FilesUnavailable(Exception):
    """The file bucket (or the upload ledger) could not be read or written."""


@dataclass(frozen=True)
class PresignedPost:
    """Where and how a browser uploads one file straight to the bucket."""

    url: str
    fields: Mapping[str, str]


class FileStore(Protocol):
    """The private file bucket. Keys are chosen by the function, never by the visitor."""

    def presign_post(
        self, key: str, content_type: str, max_size: int, expires_seconds: int
    ) -> PresignedPost:
        """A POST policy: this key only, ``content-length-range`` 1..max_size, that type."""

    def peek(self, key: str, length: int) -> tuple[bytes, int] | None:
        """The object's first ``length`` bytes and its whole size (one ranged GET), or None
        when there is no such object."""

    def read(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def copy(self, source: str, key: str) -> None:
        """Copy within the bucket (server-side: no bytes pass through the function)."""

    def presign_get(self, key: str, filename: str, expires_seconds: int) -> str:
        """A download link that names the file (``Content-Disposition``) and expires."""

    def scan_status(self, key: str) -> str | None:
        """The malware scan's verdict tag (``NO_THREATS_FOUND``, ``THREATS_FOUND`` …) or None."""

    def delete(self, keys: Sequence[str]) -> None:
        """Delete these objects (one batch call; a missing key is not an error). Raises
        ``FilesUnavailable``."""


@dataclass(frozen=True)
class IssuedFile:
    """One object the function let a browser upload."""

    key: str
    field: str
    filename: str
    size: int  # as declared by the browser; the object is measured again before use


@dataclass(frozen=True)
class IssuedUpload:
    """The objects issued together for one form post, and until when they may be named."""

    upload_id: str
    form_id: str
    files: tuple[IssuedFile, ...]
    expires_at: int  # epoch seconds


class UploadLedger(Protocol):
    """What was issued, so a forged key is unknown and a used one cannot be named again."""

    def issue(self, upload: IssuedUpload) -> None: ...

    def claim(
        self, upload_id: str, form_id: str, now: int, owner: str | None = None
    ) -> IssuedUpload | None:
        """Mark the upload used and return it; None when unknown, for another form, already
        used or expired (exactly one caller wins).

        ``owner`` (the submission's idempotency key): the same owner may claim it again, so a
        repeat of the same post (double-click, resent after a refused captcha or a 429) is
        still the same submission; any other post naming the upload is refused.
        """
