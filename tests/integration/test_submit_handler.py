"""The Lambda entry from template.yaml, against moto's SES: the exact SES request."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import EndpointConnectionError

from tests.mail_oracle import COMPOSED_HEADERS
from toiawase.core.compose import SUBMISSION_HEADER, header_names
from toiawase.local.events import LocalContext, build_event

HANDLER = "toiawase.handlers.submit.lambda_handler"


def event_for(
    fields,
    *,
    accept="application/json",
    content_type="application/x-www-form-urlencoded",
    body=None,
    origin="https://www.example.com",
):
    data = body if body is not None else urlencode(fields).encode()
    headers = [
        ("Content-Type", content_type),
        ("Accept", accept),
        ("Origin", origin),
        ("Referer", f"{origin}/contact/"),
    ]
    return build_event("POST", "/submit", headers, data, source_ip="198.51.100.4")


def call(module, event):
    result = module.lambda_handler(event, LocalContext())
    body = result["body"]
    if result["headers"].get("Content-Type", "").startswith("application/json"):
        body = json.loads(body)
    return result["statusCode"], result["headers"], body


VALID = [
    ("name", "山田 太郎"),
    ("email", "taro@example.jp"),
    ("company", "株式会社サンプル"),
    ("message", "お問い合わせです。\n二行目。"),
    ("_subject", "お見積もり"),
]


def test_handler_is_the_one_template_names():
    template = Path(__file__).resolve().parents[2] / "template.yaml"
    assert f"Handler: {HANDLER}" in template.read_text()


def test_exact_ses_request(submit_module, ses):
    status, _, body = call(submit_module, event_for(VALID))
    assert status == 200 and body["ok"] is True and body["status"] == "sent"
    [params] = ses.calls
    assert params["FromEmailAddress"] == "forms@example.com"
    assert params["Destination"] == {"ToAddresses": ["owner@example.com", "team@example.com"]}
    assert params["FeedbackForwardingEmailAddress"] == "bounces@example.com"
    assert params["EmailTags"] == [{"Name": "submission_id", "Value": body["id"]}]
    assert "ConfigurationSetName" not in params
    assert "ReplyToAddresses" not in params  # Reply-To travels inside the raw MIME
    [message] = ses.accepted()
    assert message["From"].addresses[0].addr_spec == "forms@example.com"
    assert message["From"].addresses[0].display_name == "山田 太郎 via Example Co"
    assert [a.addr_spec for a in message["Reply-To"].addresses] == ["taro@example.jp"]
    assert [a.addr_spec for a in message["To"].addresses] == [
        "owner@example.com",
        "team@example.com",
    ]
    assert message["Subject"] == "New message from the Example Co form: お見積もり"
    assert message[SUBMISSION_HEADER] == body["id"]
    raw = params["Content"]["Raw"]["Data"]
    from_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"From: "))
    assert b"=?utf-8?b?" in from_line and from_line.isascii()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for expected in (
        "山田 太郎",
        "株式会社サンプル",
        "お問い合わせです。",
        "198.51.100.4",
        body["id"],
    ):
        assert expected in text and expected in html


def test_configuration_set_is_passed_when_set(submit_module, ses, monkeypatch):
    monkeypatch.setenv("SES_CONFIGURATION_SET", "toiawase-events")
    import boto3

    boto3.client("sesv2", region_name="us-east-1").create_configuration_set(
        ConfigurationSetName="toiawase-events"
    )
    status, _, _ = call(submit_module, event_for(VALID))
    assert status == 200
    assert ses.calls[0]["ConfigurationSetName"] == "toiawase-events"


@pytest.mark.parametrize(
    "hostile",
    [
        {"name": "Mallory\r\nBcc: victim@example.net"},
        {"name": "=?utf-8?q?M=0D=0ABcc:_victim@example.net?="},
        {"_subject": "x\u2028Bcc: victim@example.net"},
        {"_subject": "x\r\n\r\nbody"},
        {"_to": "victim@example.net", "_cc": "victim@example.net", "_bcc": "victim@example.net"},
        {"to": "victim@example.net", "cc": "victim@example.net"},
    ],
)
def test_hostile_fields_never_become_headers_or_recipients(submit_module, ses, hostile):
    fields = [("email", "m@example.org"), ("message", "x"), *hostile.items()]
    status, _, _ = call(submit_module, event_for(fields))
    assert status == 200
    [params] = ses.calls
    assert params["Destination"] == {"ToAddresses": ["owner@example.com", "team@example.com"]}
    raw = params["Content"]["Raw"]["Data"]
    assert sorted(header_names(raw)) == sorted(COMPOSED_HEADERS)
    [message] = ses.accepted()
    recipients = {
        a.addr_spec for h in ("To", "Cc", "Bcc") for a in getattr(message[h], "addresses", ())
    }
    assert recipients == {"owner@example.com", "team@example.com"}


def test_injection_in_email_is_422_and_nothing_sent(submit_module, ses):
    status, _, body = call(
        submit_module,
        event_for([("email", "a@example.org\r\nBcc: v@example.net"), ("message", "x")]),
    )
    assert status == 422 and "email" in body["fields"]
    assert ses.calls == [] and ses.accepted() == []


def test_html_form_gets_303(submit_module, ses):
    status, headers, _ = call(submit_module, event_for(VALID, accept="text/html,*/*;q=0.8"))
    assert status == 303
    assert headers["Location"].startswith("https://www.example.com/thanks/?id=")
    assert len(ses.accepted()) == 1


def test_unverified_sender_is_502_not_sent(submit_module, ses, monkeypatch):
    monkeypatch.setenv("SENDER_ADDRESS", "forms@unverified.example.org")
    status, _, body = call(submit_module, event_for(VALID))
    assert status == 502 and body["error"] == "send_failed" and body["ok"] is False
    assert ses.accepted() == []


def _throttled(**_kwargs):
    """SES's answer once the SDK's own retries are spent: 429 TooManyRequestsException."""
    http = AWSResponse("https://email.us-east-1.amazonaws.com", 429, HTTPHeaders(), None)
    parsed = {
        "Error": {"Code": "TooManyRequestsException", "Message": "Maximum sending rate exceeded."},
        "ResponseMetadata": {"HTTPStatusCode": 429},
    }
    return http, parsed


def _unreachable(**_kwargs):
    raise EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com")


@pytest.mark.parametrize(
    ("hook", "fault"),
    [("before-call.sesv2.SendEmail", _throttled), ("before-send.sesv2.SendEmail", _unreachable)],
)
def test_transient_ses_failure_is_503_never_sent(submit_module, ses, hook, fault):
    events = submit_module.ses_client.meta.events
    events.register_first(hook, fault)
    try:
        status, headers, body = call(submit_module, event_for(VALID))
    finally:
        events.unregister(hook, fault)
    assert status == 503 and headers["Retry-After"] == "60"
    assert body["ok"] is False and body["error"] == "send_unavailable"
    assert ses.accepted() == []


def test_base64_body_is_decoded_and_bad_base64_is_400(submit_module, ses):
    event = event_for(VALID)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]).startswith(b"name=")
    event["body"] = "!!!not base64!!!"
    status, _, body = call(submit_module, event)
    assert status == 400 and body["error"] == "malformed_body"


def test_logs_carry_no_personal_data(submit_module, ses, logs, capsys):
    call(submit_module, event_for(VALID))
    call(
        submit_module,
        event_for([("email", "bad"), ("message", "秘密のメッセージ"), ("name", "山田 太郎")]),
    )
    out = capsys.readouterr()
    logs = logs.getvalue() + out.out + out.err
    assert '"submission sent"' in logs and '"submission rejected"' in logs
    for secret in (
        "taro@example.jp",
        "山田",
        "太郎",
        "お問い合わせ",
        "秘密",
        "198.51.100.4",
        "株式会社",
    ):
        assert secret not in logs
