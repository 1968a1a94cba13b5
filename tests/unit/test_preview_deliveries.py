"""The preview's deliveries pages (``/_mail/deliveries``): whatever a request to the local
receiver carried is shown escaped under the script-free CSP, and each request is matched to
its submission by the webhook id or the submission id in its body."""

from __future__ import annotations

import json
from email.message import EmailMessage

from toiawase.core.compose import SUBMISSION_HEADER
from toiawase.local.hookbox import HookBox
from toiawase.local.preview import PAGE_CSP, respond
from toiawase.local.sesbox import CapturedMail

HOSTILE = '<script>alert("x")</script>'
SID = "0123456789abcdef0123456789abcdef"


def _mail(sid: str) -> CapturedMail:
    message = EmailMessage()
    message["From"] = "Example Co <forms@example.com>"
    message["To"] = "owner@example.com"
    message["Subject"] = "Contact"
    message[SUBMISSION_HEADER] = sid
    message.set_content("hello")
    return CapturedMail("id", "forms@example.com", ("owner@example.com",), bytes(message))


def _box() -> HookBox:
    box = HookBox()
    box.record(
        "POST",
        f"/_hooks/webhook/{HOSTILE}",
        [("webhook-id", f"msg_{SID}_webhook"), ("X-Evil", HOSTILE)],
        json.dumps({"submission_id": SID, "v": HOSTILE}).encode(),
    )
    box.record("POST", "/_hooks/slack/slack", [], b"not json " + HOSTILE.encode())
    box.record("POST", "/_hooks/discord/discord", [], b'{"footer": "Reference other"}')
    return box


def test_every_page_escapes_what_the_receiver_got():
    hooks = _box().requests()
    for path in ("/_mail/deliveries", "/_mail/deliveries/1", "/_mail/deliveries/2", "/_mail/1"):
        page = respond(path, [_mail(SID)], hooks)
        text = page.body.decode()
        assert page.status == 200, path
        assert page.headers["Content-Security-Policy"] == PAGE_CSP
        assert "<script>" not in text, path
    detail = respond("/_mail/deliveries/1", [], hooks).body.decode()
    assert "&lt;script&gt;" in detail and "Body, indented" in detail
    # A body that is not JSON is shown as received, without an indented copy.
    assert "Body, indented" not in respond("/_mail/deliveries/2", [], hooks).body.decode()


def test_a_message_shows_the_requests_of_its_submission_only():
    hooks = _box().requests()
    page = respond("/_mail/1", [_mail(SID)], hooks).body.decode()
    assert "Deliveries of this submission (1)" in page
    assert 'id="delivery-1"' in page and 'id="delivery-3"' not in page
    listing = respond("/_mail", [_mail(SID)], hooks).body.decode()
    assert "<td>webhook</td>" in listing
    # Another submission's mail has none.
    other = respond("/_mail/1", [_mail("f" * 32)], hooks).body.decode()
    assert "Deliveries of this submission" not in other


def test_unknown_numbers_and_no_receiver():
    hooks = _box().requests()
    assert respond("/_mail/deliveries/9", [], hooks).status == 404
    assert respond("/_mail/deliveries/x", [], hooks).status == 404
    assert "No local receiver" in respond("/_mail/deliveries", [], None).body.decode()
    assert b'"deliveries": null' in respond("/_mail/deliveries.json", [], None).body


def test_the_box_keeps_the_newest_and_numbers_on():
    box = HookBox(max_kept=2)
    for n in range(3):
        box.record("POST", f"/_hooks/webhook/{n}", [], b"")
    assert [r.number for r in box.requests()] == [2, 3]
    assert box.get(1) is None and box.get(3) is not None
