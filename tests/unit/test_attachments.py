"""Files in the owner's email: attached safely, linked beyond the total (core/attachments.py)."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from tests.mail_oracle import COMPOSED_HEADERS
from tests.unit.helpers import settings, submission_meta, valid_submission
from toiawase.core.attachments import DeliveredFile, plan_delivery
from toiawase.core.compose import (
    compose,
    header_names,
)

META = submission_meta()
PAIRS = [("email", "taro@example.jp"), ("message", "添付します")]
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 300


def build(files, **kwargs):
    sub = valid_submission(PAIRS)
    email = compose(sub, META, settings(), files, **kwargs)
    return email, message_from_bytes(email.raw, policy=policy.default)


def test_files_are_attached_byte_for_byte_with_unicode_names():
    files = [
        DeliveredFile("履歴書 2026.pdf", "application/pdf", len(PDF), data=PDF),
        DeliveredFile("photo.png", "image/png", 3, data=b"\x89PN"),
    ]
    email, parsed = build(files)
    assert parsed.get_content_type() == "multipart/mixed"
    parts = list(parsed.iter_attachments())
    assert [p.get_filename() for p in parts] == ["履歴書 2026.pdf", "photo.png"]
    assert parts[0].get_content() == PDF
    assert parts[1].get_content_type() == "image/png"
    body = parsed.get_body(("plain",))
    assert body is not None and "履歴書 2026.pdf (application/pdf" in body.get_content()
    assert b"filename*=utf-8''" in email.raw  # RFC 2231
    assert sorted(header_names(email.raw)) == sorted(COMPOSED_HEADERS)


@pytest.mark.parametrize(
    "name",
    [
        'a"; filename="evil.exe',
        "x\r\nBcc: victim@example.net",
        "=?utf-8?b?ZXZpbC5leGU=?=",
        "long " + "名前" * 150 + ".pdf",
        "--=_boundary-lookalike",
    ],
)
def test_hostile_names_cannot_add_a_header_or_a_part(name):
    # The name reaches compose as core.files.safe_filename made it; compose must hold even
    # for names that are not (defence in depth): parsing back gives one attachment, that name.
    from toiawase.core.files import safe_filename

    safe = safe_filename(name)
    email, parsed = build([DeliveredFile(safe, "application/pdf", 4, data=b"%PDF")])
    parts = list(parsed.iter_attachments())
    assert len(parts) == 1
    assert parts[0].get_filename() == safe
    assert b"Bcc" not in email.raw.partition(b"\r\n\r\n")[0]


def test_linked_files_are_listed_with_their_url_and_not_attached():
    url = "https://bucket.s3.amazonaws.com/uploads/f/x/0?X-Amz-Signature=abc"
    files = [DeliveredFile("big.pdf", "application/pdf", 9_000_000, url=url)]
    _email, parsed = build(files, link_days=3)
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",)).get_content()
    assert url in text and "within 3 days" in text
    html = parsed.get_body(("html",)).get_content()
    assert 'href="https://bucket.s3.amazonaws.com/uploads/f/x/0?X-Amz-Signature=abc"' in html


def test_plan_attaches_up_to_the_total_then_links():
    assert plan_delivery([3, 3, 2, 5], 7) == [True, True, False, False]
    assert plan_delivery([8, 1], 7) == [False, True]
