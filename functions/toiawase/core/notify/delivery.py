"""Delivering one (submission, target) from the delivery queue: the consumer's use case.

One queue message per target, so a slow or failing target never holds up another, nor the
owner's email (sent before any delivery is even planned). Each target's state is kept with the
submission (``targets.<name>``): claimed with a conditional write, so two consumers never post
the same delivery at once, and a delivered target is never posted again (the webhook id is
stable, ``msg_<submission>_<target>``, so a receiver can drop a repeat after a crash between
the post and the write). A transient failure raises ``DeliverLater``: the message returns with
backoff; after the queue's limit it is dead-lettered and the state says ``dead``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from toiawase.core import records
from toiawase.core.compose import SubmissionMeta
from toiawase.core.config import Settings
from toiawase.core.forms.model import Form
from toiawase.core.notify import ports
from toiawase.core.notify.payloads import (
    Attachment,
    content_of,
    discord_payload,
    slack_payload,
    webhook_payload,
)
from toiawase.core.notify.ports import (
    DeliveryMessage,
    DeliveryQueue,
    LedgerUnavailable,
    PostFailed,
    ReceiptLedger,
    SecretSource,
    SecretUnavailable,
    Suppressions,
    TargetState,
    TargetStates,
    WebhookPoster,
    WebhookSigner,
)
from toiawase.core.notify.receipt import (
    RECEIPT_TARGET,
    compose_receipt,
    receipt_address,
    receipt_decision,
)
from toiawase.core.notify.urlpolicy import UrlRefused
from toiawase.core.ports import QueueUnavailable, Sender, SendFailed, StoreUnavailable
from toiawase.core.submission import Submission

HTTP_TYPES = ("webhook", "slack", "discord")
LEASE_SECONDS = 60
BASE_BACKOFF_SECONDS = 10
MAX_BACKOFF_SECONDS = 900
USER_AGENT = "toiawase-webhook/1"


class DeliverLater(Exception):
    """A transient failure: leave the message on the queue to come back with backoff."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class DeliveryResult:
    """``delivered``, ``failed`` (for good: fix, then redrive), ``skipped`` (with why)."""

    result: str
    reason: str | None = None
    refused: str | None = None  # the SSRF policy's reason, when it refused the URL


@dataclass(frozen=True)
class DeliveryDeps:
    states: TargetStates
    poster: WebhookPoster | None = None
    signer: WebhookSigner | None = None
    secrets: SecretSource | None = None
    sender: Sender | None = None  # receipts
    ledger: ReceiptLedger | None = None
    suppressions: Suppressions | None = None
    address_key: bytes = b""
    receipt_cap: int = 200


def backoff_seconds(attempt: int, rng: Callable[[], float] = random.random) -> int:
    """Exponential with full jitter (AWS Architecture Blog's advice): a random wait up to
    10 s · 2^(n-1), capped at 15 minutes, and at least 1 s."""
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(0, attempt - 1))
    return max(1, int(ceiling * rng()))


def planned(form: Form, submission_id: str) -> list[DeliveryMessage]:
    """The queue messages for one accepted submission: each non-email target, and the receipt
    when the form declares one."""
    names = [t.name for t in form.notify if t.type in HTTP_TYPES]
    if form.receipt is not None:
        names.append(RECEIPT_TARGET)
    return [DeliveryMessage(submission_id, form.id, name) for name in names]


def plan_deliveries(
    form: Form, submission_id: str, queue: DeliveryQueue | None, notes: list[str]
) -> int:
    """Queue the form's deliveries for an accepted submission (called from ``accept()`` once
    the email's fate is known). Never raises: a failure is a note (counted, alarmed), and the
    visitor's answer depends on the email only. One ``SendMessageBatch``: one round trip."""
    messages = planned(form, submission_id)
    if not messages:
        return 0
    if queue is None:
        notes.append("DeliveryQueueMissing")
        return 0
    try:
        queue.enqueue(messages)
    except QueueUnavailable:
        notes.append("DeliveryQueueFailed")
        return 0
    notes.append("DeliveriesPlanned")
    return len(messages)


def encode_message(message: DeliveryMessage) -> str:
    return json.dumps(
        {"id": message.submission_id, "form": message.form_id, "target": message.target},
        separators=(",", ":"),
    )


def decode_message(body: str) -> DeliveryMessage:
    data = json.loads(body)
    return DeliveryMessage(str(data["id"]), str(data["form"]), str(data["target"]))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def deliver(
    message: DeliveryMessage,
    form: Form | None,
    settings: Settings,
    deps: DeliveryDeps,
    now: datetime,
    *,
    final_attempt: bool = False,
    attachments: Callable[[Submission, SubmissionMeta], Sequence[Attachment]] | None = None,
) -> DeliveryResult:
    """Deliver one target of one submission, at most once successfully.

    ``final_attempt``: the queue will dead-letter the message if this attempt fails
    transiently, so the state is written as ``dead`` rather than ``retrying``.
    """
    name = message.target
    try:
        record, states = deps.states.load(message.submission_id)
    except StoreUnavailable as exc:
        raise DeliverLater("store_unavailable") from exc
    if record is None:
        return DeliveryResult("skipped", "missing")
    if record.status == records.SPAM:
        return DeliveryResult("skipped", "spam")
    # Planned only when a scanned submission is released (core/retry.py); a message that still
    # finds one unreleased (queued before an upgrade, or by hand) delivers nothing.
    if record.status in (records.INFECTED, records.SCANNING):
        return DeliveryResult("skipped", record.status)
    if form is None:
        return DeliveryResult("skipped", "unknown_form")
    target = next((t for t in form.notify if t.name == name), None)
    if name != RECEIPT_TARGET and (target is None or target.type not in HTTP_TYPES):
        return DeliveryResult("skipped", "unknown_target")
    current = states.get(name)
    if current is not None and current.status in (ports.DELIVERED, ports.SKIPPED):
        return DeliveryResult("skipped", "already_" + current.status)
    if (
        current is not None
        and current.status == ports.DELIVERING
        and current.at is not None
        and now - datetime.fromisoformat(current.at) < timedelta(seconds=LEASE_SECONDS)
    ):
        raise DeliverLater("in_progress")
    attempts = (current.attempts if current is not None else 0) + 1
    claim = TargetState(ports.DELIVERING, attempts, None, _iso(now))
    if not deps.states.put(
        message.submission_id, name, claim, expect=current.status if current else None
    ):
        raise DeliverLater("claimed_elsewhere")
    submission, meta = records.decode_payload(record.payload)

    def finish(status: str, error: str | None = None, http_status: int | None = None) -> None:
        state = claim.but(status=status, error=error, http_status=http_status)
        deps.states.put(message.submission_id, name, state, expect=ports.DELIVERING)

    if name == RECEIPT_TARGET:
        return _send_receipt(form, settings, deps, submission, meta, now, finish, final_attempt)
    assert target is not None and target.url is not None
    content = content_of(
        form, submission, meta, attachments(submission, meta) if attachments else ()
    )
    if target.type == "slack":
        payload = slack_payload(content)
    elif target.type == "discord":
        payload = discord_payload(content)
    else:
        payload = webhook_payload(content)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    try:
        if target.type == "webhook":
            headers.update(_signed_headers(target.secret, message, now, body, deps))
        assert deps.poster is not None, "no HTTP client wired"
        reply = deps.poster.post(target.url, body.encode("utf-8"), headers)
    except UrlRefused as exc:
        finish(ports.FAILED, f"refused_{exc.reason}")
        return DeliveryResult("failed", f"refused_{exc.reason}", refused=exc.reason)
    except (PostFailed, SecretUnavailable) as exc:
        status_code = exc.http_status if isinstance(exc, PostFailed) else None
        if exc.transient:
            finish(ports.DEAD if final_attempt else ports.RETRYING, exc.code, status_code)
            raise DeliverLater(exc.code) from exc
        finish(ports.FAILED, exc.code, status_code)
        return DeliveryResult("failed", exc.code)
    finish(ports.DELIVERED, None, reply.status)
    return DeliveryResult("delivered")


def webhook_id(message: DeliveryMessage) -> str:
    """Stable per (submission, target): retries carry the same id, as the spec asks."""
    return f"msg_{message.submission_id}_{message.target}"


def _signed_headers(
    secret_ref: str | None,
    message: DeliveryMessage,
    now: datetime,
    body: str,
    deps: DeliveryDeps,
) -> dict[str, str]:
    if not secret_ref:
        raise SecretUnavailable("no_secret", transient=False)
    assert deps.secrets is not None and deps.signer is not None, "no signer wired"
    secret = deps.secrets.get(secret_ref)
    msg_id = webhook_id(message)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": deps.signer.signature(secret, msg_id, now, body),
    }


def _send_receipt(
    form: Form,
    settings: Settings,
    deps: DeliveryDeps,
    submission: Submission,
    meta: SubmissionMeta,
    now: datetime,
    finish: Callable[..., None],
    final_attempt: bool,
) -> DeliveryResult:
    assert deps.ledger is not None and deps.suppressions is not None and deps.sender is not None
    address = receipt_address(form, submission)
    try:
        decision = receipt_decision(
            form,
            address,
            meta.submission_id,
            now,
            deps.ledger,
            deps.suppressions,
            deps.address_key,
            deps.receipt_cap,
        )
    except LedgerUnavailable as exc:
        finish(ports.DEAD if final_attempt else ports.RETRYING, "ledger_unavailable")
        raise DeliverLater("ledger_unavailable") from exc
    if not decision.send:
        finish(ports.SKIPPED, decision.reason)
        return DeliveryResult("skipped", decision.reason)
    assert form.receipt is not None and address is not None
    email = compose_receipt(form.receipt, form, settings, address, meta.submission_id, now)
    try:
        deps.sender.send(email)
    except SendFailed as exc:
        if exc.transient:
            finish(ports.DEAD if final_attempt else ports.RETRYING, exc.code)
            raise DeliverLater(exc.code) from exc
        finish(ports.FAILED, exc.code)
        return DeliveryResult("failed", exc.code)
    finish(ports.DELIVERED)
    return DeliveryResult("delivered")
