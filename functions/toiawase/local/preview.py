"""The local mail preview at ``/_mail``: every message embedded SES accepted, as delivered.

Like Mailpit, but for the messages captured in this process. Everything shown comes from
submitted text, so nothing on these pages is trusted:

* every value is HTML-escaped, and the pages carry a strict ``Content-Security-Policy`` that
  allows no script at all, so an escaping bug still could not run anything;
* a message's HTML body is served from its own URL with a ``sandbox`` CSP (a unique origin, no
  scripts, no network) and shown in an ``<iframe sandbox>`` without ``allow-scripts``;
* the raw message is served as ``text/plain``, sandboxed too.

Rendering is pure (mail in, page out) so it can be tested without a server.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from toiawase.core.compose import FORM_HEADER, SUBMISSION_HEADER
from toiawase.local.sesbox import CapturedMail

PREVIEW_PATH = "/_mail"

_COMMON = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# The preview pages: no script, no plugin, no form, nothing from elsewhere; only the same-origin
# frame that shows a message's HTML body.
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# A message's HTML body: a sandboxed document (opaque origin, no scripts, no popups, no forms)
# that may load nothing but its own inline styles.
BODY_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)

_HEADLINE = ("From", "Reply-To", "To", "Subject")
_MESSAGE_PATH = re.compile(r"/(\d{1,9})(/html|/raw)?/?")


@dataclass(frozen=True)
class Page:
    """One preview response."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _header(message: EmailMessage, name: str) -> str:
    """A header as the recipient's mail program shows it (RFC 2047 decoded), or ``""``."""
    try:
        value = message.get(name)
    except Exception:  # a malformed header must not take the preview down
        return "(unreadable)"
    return "" if value is None else str(value)


def _page(status: int, title: str, body_html: str) -> Page:
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_esc(title)} · toiawase mail preview</title><style>{_STYLE}</style></head>"
        f'<body><header><a href="{PREVIEW_PATH}">toiawase mail preview</a> '
        '<a href="/">the site</a></header><main>'
        f"{body_html}</main></body></html>\n"
    )
    headers = {
        **_COMMON,
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": PAGE_CSP,
    }
    return Page(status, document.encode("utf-8"), headers)


_STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK JP',sans-serif;margin:0;color:#1b1b1b;"
    "background:#f6f6f4;line-height:1.5}"
    "header{background:#243447;padding:.6rem 1.2rem}header a{color:#fff;margin-right:1.2rem;"
    "text-decoration:none}header a:first-child{font-weight:600}"
    "main{max-width:60rem;margin:1.5rem auto;padding:0 1.2rem}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{text-align:left;vertical-align:top;padding:.45rem .7rem;border-bottom:1px solid #e3e3e0}"
    "thead th{background:#eceae4;font-weight:600}"
    "dl.headline{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;"
    "background:#fff;padding:1rem 1.2rem;border:1px solid #e3e3e0;font-size:1.05rem}"
    "dl.headline dt{font-weight:600;color:#555}dl.headline dd{margin:0;word-break:break-word}"
    "pre{background:#fff;border:1px solid #e3e3e0;padding:1rem;white-space:pre-wrap;"
    "word-break:break-word;font-family:ui-monospace,'Noto Sans Mono CJK JP',monospace}"
    "iframe{width:100%;height:28rem;border:1px solid #e3e3e0;background:#fff}"
    "h1{font-size:1.4rem;word-break:break-word}h2{font-size:1.1rem;margin-top:1.8rem}"
    ".note{background:#fff8e1;border:1px solid #f0d58a;padding:.8rem 1rem}"
    "small{color:#555}"
)


def _rows(mails: Sequence[CapturedMail]) -> list[tuple[int, CapturedMail, EmailMessage]]:
    """Messages numbered from 1 in the order SES accepted them, newest first."""
    numbered = [(n, mail, mail.parsed()) for n, mail in enumerate(mails, start=1)]
    return list(reversed(numbered))


def render_index(mails: Sequence[CapturedMail] | None) -> Page:
    """The list of captured messages, newest first (``None``: nothing is captured)."""
    if mails is None:
        return _page(
            200,
            "No captured mail",
            "<h1>No captured mail</h1><p class=note>The dev server is sending through "
            "<strong>real SES</strong> (<code>--real-ses</code>), so no mail is captured here. "
            "Look in the recipients' inboxes; the terminal shows what each request answered."
            "</p>",
        )
    if not mails:
        return _page(
            200,
            "No mail yet",
            '<h1>No mail yet</h1><p>Submit the <a href="/">form</a>; every message SES '
            "accepts appears here (reload this page).</p>",
        )
    rows = "".join(
        f"<tr><td>{n}</td><td>{_esc(_header(m, 'Date'))}</td><td>{_esc(_header(m, 'From'))}</td>"
        f"<td>{_esc(_header(m, 'Reply-To'))}</td>"
        f"<td><code>{_esc(_header(m, FORM_HEADER) or '-')}</code></td>"
        f'<td><a href="{PREVIEW_PATH}/{n}">{_esc(_header(m, "Subject") or "(no subject)")}</a>'
        "</td></tr>"
        for n, _, m in _rows(mails)
    )
    count = f"{len(mails)} message{'s' if len(mails) != 1 else ''}"
    return _page(
        200,
        "Captured mail",
        f"<h1>Captured mail <small>({count}, newest first)</small></h1>"
        "<table><thead><tr><th>#</th><th>Date</th><th>From</th><th>Reply-To</th>"
        f"<th>Form</th><th>Subject</th></tr></thead><tbody>{rows}</tbody></table>",
    )


def render_message(number: int, mail: CapturedMail) -> Page:
    """One message: the headers that matter, the text body, the HTML body in a sandbox."""
    message = mail.parsed()
    base = f"{PREVIEW_PATH}/{number}"
    headline = "".join(
        f"<dt>{name}</dt><dd>{_esc(_header(message, name) or '(none)')}</dd>" for name in _HEADLINE
    )
    submission = _header(message, SUBMISSION_HEADER)
    headline += (
        f"<dt>Date</dt><dd>{_esc(_header(message, 'Date'))}</dd>"
        f"<dt>Form</dt><dd><code>{_esc(_header(message, FORM_HEADER) or '(none)')}</code></dd>"
        f"<dt>Submission</dt><dd><code>{_esc(submission or '(none)')}</code></dd>"
        f"<dt>SES source</dt><dd>{_esc(mail.source)}</dd>"
        f"<dt>Delivered to</dt><dd>{_esc(', '.join(dict.fromkeys(mail.destinations)))}</dd>"
    )
    all_headers = "\n".join(f"{name}: {value}" for name, value in message.raw_items())
    html_part = (
        f'<iframe sandbox="" src="{base}/html" title="HTML body of message {number}" '
        'referrerpolicy="no-referrer"></iframe>'
        if mail.html()
        else "<p>(this message has no HTML body)</p>"
    )
    body = (
        f"<h1>{_esc(_header(message, 'Subject') or '(no subject)')}</h1>"
        f'<dl class="headline">{headline}</dl>'
        f'<h2>Text body</h2><pre id="text-body">{_esc(mail.text())}</pre>'
        f"<h2>HTML body</h2>{html_part}"
        f"<h2>All headers</h2><pre>{_esc(all_headers)}</pre>"
        f'<p><a href="{base}/raw">The raw message</a> (as SES received it)</p>'
    )
    return _page(200, _header(message, "Subject") or f"Message {number}", body)


def render_html_body(mail: CapturedMail) -> Page:
    """The HTML body on its own, to be framed: sandboxed by CSP, whatever it contains."""
    headers = {
        **_COMMON,
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": BODY_CSP,
    }
    return Page(200, mail.html().encode("utf-8", "replace"), headers)


def render_raw(mail: CapturedMail) -> Page:
    """The message exactly as SES accepted it, as plain text."""
    headers = {
        **_COMMON,
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Security-Policy": BODY_CSP,
    }
    return Page(200, mail.raw, headers)


def render_json(mails: Sequence[CapturedMail] | None) -> Page:
    """The list as JSON, oldest first, for scripts and tests (``null`` when nothing is captured)."""
    entries: list[dict[str, object]] | None = None
    if mails is not None:
        entries = []
        for n, mail in enumerate(mails, start=1):
            message = mail.parsed()
            entries.append(
                {
                    "n": n,
                    "url": f"{PREVIEW_PATH}/{n}",
                    "raw_url": f"{PREVIEW_PATH}/{n}/raw",
                    "from": _header(message, "From"),
                    "reply_to": _header(message, "Reply-To"),
                    "to": _header(message, "To"),
                    "subject": _header(message, "Subject"),
                    "submission_id": _header(message, SUBMISSION_HEADER),
                    "form": _header(message, FORM_HEADER),
                }
            )
    body = json.dumps({"messages": entries}, ensure_ascii=False).encode("utf-8")
    headers = {**_COMMON, "Content-Type": "application/json; charset=utf-8"}
    return Page(200, body, headers)


def _not_found() -> Page:
    return _page(404, "Not found", "<h1>Not found</h1><p>There is no such message.</p>")


def respond(path: str, mails: Sequence[CapturedMail] | None) -> Page:
    """The preview's answer for ``path`` (which starts with ``/_mail``)."""
    rest = path[len(PREVIEW_PATH) :]
    if rest in ("", "/"):
        return render_index(mails)
    if rest == "/messages.json":
        return render_json(mails)
    match = _MESSAGE_PATH.fullmatch(rest)
    if match is None or mails is None:
        return _not_found()
    number = int(match.group(1))
    if not 1 <= number <= len(mails):
        return _not_found()
    mail = mails[number - 1]
    if match.group(2) == "/html":
        return render_html_body(mail)
    if match.group(2) == "/raw":
        return render_raw(mail)
    return render_message(number, mail)
