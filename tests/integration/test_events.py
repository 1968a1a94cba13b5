"""Every sample event in events/ through the Lambda entry, with the answer it must get."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toiawase.local.events import LocalContext

EVENTS = Path(__file__).resolve().parents[2] / "events"
EXPECTED = {
    "urlencoded-japanese.json": (303, 1),
    "json.json": (200, 1),
    "multipart.json": (200, 1),
    "invalid-email.json": (422, 0),
    "header-injection.json": (422, 0),
    "header-injection-accepted.json": (200, 1),
}


def test_every_event_file_has_an_expectation():
    assert sorted(p.name for p in EVENTS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_event(submit_module, ses, name):
    event = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    assert event["version"] == "2.0"
    assert all(key == key.lower() for key in event["headers"])
    result = submit_module.lambda_handler(event, LocalContext())
    status, sent = EXPECTED[name]
    assert result["statusCode"] == status
    assert len(ses.accepted()) == sent
    for message in ses.accepted():
        assert message["From"].addresses[0].addr_spec == "forms@example.com"
        assert {a.addr_spec for a in message["To"].addresses} == {
            "owner@example.com",
            "team@example.com",
        }
        assert "Cc" not in message and "Bcc" not in message


def test_japanese_event_arrives_intact(submit_module, ses):
    event = json.loads((EVENTS / "urlencoded-japanese.json").read_text(encoding="utf-8"))
    result = submit_module.lambda_handler(event, LocalContext())
    assert result["headers"]["Location"].startswith("https://www.example.com/thanks/?id=")
    [message] = ses.accepted()
    assert message["From"].addresses[0].display_name == "山田 太郎 via Example Co"
    assert message["Reply-To"].addresses[0].addr_spec == "taro.yamada@example.jp"
    assert message["Subject"].endswith("お見積もり")
    text = message.get_body(("plain",)).get_content()
    assert "見積もりをお願いします。 A&B=C 100%" in text and "株式会社サンプル" in text


def test_injection_event_is_refused_on_the_email_field(submit_module, ses):
    event = json.loads((EVENTS / "header-injection.json").read_text(encoding="utf-8"))
    body = json.loads(submit_module.lambda_handler(event, LocalContext())["body"])
    assert body["error"] == "invalid_fields" and "email" in body["fields"]
