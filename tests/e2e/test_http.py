"""The endpoint over HTTP, end to end: the same checks against the local dev server (default)
or a deployed stack (``TOIAWASE_URL``; ``make e2e-deployed``). No browser needed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.devserver import DevServerProcess
from tests.e2e.target import Target, deployed_target, local_target

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    deployed = deployed_target()
    if deployed is not None:
        yield deployed
        return
    dev = DevServerProcess()
    try:
        yield local_target(dev)
    finally:
        dev.stop()


def _fields(**extra: str) -> dict[str, str]:
    # A fresh message each run, so idempotency never answers from an earlier one.
    return {
        "name": "山田 太郎",
        "email": "taro@example.jp",
        "message": f"end-to-end check {uuid.uuid4().hex}",
        **extra,
    }


def test_a_json_client_is_told_sent_and_the_mail_arrives(target):
    answer = target.post_form(_fields(), Accept="application/json")
    assert answer.status in (200, 202), answer
    data = answer.json()
    assert data["ok"] is True and re.fullmatch(r"[0-9a-f]{32}", data["id"])
    assert target.wait_for_mail(data["id"]) in ("sent", "delivered")
    status = target.status_of(data["id"])
    assert set(status) == {"id", "form", "status", "updated_at"}  # never the content


def test_a_plain_form_is_redirected_to_the_thank_you_page_with_its_reference(target):
    answer = target.post_form(_fields(), Accept="text/html,*/*;q=0.8")
    assert answer.status == 303, answer
    location = answer.headers["location"]
    match = re.search(r"[?&]id=([0-9a-f]{32})", location)
    assert match is not None, location
    target.wait_for_mail(match.group(1))


def test_invalid_fields_get_422_with_each_problem_and_nothing_is_sent(target):
    answer = target.post_form(_fields(email="not-an-address"), Accept="application/json")
    assert answer.status == 422
    data = answer.json()
    assert data["ok"] is False and data["error"] == "invalid_fields" and "email" in data["fields"]


def test_another_site_is_refused_with_403(target):
    answer = target.post_form(
        _fields(), Accept="application/json", Origin="https://attacker.invalid"
    )
    assert answer.status == 403 and answer.json()["error"] == "origin_not_allowed"


def test_an_unknown_submission_is_404_json(target):
    answer = target.request(
        "GET", "/submissions/" + "0" * 32, headers={"Accept": "application/json"}
    )
    assert answer.status == 404 and answer.json()["error"] == "not_found"


def test_the_error_page_for_a_plain_form_is_html(target):
    answer = target.post_form(_fields(message=""), Accept="text/html")
    assert answer.status == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert b"<main" in answer.body
