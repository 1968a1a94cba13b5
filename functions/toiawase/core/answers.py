"""The contract's answers: JSON for scripts, a 303 or a small HTML page for plain forms."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping

from toiawase.core.errors import describe_fields
from toiawase.core.http import HttpResponse
from toiawase.core.i18n import DEFAULT_LANGUAGE, Text, Translator, translator

_COMMON = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_HTML_HEADERS = {
    **_COMMON,
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
}
_JSON_HEADERS = {**_COMMON, "Content-Type": "application/json; charset=utf-8"}


def json_answer(
    status: int, payload: Mapping[str, object], headers: Mapping[str, str] | None = None
) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(status, body, {**_JSON_HEADERS, **(headers or {})})


def html_answer(
    status: int,
    title: str,
    body_html: str,
    headers: Mapping[str, str] | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> HttpResponse:
    """A small page in ``language`` (``<html lang>``, ``Content-Language``) whose content is one
    ``main`` landmark (axe-core: ``landmark-one-main``, ``region``), so assistive technology can
    jump to it."""
    page = (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;"
        "padding:0 1rem;line-height:1.5}li{margin:.3rem 0}code{background:#f3f3f3}</style>"
        f"</head><body><main><h1>{html.escape(title)}</h1>{body_html}</main></body></html>\n"
    )
    return HttpResponse(
        status, page, {**_HTML_HEADERS, "Content-Language": language, **(headers or {})}
    )


def ok_json(submission_id: str, status: str = "sent") -> HttpResponse:
    return json_answer(
        200 if status == "sent" else 202, {"ok": True, "id": submission_id, "status": status}
    )


def ok_html(
    submission_id: str,
    redirect_to: str | None,
    status: str = "sent",
    tr: Translator | None = None,
) -> HttpResponse:
    """303 to the thank-you page; a plain thank-you page when none is configured."""
    if redirect_to:
        return HttpResponse(303, "", {**_COMMON, "Location": redirect_to})
    tr = tr or translator(DEFAULT_LANGUAGE)
    said = tr.get("page.thanks.sent" if status == "sent" else "page.thanks.queued")
    reference = tr.get("page.reference")
    return html_answer(
        200 if status == "sent" else 202,
        tr.get("page.thanks.title"),
        f"<p>{html.escape(said)} {html.escape(reference)} "
        f"<code>{html.escape(submission_id)}</code></p>",
        language=tr.language,
    )


def error_json(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    tr: Translator | None = None,
    labels: Mapping[str, str] | None = None,
) -> HttpResponse:
    """``{"ok": false, "error", "message", "fields"}``: ``error`` is never translated;
    ``message`` and each of ``fields`` are rendered in ``tr``'s language (English without one),
    and an ``invalid_fields`` message names each field by its label (``labels`` over the
    catalogue's names for ``email``, ``name`` and ``message``)."""
    tr = tr or translator(DEFAULT_LANGUAGE)
    shown = {name: tr(problem) for name, problem in (fields or {}).items()}
    payload: dict[str, object] = {
        "ok": False,
        "error": code,
        "message": _message(message, shown, tr, labels),
    }
    if shown:
        payload["fields"] = shown
    return json_answer(status, payload, {"Content-Language": tr.language, **(headers or {})})


def _message(
    message: str, fields: Mapping[str, str], tr: Translator, labels: Mapping[str, str] | None
) -> str:
    if isinstance(message, Text) and message.msgid == "error.invalid_fields" and fields:
        named = {**field_labels(tr), **(labels or {})}
        return tr.get("error.invalid_fields", details=describe_fields(fields, named, tr))
    return tr(message)


# The statuses whose HTML page has its own title (``page.title.<status>``); others get
# ``page.title.default`` ("Your message was not sent").
TITLED_STATUSES = frozenset({400, 403, 404, 405, 409, 413, 415, 422, 429, 431})
# The fields every contact form has, named by the catalogue (``label.<name>``). A form with its
# own labels (forms as code) passes them to ``error_html``; any other field is shown by its name.
LABELLED_FIELDS = {
    "email": "label.email",
    "_replyto": "label.email",
    "name": "label.name",
    "message": "label.message",
}


def field_labels(tr: Translator) -> dict[str, str]:
    return {name: tr.get(msgid) for name, msgid in LABELLED_FIELDS.items()}


def error_html(
    status: int,
    message: str,
    fields: Mapping[str, str] | None = None,
    back_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    tr: Translator | None = None,
) -> HttpResponse:
    """A readable page in ``tr``'s language listing what to fix, each field by its label
    (``labels``, field name → label, over the catalogue's ``label.*``), with a link back to the
    form when ``back_url`` is given: the caller passes it only for a page on an allowed origin
    (``replies.back_link``)."""
    tr = tr or translator(DEFAULT_LANGUAGE)
    title = tr.get(f"page.title.{status}" if status in TITLED_STATUSES else "page.title.default")
    named = {**field_labels(tr), **(labels or {})}
    separator = html.escape(tr.get("page.field_separator"))
    parts: list[str] = []
    if fields:
        parts.append(f"<p>{html.escape(tr.get('page.fix_intro'))}</p><ul>")
        parts.extend(
            f"<li><strong>{html.escape(named.get(name, name))}</strong>{separator}"
            f"{html.escape(tr(problem))}</li>"
            for name, problem in fields.items()
        )
        parts.append("</ul>")
    else:
        parts.append(f"<p>{html.escape(tr(message))}</p>")
    if back_url:
        back = html.escape(tr.get("page.back_link"))
        parts.append(f'<p><a href="{html.escape(back_url)}">{back}</a></p>')
    else:
        parts.append(f"<p>{html.escape(tr.get('page.back_button'))}</p>")
    return html_answer(status, title, "".join(parts), headers, tr.language)
