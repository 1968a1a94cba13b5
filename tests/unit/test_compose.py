"""Composing the message: From is the owner's, the submitter is only in Reply-To."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.generator import Generator
from email.header import decode_header, make_header

import pytest

from tests.mail_oracle import COMPOSED_HEADERS, header_fields, read_message
from tests.unit.helpers import REQUEST_META, settings, valid_submission
from toiawase.core import compose as compose_module
from toiawase.core.compose import (
    CompositionError,
    compose,
    from_display_name,
    header_names,
    subject_line,
)

META = REQUEST_META
EXPECTED_HEADERS = set(COMPOSED_HEADERS)


def build(pairs, **env):
    sub = valid_submission(pairs)
    email = compose(sub, META, settings(**env))
    parsed = message_from_bytes(email.raw, policy=policy.default)
    return email, parsed


def decoded(raw_header: str) -> str:
    return str(make_header(decode_header(raw_header)))


JAPANESE = [
    ("name", "山田 太郎"),
    ("email", "taro@example.jp"),
    ("message", 'お問い合わせです。\n<b>太字</b> & "quotes"'),
    ("company", "株式会社サンプル"),
    ("_subject", "お見積もり"),
]


def test_from_is_the_sender_with_an_encoded_display_name():
    email, parsed = build(JAPANESE)
    head = email.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    raw_from = next(line for line in head.split("\r\n") if line.startswith("From: "))
    assert "=?utf-8?" in raw_from  # RFC 2047 encoded word, not raw UTF-8
    assert raw_from.endswith("<forms@example.com>")
    assert parsed["From"].addresses[0].addr_spec == "forms@example.com"
    assert parsed["From"].addresses[0].display_name == "山田 太郎 via Example Co"
    assert email.from_address == "forms@example.com"


def test_submitter_is_only_in_reply_to():
    email, parsed = build(JAPANESE)
    assert [a.addr_spec for a in parsed["Reply-To"].addresses] == ["taro@example.jp"]
    assert [a.addr_spec for a in parsed["To"].addresses] == [
        "owner@example.com",
        "team@example.com",
    ]
    for name in ("From", "To", "Sender", "Return-Path", "Cc", "Bcc"):
        assert "taro@example.jp" not in str(parsed.get(name, ""))
    assert email.to_addresses == ("owner@example.com", "team@example.com")
    assert email.feedback_address == "bounces@example.com"


def test_subject_is_fixed_with_site_name_and_sanitized_suffix():
    _, parsed = build(JAPANESE)
    assert parsed["Subject"] == "New message from the Example Co form: お見積もり"


def test_both_bodies_utf8_in_submission_order_and_html_escaped():
    _, parsed = build(JAPANESE)
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert parsed.get_body(("plain",)).get_content_charset() == "utf-8"
    order = [text.index(label) for label in ("name:", "email:", "message:", "company:")]
    assert order == sorted(order)
    assert '<b>太字</b> & "quotes"' in text  # plain text is not HTML-escaped
    assert "&lt;b&gt;太字&lt;/b&gt; &amp; &quot;quotes&quot;" in html
    assert "<b>" not in html
    for value in (META.submission_id, "203.0.113.9", "https://www.example.com/contact/"):
        assert value in text and value in html
    assert "_subject" not in text and "_subject" not in html


def test_exact_header_set():
    email, _ = build(JAPANESE)
    assert set(header_names(email.raw)) == EXPECTED_HEADERS
    assert len(header_names(email.raw)) == len(EXPECTED_HEADERS)


def test_no_name_uses_site_name():
    _, parsed = build([("email", "a@example.com"), ("message", "hi")])
    assert parsed["From"].addresses[0].display_name == "Example Co contact form"


def test_non_ascii_local_part_goes_in_the_body_not_a_header():
    email, parsed = build([("email", "山田@example.jp"), ("message", "hi")])
    assert "Reply-To" not in parsed
    assert "山田@example.jp" in parsed.get_body(("plain",)).get_content()
    assert set(header_names(email.raw)) == EXPECTED_HEADERS - {"Reply-To"}


def test_idn_reply_to_is_punycode():
    _, parsed = build([("email", "info@例え.jp"), ("message", "hi")])
    assert str(parsed["Reply-To"]) == "info@xn--r8jz45g.jp"


HOSTILE_NAMES = [
    "Mallory\r\nBcc: victim@example.net",
    "Mallory\nTo: victim@example.net",
    "Mallory\u2028Cc: victim@example.net",
    "=?utf-8?q?Mallory=0D=0ABcc:_victim@example.net?=",
    "=?utf-8?b?TWFsbG9yeQ0KQmNjOiB2aWN0aW1AZXhhbXBsZS5uZXQ=?=",
    '"Boss" <ceo@example.com>, victim@example.net',
    "victim@example.net",
    "\u202eMallory",
    "a" * 140,
    "\x00\x01\x1b[31m",
    "Mallory\r\n\r\n<html>body injection</html>",
]


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_hostile_name_and_subject_never_become_headers_or_recipients(hostile: str):
    email, parsed = build(
        [("name", hostile), ("email", "m@example.org"), ("message", "x"), ("_subject", hostile)]
    )
    assert set(header_names(email.raw)) == EXPECTED_HEADERS
    assert [a.addr_spec for a in parsed["From"].addresses] == ["forms@example.com"]
    assert [a.addr_spec for a in parsed["To"].addresses] == [
        "owner@example.com",
        "team@example.com",
    ]
    assert [a.addr_spec for a in parsed["Reply-To"].addresses] == ["m@example.org"]
    assert "victim@example.net" not in " ".join(
        a.addr_spec for h in ("From", "To", "Reply-To") for a in parsed[h].addresses
    )
    head = email.raw.split(b"\r\n\r\n", 1)[0]
    assert all(32 <= b < 127 or b in (9, 10, 13) for b in head)
    display = parsed["From"].addresses[0].display_name
    assert "\n" not in display and "\r" not in display and "=?" not in display
    assert "\n" not in parsed["Subject"] and "=?" not in str(parsed["Subject"])


def test_boundary_is_ours_so_the_generator_compiles_no_regex_per_message(monkeypatch):
    def refuse(cls, text=None):
        raise AssertionError("the generator had to invent (and regex-check) a boundary")

    monkeypatch.setattr(Generator, "_make_boundary", classmethod(refuse))
    first, parsed = build(JAPANESE)
    boundary = parsed.get_boundary()
    assert re.fullmatch(r"=_[0-9a-f]{32}", boundary)
    assert first.raw.count(b"--" + boundary.encode()) == 3
    second, _ = build(JAPANESE)
    assert boundary.encode() not in second.raw


def test_a_boundary_inside_a_part_is_never_sent(monkeypatch):
    monkeypatch.setattr(compose_module, "new_boundary", lambda: "=_guessed")
    with pytest.raises(CompositionError):
        build([("email", "m@example.org"), ("message", "plain ascii\n--=_guessed\nmore")])


# Long enough that the From line must be folded, ASCII only, and full of RFC 5322 specials:
# Python 3.11.7's folder drops the quotes of such a display name (CPython gh-80222), and
# "ab: cd;" then reads as a group, "evil@…, x" as a second mailbox.
FOLDED_SPECIALS = [
    "ab: cd; " * 8,
    'a"b ' * 15,
    "\\" * 64,
    "evil@attacker.example, " + "x" * 40,
    "x" * 30 + " <evil@attacker.example> " + "y" * 10,
    "(comment " * 7,
    "J. R. R. Tolkien, Esq.; Oxford: " + "z" * 30,
]


def _raw_header(raw: bytes, name: str) -> str:
    return f"{name}: " + dict(header_fields(raw))[name]


@pytest.mark.parametrize("name", FOLDED_SPECIALS)
def test_long_display_name_with_specials_stays_one_mailbox(name: str):
    pairs = [("name", name), ("email", "m@example.org"), ("message", "x"), ("_subject", name)]
    email, _ = build(pairs)
    sub = valid_submission(pairs)
    # Read with a strict RFC 5322/2047 reader: Python 3.11.7's own parser keeps the white
    # space between adjacent encoded words, which RFC 2047 §6.2 drops.
    read = read_message(
        email.raw,
        sender="forms@example.com",
        recipients=("owner@example.com", "team@example.com"),
        reply_to="m@example.org",
    )
    assert read.display_name == from_display_name(sub, settings())
    assert read.subject == subject_line(sub, settings())
    assert _raw_header(email.raw, "From").count("@") == 1  # only the sender's address


def test_display_name_in_atoms_is_left_readable():
    email, _ = build([("name", "Jane O'Brien-Smith"), ("email", "m@example.org"), ("message", "x")])
    assert _raw_header(email.raw, "From") == (
        "From: Jane O'Brien-Smith via Example Co <forms@example.com>"
    )


def test_header_lines_stay_within_78_characters():
    email, _ = build(
        [
            ("name", "山田" * 40),
            ("email", "m@example.org"),
            ("message", "x"),
            ("_subject", "ü " * 20 + "x" * 70),
        ]
    )
    head = email.raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78


@pytest.mark.parametrize(
    "address",
    [
        "=?utf-8?q?a?=@example.org",
        "=?utf-8?b?dmljdGltQGV2aWwuZXhhbXBsZQ==?=@example.org",
        "a=?x?=@example.org",
    ],
)
def test_address_that_looks_like_an_encoded_word_is_kept_out_of_reply_to(address: str):
    # email-validator accepts these (every character is atext), but a reader may decode an
    # encoded word even inside an address, and Python's own Address() raised on it (a 500).
    email, parsed = build([("email", address), ("message", "hi")])
    assert set(header_names(email.raw)) == EXPECTED_HEADERS - {"Reply-To"}
    assert b"=?utf-8?q?a?=" not in email.raw.split(b"\r\n\r\n", 1)[0]
    text = parsed.get_body(("plain",)).get_content()
    assert address in text and "Reply-To" in text


def test_reply_to_is_written_exactly_as_validated():
    address = "a.b-c+d=e?f{g}h|i~j'k*l/m^n`o_p#q$r%s&t!u@example.org"
    email, _ = build([("email", address), ("message", "hi")])
    assert _raw_header(email.raw, "Reply-To") == f"Reply-To: {address}"
