"""validate_form: each field type's rules, with the hostile values of issue 11."""

from __future__ import annotations

import pytest

from tests.unit.helpers import settings
from toiawase.core.config import Limits
from toiawase.core.errors import InputError
from toiawase.core.forms.fields import FieldValue, ValidatedForm, validate_form
from toiawase.core.forms.load import forms_from_document
from toiawase.core.forms.model import Form

QUOTE = {
    "email": {"type": "email", "required": True, "reply_to": True},
    "product": {"type": "select", "options": ["basic", "pro", "enterprise"], "required": True},
    "seats": {"type": "number", "min": 1, "max": 10000, "integer": True},
    "deadline": {"type": "date"},
    "phone": {"type": "tel"},
    "website": {"type": "url"},
    "consent": {"type": "checkbox", "required": True},
    "topics": {"type": "checkboxes", "options": ["billing", "support", "sales"]},
    "plan": {"type": "radio", "options": ["monthly", "yearly"]},
    "ref": {"type": "hidden"},
    "code": {"type": "text", "pattern": "[A-Z]{3}-[0-9]{4}", "label": "コード"},
    "note": {"type": "textarea", "min_length": 3},
    "cv": {"type": "file"},
}
GOOD = [
    ("email", "taro@example.jp"),
    ("product", "pro"),
    ("consent", "on"),
]


def form(fields=None, **keys) -> Form:
    config = forms_from_document(
        {"forms": {"quote": {"fields": fields or QUOTE, **keys}}}, settings()
    )
    result = config.get("quote")
    assert result is not None
    return result


def ok(pairs, the_form=None) -> ValidatedForm:
    return validate_form(the_form or form(), pairs, Limits())


def field(result: ValidatedForm, name: str) -> FieldValue:
    found = result.value(name)
    assert found is not None, name
    return found


def values(result: ValidatedForm, name: str) -> tuple[str, ...]:
    return field(result, name).values


def errors(pairs, the_form=None) -> dict[str, str]:
    with pytest.raises(InputError) as info:
        validate_form(the_form or form(), pairs, Limits())
    assert info.value.status == 422 and info.value.code == "invalid_fields"
    return info.value.fields


def test_a_good_submission_lists_declared_fields_in_declared_order():
    result = ok([("consent", "on"), ("product", "pro"), ("email", "taro@example.jp")])
    assert [f.name for f in result.fields] == list(QUOTE)
    assert values(result, "consent") == ("yes",)
    assert values(result, "product") == ("pro",)
    assert values(result, "seats") == ()
    assert field(result, "code").label == "コード"
    assert result.reply_to is not None and result.reply_to.header == "taro@example.jp"
    assert result.form_id == "quote" and not result.honeypot_filled


def test_required_fields_each_named():
    assert errors([]) == {
        "email": "is required",
        "product": "is required",
        "consent": "must be ticked",
    }


def test_undeclared_fields_are_rejected_by_default_and_kept_on_request():
    assert errors([*GOOD, ("colour", "red")]) == {"colour": "is not a field of this form"}
    kept = ok([*GOOD, ("colour", "red"), ("colour", "blue")], form(undeclared_fields="keep"))
    assert kept.fields[-1].name == "colour" and kept.fields[-1].values == ("red", "blue")
    assert kept.fields[-1].type == "undeclared"


def test_controls_honeypot_and_captcha_tokens_are_not_undeclared():
    result = ok(
        [
            *GOOD,
            ("_gotcha", "x"),
            ("_subject", "Hi"),
            ("_next", "/thanks"),
            ("cf-turnstile-response", "tok"),
        ]
    )
    assert result.honeypot_filled and result.subject == "Hi" and result.next_url == "/thanks"
    assert not ok([*GOOD, ("website_url", "")], form(honeypot="website_url")).honeypot_filled
    assert ok([*GOOD, ("website_url", "x")], form(honeypot="website_url")).honeypot_filled


def test_replyto_alias():
    result = ok([("_replyto", "hanako@example.jp"), ("product", "pro"), ("consent", "1")])
    assert result.reply_to is not None and result.reply_to.normalized == "hanako@example.jp"


@pytest.mark.parametrize("value", ["free", "PRO", "basic,pro", ""])
def test_select_only_its_options(value):
    got = errors([("email", "a@example.com"), ("product", value), ("consent", "on")])
    assert "product" in got


@pytest.mark.parametrize("value", ["yearly", "monthly"])
def test_radio_options(value):
    assert values(ok([*GOOD, ("plan", value)]), "plan") == (value,)
    assert errors([*GOOD, ("plan", "weekly")]) == {"plan": "is not one of the choices"}


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1", "1"), ("10000", "10000"), ("42", "42"), ("\uff11\uff12", "12"), ("1e2", "1e2")],
)
def test_numbers(value, shown):
    assert values(ok([*GOOD, ("seats", value)]), "seats") == (shown,)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e309", "must be a number, like 42 or 3.5"),
        ("NaN", "must be a number, like 42 or 3.5"),
        ("nan", "must be a number, like 42 or 3.5"),
        ("inf", "must be a number, like 42 or 3.5"),
        ("-Infinity", "must be a number, like 42 or 3.5"),
        ("0x10", "must be a number, like 42 or 3.5"),
        ("1e999999999", "must be a number, like 42 or 3.5"),
        ("1" * 100, "must be a number, like 42 or 3.5"),
        ("1_000", "must be a number, like 42 or 3.5"),
        ("12 seats", "must be a number, like 42 or 3.5"),
        ("2.5", "must be a whole number"),
        ("0", "must be at least 1"),
        ("-3", "must be at least 1"),
        ("10001", "must be at most 10000"),
        ("9e99", "must be at most 10000"),
    ],
)
def test_hostile_numbers(value, message):
    assert errors([*GOOD, ("seats", value)]) == {"seats": message}


def test_number_fractions_when_not_integer():
    the_form = form({"price": {"type": "number", "min": 0.5, "max": 2.5}})
    assert values(ok([("price", "2.5")], the_form), "price") == ("2.5",)
    assert errors([("price", "2.51")], the_form) == {"price": "must be at most 2.5"}


@pytest.mark.parametrize(
    "value", ["2026-02-28", "2028-02-29", "\uff12\uff10\uff12\uff16-\uff10\uff14-\uff10\uff11"]
)
def test_dates(value):
    assert len(values(ok([*GOOD, ("deadline", value)]), "deadline")[0]) == 10


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "is not a real date"),
        ("2027-02-29", "is not a real date"),
        ("2026-13-01", "is not a real date"),
        ("2026-4-1", "must be a date written YYYY-MM-DD, like 2026-04-01"),
        ("01/04/2026", "must be a date written YYYY-MM-DD, like 2026-04-01"),
        ("2026-04-01T10:00", "must be a date written YYYY-MM-DD, like 2026-04-01"),
        ("20260401", "must be a date written YYYY-MM-DD, like 2026-04-01"),
    ],
)
def test_hostile_dates(value, message):
    assert errors([*GOOD, ("deadline", value)]) == {"deadline": message}


@pytest.mark.parametrize("value", ["https://example.com/a?b=c", "http://例え.jp/"])
def test_urls(value):
    assert values(ok([*GOOD, ("website", value)]), "website") == (value,)


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "ftp://example.com/",
        "example.com",
        "https://",
        "https://a b.com",
        "data:text/html,x",
        "https://example.com:99999/",
    ],
)
def test_hostile_urls(value):
    assert "website" in errors([*GOOD, ("website", value)])


@pytest.mark.parametrize(
    "value",
    [
        "+81 90-1234-5678",
        "(03) 1234 5678",
        "\uff10\uff19\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
        "555-1234 x12",
    ],
)
def test_phones(value):
    assert values(ok([*GOOD, ("phone", value)]), "phone")


@pytest.mark.parametrize("value", ["call me", "+", "1" * 41, "090<script>"])
def test_hostile_phones(value):
    assert "phone" in errors([*GOOD, ("phone", value)])


def test_email_is_checked_and_has_a_length_cap():
    assert "email" in errors([("email", "not-an-address"), ("product", "pro"), ("consent", "on")])
    long = "a" * 250 + "@example.com"
    got = errors([("email", long), ("product", "pro"), ("consent", "on")])
    assert got == {"email": "is longer than 254 characters"}


def test_checkbox_any_non_empty_value_means_ticked():
    for value in ("on", "yes", "true", "1"):
        assert ok([("email", "a@example.com"), ("product", "pro"), ("consent", value)])
    optional = form({"news": {"type": "checkbox"}})
    assert values(ok([], optional), "news") == ()
    assert values(ok([("news", "on")], optional), "news") == ("yes",)


def test_checkboxes_values_in_options_without_duplicates():
    result = ok([*GOOD, ("topics", "sales"), ("topics", "billing")])
    assert values(result, "topics") == ("billing", "sales")  # declared order
    assert errors([*GOOD, ("topics", "billing"), ("topics", "billing")]) == {
        "topics": "has the same choice more than once"
    }
    assert errors([*GOOD, ("topics", "hacking")]) == {
        "topics": "includes a value that is not one of the choices"
    }
    required = form({"topics": {"type": "checkboxes", "options": ["a"], "required": True}})
    assert errors([], required) == {"topics": "needs at least one choice"}


def test_json_arrays_where_a_scalar_is_expected():
    # A JSON body {"product": ["pro", "basic"]} arrives as repeated values.
    got = errors(
        [("email", "a@example.com"), ("product", "pro"), ("product", "basic"), ("consent", "on")]
    )
    assert got == {"product": "was sent more than once with different values; send one value"}
    # The same value twice (a form with the field twice) is harmless.
    twice = ok([*GOOD, ("plan", "yearly"), ("plan", "yearly")])
    assert values(twice, "plan") == ("yearly",)


def test_pattern_is_a_full_match_after_the_length_cap():
    assert values(ok([*GOOD, ("code", "ABC-1234")]), "code") == ("ABC-1234",)
    for value in ("ABC-12345", "xABC-1234", "abc-1234"):
        assert errors([*GOOD, ("code", value)]) == {"code": "is not in the expected format"}
    capped = form({"code": {"type": "text", "pattern": "[a-z]+", "max_length": 10}})
    assert errors([("code", "a" * 11)], capped) == {"code": "is longer than 10 characters"}


def test_min_and_max_length_and_default_caps():
    assert errors([*GOOD, ("note", "hi")]) == {"note": "is shorter than 3 characters"}
    assert errors([*GOOD, ("ref", "x" * 5001)]) == {"ref": "is longer than 5,000 characters"}


def test_text_is_cleaned():
    result = ok([*GOOD, ("note", "line one\r\nline\x00 two\u2028three")])
    assert values(result, "note") == ("line one\nline two\nthree",)


def test_a_file_field_given_as_text_is_refused():
    assert errors([*GOOD, ("cv", "resume.pdf")]) == {
        "cv": "must be sent as a file upload (the form needs enctype=multipart/form-data)"
    }
    assert values(ok([*GOOD, ("cv", "")]), "cv") == ()


def test_name_field_feeds_the_display_name():
    the_form = form({"name": {"type": "text"}, "email": {"type": "email", "reply_to": True}})
    result = ok([("name", " 山田 太郎 "), ("email", "a@example.com")], the_form)
    assert result.name == "山田 太郎"


def test_optional_reply_to_left_blank():
    the_form = form({"email": {"type": "email", "reply_to": True}, "q": {"type": "text"}})
    assert ok([("q", "x")], the_form).reply_to is None


def test_total_size_cap_names_the_longest_field():
    the_form = form(
        {
            "a": {"type": "textarea"},
            "b": {"type": "textarea"},
            "c": {"type": "textarea"},
            "d": {"type": "textarea"},
        }
    )
    pairs = [("a", "x" * 19_000), ("b", "y" * 19_500), ("c", "z" * 19_000), ("d", "w" * 5_000)]
    got = errors(pairs, the_form)
    assert list(got) == ["b"] and "60,000" in got["b"]
