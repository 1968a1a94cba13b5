"""The owner's email in the form's email language: headings, notices and labels."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.mail_oracle import read_message
from tests.unit.helpers import settings, submission_meta, valid_submission
from toiawase.core.attachments import DeliveredFile
from toiawase.core.compose import compose, html_body, text_body
from toiawase.core.config import Settings
from toiawase.core.forms.load import forms_from_document
from toiawase.core.forms.resolve import form_settings

META = submission_meta(origin="https://www.example.com")
PAIRS = [
    ("name", "山田 太郎"),
    ("email", "taro@example.jp"),
    ("message", "見積もりをお願いします。"),
    ("company", ""),
]


def _read(config: Settings, files: tuple[DeliveredFile, ...] = ()) -> object:
    submission = valid_submission(PAIRS)
    email = compose(submission, META, config, files)
    return read_message(
        email.raw,
        sender=config.sender_address,
        recipients=config.recipient_addresses,
        reply_to="taro@example.jp",
        submission_id=META.submission_id,
    )


def test_japanese_email_has_japanese_headings_and_labels():
    config = replace(settings(), email_language="ja")
    read = _read(config)
    for body in (read.text, read.html):  # type: ignore[attr-defined]
        for heading in ("お名前", "メールアドレス", "お問い合わせ内容", "返信先", "受付番号"):
            assert heading in body, heading
        assert "（ブラウザから送られていません）" in body
        assert "Reply to" not in body and "(not given)" not in body and "Submission" not in body
    assert "Example Co のフォームから、訪問者が次の内容を送信しました。" in read.text  # type: ignore[attr-defined]
    assert read.subject == "Example Co のフォームから新しいメッセージ"  # type: ignore[attr-defined]
    assert read.display_name == "山田 太郎（Example Co 経由）"  # type: ignore[attr-defined]
    assert '<html lang="ja">' in read.html  # type: ignore[attr-defined]


def test_japanese_file_notices():
    config = replace(settings(), email_language="ja")
    files = (
        DeliveredFile("履歴書.pdf", "application/pdf", 2048, data=b"%PDF-"),
        DeliveredFile("big.zip", "application/zip", 9_000_000, url="https://x.test/a"),
    )
    submission = valid_submission(PAIRS)
    text = text_body(submission, META, config, files, 7)
    assert "ファイル：" in text and "履歴書.pdf (application/pdf, 2 KB): 添付しています" in text
    assert "big.zip (application/zip, 8.583 MB): 7 日以内にダウンロードしてください" in text
    assert "リンクは 7 日で期限切れになります。" in text
    page = html_body(submission, META, config, files, 7)
    assert "2,048 バイト" in page and ">ダウンロード</a> （7 日以内）" in page
    assert "attached" not in text + page and "download" not in text + page


def test_english_stays_the_default():
    read = _read(settings())
    assert "Reply to: taro@example.jp" in read.text  # type: ignore[attr-defined]
    assert "Submission: 0123456789abcdef0123456789abcdef" in read.text  # type: ignore[attr-defined]
    assert read.subject == "New message from the Example Co form"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("keys", "language"),
    [
        ({}, "en"),
        ({"language": "ja"}, "ja"),
        ({"email_language": "ja"}, "ja"),
        ({"language": "ja", "email_language": "en"}, "en"),
    ],
)
def test_the_forms_email_language_defaults_to_its_language(keys: dict[str, str], language: str):
    doc = {
        "forms": {
            "jobs": {
                "title": "採用",
                "recipients": ["jobs@example.com"],
                "allowed_origins": ["https://www.example.com"],
                "fields": {"message": {"type": "textarea", "label": "志望動機"}},
                **keys,
            }
        }
    }
    form = forms_from_document(doc, settings()).forms[0]
    assert form_settings(settings(), form).email_language == language
