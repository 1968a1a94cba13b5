"""What a use case returns and what it may use: the types every HTTP use case shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from toiawase.core.http import HttpResponse
from toiawase.core.ports import (
    Admission,
    CaptchaVerifier,
    FileStore,
    RetryQueue,
    Sender,
    SubmissionStore,
    UploadLedger,
)

if TYPE_CHECKING:
    # A type only: the notify package is imported when a form delivers (cold start).
    from toiawase.core.notify.ports import DeliveryQueue


@dataclass(frozen=True)
class Dependencies:
    """The adapters one invocation may use. Optional ones are None when not configured."""

    sender: Sender
    new_id: Callable[[], str]
    store: SubmissionStore | None = None
    queue: RetryQueue | None = None
    # Counts, claims and keeps a submission in one call (rate limits, idempotency, the row).
    admission: Admission | None = None
    captcha: CaptchaVerifier | None = None
    # The notify targets' queue (webhook, Slack, Discord, receipt); written after the email's
    # fate is known, never waited on by the visitor's answer.
    deliveries: DeliveryQueue | None = None
    # Waits about as long as a send takes: the honeypot's answer must not be tellably faster.
    imitate_send: Callable[[], None] | None = None
    # File uploads (core/uploads.py): the private bucket and what was issued for it.
    files: FileStore | None = None
    uploads: UploadLedger | None = None
    # The keyed hash of a reply-to address (core/privacy.py), written on each stored submission
    # so ``toiawase forget`` can find it; None when no key is configured.
    reply_hasher: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened, for the handler to answer, log and count (never personal data).

    ``result`` is one of ``sent``, ``queued``, ``held``, ``spam``, ``replayed``, ``rejected``,
    ``send_failed``, ``in_progress``, ``misconfigured``, ``status``, ``preflight`` or
    ``no_route``; ``reason`` is the error code when there is one; ``notes`` are extra events
    worth counting (``Accepted``, ``StoreFailed``, ``QueueFailed``, ``RateLimited`` …).
    """

    response: HttpResponse
    result: str
    reason: str | None = None
    submission_id: str | None = None
    notes: tuple[str, ...] = field(default=())
    # The form the request was for: an id from the forms file, never text from the request.
    form_id: str | None = None
    # For ``misconfigured``: what is wrong with the configuration (never personal data).
    detail: str | None = None
