"""What the delivery use case needs from the outside world; adapters implement these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from toiawase.core.records import StoredSubmission

# A target's delivery states, kept with the submission (``targets.<name>``).
PENDING = "pending"  # planned, nothing tried yet (shown for a target with no stored state)
DELIVERING = "delivering"  # claimed by one consumer (a lease)
RETRYING = "retrying"  # the last attempt failed transiently; the queue brings it back
DELIVERED = "delivered"
FAILED = "failed"  # refused for good (4xx, SSRF refusal, no secret): fix, then redrive
DEAD = "dead"  # gave up after the queue's limit: in the dead-letter queue
SKIPPED = "skipped"  # a receipt the rules did not allow (and why)


@dataclass(frozen=True)
class TargetState:
    status: str
    attempts: int = 0
    error: str | None = None
    at: str | None = None  # ISO time of the last change
    http_status: int | None = None

    def but(self, **changes: object) -> TargetState:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DeliveryMessage:
    """One queue message: one (submission, target). The table holds the rest."""

    submission_id: str
    form_id: str
    target: str


class PostFailed(Exception):
    """The receiver did not take the delivery. ``code`` is safe to log (never the URL)."""

    def __init__(self, code: str, *, transient: bool, http_status: int | None = None) -> None:
        super().__init__(code)
        self.code, self.transient, self.http_status = code, transient, http_status


class SecretUnavailable(Exception):
    """A webhook secret could not be read (parameter missing, no permission, outage)."""

    def __init__(self, code: str, *, transient: bool) -> None:
        super().__init__(code)
        self.code, self.transient = code, transient


class LedgerUnavailable(Exception):
    """The receipt ledger or the suppression list could not be read or written."""


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes  # at most the client's read limit


class WebhookPoster(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpReply:
        """POST once; raise ``UrlRefused`` (policy) or ``PostFailed`` (network, timeout)."""


class WebhookSigner(Protocol):
    def signature(self, secret: str, msg_id: str, timestamp: datetime, body: str) -> str:
        """The ``webhook-signature`` header value (Standard Webhooks ``v1,…``)."""


class SecretSource(Protocol):
    def get(self, reference: str) -> str:
        """``whsec_…`` as is; ``ssm:/path`` or a Secrets Manager ARN read (cached)."""


class TargetStates(Protocol):
    """Delivery state per target, stored with the submission."""

    def load(self, submission_id: str) -> tuple[StoredSubmission | None, dict[str, TargetState]]:
        """The submission and its targets' states; raise ``StoreUnavailable``."""

    def put(
        self, submission_id: str, target: str, state: TargetState, *, expect: str | None
    ) -> bool:
        """Write the state only if the stored one's status is ``expect`` (None: no state yet).
        False when that did not hold."""


class DeliveryQueue(Protocol):
    def enqueue(self, messages: Sequence[DeliveryMessage]) -> None:
        """Raise ``QueueUnavailable`` when a message was not taken."""


class ReceiptLedger(Protocol):
    """At most one receipt per address per day per form, a daily cap, and past bounces."""

    def first_today(self, form_id: str, address_key: str, day: str, submission_id: str) -> bool:
        """Record a receipt to ``address_key`` today; False when one went (for another
        submission) already."""

    def take_slot(self, form_id: str, day: str, cap: int, submission_id: str) -> bool:
        """Count one receipt for the form today; False when ``cap`` is reached. A retry for
        the same submission takes no second slot (True again)."""

    def has_bounced(self, address_key: str) -> bool: ...

    def record_bounce(self, address_key: str) -> None: ...


class Suppressions(Protocol):
    def is_suppressed(self, address: str) -> bool:
        """True when SES's account suppression list holds ``address``."""
