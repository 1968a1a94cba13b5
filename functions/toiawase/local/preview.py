"""The local mail preview at ``/_mail``: every message embedded SES accepted, as delivered.

Like Mailpit, but for the messages captured in this process. Everything shown comes from
submitted text, so nothing on these pages is trusted:

* every value is HTML-escaped, and the pages carry a strict ``Content-Security-Policy`` that
  allows no script at all, so an escaping bug still could not run anything;
* a message's HTML body is served from its own URL with a ``sandbox`` CSP (a unique origin, no
  scripts, no network) and shown in an ``<iframe sandbox>`` without ``allow-scripts``;
* the raw message is served as ``text/plain``, sandboxed too;
* an attachment is served only as a download (``application/octet-stream``,
  ``Content-Disposition: attachment``, sandboxed), never rendered.

Rendering is pure (mail in, page out) so it can be tested without a server.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import quote

from toiawase.core.compose import FORM_HEADER, SUBMISSION_HEADER
from toiawase.local.hookbox import ReceivedRequest
from toiawase.local.sesbox import CapturedMail

PREVIEW_PATH = "/_mail"
DELIVERIES_PATH = PREVIEW_PATH + "/deliveries"

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
_MESSAGE_PATH = re.compile(r"/(\d{1,9})(/html|/raw|/files/\d{1,3})?/?")
_DELIVERY_PATH = re.compile(r"/deliveries/(\d{1,9})/?")


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
        f'<a href="{DELIVERIES_PATH}">deliveries</a> '
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
    "article.delivery{margin:1.2rem 0 2rem}caption{text-align:left;font-weight:600;"
    "padding:.3rem 0}th[scope=row]{font-weight:600;white-space:nowrap;width:1%}"
)


def _rows(mails: Sequence[CapturedMail]) -> list[tuple[int, CapturedMail, EmailMessage]]:
    """Messages numbered from 1 in the order SES accepted them, newest first."""
    numbered = [(n, mail, mail.parsed()) for n, mail in enumerate(mails, start=1)]
    return list(reversed(numbered))


def render_index(
    mails: Sequence[CapturedMail] | None, hooks: Sequence[ReceivedRequest] = ()
) -> Page:
    """The list of captured messages, newest first (``None``: nothing is captured), each with
    the number of webhook, Slack and Discord requests the local receiver got for its
    submission."""
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
        f"</td><td>{_hook_count(hooks, _header(m, SUBMISSION_HEADER))}</td></tr>"
        for n, _, m in _rows(mails)
    )
    count = f"{len(mails)} message{'s' if len(mails) != 1 else ''}"
    return _page(
        200,
        "Captured mail",
        f"<h1>Captured mail <small>({count}, newest first)</small></h1>"
        "<table><thead><tr><th>#</th><th>Date</th><th>From</th><th>Reply-To</th>"
        f"<th>Form</th><th>Subject</th><th>Deliveries</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>",
    )


def render_message(
    number: int,
    mail: CapturedMail,
    hooks: Sequence[ReceivedRequest] = (),
    mails: Sequence[CapturedMail] = (),
) -> Page:
    """One message: the headers that matter, the text body, the HTML body in a sandbox; then
    the requests the local receiver got for the same submission (webhook, Slack, Discord) and
    the other mail about it (the submitter's receipt), when there are any."""
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
    files = [
        f'<li><a href="{base}/files/{i}" download>{_esc(part.get_filename() or f"file-{i}")}</a>'
        f" ({_esc(part.get_content_type())}, {len(part.get_content()):,} bytes)</li>"
        for i, part in enumerate(message.iter_attachments(), start=1)
    ]
    files_html = f'<h2>Attachments</h2><ul id="attachments">{"".join(files)}</ul>' if files else ""
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
        f"<h2>HTML body</h2>{html_part}{files_html}"
        f"<h2>All headers</h2><pre>{_esc(all_headers)}</pre>"
        f'<p><a href="{base}/raw">The raw message</a> (as SES received it)</p>'
        f"{_submission_deliveries(submission, hooks)}"
        f"{_related_mail(submission, number, mails)}"
    )
    return _page(200, _header(message, "Subject") or f"Message {number}", body)


def _hook_count(hooks: Sequence[ReceivedRequest], submission_id: str) -> str:
    found = [h for h in hooks if h.mentions(submission_id)]
    if not found:
        return "-"
    return ", ".join(_esc(h.kind) for h in found)


def _submission_deliveries(submission_id: str, hooks: Sequence[ReceivedRequest]) -> str:
    found = [h for h in hooks if h.mentions(submission_id)]
    if not submission_id or not found:
        return ""
    parts = "".join(_request_html(h, "h3") for h in found)
    return (
        f'<section id="deliveries"><h2>Deliveries of this submission ({len(found)})</h2>'
        "<p><small>As the local receiver got them: every webhook, Slack and Discord target is "
        "sent to this dev server in <code>make dev</code>.</small></p>"
        f"{parts}</section>"
    )


def _related_mail(submission_id: str, number: int, mails: Sequence[CapturedMail]) -> str:
    """Other captured mail that names the submission: the receipt ("Reference: <id>")."""
    if not submission_id:
        return ""
    items = [
        f'<li><a href="{PREVIEW_PATH}/{n}">{_esc(_header(m.parsed(), "Subject") or "(no subject)")}'
        f"</a> to {_esc(', '.join(dict.fromkeys(m.destinations)))}</li>"
        for n, m in enumerate(mails, start=1)
        if n != number and submission_id in m.text()
    ]
    if not items:
        return ""
    return f'<h2>Other mail about this submission</h2><ul id="related">{"".join(items)}</ul>'


def _formatted_body(request: ReceivedRequest) -> str:
    """The body as JSON, indented, when it is JSON (``""`` otherwise)."""
    try:
        return json.dumps(json.loads(request.body), ensure_ascii=False, indent=2)
    except ValueError:
        return ""


def _request_html(request: ReceivedRequest, heading: str) -> str:
    """One received request: method and path, every header in order, the body as received
    (and indented when it is JSON)."""
    link = f"{DELIVERIES_PATH}/{request.number}"
    headers = "".join(
        f"<tr><th scope=row>{_esc(name)}</th><td><code>{_esc(value)}</code></td></tr>"
        for name, value in request.headers
    )
    formatted = _formatted_body(request)
    pretty = (
        f"<p><strong>Body, indented</strong></p><pre>{_esc(formatted)}</pre>" if formatted else ""
    )
    return (
        f'<article class="delivery" id="delivery-{request.number}">'
        f'<{heading}><a href="{link}">#{request.number} {_esc(request.kind)}</a>: '
        f"<code>{_esc(request.method)} {_esc(request.path)}</code></{heading}>"
        f"<p><small>received {_esc(request.received_at.isoformat(timespec='seconds'))}"
        f"</small></p>"
        f"<table><caption>Request headers, as received</caption><tbody>{headers}</tbody></table>"
        f"<p><strong>Body, as received</strong> ({len(request.body):,} bytes)</p>"
        f"<pre>{_esc(request.text)}</pre>{pretty}</article>"
    )


def render_deliveries(hooks: Sequence[ReceivedRequest] | None) -> Page:
    """Every request the local receiver got, newest first."""
    if hooks is None:
        return _page(
            200,
            "No local receiver",
            "<h1>No local receiver</h1><p class=note>This dev server sends webhooks, Slack and "
            "Discord messages nowhere: the delivery queue runs only with embedded AWS (without "
            "<code>--real-ses</code>).</p>",
        )
    if not hooks:
        return _page(
            200,
            "No deliveries yet",
            "<h1>No deliveries yet</h1><p>Submit a form with <code>webhook</code>, "
            "<code>slack</code> or <code>discord</code> targets (the dev server's "
            "<code>deliveries</code> form has all three: <code>POST /f/deliveries</code>); "
            "every request they make appears here (reload this page).</p>",
        )
    rows = "".join(
        f"<tr><td>{h.number}</td><td>{_esc(h.received_at.isoformat(timespec='seconds'))}</td>"
        f"<td>{_esc(h.kind)}</td>"
        f'<td><a href="{DELIVERIES_PATH}/{h.number}"><code>{_esc(h.method)} {_esc(h.path)}'
        f"</code></a></td><td><code>{_esc(h.header('webhook-id') or '-')}</code></td></tr>"
        for h in reversed(hooks)
    )
    count = f"{len(hooks)} request{'s' if len(hooks) != 1 else ''}"
    return _page(
        200,
        "Deliveries",
        f"<h1>Deliveries <small>({count}, newest first)</small></h1>"
        "<p>Webhook, Slack and Discord requests as the local receiver got them.</p>"
        "<table><thead><tr><th>#</th><th>Received</th><th>Kind</th><th>Request</th>"
        f"<th>webhook-id</th></tr></thead><tbody>{rows}</tbody></table>",
    )


def render_delivery(request: ReceivedRequest) -> Page:
    """One received request on its own page."""
    body = f"<h1>Delivery #{request.number}</h1>{_request_html(request, 'h2')}"
    return _page(200, f"Delivery {request.number}", body)


def render_deliveries_json(hooks: Sequence[ReceivedRequest] | None) -> Page:
    """The received requests as JSON, oldest first, for scripts and tests."""
    entries = None
    if hooks is not None:
        entries = [
            {
                "n": h.number,
                "url": f"{DELIVERIES_PATH}/{h.number}",
                "kind": h.kind,
                "method": h.method,
                "path": h.path,
                "headers": [list(pair) for pair in h.headers],
                "body": h.text,
            }
            for h in hooks
        ]
    body = json.dumps({"deliveries": entries}, ensure_ascii=False).encode("utf-8")
    headers = {**_COMMON, "Content-Type": "application/json; charset=utf-8"}
    return Page(200, body, headers)


def render_html_body(mail: CapturedMail) -> Page:
    """The HTML body on its own, to be framed: sandboxed by CSP, whatever it contains."""
    headers = {
        **_COMMON,
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": BODY_CSP,
    }
    return Page(200, mail.html().encode("utf-8", "replace"), headers)


def render_attachment(mail: CapturedMail, index: int) -> Page:
    """Attachment ``index`` (from 1) as a download: never rendered, whatever its type."""
    parts = list(mail.parsed().iter_attachments())
    if not 1 <= index <= len(parts):
        return _not_found()
    part = parts[index - 1]
    content = part.get_content()
    data = content if isinstance(content, bytes) else str(content).encode("utf-8")
    name = part.get_filename() or f"file-{index}"
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in name)
    headers = {
        **_COMMON,
        "Content-Type": "application/octet-stream",
        "Content-Disposition": (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
        ),
        "Content-Security-Policy": BODY_CSP,
    }
    return Page(200, data, headers)


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


def respond(
    path: str,
    mails: Sequence[CapturedMail] | None,
    hooks: Sequence[ReceivedRequest] | None = None,
) -> Page:
    """The preview's answer for ``path`` (which starts with ``/_mail``); ``hooks`` are the
    local receiver's requests (None: no receiver)."""
    rest = path[len(PREVIEW_PATH) :]
    if rest in ("", "/"):
        return render_index(mails, hooks or ())
    if rest == "/messages.json":
        return render_json(mails)
    if rest in ("/deliveries", "/deliveries/"):
        return render_deliveries(hooks)
    if rest == "/deliveries.json":
        return render_deliveries_json(hooks)
    delivery = _DELIVERY_PATH.fullmatch(rest)
    if delivery is not None:
        number = int(delivery.group(1))
        found = next((h for h in hooks or () if h.number == number), None)
        return render_delivery(found) if found is not None else _not_found()
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
    if match.group(2) and match.group(2).startswith("/files/"):
        return render_attachment(mail, int(match.group(2).rsplit("/", 1)[1]))
    return render_message(number, mail, hooks or (), mails)
