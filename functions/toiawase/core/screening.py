"""Abuse defences that decide before anything is sent: origin, rate limits, content, captcha.

All pure: the counters and the captcha provider are reached through ports.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime

from toiawase.core.config import Defences, Settings, normalize_origin
from toiawase.core.errors import InputError
from toiawase.core.http import HttpRequest
from toiawase.core.submission import Submission

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
            "This form only accepts posts from its own website (the request had neither an "
            "Origin nor a Referer header).",
        )
    if candidate is None or candidate not in settings.allowed_origins:
        raise InputError(
            403,
            "origin_not_allowed",
            "This form only accepts posts from its own website, and this request came from "
            "another one.",
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


@dataclass(frozen=True)
class Bucket:
    """One counter: ``key`` counts requests until ``resets_at`` (epoch seconds)."""

    key: str
    limit: int
    resets_at: int


def rate_buckets(source_ip: str, defences: Defences, now: datetime) -> list[Bucket]:
    """The counters one request increments: per client and per form, per minute and per day."""
    epoch = int(now.timestamp())
    client = client_key(source_ip)
    limits = defences.rate_limits
    wanted = [
        (f"client#{client}", MINUTE, limits.client_minute),
        (f"client#{client}", DAY, limits.client_day),
        ("form", MINUTE, limits.form_minute),
        ("form", DAY, limits.form_day),
    ]
    buckets: list[Bucket] = []
    for scope, window, limit in wanted:
        if limit <= 0:
            continue
        start = epoch - epoch % window
        buckets.append(Bucket(f"rl#{scope}#{window}#{start}", limit, start + window))
    return buckets


def check_content(submission: Submission, defences: Defences) -> None:
    """422 when the content breaks the owner's rules: too many links, a blocked phrase."""
    text = "\n".join(v for _, values in submission.fields for v in values)
    if submission.subject:
        text += "\n" + submission.subject
    links = len(_LINK.findall(text))
    if links > defences.max_links:
        allowed = "no links" if defences.max_links == 0 else f"at most {defences.max_links} links"
        raise InputError(
            422,
            "content_rejected",
            f"The message has {links} links; this form accepts {allowed}.",
            {"message": f"has {links} links; this form accepts {allowed}"},
        )
    folded = text.casefold()
    if any(phrase in folded for phrase in defences.blocked_phrases):
        raise InputError(
            422,
            "content_rejected",
            "The message contains words this form does not accept.",
            {"message": "contains words this form does not accept"},
        )
