"""Forms as code through the Lambda entry: three forms, each with its own fields and recipients.

The forms file is compiled JSON (what the build puts in the artifact), named by ``FORMS_FILE``.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from urllib.parse import urlencode

import pytest

from tests.integration.test_durability import call
from toiawase.local.events import LocalContext, build_event

ORIGIN = "https://www.example.com"
FORMS = {
    "defaults": {"allowed_origins": [ORIGIN]},
    "default_form": "contact",
    "forms": {
        "contact": {
            "title": "Contact us",
            "recipients": ["support@example.com"],
            "fields": {
                "name": {"type": "text", "label": "お名前", "max_length": 200},
                "email": {"type": "email", "required": True, "reply_to": True, "label": "Email"},
                "message": {"type": "textarea", "required": True, "label": "Message"},
            },
        },
        "quote": {
            "title": "Quote request",
            "subject": "Quote request",
            "recipients": ["sales@example.com", "boss@example.com"],
            "sender_name": "Example Sales",
            "fields": {
                "email": {"type": "email", "required": True, "reply_to": True},
                "product": {
                    "type": "select",
                    "options": ["basic", "pro", "enterprise"],
                    "required": True,
                    "label": "Product",
                },
                "seats": {"type": "number", "min": 1, "max": 10000, "integer": True},
                "deadline": {"type": "date", "label": "Needed by"},
                "topics": {"type": "checkboxes", "options": ["billing", "support", "sales"]},
                "consent": {"type": "checkbox", "required": True, "label": "I agree"},
            },
        },
        "signup": {
            "title": "Event sign-up",
            "recipients": ["events@example.com"],
            "undeclared_fields": "keep",
            "fields": {"attendee": {"type": "text", "required": True, "label": "Attendee"}},
        },
    },
}


@pytest.fixture
def forms(durable, monkeypatch, tmp_path):
    path = tmp_path / "forms.json"
    path.write_text(json.dumps(FORMS), "utf-8")
    monkeypatch.setenv("FORMS_FILE", str(path))
    return durable


def post(durable, path, fields, *, accept="application/json", source_ip="198.51.100.4"):
    headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", accept),
        ("Origin", ORIGIN),
    ]
    event = build_event("POST", path, headers, urlencode(fields).encode(), source_ip=source_ip)
    return durable.api.lambda_handler(event, LocalContext())


def jpost(durable, path, fields, **kwargs):
    result = post(durable, path, fields, **kwargs)
    return result["statusCode"], json.loads(result["body"])


QUOTE = [
    ("email", "buyer@example.org"),
    ("product", "pro"),
    ("seats", "25"),
    ("deadline", "2027-01-31"),
    ("topics", "billing"),
    ("topics", "sales"),
    ("consent", "on"),
]


def logged_lines(capsys):
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def recipients(message: EmailMessage) -> set[str]:
    return {a.addr_spec for a in message["To"].addresses}


def test_each_forms_mail_goes_only_to_its_recipients(forms, ses):
    assert jpost(forms, "/f/contact", [("email", "a@example.org"), ("message", "hi")])[0] == 200
    assert jpost(forms, "/f/quote", QUOTE)[0] == 200
    assert jpost(forms, "/f/signup", [("attendee", "Taro"), ("diet", "vegan")])[0] == 200
    contact, quote, signup = forms.ses.accepted()
    assert recipients(contact) == {"support@example.com"}
    assert recipients(quote) == {"sales@example.com", "boss@example.com"}
    assert recipients(signup) == {"events@example.com"}
    destinations = [tuple(call["Destination"]["ToAddresses"]) for call in ses.calls]
    assert destinations == [
        ("support@example.com",),
        ("sales@example.com", "boss@example.com"),
        ("events@example.com",),
    ]
    assert [m["X-Toiawase-Form"] for m in (contact, quote, signup)] == [
        "contact",
        "quote",
        "signup",
    ]


def test_the_email_lists_fields_by_label_in_declared_order(forms):
    # Posted out of order: the email follows the form's declared order.
    shuffled = [QUOTE[6], QUOTE[3], QUOTE[1], QUOTE[0], QUOTE[5], QUOTE[2], QUOTE[4]]
    assert jpost(forms, "/f/quote", shuffled)[0] == 200
    [message] = forms.ses.accepted()
    text = message.get_body(("plain",)).get_content()
    order = [text.index(label + ":") for label in ("email", "Product", "seats", "Needed by")]
    assert order == sorted(order)
    topics = text[text.index("topics:") :].splitlines()
    assert topics[1:3] == ["  billing", "  sales"]  # every chosen value
    assert "Quote request (quote)" in text and "I agree:" in text
    assert message["Subject"] == "Quote request"
    assert message["From"].addresses[0].display_name == "Example Sales Quote request"
    assert message["Reply-To"] == "buyer@example.org"


def test_a_field_error_names_its_field(forms):
    bad = [(k, v) for k, v in QUOTE if k not in ("consent",)]
    bad = [(k, "platinum" if k == "product" else v) for k, v in bad]
    bad = [(k, "2026-02-30" if k == "deadline" else v) for k, v in bad]
    status, body = jpost(forms, "/f/quote", bad)
    assert status == 422 and body["error"] == "invalid_fields"
    assert set(body["fields"]) == {"product", "deadline", "consent"}
    assert forms.ses.accepted() == []


def test_undeclared_fields_are_refused_unless_the_form_keeps_them(forms):
    status, body = jpost(forms, "/f/quote", [*QUOTE, ("coupon", "FREE")])
    assert status == 422 and set(body["fields"]) == {"coupon"}
    assert jpost(forms, "/f/signup", [("attendee", "Taro"), ("coupon", "FREE")])[0] == 200


@pytest.mark.parametrize("path", ["/f/nope", "/f/Contact", "/f/a%2Fb", "/f/" + "x" * 65])
def test_an_unknown_form_is_a_404_never_a_5xx(forms, path):
    status, body = jpost(forms, path, QUOTE)
    assert status == 404 and body["error"] in ("unknown_form", "not_found")
    assert forms.ses.accepted() == []


def test_an_unknown_form_for_a_browser_is_a_readable_page(forms):
    result = post(forms, "/f/nope", QUOTE, accept="text/html")
    assert result["statusCode"] == 404
    assert result["headers"]["Content-Type"].startswith("text/html")
    assert "no form" in result["body"]


def test_submit_goes_to_the_default_form(forms):
    status, _ = jpost(forms, "/submit", [("email", "a@example.org"), ("message", "hi")])
    assert status == 200
    [message] = forms.ses.accepted()
    assert message["X-Toiawase-Form"] == "contact"


def test_without_a_default_form_submit_is_a_clear_404(forms, monkeypatch, tmp_path):
    data = {**FORMS}
    del data["default_form"]
    path = tmp_path / "no-default.json"
    path.write_text(json.dumps(data), "utf-8")
    monkeypatch.setenv("FORMS_FILE", str(path))
    status, body = jpost(forms, "/submit", [("email", "a@example.org"), ("message", "hi")])
    assert status == 404 and body["error"] == "unknown_form"


def test_status_shows_the_form_and_never_the_content(forms):
    _, body = jpost(forms, "/f/quote", QUOTE)
    event = build_event("GET", f"/submissions/{body['id']}", [("Accept", "application/json")], b"")
    status, _, answer = call(forms.api.lambda_handler, event)
    assert status == 200 and answer["form"] == "quote" and answer["status"] == "sent"
    assert set(answer) == {"id", "form", "status", "updated_at"}


def test_rate_limits_are_per_form(forms, monkeypatch):
    from tests.integration.test_defences import PINNED_EPOCH_MS

    monkeypatch.setenv("RATE_LIMITS", "client_minute=0,client_day=0,form_minute=0,form_day=1")

    def pinned(path, fields, ip):
        headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
            ("Origin", ORIGIN),
        ]
        event = build_event("POST", path, headers, urlencode(fields).encode(), source_ip=ip)
        event["requestContext"]["timeEpoch"] = PINNED_EPOCH_MS
        return forms.api.lambda_handler(event, LocalContext())["statusCode"]

    assert pinned("/f/signup", [("attendee", "B")], "192.0.2.2") == 200
    assert pinned("/f/signup", [("attendee", "C")], "192.0.2.3") == 429
    # Another form's budget is its own.
    assert pinned("/f/contact", [("email", "a@example.org"), ("message", "m")], "192.0.2.4") == 200


def test_a_queued_submission_is_resent_to_its_own_forms_recipients(forms):
    from tests.integration.test_durability import Faults, ses_error

    with Faults(forms.api.ses_client, "before-call.sesv2.SendEmail", ses_error("Throttling", 400)):
        status, body = jpost(forms, "/f/quote", QUOTE)
    assert (status, body["status"]) == (202, "queued")
    forms.drain()
    [message] = forms.ses.accepted()
    assert recipients(message) == {"sales@example.com", "boss@example.com"}
    assert message["X-Toiawase-Form"] == "quote"


def test_a_broken_forms_file_is_one_clear_misconfigured_answer(
    forms, monkeypatch, tmp_path, capsys, caplog
):
    path = tmp_path / "broken.json"
    path.write_text('{"forms": {"Bad Id": {}}}', "utf-8")
    monkeypatch.setenv("FORMS_FILE", str(path))
    status, body = jpost(forms, "/f/contact", [("email", "a@example.org"), ("message", "hi")])
    assert status == 500 and body["error"] == "misconfigured"
    logged = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    errors = [record for record in caplog.records if record.levelname == "ERROR"]
    assert len(errors) == 1 and "forms file" in errors[0].detail
    metrics = [entry for entry in logged if "_aws" in entry]
    assert any("InternalError" in entry for entry in metrics)
    monkeypatch.setenv("FORMS_FILE", str(tmp_path / "missing.json"))
    assert jpost(forms, "/f/contact", [("email", "a@example.org"), ("message", "hi")])[0] == 500


def test_metrics_carry_the_form_id_from_the_file_only(forms, capsys):
    jpost(forms, "/f/quote", QUOTE)
    jpost(forms, "/f/not-a-form", QUOTE)
    logged = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    dimensioned = [entry for entry in logged if "FormRequests" in entry]
    assert [(e["form"], e["result"]) for e in dimensioned] == [("quote", "sent")]
