"""The doctor's option parsing: domains, senders, nameservers, regions (usage errors → exit 2)."""

from __future__ import annotations

import pytest

from toiawase.doctor.command import (
    UsageError,
    normalize_domain,
    normalize_mail_from,
    normalize_sender,
    parse_nameserver,
    resolve_region,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("example.com", "example.com"),
        ("Example.COM.", "example.com"),
        ("  shop.example.com ", "shop.example.com"),
        ("例え.jp", "xn--r8jz45g.jp"),
    ],
)
def test_domains_are_normalised(text: str, expected: str):
    assert normalize_domain(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("forms@example.com", "is an address"),
        ("https://example.com", "not a domain name"),
        ("example", "no dot"),
        ("a..example.com", "not a domain name"),
        ("", "not a domain name"),
        ("x" * 64 + ".com", "not a domain name"),
    ],
)
def test_bad_domains_are_usage_errors(text: str, message: str):
    with pytest.raises(UsageError, match=message):
        normalize_domain(text)


def test_the_sender_must_be_on_the_domain():
    assert normalize_sender("Forms@Example.com", "example.com") == "Forms@example.com"
    assert normalize_sender("forms@shop.example.com", "example.com") == "forms@shop.example.com"
    with pytest.raises(UsageError, match=r"is not on example\.com"):
        normalize_sender("forms@example.org", "example.com")
    with pytest.raises(UsageError, match=r"forms@notexample\.com is not on example\.com"):
        normalize_sender("forms@notexample.com", "example.com")
    with pytest.raises(UsageError, match="--sender"):
        normalize_sender("no at sign", "example.com")


def test_the_mail_from_must_be_a_subdomain():
    assert normalize_mail_from("bounce.example.com", "example.com") == "bounce.example.com"
    with pytest.raises(UsageError, match=r"subdomain of example\.com"):
        normalize_mail_from("example.com", "example.com")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("::1", ("::1", 53)),
        ("[::1]:5353", ("::1", 5353)),
        ("[2001:db8::53]", ("2001:db8::53", 53)),
        ("localhost:5353", ("127.0.0.1", 5353)),
    ],
)
def test_nameservers(text: str, expected: tuple[str, int]):
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize(
    "text", ["127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:dns", "[::1]5353", ":53"]
)
def test_bad_nameservers_are_usage_errors(text: str):
    with pytest.raises(UsageError, match="--nameserver"):
        parse_nameserver(text)


def test_region_order(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert resolve_region("ap-northeast-1") == "ap-northeast-1"
    assert resolve_region(None) == "eu-west-1"  # boto3 itself ignores AWS_REGION; we do not
    monkeypatch.delenv("AWS_REGION")
    assert resolve_region(None) == "us-east-1"


def test_a_missing_profile_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(UsageError, match="no-such-profile"):
        resolve_region(None)
