"""The mail preview lists attachments with download links, served as downloads only."""

from __future__ import annotations

from email import message_from_bytes, policy

from tests.unit.helpers import settings, submission_meta, valid_submission
from toiawase.core.attachments import DeliveredFile
from toiawase.core.compose import compose
from toiawase.local.preview import respond
from toiawase.local.sesbox import CapturedMail

HTML_FILE = b"<script>alert(1)</script>"


def mail() -> CapturedMail:
    sub = valid_submission()
    meta = submission_meta("0" * 32)
    files = [
        DeliveredFile("履歴書.pdf", "application/pdf", 8, data=b"%PDF-1.7"),
        DeliveredFile('x"y.html', "text/html", len(HTML_FILE), data=HTML_FILE),
    ]
    email = compose(sub, meta, settings(), files)
    return CapturedMail("id", "forms@example.com", ("owner@example.com",), email.raw)


def test_the_message_page_lists_each_attachment_with_a_download_link():
    page = respond("/_mail/1", [mail()])
    body = page.body.decode()
    assert '<a href="/_mail/1/files/1" download>履歴書.pdf</a>' in body
    assert '<a href="/_mail/1/files/2" download>x&quot;y.html</a>' in body


def test_an_attachment_is_a_download_never_rendered():
    page = respond("/_mail/1/files/2", [mail()])
    assert page.status == 200 and page.body == HTML_FILE
    assert page.headers["Content-Type"] == "application/octet-stream"
    assert page.headers["Content-Disposition"].startswith('attachment; filename="x_y.html"')
    assert "sandbox" in page.headers["Content-Security-Policy"]
    first = respond("/_mail/1/files/1", [mail()])
    assert first.body == b"%PDF-1.7"
    assert (
        "filename*=UTF-8''%E5%B1%A5%E6%AD%B4%E6%9B%B8.pdf" in first.headers["Content-Disposition"]
    )
    assert respond("/_mail/1/files/3", [mail()]).status == 404
    assert message_from_bytes(mail().raw, policy=policy.default).is_multipart()
