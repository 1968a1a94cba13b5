"""The submit use case end to end in the core, with a recording sender (no AWS)."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest

from tests.unit.helpers import ENV, RecordingSender, fixed_id, form_request
from toiawase.core.ports import SendFailed
from toiawase.core.service import Dependencies, handle, prepare

VALID = [("name", "山田 太郎"), ("email", "taro@example.jp"), ("message", "こんにちは")]


def run(request, sender=None, env=None):
    sender = sender or RecordingSender()
    return handle(request, env or ENV, Dependencies(sender=sender, new_id=fixed_id)), sender


def test_html_form_success_is_303_to_the_thank_you_page():
    outcome, sender = run(form_request(VALID))
    assert outcome.response.status == 303
    assert outcome.response.headers["Location"] == (
        f"https://www.example.com/thanks/?id={fixed_id()}&status=sent"
    )
    assert outcome.result == "sent" and len(sender.sent) == 1


def test_json_client_success_is_200_with_id_and_status():
    outcome, _ = run(form_request(VALID, accept="application/json"))
    assert outcome.response.status == 200
    assert json.loads(outcome.response.body) == {"ok": True, "id": fixed_id(), "status": "sent"}


def test_allowed_next_is_honoured_and_foreign_next_is_not():
    ok, _ = run(form_request([*VALID, ("_next", "/merci/")]))
    assert ok.response.headers["Location"].startswith("https://www.example.com/merci/?id=")
    evil, _ = run(form_request([*VALID, ("_next", "https://evil.example.net/")]))
    assert evil.response.headers["Location"].startswith("https://www.example.com/thanks/?id=")


def test_no_redirect_url_gives_a_thank_you_page():
    outcome, _ = run(form_request(VALID), env={**ENV, "REDIRECT_URL": ""})
    assert outcome.response.status == 200 and "Thank you" in outcome.response.body


def test_invalid_fields_json_422_lists_fields_and_sends_nothing():
    outcome, sender = run(
        form_request([("email", "x"), ("message", "")], accept="application/json")
    )
    body = json.loads(outcome.response.body)
    assert outcome.response.status == 422 and body["ok"] is False
    assert body["error"] == "invalid_fields" and set(body["fields"]) == {"email", "message"}
    assert sender.sent == []


def test_invalid_fields_html_page_lists_fields_with_a_way_back():
    outcome, sender = run(form_request([("email", "<script>x</script>"), ("message", "")]))
    page = outcome.response.body
    assert outcome.response.status == 422
    assert outcome.response.headers["Content-Type"].startswith("text/html")
    # Named by their labels, not their raw names, inside the page's main landmark.
    assert "<strong>Email</strong>" in page and "<strong>Message</strong>" in page
    assert "<strong>email</strong>" not in page
    assert "<main>" in page and page.index("<main>") < page.index("Please go back")
    assert 'href="https://www.example.com/contact/"' in page
    assert "<script>x" not in page
    assert sender.sent == []


def test_error_page_takes_a_forms_own_labels_and_shows_unknown_fields_by_name():
    from toiawase.core import answers

    page = answers.error_html(
        422,
        "fix",
        {"email": "is required", "budget": "is too large", "color": "is not an option"},
        labels={"budget": "予算", "email": "Your email"},
    ).body
    assert "<strong>Your email</strong> is required" in page
    assert "<strong>予算</strong> is too large" in page
    assert "<strong>color</strong> is not an option" in page


def test_error_page_links_back_only_to_a_page_on_an_allowed_origin():
    allowed = run(form_request([("email", "x"), ("message", "")]))[0].response.body
    assert 'href="https://www.example.com/contact/"' in allowed
    foreign = run(
        form_request(
            [("email", "x"), ("message", "")],
            extra_headers={"referer": "https://attacker.invalid/contact/"},
        )
    )[0].response
    assert "attacker.invalid" not in foreign.body and "Back button" in foreign.body


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"body": b"a=1", "content_type": "text/plain"}, 415),
        ({"body": b"message=%FF", "content_type": "application/x-www-form-urlencoded"}, 400),
        ({"body": b"m=" + b"x" * 200_000}, 413),
    ],
)
def test_bad_bodies_get_their_4xx(request_kwargs, status):
    outcome, sender = run(form_request(accept="application/json", **request_kwargs))
    assert outcome.response.status == status and sender.sent == []
    assert json.loads(outcome.response.body)["ok"] is False


def test_transient_send_failure_is_503_with_retry_after_never_sent():
    sender = RecordingSender(fail=SendFailed("TooManyRequestsException", transient=True))
    outcome, _ = run(form_request(VALID, accept="application/json"), sender)
    body = json.loads(outcome.response.body)
    assert outcome.response.status == 503 and outcome.response.headers["Retry-After"] == "60"
    assert body["ok"] is False and body["error"] == "send_unavailable"
    assert fixed_id() in body["message"] and "not sent" in body["message"]
    assert outcome.submission_id == fixed_id() and outcome.result == "send_failed"


def test_permanent_send_failure_is_502_and_html_page_says_not_sent():
    sender = RecordingSender(fail=SendFailed("MessageRejected", transient=False))
    outcome, _ = run(form_request(VALID), sender)
    assert outcome.response.status == 502
    assert "not sent" in outcome.response.body and "Location" not in outcome.response.headers
    assert outcome.reason == "MessageRejected"


def test_honeypot_gets_the_normal_answer_and_nothing_is_sent():
    outcome, sender = run(form_request([*VALID, ("_gotcha", "buy now")]))
    assert outcome.response.status == 303 and outcome.result == "spam"
    assert sender.sent == []


def test_the_sent_message_is_addressed_per_the_contract():
    _, sender = run(form_request(VALID))
    email = sender.sent[0]
    parsed = message_from_bytes(email.raw, policy=policy.default)
    assert parsed["From"].addresses[0].addr_spec == "forms@example.com"
    assert parsed["Reply-To"].addresses[0].addr_spec == "taro@example.jp"
    assert email.submission_id == fixed_id()


def test_cors_echoes_only_allowed_origins():
    allowed, _ = run(form_request(VALID, accept="application/json"))
    assert allowed.response.headers["Access-Control-Allow-Origin"] == "https://www.example.com"
    foreign, _ = run(
        form_request(VALID, accept="application/json", extra_headers={"origin": "https://evil.net"})
    )
    assert "Access-Control-Allow-Origin" not in foreign.response.headers
    assert "*" not in foreign.response.headers.values()


def test_preflight_unknown_route_and_wrong_method():
    pre, _ = run(form_request(method="OPTIONS"))
    assert pre.response.status == 204 and pre.result == "preflight"
    missing, _ = run(form_request(VALID, path="/nope", accept="application/json"))
    assert missing.response.status == 404
    get, sender = run(form_request(method="GET", accept="application/json"))
    assert get.response.status == 405 and get.response.headers["Allow"] == "POST"
    assert sender.sent == []


def test_misconfiguration_is_500_and_says_not_sent():
    outcome, sender = run(
        form_request(VALID, accept="application/json"), env={**ENV, "SENDER_ADDRESS": ""}
    )
    assert outcome.response.status == 500 and outcome.result == "misconfigured"
    assert "not sent" in json.loads(outcome.response.body)["message"] and sender.sent == []


def compiled_forms_file(tmp_path):
    from pathlib import Path

    from toiawase.forms.check import check_file, compiled_json

    source = tmp_path / "forms.yaml"
    source.write_text((Path(__file__).parents[2] / "forms.yaml").read_text("utf-8"), "utf-8")
    doc, problems = check_file(source)
    assert doc is not None and not problems, problems
    compiled = tmp_path / "forms.json"
    compiled.write_text(compiled_json(doc), "utf-8")
    return compiled


def test_prepare_reads_the_forms_file_and_the_catalogues_before_any_request(tmp_path):
    from toiawase.core import i18n
    from toiawase.core.forms import load

    env = {**ENV, "FORMS_FILE": str(compiled_forms_file(tmp_path))}
    load._load_cached.cache_clear()
    i18n.catalogue.cache_clear()
    prepare(env)
    assert i18n.catalogue.cache_info().currsize == len(i18n.LANGUAGES)
    assert load._load_cached.cache_info().misses == 1  # the file, read and checked
    outcome, _ = run(form_request(VALID), env=env)
    assert outcome.result == "sent"
    # the request found the forms and every catalogue it needed already read
    assert load._load_cached.cache_info().misses == 1
    assert i18n.catalogue.cache_info().misses == len(i18n.LANGUAGES)


def test_prepare_leaves_a_configuration_problem_to_the_request(tmp_path):
    env = {**ENV, "FORMS_FILE": str(tmp_path / "missing.json")}
    prepare(env)  # no exception: INIT must not fail on what a request answers
    outcome, sender = run(form_request(VALID), env=env)
    assert outcome.response.status == 500 and outcome.result == "misconfigured"
    assert "cannot be read" in (outcome.detail or "") and sender.sent == []
