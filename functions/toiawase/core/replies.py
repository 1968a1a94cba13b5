"""Answers shared by the use cases: success (JSON or a 303 with the reference) and errors."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from toiawase.core import answers
from toiawase.core.config import Settings, normalize_origin
from toiawase.core.http import HttpRequest, HttpResponse
from toiawase.core.i18n import Translator


def back_link(request: HttpRequest, settings: Settings) -> str | None:
    """The page the form was posted from (``Referer``) when it is on an allowed origin: the
    error page links back to it. Any other page gets no link (no open redirect by a link)."""
    page_url = request.header("referer")
    if page_url and normalize_origin(page_url) in settings.allowed_origins:
        return page_url
    return None


def success(
    json_client: bool,
    sid: str,
    status: str,
    redirect_to: str | None,
    tr: Translator | None = None,
) -> HttpResponse:
    if json_client:
        return answers.ok_json(sid, status)
    target = _with_reference(redirect_to, sid, status) if redirect_to else None
    return answers.ok_html(sid, target, status, tr)


def _with_reference(url: str, sid: str, status: str) -> str:
    """The thank-you URL with ``id`` and ``status`` added, so the page can show the reference."""
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("id", "status")
    ]
    query += [("id", sid), ("status", status)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def error(
    json_client: bool,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    back_url: str | None = None,
    tr: Translator | None = None,
) -> HttpResponse:
    if json_client:
        return answers.error_json(status, code, message, headers=headers, tr=tr)
    return answers.error_html(status, message, back_url=back_url, headers=headers, tr=tr)
