"""Origin check, rate limits, honeypot, content rules and no amplification, through the entry."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from tests.integration.test_durability import Faults, call, ses_error, submit_event
from toiawase.local.events import LocalContext, build_event

VALID = [("name", "山田 太郎"), ("email", "taro@example.jp"), ("message", "お問い合わせです")]


def event_with(headers, fields=VALID, source_ip="198.51.100.4"):
    body = urlencode(fields).encode()
    base = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
    return build_event("POST", "/submit", [*base, *headers], body, source_ip=source_ip)


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ([], 403, "origin_required"),
        ([("Origin", "https://evil.example.net")], 403, "origin_not_allowed"),
        ([("Origin", "null")], 403, "origin_not_allowed"),
        ([("Origin", "https://www.example.com.evil.net")], 403, "origin_not_allowed"),
        ([("Referer", "https://evil.example.net/form")], 403, "origin_not_allowed"),
        (
            [("Origin", "https://evil.example.net"), ("Referer", "https://www.example.com/")],
            403,
            "origin_not_allowed",
        ),
        ([("Referer", "https://www.example.com/contact/")], 200, None),
        ([("Origin", "https://EXAMPLE.com:443")], 200, None),
    ],
)
def test_origin_check(durable, headers, status, code):
    got, _, body = call(durable.api.lambda_handler, event_with(headers))
    assert got == status
    if code:
        assert body["error"] == code and durable.sent_ids() == []


def test_missing_origin_can_be_allowed(durable, monkeypatch):
    monkeypatch.setenv("MISSING_ORIGIN", "allow")
    assert call(durable.api.lambda_handler, event_with([]))[0] == 200
    assert (
        call(
            durable.api.lambda_handler,
            event_with([("Origin", "https://evil.net")], [*VALID, ("n", "2")]),
        )[0]
        == 403
    )


def test_origin_refusal_for_a_browser_is_a_readable_page(durable):
    event = event_with([("Origin", "https://evil.example.net")])
    event["headers"]["accept"] = "text/html"
    result = durable.api.lambda_handler(event, LocalContext())
    assert result["statusCode"] == 403 and "own website" in result["body"]


@pytest.fixture
def limits(monkeypatch):
    def use(value: str) -> None:
        monkeypatch.setenv("RATE_LIMITS", value)

    return use


# The rate-limit tests' clock: 10 s into a minute, so a test never straddles a minute boundary
# (its requests would land in two windows and the limit would seem not to hold).
PINNED_EPOCH_MS = (int(time.time()) // 60 * 60 + 10) * 1000


def submit_from(durable, ip: str, n: int):
    event = submit_event([*VALID, ("n", str(n))], source_ip=ip)
    event["requestContext"]["timeEpoch"] = PINNED_EPOCH_MS
    return call(durable.api.lambda_handler, event)


def test_per_client_limit_is_429_with_retry_after_and_other_clients_go_on(durable, limits):
    limits("client_minute=3,client_day=0,form_minute=0,form_day=0")
    answers = [submit_from(durable, "203.0.113.5", i) for i in range(4)]
    assert [a[0] for a in answers] == [200, 200, 200, 429]
    _, headers, body = answers[3]
    assert body["error"] == "rate_limited" and 1 <= int(headers["Retry-After"]) <= 60
    assert submit_from(durable, "203.0.113.6", 9)[0] == 200
    assert len(durable.sent_ids()) == 4


def test_ipv6_clients_are_limited_per_64(durable, limits):
    limits("client_minute=2,client_day=0,form_minute=0,form_day=0")
    same = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2:abcd::3"]
    assert [submit_from(durable, ip, i)[0] for i, ip in enumerate(same)] == [200, 200, 429]
    assert submit_from(durable, "2001:db8:1:3::1", 7)[0] == 200


def test_per_form_and_per_day_limits(durable, limits):
    limits("client_minute=0,client_day=2,form_minute=0,form_day=0")
    assert [submit_from(durable, "203.0.113.8", i)[0] for i in range(3)] == [200, 200, 429]
    retry_after = int(submit_from(durable, "203.0.113.8", 9)[1]["Retry-After"])
    assert 60 < retry_after <= 86_400
    limits("client_minute=0,client_day=0,form_minute=3,form_day=0")
    statuses = [submit_from(durable, f"192.0.2.{i}", 100 + i)[0] for i in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_concurrent_requests_get_exactly_the_limit(durable, limits):
    limits("client_minute=5,client_day=0,form_minute=0,form_day=0")
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda i: submit_from(durable, "203.0.113.99", i)[0], range(16)))
    assert sorted(statuses) == [200] * 5 + [429] * 11
    assert len(durable.sent_ids()) == 5


def test_counter_outage_fails_open(durable, limits):
    from toiawase.adapters import aws

    limits("client_minute=1,client_day=0,form_minute=0,form_day=0")
    with Faults(
        aws.client("dynamodb"),
        "before-call.dynamodb.TransactWriteItems",
        ses_error("InternalServerError", 500),
    ):
        # The admission (counters, claim and row in one transaction) fails for an outage: the
        # row is written alone (PutItem), so each is still stored before it is sent.
        answers = [submit_from(durable, "203.0.113.50", i) for i in range(3)]
    assert [a[0] for a in answers] == [200, 200, 200] and len(durable.sent_ids()) == 3
    assert {durable.item(a[2]["id"])["status"] for a in answers} == {"sent"}
    # The same outage for a refused post: it is refused for what it is, not for the limit.
    with Faults(
        aws.client("dynamodb"),
        "before-call.dynamodb.TransactWriteItems",
        ses_error("InternalServerError", 500),
    ):
        event = submit_event([("email", "taro@example.jp")], source_ip="203.0.113.50")
        event["requestContext"]["timeEpoch"] = PINNED_EPOCH_MS
        assert call(durable.api.lambda_handler, event)[0] == 422


def test_honeypot_gets_the_normal_answer_sends_nothing_and_keeps_it_as_spam(durable):
    status, _, body = call(
        durable.api.lambda_handler, submit_event([*VALID, ("_gotcha", "http://spam.example")])
    )
    assert (status, body["status"]) == (200, "sent")
    assert durable.sent_ids() == []
    item = durable.item(body["id"])
    assert item["status"] == "spam" and "山田 太郎" in item["payload"]
    event = build_event("GET", f"/submissions/{body['id']}", [("Accept", "application/json")], b"")
    assert call(durable.api.lambda_handler, event)[2]["status"] == "sent"  # bots learn nothing


def test_honeypot_field_name_is_configurable_and_never_in_the_mail(durable, monkeypatch):
    monkeypatch.setenv("HONEYPOT_FIELD", "website")
    call(durable.api.lambda_handler, submit_event([*VALID, ("website", "")]))
    [message] = durable.ses.accepted()
    assert "website" not in message.get_body(("plain",)).get_content()
    call(durable.api.lambda_handler, submit_event([*VALID, ("n", "2"), ("website", "x.example")]))
    assert len(durable.sent_ids()) == 1


@pytest.mark.parametrize(
    ("env", "fields", "ok"),
    [
        ({}, [("message", "see https://a.example https://b.example")], True),
        ({"MAX_LINKS": "1"}, [("message", "see https://a.example and www.b.example")], False),
        ({"MAX_LINKS": "0"}, [("company", "http://spam.example")], False),
        ({"BLOCKED_PHRASES": "crypto,SEO services"}, [("message", "Cheap seo SERVICES!")], False),
        ({"BLOCKED_PHRASES": "crypto"}, [("message", "hello")], True),
    ],
)
def test_content_rules(durable, monkeypatch, env, fields, ok):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    base = [("email", "taro@example.jp"), *fields]
    if not any(name == "message" for name, _ in fields):
        base.append(("message", "hi"))
    status, _, body = call(durable.api.lambda_handler, submit_event(base))
    if ok:
        assert status == 200
    else:
        assert status == 422 and body["error"] == "content_rejected" and "message" in body["fields"]
        assert durable.sent_ids() == []


def test_no_amplification_mail_only_ever_goes_to_the_owner(durable, ses):
    fields = [
        *VALID,
        ("_to", "victim@example.net"),
        ("_cc", "victim@example.net"),
        ("_bcc", "victim@example.net"),
        ("to", "victim@example.net"),
        ("cc", "victim@example.net"),
        ("_autoresponse", "Thanks!"),
        ("_replyto", "x@y.z"),
    ]
    status, _, _ = call(durable.api.lambda_handler, submit_event(fields))
    assert status == 200
    for params in ses.calls:
        assert params["Destination"] == {"ToAddresses": ["owner@example.com", "team@example.com"]}
    assert len(ses.calls) == 1  # one message, no auto-reply


def test_json_body_with_no_origin_is_still_refused(durable):
    event = build_event(
        "POST", "/submit", [("Content-Type", "application/json")], json.dumps(dict(VALID)).encode()
    )
    assert call(durable.api.lambda_handler, event)[0] == 403


def test_owner_reviews_and_releases_a_honeypot_false_positive(durable, capsys, monkeypatch):
    from toiawase.cli import main

    _, _, body = call(
        durable.api.lambda_handler,
        submit_event([*VALID, ("_gotcha", "autofilled by a password manager")]),
    )
    assert main(["spam", "list"]) == 0
    listing = capsys.readouterr().out
    assert body["id"] in listing and "taro@example.jp" in listing and "お問い合わせです" in listing
    assert main(["spam", "release", body["id"]]) == 0
    assert main(["spam", "release", body["id"]]) == 1  # no longer spam
    durable.drain()
    assert durable.sent_ids() == [body["id"]] and durable.item(body["id"])["status"] == "sent"
