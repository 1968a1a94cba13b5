"""The receipt to the submitter: the owner's words, the form title and the reference, no more.

It can never carry a spammer's payload, because nothing submitted is in it: no message text,
no subject, no name; only the address it goes to comes from the submission, and only from the
form's validated ``reply_to`` field. ``From`` is the owner's ``SENDER_ADDRESS`` (so the
envelope sender, Return-Path, is the owner's MAIL FROM domain too), ``Reply-To`` is the form's
first recipient, and ``Auto-Submitted: auto-replied`` (RFC 3834) tells mail programs not to
answer it automatically.

The rules (``receipt_decision``): sent only for a submission that passed every defence (it is
planned in ``accept()``, which honeypot, rate-limited and refused submissions never reach); at
most once per address per day per form; within a per-form daily cap; never to an address on
SES's suppression list, or one that bounced or complained before. Addresses are keyed by an
HMAC of the normalised address: the ledger never holds an address.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from email_validator import EmailNotValidError, validate_email

from toiawase.core.compose import (
    _POLICY,
    CompositionError,
    OutgoingEmail,
    _check_header_block,
    _folded,
    _phrase_word,
    _text_word,
    _tokens,
    reply_to_address,
)
from toiawase.core.config import Settings
from toiawase.core.forms.model import Form, Receipt
from toiawase.core.notify.ports import ReceiptLedger, Suppressions
from toiawase.core.submission import Submission
from toiawase.core.text import clean_body_text, clean_header_text

RECEIPT_TARGET = "receipt"
AUTO_SUBMITTED = "auto-replied"
RECEIPT_TAG = "receipt"  # the SES message tag ``kind`` for receipts (feedback tells them apart)
DEFAULT_DAILY_CAP = 200


def address_key(address: str, key: bytes) -> str:
    """HMAC-SHA256 of the normalised address (trimmed, lower-case): never the address itself.

    Lower-case whole, local part too (as the reply hash of ``core/privacy.py``, under the same
    stack key, is): ``Taro@`` and ``taro@`` reach one mailbox almost everywhere, so the
    once-a-day rule and the bounce list must not be dodged by changing a letter's case.
    """
    normalised = address.strip().lower().encode("utf-8")
    return hmac.new(key, normalised, hashlib.sha256).hexdigest()


def address_keys_for(address: str, key: bytes) -> frozenset[str]:
    """Every ledger key ``address`` may have been recorded under, for ``toiawase forget``: as
    typed, as email-validator normalises it, and in its ASCII (IDNA) form, the one receipts
    are sent to."""
    spellings = {address}
    try:
        valid = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        pass
    else:
        spellings |= {valid.normalized, valid.ascii_email or ""}
    return frozenset(address_key(s, key) for s in spellings if s.strip())


def receipt_address(form: Form, submission: Submission) -> str | None:
    """Where a receipt may go: the validated ``reply_to`` address (the contract's ``email``
    field for a form without declared fields), in its header-safe ASCII form; None if unsafe."""
    address, _ = reply_to_address(submission)
    if form.fields and form.reply_to_field is None:
        return None
    return address


def compose_receipt(
    receipt: Receipt,
    form: Form,
    settings: Settings,
    to_address: str,
    submission_id: str,
    now: datetime,
) -> OutgoingEmail:
    """The receipt as MIME (one UTF-8 text part) and its SES parameters."""
    owner = form.recipients[0] if form.recipients else settings.recipient_addresses[0]
    message = EmailMessage(policy=_POLICY)
    name = clean_header_text(form.sender_name or settings.site_name, 80)
    message.set_raw(
        "From",
        _folded(
            "From",
            [*_tokens(name, _phrase_word), f"<{Address(addr_spec=settings.sender_address)}>"],
        ),
    )
    message.set_raw("To", to_address)
    message["Reply-To"] = Address(addr_spec=owner)
    message.set_raw(
        "Subject", _folded("Subject", _tokens(clean_header_text(receipt.subject, 200), _text_word))
    )
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = make_msgid(domain=settings.sender_address.rpartition("@")[2])
    message["Auto-Submitted"] = AUTO_SUBMITTED
    # Exchange and Outlook honour this one, not RFC 3834: no out-of-office answers to a receipt.
    message["X-Auto-Response-Suppress"] = "All"
    body = (
        f"{clean_body_text(receipt.text).rstrip()}\n\n"
        f"{clean_body_text(form.title)}\n"
        f"Reference: {submission_id}\n"
    )
    message.set_content(body, subtype="plain", charset="utf-8")
    raw = message.as_bytes()
    expected = ["From", "To", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted"]
    expected += ["X-Auto-Response-Suppress", "MIME-Version", "Content-Type"]
    expected += ["Content-Transfer-Encoding"]
    _check_header_block(raw, expected)
    if to_address not in raw.partition(b"\r\n\r\n")[0].decode("ascii"):
        raise CompositionError("the receipt's To is not the address given")
    return OutgoingEmail(
        submission_id=submission_id,
        from_address=settings.sender_address,
        to_addresses=(to_address,),
        feedback_address=settings.feedback_address,
        configuration_set=settings.configuration_set,
        raw=raw,
        kind=RECEIPT_TAG,
    )


@dataclass(frozen=True)
class ReceiptDecision:
    send: bool
    reason: str  # "ok" or why not: safe to log and store (never the address)


def receipt_decision(
    form: Form,
    address: str | None,
    submission_id: str,
    now: datetime,
    ledger: ReceiptLedger,
    suppressions: Suppressions,
    key: bytes,
    daily_cap: int = DEFAULT_DAILY_CAP,
) -> ReceiptDecision:
    """Apply the rules in order, cheapest first; the ledger is written only when all others
    passed. Raises ``LedgerUnavailable`` when a check could not be made (retried later)."""
    if form.receipt is None:
        return ReceiptDecision(False, "no_receipt")
    if address is None:
        return ReceiptDecision(False, "no_address")
    hashed = address_key(address, key)
    if ledger.has_bounced(hashed):
        return ReceiptDecision(False, "bounced_before")
    if suppressions.is_suppressed(address):  # raises LedgerUnavailable
        return ReceiptDecision(False, "suppressed")
    day = now.astimezone(UTC).strftime("%Y-%m-%d")
    if not ledger.first_today(form.id, hashed, day, submission_id):
        return ReceiptDecision(False, "already_today")
    if not ledger.take_slot(form.id, day, daily_cap, submission_id):
        return ReceiptDecision(False, "daily_cap")
    return ReceiptDecision(True, "ok")
