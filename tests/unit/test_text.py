"""Header text hygiene: nothing submitted can end, fold or re-encode a header."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# The fast paths of _one_line and fold_for_matching (skip the per-character pass when the text
# is printable) must give exactly what the per-character pass gives: reference copies of it.
def _one_line_reference(value: str) -> str:
    import re
    import unicodedata

    forbidden = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in value
        if unicodedata.category(ch) not in forbidden or ch in "\t\n\r"
    )
    return re.sub(r"\s+", " ", kept).strip()


def _fold_reference(value: str) -> str:
    import re
    import unicodedata

    folded = unicodedata.normalize("NFKC", value)
    folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    folded = re.sub("[\ufe00-\ufe0f\U000e0100-\U000e01ef]", "", folded)
    return unicodedata.normalize("NFKC", folded.casefold())


TRICKY = "a b\u3000c\u200bd\u202ee\u2028f\u00a0g\ufeffh\tI\nJ\u00adk\U000e0001\ue000\ufe0f\u0378"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list(TRICKY))))
def test_the_fast_paths_match_the_per_character_pass(value: str):
    from toiawase.core.text import _one_line, fold_for_matching

    assert _one_line(value) == _one_line_reference(value)
    assert fold_for_matching(value) == _fold_reference(value)


@pytest.mark.parametrize(
    "value", ["plain ascii", "お問い合わせ です", TRICKY, "x\u200by", "a\u3000b"]
)
def test_the_fast_paths_match_on_known_cases(value: str):
    from toiawase.core.text import _one_line, fold_for_matching

    assert _one_line(value) == _one_line_reference(value)
    assert fold_for_matching(value) == _fold_reference(value)
