"""Where a plain HTML form is sent after a successful post, without an open redirect.

``_next`` is honoured only when it is relative (resolved against the posting page, or its
origin) or absolute, and the result lies on an allowed origin; anything else falls back to
``REDIRECT_URL``.
"""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

from toiawase.core.config import normalize_origin

_FORBIDDEN = frozenset("\\\x00\t\r\n ")
# Characters left as they are in a redirect target: RFC 3986 reserved and unreserved ones, and
# "%" (an existing escape stays one). Everything else, non-ASCII included, is percent-encoded
# as UTF-8, so the Location header is plain ASCII whatever was submitted.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


def request_origin(origin: str | None, referer: str | None) -> str | None:
    """The origin the form was posted from: ``Origin``, else the ``Referer``'s origin."""
    for candidate in (origin, referer):
        if candidate and candidate.strip() and candidate.strip().lower() != "null":
            return normalize_origin(candidate)
    return None


def _looks_safe(url: str) -> bool:
    return bool(url) and not any(ch in _FORBIDDEN or not ch.isprintable() for ch in url)


def safe_redirect(
    next_url: str | None,
    allowed_origins: tuple[str, ...],
    fallback: str | None,
    page_url: str | None = None,
) -> str | None:
    """The URL to send the browser to, or ``fallback`` when ``_next`` is absent or not allowed.

    ``page_url`` is the page the form was on (the ``Referer``); a relative ``_next`` is resolved
    against it when it is on an allowed origin, otherwise against the first allowed origin.
    """
    if not next_url or not _looks_safe(next_url):
        return fallback
    try:
        # urlsplit refuses some input outright ("https://[x" is not an IPv6 literal; a netloc
        # like "example.com\uff03@evil" changes under NFKC): that is not a redirect target.
        parts = urlsplit(next_url)
        if parts.scheme or parts.netloc:
            candidate = next_url
        else:
            base = page_url if page_url and normalize_origin(page_url) in allowed_origins else None
            if base is None and allowed_origins:
                base = allowed_origins[0] + "/"
            if base is None:
                return fallback
            candidate = urljoin(base, next_url)
    except ValueError:
        return fallback
    candidate = quote(candidate, safe=_URL_SAFE)
    if normalize_origin(candidate) not in allowed_origins or not _looks_safe(candidate):
        return fallback
    return candidate
