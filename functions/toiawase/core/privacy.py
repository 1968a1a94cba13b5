"""The submitter's address as the table may hold it for erasure: a keyed hash, never plain.

``toiawase forget ADDRESS`` must find every submission from one person without the table
holding an index of plain addresses. Each stored submission carries ``reply_hash``: HMAC-SHA256,
under a per-stack secret, of the address normalised as email-validator normalises it and then
lower-cased whole. email-validator keeps the local part's case (RFC 5321 lets a server tell
``Taro@`` from ``taro@``), but practically every mailbox treats them as one, and a person asking to
be forgotten may not remember how they typed it: erasure errs on the side of finding too much, so
``Taro@Example.COM`` and ``taro@example.com`` hash alike. ``str.lower`` rather than ``casefold``:
casefolding maps ``ß`` to ``ss`` and would join addresses that differ in more than case. Without
the secret the hash cannot be tested against a list of guessed addresses.

An erasure leaves a tombstone holding only that hash and the time: a retry or a redrive of a
submission received before the erasure is dropped, not sent (``core/retry.py``); a submission
the same person sends afterwards is a new one and goes through.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from toiawase.core.address import AddressError, parse_submitter_address

if TYPE_CHECKING:
    from toiawase.core.outcome import Dependencies
    from toiawase.core.submission import Submission

ReplyHasher = Callable[[str], str]


def normalise_address(address: str) -> str:
    """The address as email-validator normalises it (the form the submit path stores).

    An address email-validator refuses is stripped and kept as typed: ``forget`` of such a
    string still finds nothing but never fails.
    """
    try:
        return parse_submitter_address(address.strip()).normalized
    except AddressError:
        return address.strip()


def reply_hash(key: bytes, address: str) -> str:
    """HMAC-SHA256 (hex) of the normalised, lower-cased address under the stack's key."""
    normalised = normalise_address(address).lower().encode("utf-8")
    return hmac.new(key, normalised, hashlib.sha256).hexdigest()


def hasher(key: Callable[[], bytes]) -> ReplyHasher:
    """A ``ReplyHasher`` reading its key on first use (a secret is fetched once, then cached)."""
    cached: list[bytes] = []

    def hash_address(address: str) -> str:
        if not cached:
            cached.append(key())
        return reply_hash(cached[0], address)

    return hash_address


def erased_before(created_at: datetime, erased_at: datetime | None) -> bool:
    """True when a submission was received at or before its sender's erasure."""
    return erased_at is not None and created_at <= erased_at


@dataclass(frozen=True)
class ErasureKeys:
    """What a stored submission records so that ``forget`` finds it and all it left behind."""

    reply_hash: str | None = None
    idempotency_record: str | None = None


NO_ERASURE_KEYS = ErasureKeys()


def erasure_keys(submission: Submission, deps: Dependencies, key: str | None) -> ErasureKeys:
    """The reply-to address's keyed hash (when a key is configured) and the id of the
    idempotency claim the admission writes for it (its key)."""
    hashed = (
        deps.reply_hasher(submission.email.normalized)
        if deps.reply_hasher is not None and submission.email is not None
        else None
    )
    # The admission's idempotency claim is stored under its key (the item's ``id``).
    record = key if key is not None and deps.admission is not None else None
    return ErasureKeys(hashed, record)
