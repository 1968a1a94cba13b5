"""``toiawase.js`` against every answer the contract allows, including ones the local server does
not give today (``202 queued``, upstream failures, a dead network): the browser's requests are
answered by Playwright with the contract's shapes, so the script's handling of each is pinned.
The page is the dev server's, or with ``TOIAWASE_URL`` the test site pointed at the stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.e2e.conftest import require_playwright
from tests.e2e.site import Site

require_playwright()

from playwright.sync_api import Page, Route, expect  # noqa: E402

pytestmark = pytest.mark.browser

REFERENCE = "0123456789abcdef0123456789abcdef"


def answer(status: int, payload: object) -> Callable[[Route], None]:
    def fulfil(route: Route) -> None:
        route.fulfill(
            status=status,
            content_type="application/json; charset=utf-8",
            body=json.dumps(payload, ensure_ascii=False),
        )

    return fulfil


def open_filled_form(page: Page, site: Site) -> None:
    page.goto(site.url("/"))
    page.get_by_label("Name").fill("山田 太郎")
    page.get_by_label("Email").fill("taro@example.jp")
    page.get_by_label("Message").fill("こんにちは")


def test_queued_is_received_with_delivery_pending(site, js_page):
    page = js_page
    open_filled_form(page, site)
    page.route("**/submit", answer(202, {"ok": True, "id": REFERENCE, "status": "queued"}))
    page.get_by_role("button", name="Send").click()
    status = page.locator("[data-toiawase-status]")
    expect(status).to_have_attribute("data-state", "queued")
    expect(status).to_have_text(
        "Thank you, your message was received and will be delivered shortly. "
        f"Reference: {REFERENCE}"
    )
    expect(page.get_by_label("Message")).to_have_value("")


def test_errors_for_fields_without_a_slot_are_placed_and_described(site, js_page):
    page = js_page
    open_filled_form(page, site)
    fields = {"name": "is longer than 200 characters", "_subject": "is longer than 150 characters"}
    page.route(
        "**/submit",
        answer(422, {"ok": False, "error": "invalid_fields", "message": "…", "fields": fields}),
    )
    page.get_by_role("button", name="Send").click()
    name = page.get_by_label("Name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description("This field is longer than 200 characters")
    expect(name).to_be_focused()
    # The slot is created right after the field, and the hidden field's problem is not lost.
    expect(page.locator("#name + [data-error-for=name]")).to_have_text(
        "This field is longer than 200 characters"
    )
    expect(page.locator("[data-toiawase-status]")).to_have_text(
        "Please fix the fields marked below. _subject: is longer than 150 characters"
    )
    expect(page.get_by_label("Message")).to_have_value("こんにちは")


@pytest.mark.parametrize(
    ("status", "payload", "expected"),
    [
        (
            503,
            {
                "ok": False,
                "error": "send_unavailable",
                "message": "The mail service is busy. Reference: abc.",
            },
            "The mail service is busy. Reference: abc.",
        ),
        (
            502,
            "<html>Bad Gateway</html>",
            "The form service gave an unexpected answer (HTTP 502), "
            "so we cannot confirm that your message was sent.",
        ),
    ],
)
def test_failures_are_told_honestly_and_nothing_typed_is_lost(
    site, js_page, status, payload, expected
):
    page = js_page
    open_filled_form(page, site)
    if isinstance(payload, str):
        page.route("**/submit", lambda route: route.fulfill(status=status, body=payload))
    else:
        page.route("**/submit", answer(status, payload))
    button = page.get_by_role("button", name="Send")
    button.click()
    box = page.locator("[data-toiawase-status]")
    expect(box).to_have_attribute("data-state", "failed")
    expect(box).to_have_text(expected)
    expect(button).to_be_enabled()
    expect(page.get_by_label("Message")).to_have_value("こんにちは")


def test_an_unreachable_service_is_not_reported_as_sent(site, js_page):
    page = js_page
    open_filled_form(page, site)
    page.route("**/submit", lambda route: route.abort("connectionrefused"))
    button = page.get_by_role("button", name="Send")
    button.click()
    box = page.locator("[data-toiawase-status]")
    expect(box).to_have_attribute("data-state", "failed")
    expect(box).to_contain_text("could not be reached")
    expect(button).to_be_enabled()
    expect(page.get_by_label("Message")).to_have_value("こんにちは")
