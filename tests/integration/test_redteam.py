"""The outside red team's findings (issue 10), each reproduced through the Lambda entry.

Finding 1 (a reused idempotency key swallowing a different submission) is in
``test_durability.py``; finding 3 (header parsing) is the corpus family ``header_parsing`` and
``tests/corpus/test_header_timing.py``. The others are here.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.test_defences import PINNED_EPOCH_MS, VALID, event_with
from tests.integration.test_devserver import served, site_root
from tests.integration.test_durability import call, submit_event
from toiawase.local.events import build_event

__all__ = ["served", "site_root"]  # the dev server fixtures

ORIGIN = ("Origin", "https://www.example.com")


def pinned(event):
    event["requestContext"]["timeEpoch"] = PINNED_EPOCH_MS
    return event


def test_one_client_cannot_spend_the_forms_budget(durable, monkeypatch):
    """Finding 2: one IP's junk locked the form for every visitor until midnight UTC.

    The attacker sends invalid posts (refused before the form's counters), honeypot posts
    (screened) and valid posts past its own limit (429 from its own counter). None of it counts
    against the form: the next visitor is served.
    """
    monkeypatch.setenv("RATE_LIMITS", "client_minute=0,client_day=3,form_minute=0,form_day=5")
    attacker = "203.0.113.66"
    junk = [("email", "not an address"), ("message", "")]
    statuses = []
    for i in range(20):
        statuses.append(
            call(
                durable.api.lambda_handler,
                pinned(event_with([ORIGIN], [*junk, ("n", str(i))], attacker)),
            )[0]
        )
    # The client's own budget (3 a day) is spent by its junk: it is refused, as it should be.
    assert statuses[:3] == [422, 422, 422] and set(statuses[3:]) == {429}
    for i in range(5):
        status = call(
            durable.api.lambda_handler,
            pinned(event_with([ORIGIN], [*VALID, ("n", str(i))], attacker)),
        )[0]
        assert status == 429
    # Five different visitors: the form's budget of five is all theirs.
    visitors = [
        call(
            durable.api.lambda_handler,
            pinned(event_with([ORIGIN], [*VALID, ("v", str(i))], f"198.51.100.{i + 10}")),
        )
        for i in range(5)
    ]
    assert [v[0] for v in visitors] == [200] * 5
    # Only now, after five real submissions, is the form's day spent.
    sixth = call(
        durable.api.lambda_handler,
        pinned(event_with([ORIGIN], [*VALID, ("v", "6")], "198.51.100.99")),
    )
    assert sixth[0] == 429 and sixth[2]["error"] == "rate_limited"
    assert len(durable.sent_ids()) == 5


def test_honeypot_and_refused_posts_do_not_count_against_the_form(durable, monkeypatch):
    monkeypatch.setenv("RATE_LIMITS", "client_minute=0,client_day=0,form_minute=0,form_day=2")
    for i in range(6):
        fields = [*VALID, ("n", str(i)), ("_gotcha", "http://spam.example")]
        assert (
            call(
                durable.api.lambda_handler, pinned(event_with([ORIGIN], fields, f"192.0.2.{i + 1}"))
            )[0]
            == 200
        )
    for i in range(6):
        fields = [("email", "taro@example.jp"), ("n", str(i))]  # no message: 422
        assert (
            call(
                durable.api.lambda_handler,
                pinned(event_with([ORIGIN], fields, f"192.0.2.{i + 20}")),
            )[0]
            == 422
        )
    real = [
        call(
            durable.api.lambda_handler,
            pinned(event_with([ORIGIN], [*VALID, ("r", str(i))], f"192.0.2.{i + 40}")),
        )[0]
        for i in range(3)
    ]
    assert real == [200, 200, 429]


def test_a_replayed_double_click_does_not_spend_the_forms_budget(durable, monkeypatch):
    monkeypatch.setenv("RATE_LIMITS", "client_minute=0,client_day=0,form_minute=0,form_day=1")
    event = pinned(event_with([ORIGIN], VALID, "192.0.2.77"))
    first = call(durable.api.lambda_handler, event)
    again = call(durable.api.lambda_handler, pinned(event_with([ORIGIN], VALID, "192.0.2.77")))
    assert first[0] == again[0] == 200 and first[2]["id"] == again[2]["id"]
    assert len(durable.sent_ids()) == 1


@pytest.mark.parametrize(
    ("env", "name", "value"),
    [
        ({"BLOCKED_PHRASES": "buy viagra"}, "BUY VIAGRA NOW", "yes"),
        ({"BLOCKED_PHRASES": "viagra"}, "Cheap \uff56\uff49\uff41\uff47\uff52\uff41", "yes"),
        # A name with an invisible character is refused whole (400); in a value it is folded.
        ({"BLOCKED_PHRASES": "viagra"}, "offer", "Cheap v\u200biagra"),
        ({"MAX_LINKS": "0"}, "see https://spam.example/offer", "yes"),
    ],
)
def test_content_rules_see_field_names_and_folded_text(durable, monkeypatch, env, name, value):
    """Finding 4: a field *name* reaches the email, so the rules check it; text is folded."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    status, _, body = call(durable.api.lambda_handler, submit_event([*VALID, (name, value)]))
    assert status == 422 and body["error"] == "content_rejected"
    assert durable.sent_ids() == []


def status_of(durable, sid: str, now: datetime):
    event = build_event("GET", f"/submissions/{sid}", [("Accept", "application/json")], b"")
    event["requestContext"]["timeEpoch"] = int(now.timestamp() * 1000)
    return call(durable.api.lambda_handler, event)[2]


def test_a_honeypot_submissions_status_lives_like_a_real_one(durable, monkeypatch):
    """Finding 5: a bot polling its honeypot submission sees ``sent``, then ``delivered``."""
    monkeypatch.setenv("SES_CONFIGURATION_SET", "toiawase-events")
    status, _, body = call(
        durable.api.lambda_handler, submit_event([*VALID, ("_gotcha", "http://spam.example")])
    )
    assert (status, body["status"]) == (200, "sent") and durable.sent_ids() == []
    created = datetime.fromisoformat(durable.item(body["id"])["created_at"])
    assert status_of(durable, body["id"], created)["status"] == "sent"
    later = status_of(durable, body["id"], created + timedelta(seconds=11))
    assert later["status"] == "delivered"
    assert created < datetime.fromisoformat(later["updated_at"]).replace(tzinfo=UTC) + timedelta(
        seconds=1
    )
    # The same answer on every poll: the delay comes from the id, not from chance.
    assert status_of(durable, body["id"], created + timedelta(seconds=11)) == later


def test_without_delivery_events_spam_stays_sent_like_a_real_one(durable):
    _, _, body = call(
        durable.api.lambda_handler, submit_event([*VALID, ("_gotcha", "http://spam.example")])
    )
    created = datetime.fromisoformat(durable.item(body["id"])["created_at"])
    assert status_of(durable, body["id"], created + timedelta(hours=1))["status"] == "sent"


def test_a_honeypot_answer_waits_as_long_as_a_send(durable, monkeypatch):
    """Finding 5: the honeypot's answer imitates the SES call it does not make."""
    waits: list[float] = []
    monkeypatch.setattr(durable.api.sender, "_sleep", waits.append)
    call(durable.api.lambda_handler, submit_event([*VALID, ("_gotcha", "x")]))
    assert len(waits) == 1 and 0.0 < waits[0] <= 1.0
    call(durable.api.lambda_handler, submit_event([*VALID, ("n", "real")]))
    assert len(waits) == 1  # a real submission sends; it does not wait


ESCAPES = "https://www.example.com/contact/\x1b]0;pwned\x07\x1b[2J\u202e\u200b?q=1"


def test_referer_escapes_never_reach_the_mail(durable):
    """Finding 6: the raw Referer went into the mail's "Page:" line and the dev terminal."""
    status, _, _ = call(durable.api.lambda_handler, submit_event(headers=[("Referer", ESCAPES)]))
    assert status == 200
    [message] = durable.ses.accepted()
    text = message.get_body(("plain",)).get_content()
    page = next(line for line in text.splitlines() if "www.example.com/contact" in line)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\u200b" not in text
    assert "https://www.example.com/contact/]0;pwned[2J?q=1" in page


def test_dev_server_terminal_shows_no_escape_sequences():
    """What the dev server prints (request lines, the mail) carries no terminal escapes."""
    from tests.integration.test_devserver import captured
    from toiawase.local.sesbox import CapturedMail, format_mail

    mail: CapturedMail = captured("hello", text="Page: http://x/\x1b]0;pwned\x07\x1b[2J\u202e end")
    shown = format_mail(mail)
    assert "Page: http://x/]0;pwned[2J end" in shown
    assert not any(ch in shown for ch in "\x1b\x07\u202e\x9b")


def test_dev_server_request_line_shows_no_escape_sequences(served):
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(b"GET /x\x1b]0;pwned\x07\x1b[2J HTTP/1.0\r\nHost: a\r\n\r\n")
        connection.recv(65536)
    printed = served.out.getvalue()
    assert "GET /x]0;pwned" in printed and "\x1b" not in printed and "\x07" not in printed
