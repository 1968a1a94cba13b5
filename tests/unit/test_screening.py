"""The pure parts of the abuse defences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.helpers import ENV, settings
from toiawase.core.config import load_settings
from toiawase.core.errors import ConfigError, InputError
from toiawase.core.screening import check_content, client_buckets, client_key, form_buckets
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


def rate_buckets(ip, defences, now, form_id="default"):
    return client_buckets(ip, defences, now, form_id) + form_buckets(defences, now, form_id)


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


def test_buckets_are_per_form_and_client_buckets_name_no_other_client():
    defences = settings().defences
    contact = {b.key for b in rate_buckets("203.0.113.9", defences, NOW, "contact")}
    quote = {b.key for b in rate_buckets("203.0.113.9", defences, NOW, "quote")}
    assert not contact & quote
    other = {b.key for b in client_buckets("198.51.100.7", defences, NOW, "contact")}
    assert not other & contact
    # The form's counters are the same for every client: that is what makes them shared.
    assert {b.key for b in form_buckets(defences, NOW, "contact")} < contact


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


@pytest.mark.parametrize(
    "message",
    [
        "Cheap \uff56\uff49\uff41\uff47\uff52\uff41 here",  # full-width letters
        "Cheap v\u200biagra here",  # a zero-width space
        "Cheap vi\u00adagra here",  # a soft hyphen
        "Cheap VIAGRA here",
        "Cheap v\u2060i\ufe0fagra here",  # word joiner, variation selector
    ],
)
def test_blocked_phrases_see_through_width_case_and_invisible_characters(message):
    fields = [("email", "a@example.com"), ("message", message)]
    with pytest.raises(InputError) as info:
        content(fields, BLOCKED_PHRASES="viagra")
    assert info.value.code == "content_rejected"


def test_field_names_are_checked_like_values():
    """Red-team finding 4: a field *name* is written into the email, so the rules see it."""
    name = "BUY VIAGRA NOW at https://spam.example/x"
    fields = [("email", "a@example.com"), ("message", "hello"), (name, "1")]
    with pytest.raises(InputError):
        content(fields, BLOCKED_PHRASES="buy viagra")
    with pytest.raises(InputError) as info:
        content(fields, MAX_LINKS="0")
    assert "1 links" in info.value.message
    content([("email", "a@example.com"), ("message", "hello"), ("colour", "1")], MAX_LINKS="0")


def test_full_width_links_are_counted():
    fields = [
        ("email", "a@example.com"),
        ("message", "\uff48\uff54\uff54\uff50\uff53\uff1a\uff0f\uff0fspam.example"),
    ]
    with pytest.raises(InputError):
        content(fields, MAX_LINKS="0")


def test_blocked_phrases_from_the_configuration_are_folded_too():
    defences = settings(BLOCKED_PHRASES="\uff36\uff49\uff41\uff47\uff52\uff41").defences
    assert defences.blocked_phrases == ("viagra",)
