"""``parse_urlencoded_text`` reads exactly what ``urllib.parse.parse_qsl`` reads (the options the
endpoint uses: blank values kept, strict UTF-8, a field cap), including what it refuses."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from toiawase.core.parse import parse_urlencoded_text

PIECES = st.one_of(
    st.sampled_from(["&", "=", "+", "%", "%2", "%zz", "%41", "%e3", "%E3%81", "%FF", "%26", "%3D"]),
    st.sampled_from(["%E3%81%82", "%e3%81%82", "%C3%A9", "%F0%9F%98%80", "%00", "%0D%0A"]),
    st.text(max_size=6),
    st.text(max_size=6).map(lambda s: quote(s, safe="")),
)


def reference(text: str, max_fields: int) -> object:
    try:
        return parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=max_fields,
        )
    except UnicodeDecodeError:
        return "UnicodeDecodeError"
    except ValueError:
        return "ValueError"


def ours(text: str, max_fields: int) -> object:
    try:
        return parse_urlencoded_text(text, max_fields)
    except UnicodeDecodeError:
        return "UnicodeDecodeError"
    except ValueError:
        return "ValueError"


@settings(max_examples=1500, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join), st.integers(min_value=1, max_value=8))
@example("name=%E3%81%8A%E5%90%8D%E5%89%8D&email=a%40example.jp&message=a%26b%3Dc+d", 100)
@example("a=%E3%81b", 10)
@example("%%41=%", 10)
@example("&&a&=b&", 10)
def test_it_reads_what_parse_qsl_reads(text: str, max_fields: int):
    assert ours(text, max_fields) == reference(text, max_fields)


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("a=1&b=%26&c=x+y", [("a", "1"), ("b", "&"), ("c", "x y")]),
        ("name=%E5%A4%AA%E9%83%8E", [("name", "太郎")]),
        ("flag&x=", [("flag", ""), ("x", "")]),
        ("bad=%zz%4", [("bad", "%zz%4")]),
    ],
)
def test_known_bodies(text: str, pairs: list[tuple[str, str]]):
    assert parse_urlencoded_text(text, 100) == pairs


def test_escapes_that_are_not_utf8_are_refused():
    with pytest.raises(UnicodeDecodeError):
        parse_urlencoded_text("a=%E3%81", 10)
