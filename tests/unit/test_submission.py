"""The contract's fields: validated, limited, reported per field."""

from __future__ import annotations

import pytest

from toiawase.core.config import Limits
from toiawase.core.errors import InputError
from toiawase.core.submission import validate_submission

LIMITS = Limits()


def ok(pairs):
    return validate_submission(pairs, LIMITS)


def errors(pairs) -> dict[str, str]:
    with pytest.raises(InputError) as info:
        validate_submission(pairs, LIMITS)
    assert info.value.status == 422 and info.value.code == "invalid_fields"
    return info.value.fields


def test_minimal_valid_submission():
    sub = ok([("email", "taro@example.jp"), ("message", "こんにちは")])
    assert sub.email.header == "taro@example.jp"
    assert sub.message == "こんにちは" and sub.name is None


def test_every_problem_is_reported_per_field():
    found = errors([("email", "nope"), ("message", "  ")])
    assert set(found) == {"email", "message"}
    assert "@" in found["email"]


def test_missing_email_and_message_are_required():
    assert set(errors([("name", "x")])) == {"email", "message"}


def test_replyto_is_an_alias_for_email():
    sub = ok([("_replyto", "a@example.org"), ("message", "hi")])
    assert sub.email.header == "a@example.org"
    assert all(name != "_replyto" for name, _ in sub.fields)


def test_internationalized_domain_is_accepted_and_punycoded_for_the_header():
    sub = ok([("email", "info@例え.jp"), ("message", "hi")])
    assert sub.email.normalized == "info@例え.jp"
    assert sub.email.header == "info@xn--r8jz45g.jp"


def test_non_ascii_local_part_is_accepted_but_has_no_header_form():
    sub = ok([("email", "山田@example.jp"), ("message", "hi")])
    assert sub.email.normalized == "山田@example.jp"
    assert sub.email.header is None


def test_email_with_header_injection_is_invalid():
    assert "email" in errors([("email", "a@example.com\r\nBcc: v@example.net"), ("message", "x")])


def test_two_different_emails_are_refused():
    assert "email" in errors(
        [("email", "a@example.com"), ("email", "b@example.com"), ("message", "x")]
    )


def test_length_limits_per_field():
    found = errors(
        [
            ("email", "a@example.com"),
            ("message", "x" * (LIMITS.max_message_chars + 1)),
            ("name", "n" * (LIMITS.max_name_chars + 1)),
            ("company", "c" * (LIMITS.max_value_chars + 1)),
        ]
    )
    assert set(found) == {"message", "name", "company"}


def test_total_size_limit():
    limits = Limits(max_total_chars=100)
    with pytest.raises(InputError):
        validate_submission(
            [("email", "a@example.com"), ("message", "m" * 60), ("other", "o" * 60)], limits
        )


def test_fields_keep_submission_order_and_skip_control_fields():
    sub = ok(
        [
            ("company", "ACME"),
            ("_subject", "Quote"),
            ("email", "a@example.com"),
            ("topic", "a"),
            ("message", "hello"),
            ("topic", "b"),
            ("_next", "/thanks"),
            ("_gotcha", ""),
        ]
    )
    assert sub.fields == (
        ("company", ("ACME",)),
        ("email", ("a@example.com",)),
        ("topic", ("a", "b")),
        ("message", ("hello",)),
    )
    assert sub.subject == "Quote" and sub.next_url == "/thanks"
    assert not sub.honeypot_filled


def test_honeypot_filled_is_flagged():
    sub = ok([("email", "a@example.com"), ("message", "hi"), ("_gotcha", "http://spam")])
    assert sub.honeypot_filled


def test_body_text_is_normalised_and_controls_removed():
    sub = ok([("email", "a@example.com"), ("message", "a\r\nb\rc\u2028d\x00e\x1bf")])
    assert sub.message == "a\nb\nc\nde" + "f"
