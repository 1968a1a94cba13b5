"""forms_from_document / load_forms_file: layering over the settings, defences, every problem."""

from __future__ import annotations

import json
import os

import pytest

from tests.unit.helpers import settings
from toiawase.core.config import RateLimits
from toiawase.core.errors import ConfigError
from toiawase.core.forms.load import forms_from_document, load_forms_file, parse_size
from toiawase.core.forms.model import NotifyTarget, Receipt

CONTACT = {
    "name": {"type": "text", "label": "お名前", "max_length": 200},
    "email": {"type": "email", "required": True, "reply_to": True},
    "message": {"type": "textarea", "required": True},
}


def doc(**forms):
    return {"forms": forms or {"contact": {"fields": CONTACT}}}


def test_settings_then_defaults_then_form():
    config = forms_from_document(
        {
            "defaults": {"recipients": ["support@example.com"], "subject": "From the site"},
            "forms": {
                "contact": {"fields": CONTACT},
                "quote": {"recipients": ["sales@example.com"], "fields": CONTACT},
            },
            "default_form": "contact",
        },
        settings(),
    )
    contact, quote = config.get("contact"), config.get("quote")
    assert contact and quote
    assert contact.recipients == ("support@example.com",)
    assert quote.recipients == ("sales@example.com",)
    assert quote.subject == "From the site"
    # Untouched keys come from the environment.
    assert contact.allowed_origins == ("https://www.example.com", "https://example.com")
    assert contact.redirect == "https://www.example.com/thanks/"
    assert config.default_form == "contact"
    assert config.ids == ("contact", "quote")


def test_without_recipients_anywhere_the_environment_ones_are_used():
    form = forms_from_document(doc(), settings()).get("contact")
    assert form and form.recipients == ("owner@example.com", "team@example.com")
    assert form.title == "contact"
    assert form.undeclared_fields == "reject"
    assert form.notify == (NotifyTarget(type="email", name="email"),)


def test_the_only_form_is_the_default_and_several_need_default_form():
    assert forms_from_document(doc(), settings()).default_form == "contact"
    two = forms_from_document(doc(a={"fields": CONTACT}, b={"fields": CONTACT}), settings())
    assert two.default_form is None


def test_fields_in_declared_order_with_type_defaults():
    form = forms_from_document(doc(), settings()).get("contact")
    assert form is not None
    assert [f.name for f in form.fields] == ["name", "email", "message"]
    assert [f.max_length for f in form.fields] == [200, 254, 20_000]
    assert form.fields[0].shown_label == "お名前"
    assert form.reply_to_field is form.fields[1]


def test_per_form_defences_override_the_deployment():
    base = settings(CAPTCHA_PROVIDER="turnstile", BLOCKED_PHRASES="casino")
    config = forms_from_document(
        doc(
            a={
                "fields": CONTACT,
                "honeypot": "website_url",
                "captcha": False,
                "rate_limits": {"client_minute": 2, "form_day": 10},
                "max_links": 0,
                "blocked_phrases": ["Crypto"],
            },
            b={"fields": CONTACT, "honeypot": False},
            c={"fields": CONTACT},
        ),
        base,
    )
    a, b, c = (config.get(x) for x in "abc")
    assert a and b and c
    assert a.defences.honeypot_field == "website_url"
    assert a.defences.captcha_provider is None
    assert a.defences.rate_limits == RateLimits(client_minute=2, form_day=10)
    assert a.defences.max_links == 0
    assert a.defences.blocked_phrases == ("crypto",)
    assert b.defences.honeypot_field == ""  # off
    assert c.defences == base.defences


def test_captcha_true_needs_a_provider():
    with pytest.raises(ConfigError, match=r"forms\.a\.captcha: needs the deployment's CAPTCHA"):
        forms_from_document(doc(a={"fields": CONTACT, "captcha": True}), settings())
    form = forms_from_document(
        doc(a={"fields": CONTACT, "captcha": True}), settings(CAPTCHA_PROVIDER="hcaptcha")
    ).get("a")
    assert form and form.defences.captcha_provider == "hcaptcha"


def test_notify_receipt_sizes_language_messages():
    form = forms_from_document(
        doc(
            a={
                "fields": {
                    "cv": {"type": "file", "max_size": "10MB", "accept": ["application/pdf"]}
                },
                "notify": [
                    {"type": "email"},
                    {"type": "webhook", "url": "https://hooks.example.com/x", "secret": "whsec_x"},
                    {"type": "webhook", "url": "https://hooks.example.com/y"},
                    {
                        "type": "slack",
                        "url": "https://hooks.slack.com/services/T/B/C",
                        "name": "team",
                    },
                ],
                "receipt": {"subject": "Thanks", "text": "We got it."},
                "language": "ja",
                "sender_name": "Example Sales",
                "max_total_size": "512KB",
                "messages": {"ja": {"field.required": "必須です"}},
            }
        ),
        settings(),
    ).get("a")
    assert form is not None
    assert [t.name for t in form.notify] == ["email", "webhook-1", "webhook-2", "team"]
    assert form.notify[1].secret == "whsec_x"
    assert form.receipt == Receipt(subject="Thanks", text="We got it.")
    assert form.fields[0].max_size == 10 * 1024 * 1024
    assert form.max_total_size == 512 * 1024
    assert form.language == "ja" and form.sender_name == "Example Sales"
    assert form.messages == (("ja", (("field.required", "必須です"),)),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10MB", 10_485_760), ("512KB", 524_288), ("1.5 MiB", 1_572_864), (2048, 2048), ("7", 7)],
)
def test_sizes(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["10 apples", "-1", True, "MB", 1.5])
def test_bad_sizes(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_every_problem_is_listed_with_where_it_is():
    bad = {
        "defaults": {"recipients": ["not an address"]},
        "forms": {
            "Bad_Id": {"fields": CONTACT},
            "quote": {
                "undeclared_fields": "maybe",
                "colour": "red",
                "fields": {
                    "email": {"type": "text", "reply_to": True},
                    "product": {"type": "select", "options": ["a", "a"]},
                    "code": {"pattern": "(a+)+$"},
                    "_hidden": {"type": "hidden"},
                    "x": {"type": "colour"},
                },
            },
        },
        "default_form": "nowhere",
    }
    with pytest.raises(ConfigError) as info:
        forms_from_document(bad, settings())
    message = str(info.value)
    for expected in (
        "forms.Bad_Id: a form id must match",
        "forms.quote.recipients: not a valid address",
        "forms.quote.undeclared_fields: must be reject or keep",
        "forms.quote.colour: is not a form key",
        "forms.quote.fields.email.reply_to: only an email field",
        "forms.quote.fields.product.options: lists the same option more than once",
        "forms.quote.fields.code.pattern: a repeated part contains another unbounded",
        "forms.quote.fields._hidden: a field name is",
        "forms.quote.fields.x.type: must be one of",
        "default_form: names no form ('nowhere')",
    ):
        assert expected in message


def test_redirect_must_be_on_an_allowed_origin():
    with pytest.raises(
        ConfigError, match=r"forms\.a\.redirect: is not on one of the form's allowed"
    ):
        forms_from_document(
            doc(a={"fields": CONTACT, "redirect": "https://evil.example.net/thanks"}), settings()
        )


def test_two_reply_to_fields_are_refused():
    fields = {**CONTACT, "other": {"type": "email", "reply_to": True}}
    with pytest.raises(ConfigError, match="only one field can be reply_to"):
        forms_from_document(doc(a={"fields": fields}), settings())


@pytest.mark.parametrize("document", [[], {"forms": {}}, {"forms": {"a": "x"}}, {"nope": 1}])
def test_broken_documents_are_a_config_error(document):
    with pytest.raises(ConfigError):
        forms_from_document(document, settings())


def test_the_file_is_read_once_per_container(tmp_path):
    path = tmp_path / "forms.json"
    path.write_text(json.dumps(doc()), encoding="utf-8")
    first = load_forms_file(str(path), settings())
    os.remove(path)  # a second read would now fail
    assert load_forms_file(str(path), settings()) is first


def test_a_missing_or_broken_file_is_one_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_forms_file(str(tmp_path / "absent.json"), settings())
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_forms_file(str(broken), settings())
