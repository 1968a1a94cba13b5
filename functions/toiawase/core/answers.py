"""The contract's answers: JSON for scripts, a 303 or a small HTML page for plain forms."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping

from toiawase.core.http import HttpResponse

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
    status: int, title: str, body_html: str, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """A small page whose content is one ``main`` landmark (axe-core: ``landmark-one-main``,
    ``region``), so assistive technology can jump to it."""
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;"
        "padding:0 1rem;line-height:1.5}li{margin:.3rem 0}code{background:#f3f3f3}</style>"
        f"</head><body><main><h1>{html.escape(title)}</h1>{body_html}</main></body></html>\n"
    )
    return HttpResponse(status, page, {**_HTML_HEADERS, **(headers or {})})


def ok_json(submission_id: str, status: str = "sent") -> HttpResponse:
    return json_answer(
        200 if status == "sent" else 202, {"ok": True, "id": submission_id, "status": status}
    )


def ok_html(submission_id: str, redirect_to: str | None, status: str = "sent") -> HttpResponse:
    """303 to the thank-you page; a plain thank-you page when none is configured."""
    if redirect_to:
        return HttpResponse(303, "", {**_COMMON, "Location": redirect_to})
    said = (
        "Your message was sent."
        if status == "sent"
        else "Your message was received; delivery is delayed and will be retried."
    )
    return html_answer(
        200 if status == "sent" else 202,
        "Thank you",
        f"<p>{said} Reference: <code>{html.escape(submission_id)}</code></p>",
    )


def error_json(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    payload: dict[str, object] = {"ok": False, "error": code, "message": message}
    if fields:
        payload["fields"] = dict(fields)
    return json_answer(status, payload, headers)


_TITLES = {
    400: "The form could not be read",
    403: "This form cannot be sent from here",
    404: "Not found",
    405: "Method not allowed",
    409: "Already being sent",
    413: "The form is too large",
    415: "The form was sent in a way we cannot read",
    422: "Please fix the form",
    429: "Too many submissions",
}


# How the contact form's fields are named to people. A form with its own labels (forms as
# code) passes them to ``error_html``; a field with no label is shown by its name.
FIELD_LABELS: Mapping[str, str] = {
    "email": "Email",
    "_replyto": "Email",
    "name": "Name",
    "message": "Message",
}


def error_html(
    status: int,
    message: str,
    fields: Mapping[str, str] | None = None,
    back_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A readable page listing what to fix, each field by its label (``labels``, field name →
    label, over ``FIELD_LABELS``), with a link back to the form when ``back_url`` is given: the
    caller passes it only for a page on an allowed origin (``replies.back_link``)."""
    title = _TITLES.get(status, "Your message was not sent")
    named = {**FIELD_LABELS, **(labels or {})}
    parts: list[str] = []
    if fields:
        parts.append("<p>Please go back and fix:</p><ul>")
        parts.extend(
            f"<li><strong>{html.escape(named.get(name, name))}</strong> {html.escape(problem)}</li>"
            for name, problem in fields.items()
        )
        parts.append("</ul>")
    else:
        parts.append(f"<p>{html.escape(message)}</p>")
    if back_url:
        parts.append(f'<p><a href="{html.escape(back_url)}">Back to the form</a></p>')
    else:
        parts.append("<p>Use your browser's Back button to return to the form.</p>")
    return html_answer(status, title, "".join(parts), headers)
