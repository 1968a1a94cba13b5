"""The pure parts of the abuse defences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.helpers import ENV, settings
from toiawase.core.config import load_settings
from toiawase.core.errors import ConfigError, InputError
from toiawase.core.screening import check_content, client_key, rate_buckets
from toiawase.core.submission import validate_submission

NOW = datetime(2026, 11, 28, 9, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("", "unknown"),
        ("not an ip", "unknown"),
    ],
)
def test_client_key(ip, key):
    assert client_key(ip) == key


def test_buckets_per_client_and_form_per_minute_and_day():
    buckets = rate_buckets("203.0.113.9", settings().defences, NOW)
    epoch = int(NOW.timestamp())
    assert [(b.limit, b.resets_at - epoch) for b in buckets] == [
        (5, 45),
        (50, 86_400 - (epoch % 86_400)),
        (60, 45),
        (1000, 86_400 - (epoch % 86_400)),
    ]
    assert len({b.key for b in buckets}) == 4
    off = settings(RATE_LIMITS="client_minute=0,client_day=0,form_minute=0,form_day=7").defences
    assert [b.limit for b in rate_buckets("203.0.113.9", off, NOW)] == [7]


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"RATE_LIMITS": "client_minute=x"}, "RATE_LIMITS"),
        ({"RATE_LIMITS": "per_hour=3"}, "RATE_LIMITS"),
        ({"MAX_LINKS": "-1"}, "MAX_LINKS"),
        ({"CAPTCHA_PROVIDER": "recaptcha-v4"}, "CAPTCHA_PROVIDER"),
        ({"CAPTCHA_MIN_SCORE": "high"}, "CAPTCHA_MIN_SCORE"),
        ({"MISSING_ORIGIN": "maybe"}, "MISSING_ORIGIN"),
        ({"CAPTCHA_ON_OUTAGE": "shrug"}, "CAPTCHA_ON_OUTAGE"),
    ],
)
def test_bad_defence_settings_are_reported(env, problem):
    with pytest.raises(ConfigError, match=problem):
        load_settings({**ENV, **env})


def test_defaults_are_on_and_conservative():
    defences = load_settings(ENV).defences
    assert defences.missing_origin == "reject" and defences.max_links == 5
    assert defences.rate_limits.client_minute == 5 and defences.captcha_provider is None
    assert defences.captcha_on_outage == "reject"


def content(fields, **env):
    defences = settings(**env).defences
    submission = validate_submission(fields, settings().limits)
    check_content(submission, defences)


def test_links_are_counted_across_fields_and_subject():
    fields = [
        ("email", "a@example.com"),
        ("message", "http://a.example"),
        ("site", "www.b.example"),
        ("_subject", "https://c.example"),
    ]
    content(fields, MAX_LINKS="3")
    with pytest.raises(InputError) as info:
        content(fields, MAX_LINKS="2")
    assert info.value.status == 422 and "3 links" in info.value.message


def test_blocked_phrases_are_case_insensitive_and_unicode_aware():
    fields = [("email", "a@example.com"), ("message", "ＳＥＯ対策 Guaranteed RANKING")]
    with pytest.raises(InputError):
        content(fields, BLOCKED_PHRASES="guaranteed ranking")
    content(fields, BLOCKED_PHRASES="casino")
