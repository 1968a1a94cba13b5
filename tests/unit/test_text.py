"""Header text hygiene: nothing submitted can end, fold or re-encode a header."""

from __future__ import annotations

import pytest

from toiawase.core.text import InvalidText, clean_body_text, clean_header_text

HOSTILE = [
    "a\r\nBcc: v@example.net",
    "a\nBcc: v@example.net",
    "a\rBcc: v@example.net",
    "a\x00b",
    "a\u2028Bcc: v@example.net",
    "a\u2029b",
    "a\u0085b",
    "a\x0bb\x0cc",
    "evil\u202egnp.exe",
    "zero\u200bwidth\ufeff",
    "=?utf-8?q?a=0D=0ABcc:_v@example.net?=",
    "=?utf-8?b?DQpCY2M6IHZAZXhhbXBsZS5uZXQ=?=",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_header_text_has_no_line_breaks_controls_or_encoded_words(value: str):
    cleaned = clean_header_text(value, 200)
    assert "\r" not in cleaned and "\n" not in cleaned
    assert all(ch.isprintable() for ch in cleaned)
    assert "=?" not in cleaned and "?=" not in cleaned
    assert "\u202e" not in cleaned and "\u200b" not in cleaned


def test_header_text_keeps_japanese_and_collapses_spaces():
    assert clean_header_text("  山田\u3000太郎  ", 50) == "山田 太郎"


def test_header_text_is_truncated_with_an_ellipsis():
    cleaned = clean_header_text("x" * 100, 10)
    assert len(cleaned) == 10 and cleaned.endswith("\u2026")


def test_body_text_refuses_lone_surrogates():
    with pytest.raises(InvalidText):
        clean_body_text("a\ud800b")


def test_body_text_keeps_tabs_and_newlines():
    assert clean_body_text("a\tb\r\nc") == "a\tb\nc"
