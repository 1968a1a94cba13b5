"""The hand-built message (``compose._alternative_bytes``) equals the ``email`` package's.

Issue 15 moved composition of messages without attachments off the ``email`` package's
``EmailMessage`` (1.7 ms a message) to text built directly. The condition: the output does not
change. Each case here composes a submission with ``compose`` and builds the same message with
the package (``compose.email_message``, the code every message went through before, and
still the path of messages with attachments), gives it the same boundary, and compares the
bytes. Fixed cases cover each body encoding the package can choose (7bit, 8bit, base64, short
and long quoted-printable) and each header shape (folded display names and subjects, long
recipient lists, long form ids, a missing Reply-To); Hypothesis draws hostile text for the rest,
with the property suite's own pieces.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.property import strategies as gen
from tests.unit.helpers import REQUEST_META, WHEN, valid_submission
from tests.unit.helpers import settings as make_settings
from toiawase.core import compose as compose_module
from toiawase.core.compose import SubmissionMeta, compose, html_body, text_body
from toiawase.core.config import Limits, Settings
from toiawase.core.errors import InputError
from toiawase.core.submission import Submission, validate_submission

META = REQUEST_META
BOUNDARY = re.compile(rb'boundary="(=_[0-9a-f]{32})"')


def reference(submission: Submission, meta: SubmissionMeta, config: Settings, raw: bytes) -> bytes:
    """What the ``email`` package writes for this submission, with ``raw``'s boundary."""
    found = BOUNDARY.search(raw)
    assert found is not None
    text = text_body(submission, meta, config)
    html_text = html_body(submission, meta, config)
    message, _ = compose_module.email_message(submission, meta, config, text, html_text)
    message.set_boundary(found.group(1).decode("ascii"))
    return message.as_bytes()


def same_bytes(
    pairs: list[tuple[str, str]], meta: SubmissionMeta = META, config: Settings | None = None
) -> bytes:
    config = config or make_settings()
    submission = valid_submission(pairs)
    raw = compose(submission, meta, config).raw
    assert raw == reference(submission, meta, config, raw)
    return raw


JAPANESE_LONG = "はじめまして。株式会社サンプルの山田と申します。貴社のウェブサイトを拝見しました。"
CASES = {
    "japanese, short lines (8bit)": [
        ("name", "山田 太郎"),
        ("email", "taro@example.jp"),
        ("message", 'お問い合わせです。\n<b>太字</b> & "quotes"'),
        ("_subject", "お見積もり"),
    ],
    "ascii, short lines (7bit text)": [("email", "a@example.com"), ("message", "hello")],
    "japanese, long lines (base64)": [
        ("name", "山田 太郎"),
        ("email", "taro@example.jp"),
        ("message", "\n".join([JAPANESE_LONG] * 12)),
    ],
    "ascii, long lines, few (quoted-printable, first ten lines)": [
        ("email", "a@example.com"),
        ("message", "word " * 40),
    ],
    "ascii, long lines, many (quoted-printable, whole body)": [
        ("email", "a@example.com"),
        ("message", "\n".join(["x" * 90 + " = end"] * 15)),
    ],
    "a line of exactly 78 octets": [("email", "a@example.com"), ("message", "y" * 76)],
    "crlf and cr in a value": [("email", "a@example.com"), ("message", "one\r\ntwo\rthree\n")],
    "no reply-to (a non-ascii local part)": [
        ("email", "山田@example.jp"),
        ("message", "no address in a header"),
    ],
    "no reply-to (looks like an encoded word)": [("email", "a=?b?=@example.com"), ("message", "m")],
    "long display name and subject, folded": [
        ("name", 'a very long display name: with, punctuation; and "quotes" ' * 3),
        ("email", "someone@example.org"),
        ("message", "m"),
        ("_subject", "件名 " * 30 + "plain words =?utf-8?q?x?= too"),
    ],
    "emoji and combining marks": [
        ("name", "Zoë 👩‍💻"),
        ("email", "zoe@example.org"),
        ("message", "e\u0301 👍🏽\u200d\u2028"),
    ],
    "empty values and repeated fields": [
        ("email", "a@example.com"),
        ("message", "x"),
        ("topic", ""),
        ("topic", "b"),
    ],
}


@pytest.mark.parametrize("pairs", CASES.values(), ids=list(CASES))
def test_the_bytes_are_the_email_packages(pairs):
    same_bytes(pairs)


@pytest.mark.parametrize(
    "env",
    [
        {"RECIPIENT_ADDRESSES": ",".join(f"inbox{n}@team-{n}.example.com" for n in range(9))},
        {"RECIPIENT_ADDRESSES": "a" * 60 + "@" + "b" * 40 + ".example.com"},
        {"SITE_NAME": "株式会社サンプル お問い合わせ窓口 " * 3},
        {"SENDER_ADDRESS": "forms+contact@mail.example.co.jp"},
    ],
    ids=["many recipients", "one long recipient", "japanese site name", "sender with plus"],
)
def test_configured_headers_are_the_email_packages(env):
    same_bytes(CASES["japanese, short lines (8bit)"], config=make_settings(**env))


def test_a_long_form_id_and_other_dates():
    pairs = CASES["ascii, short lines (7bit text)"]
    submission = replace(valid_submission(pairs), form_id="f" * 64)
    config = make_settings()
    for when in (
        WHEN,
        datetime(2027, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        WHEN.astimezone(timezone(timedelta(hours=9))),
    ):
        meta = replace(META, received_at=when)
        raw = compose(submission, meta, config).raw
        assert raw == reference(submission, meta, config, raw)


@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=400,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    name=gen.hostile_text(),
    message=st.one_of(gen.hostile_text(6), st.text(min_size=1, max_size=3000)),
    subject=gen.hostile_text(),
    email=st.sampled_from(gen.VALID_EMAILS),
    other=st.text(max_size=200),
)
def test_generated_submissions_give_the_email_packages_bytes(name, message, subject, email, other):
    pairs = [("name", name), ("email", email), ("message", message), ("_subject", subject)]
    pairs.append(("notes", other))
    try:
        validate_submission(pairs, Limits())
    except InputError:
        return  # refused before composition: nothing to compare
    same_bytes(pairs)


# The shortcut in _body (base64 chosen without running the quoted-printable encoder) relies on
# _qp_length_at_least never exceeding what quoprimime.body_encode writes.
LINE_BYTES = st.binary(max_size=200) | st.lists(
    st.sampled_from([b"a", b" ", b"\t", b"=", b"\x85", b"\x0b", b"\x1c", b"\xe3\x81\x82", b"\x00"]),
    max_size=120,
).map(b"".join)


@settings(max_examples=600, deadline=None)
@given(st.lists(LINE_BYTES.map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")), max_size=10))
def test_the_quoted_printable_bound_is_a_lower_bound(lines: list[bytes]):
    from email import quoprimime

    sniff = b"\r\n".join(lines) + b"\r\n"
    written = quoprimime.body_encode(sniff.decode("latin-1"), 78)
    assert compose_module._qp_length_at_least(lines) <= len(written)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(max_size=120) | st.sampled_from(["日本語のお問い合わせです。" * 9, "ascii " * 30]),
        max_size=14,
    ).map("\n".join)
)
def test_the_shortcut_picks_what_the_encoder_would(text: str):
    """``_body`` with the shortcut gives what it gives when the encoder always runs."""
    shortcut = compose_module._body(text)
    original = compose_module._qp_length_at_least
    compose_module._qp_length_at_least = lambda lines: 0
    try:
        assert compose_module._body(text) == shortcut
    finally:
        compose_module._qp_length_at_least = original
