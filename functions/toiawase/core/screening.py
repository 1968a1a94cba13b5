"""Abuse defences that decide before anything is sent: origin, rate limits, content, captcha.

All pure: the counters and the captcha provider are reached through ports.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime

from toiawase.core.config import Defences, Settings, normalize_origin
from toiawase.core.errors import InputError
from toiawase.core.http import HttpRequest
from toiawase.core.i18n import t
from toiawase.core.ports import Counter
from toiawase.core.submission import Submission
from toiawase.core.text import fold_for_matching

# A link as spam tools write them: a scheme, or a bare www. host.
_LINK = re.compile(r"(?i)\b(?:https?://|ftp://|www\.)[^\s<>\"']+")
MINUTE, DAY = 60, 86_400


def check_origin(request: HttpRequest, settings: Settings) -> None:
    """403 unless the post comes from an allowed origin.

    ``Origin`` decides when present (browsers send it on every POST); otherwise the
    ``Referer``'s origin; with neither, the ``MISSING_ORIGIN`` policy. Scripts can forge both
    headers, so this stops other sites' pages from posting here, not a determined bot.
    """
    origin = request.header("origin")
    referer = request.header("referer")
    if origin is not None and origin.strip():
        candidate = normalize_origin(origin) if origin.strip().lower() != "null" else None
    elif referer is not None and referer.strip():
        candidate = normalize_origin(referer)
    else:
        if settings.defences.missing_origin == "allow":
            return
        raise InputError(
            403,
            "origin_required",
            t("error.origin_required"),
        )
    if candidate is None or candidate not in settings.allowed_origins:
        raise InputError(
            403,
            "origin_not_allowed",
            t("error.origin_not_allowed"),
        )


def client_key(source_ip: str) -> str:
    """An IPv4 address as is; an IPv6 address as its /64 (one household, one key)."""
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


# One counter: ``key`` counts admissions until ``resets_at`` (epoch seconds).
Bucket = Counter


def _buckets(scope: str, wanted: list[tuple[int, int]], now: datetime) -> list[Bucket]:
    epoch = int(now.timestamp())
    buckets: list[Bucket] = []
    for window, limit in wanted:
        if limit <= 0:
            continue
        start = epoch - epoch % window
        buckets.append(Bucket(f"rl#{scope}#{window}#{start}", limit, start + window))
    return buckets


def client_buckets(source_ip: str, defences: Defences, now: datetime, form_id: str) -> list[Bucket]:
    """The per-client counters, per minute and per day: every request from the client counts.

    Per form: a client's budget on one form does not spend its budget on another.
    """
    limits = defences.rate_limits
    scope = f"client#{form_id}#{client_key(source_ip)}"
    return _buckets(scope, [(MINUTE, limits.client_minute), (DAY, limits.client_day)], now)


def form_buckets(defences: Defences, now: datetime, form_id: str) -> list[Bucket]:
    """The per-form counters. Only a submission that passed the client's limit, validation, the
    honeypot and the content rules is counted here, so a single client's junk can never spend
    the form's budget and lock it for everyone (red-team finding 2)."""
    limits = defences.rate_limits
    scope = f"form#{form_id}"
    return _buckets(scope, [(MINUTE, limits.form_minute), (DAY, limits.form_day)], now)


def check_content(submission: Submission, defences: Defences) -> None:
    """422 when the content breaks the owner's rules: too many links, a blocked phrase.

    Everything submitted that reaches the email is checked: field names as well as values
    (a field named ``BUY … at https://…`` is written into the body too) and the subject. The
    text is folded first (``fold_for_matching``: NFKC, invisible characters removed,
    case-folded), so full-width letters and zero-width spaces do not slip past a rule.
    """
    parts = [name for name, _ in submission.fields]
    parts += [v for _, values in submission.fields for v in values]
    if submission.subject:
        parts.append(submission.subject)
    folded = fold_for_matching("\n".join(parts))
    links = len(_LINK.findall(folded))
    if links > defences.max_links:
        allowed = (
            t("content.no_links")
            if defences.max_links == 0
            else t("content.at_most_links", max=defences.max_links)
        )
        raise InputError(
            422,
            "content_rejected",
            t("error.too_many_links", links=links, allowed=allowed),
            {"message": t("field.too_many_links", links=links, allowed=allowed)},
        )
    if any(phrase in folded for phrase in defences.blocked_phrases):
        raise InputError(
            422,
            "content_rejected",
            t("error.blocked_phrase"),
            {"message": t("field.blocked_phrase")},
        )
