"""The example site in headless Chromium, against the real dev server and its embedded SES, or
a deployed stack (``TOIAWASE_URL``; the site then served from 127.0.0.1, tests/e2e/site.py).

JavaScript off: the plain form posts, the browser follows the 303, errors come as the server's
page. JavaScript on: ``toiawase.js`` posts with fetch and shows the reference or field errors.
Locally the email that SES accepted is read back and checked header by header; deployed, its
arrival is judged by the status endpoint and (``TOIAWASE_STACK``) the stack's table.
"""

from __future__ import annotations

import itertools
import re
import time
from urllib.parse import parse_qs

import pytest

from tests.devserver import DevServerProcess
from tests.e2e.conftest import require_playwright, screenshot, text_body
from tests.e2e.site import Site
from toiawase.core.i18n import catalogue

require_playwright()

from playwright.sync_api import Page, Route, expect  # noqa: E402

pytestmark = pytest.mark.browser

NAME = "山田 太郎"
EMAIL = "taro@example.jp"
COMPANY = "株式会社サンプル"
MESSAGE = "お問い合わせのテストです。\n二行目も、そのまま届きますように。"
SUBJECT = "New message from the Example Co form: Contact us: Website inquiry"
SERVER_INVALID_EMAIL = "taro@example"  # the browser's type=email accepts it; the server does not
# What the status line shows once SES has the message: locally "sent" is as far as it goes (no
# SES feedback); a deployed stack with delivery events may already say "delivered".
ARRIVED = re.compile(r"Status: (accepted by the mail service|delivered to the site's mail server)$")


_RUNS = itertools.count(1)


def fill_form(page: Page, *, email: str = EMAIL, message: str = MESSAGE) -> None:
    # By label: the fields are reachable the way assistive technology reaches them.
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Company").fill(COMPANY)
    page.get_by_label("Message").fill(message)
    # Each test's post must differ: the endpoint answers an identical post from the same client
    # within its idempotency window with the first answer and sends nothing new (as it should).
    page.evaluate(
        """run => { const i = document.createElement("input"); i.type = "hidden";
                    i.name = "test_run"; i.value = String(run);
                    document.querySelector("form").appendChild(i); }""",
        next(_RUNS),
    )


def assert_is_the_submission(dev_server: DevServerProcess, number: int) -> str:
    """The captured message ``number`` is this test's submission; returns its submission id."""
    message = dev_server.mailbox.message(number)
    from_header = message["From"]
    assert str(from_header) == f"{NAME} via Example Co <forms@example.com>"
    assert [a.addr_spec for a in from_header.addresses] == ["forms@example.com"]
    assert [a.addr_spec for a in message["Reply-To"].addresses] == [EMAIL]
    assert [a.addr_spec for a in message["To"].addresses] == ["owner@example.com"]
    assert str(message["Subject"]) == SUBJECT
    body = text_body(message)
    assert f"Name:\n  {NAME}\n" in body  # the label of forms.yaml's contact form
    assert f"company:\n  {COMPANY}\n" in body
    for line in MESSAGE.split("\n"):
        assert f"  {line}\n" in body
    assert f"Page: {dev_server.url('/')}" in body
    assert "_gotcha" not in body and "_subject" not in body
    submission_id = str(message["X-Toiawase-Submission-Id"])
    assert re.fullmatch(r"[0-9a-f]{32}", submission_id)
    return submission_id


def assert_arrived(site: Site, before: int, reference: str) -> None:
    """This test's submission ``reference`` reached SES: locally the one new captured message
    is it, header by header; deployed, the status endpoint (and the stack's table) say so."""
    if site.dev is not None:
        assert site.dev.mailbox.count() == before + 1
        assert assert_is_the_submission(site.dev, before + 1) == reference
    site.arrived(reference)


def reference_in(url: str) -> str:
    match = re.search(r"[?&]id=([0-9a-f]{32})(&|$)", url)
    assert match is not None, url
    return match.group(1)


def test_form_is_labelled_utf8_and_keyboard_reachable(site, nojs_page):
    page = nojs_page
    response = page.goto(site.url("/"))
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert page.locator("meta[charset]").get_attribute("charset") == "utf-8"
    form = page.locator("form")
    assert form.get_attribute("method") == "POST"
    assert form.get_attribute("action") == site.action("/submit")
    assert form.get_attribute("accept-charset") == "UTF-8"
    expect(page.get_by_role("textbox", name="Email")).to_have_attribute("type", "email")
    expect(page.get_by_role("textbox", name="Email")).to_have_accessible_description(
        "We reply to this address and use it for nothing else."
    )
    for label in ("Email", "Message"):
        expect(page.get_by_label(label)).to_have_attribute("required", "")
    # Tab walks the four fields, then the button, and never lands on the honeypot.
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate("document.activeElement.name || document.activeElement.tagName")
        )
    assert focused[:5] == ["name", "email", "company", "message", "BUTTON"]
    assert "_gotcha" not in focused


def test_js_off_japanese_submission_lands_on_the_thank_you_page(site, nojs_page):
    page = nojs_page
    before = site.mail_count()
    page.goto(site.url("/"))
    fill_form(page)
    screenshot(page, "form-js-off-filled")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send").click()
    landed = navigation.value
    assert landed is not None and landed.url.startswith(site.url("/thanks.html?id="))
    post = landed.request.redirected_from
    assert post is not None and post.method == "POST" and post.url == site.endpoint("/submit")
    redirect = post.response()
    assert redirect is not None and redirect.status == 303
    # A plain form: urlencoded UTF-8, as accept-charset and <meta charset> ask.
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    posted = parse_qs(post.post_data or "", keep_blank_values=True)
    assert posted["name"] == [NAME] and posted["_gotcha"] == [""]
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    screenshot(page, "thanks-js-off")

    submission_id = reference_in(landed.url)
    assert_arrived(site, before, submission_id)
    # The redirect carries the reference, so the thank-you page can show it.
    assert landed.url == site.url(f"/thanks.html?id={submission_id}&status=sent")
    if site.dev is not None:  # the dev server still prints each message to the terminal
        site.dev.wait_for(r"^From:\s+山田 太郎 via Example Co <forms@example.com>$")
        site.dev.wait_for(rf"^Submission: {submission_id}$")


def test_js_off_invalid_email_shows_the_servers_page_and_sends_nothing(site, nojs_page):
    page = nojs_page
    before = site.mail_count()
    page.goto(site.url("/"))
    fill_form(page, email=SERVER_INVALID_EMAIL)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send").click()
    answer = navigation.value
    assert answer is not None and answer.status == 422
    # The browser asks for Japanese (the fixtures' locale is ja-JP), so the page is Japanese.
    texts = catalogue("ja")
    expect(page.get_by_role("heading", level=1)).to_have_text(texts["page.title.422"])
    expect(page.get_by_role("listitem")).to_contain_text("Email")  # the label, not the raw name
    expect(page.get_by_role("listitem")).to_contain_text(texts["email.no_dot_in_domain"])
    screenshot(page, "error-js-off")
    back = page.get_by_role("link", name=texts["page.back_link"])
    assert back.get_attribute("href") == site.url("/")
    back.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contact us")
    site.assert_no_new_mail(before)


def test_js_on_submission_shows_the_reference(site, js_page):
    page = js_page
    before = site.mail_count()
    page.goto(site.url("/"))
    fill_form(page)
    screenshot(page, "form-filled")
    held: list[Route] = []
    page.route("**/submit", lambda route: held.append(route))  # hold it: see the form sending
    button = page.get_by_role("button", name="Send")
    status = page.locator("[data-toiawase-status]")
    button.click()

    expect(button).to_be_disabled()
    expect(status).to_have_text("Sending…")
    expect(page.locator("form")).to_have_attribute("aria-busy", "true")
    deadline = time.monotonic() + 5
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(20)  # lets Playwright deliver the route event
    assert len(held) == 1
    request = held[0].request
    assert request.method == "POST"
    assert request.headers["accept"] == "application/json"
    assert parse_qs(request.post_data or "")["message"] == [MESSAGE]
    held[0].continue_()

    expect(status).to_have_attribute("data-state", "sent")
    reference = status.locator("code").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", reference)
    # Then the status endpoint is asked how delivery went (the dev server has no SES
    # feedback, so "sent" = accepted by SES is as far as it goes locally).
    expect(status).to_have_text(
        re.compile(
            re.escape(f"Thank you, your message was sent. Reference: {reference} ")
            + ARRIVED.pattern
        )
    )
    expect(button).to_be_enabled()
    expect(page.get_by_label("Message")).to_have_value("")  # reset for a next message
    assert page.url == site.url("/")  # no navigation: the page stayed
    screenshot(page, "form-sent")
    assert_arrived(site, before, reference)


def test_thank_you_page_shows_the_reference_and_status_from_the_redirect(site, nojs_page, js_page):
    before = site.mail_count()
    nojs_page.goto(site.url("/"))
    fill_form(nojs_page)
    with nojs_page.expect_navigation() as navigation:
        nojs_page.get_by_role("button", name="Send").click()
    landed = navigation.value
    assert landed is not None
    submission_id = reference_in(landed.url)
    assert_arrived(site, before, submission_id)
    # The same thank-you URL with JavaScript on: the reference, then the delivery status.
    js_page.goto(landed.url)
    receipt = js_page.locator("[data-toiawase-receipt]")
    expect(receipt.locator("code")).to_have_text(submission_id)
    expect(receipt.locator("[data-toiawase-delivery]")).to_have_text(ARRIVED)
    screenshot(js_page, "thanks-js-on")
    # A made-up or malformed reference shows nothing.
    js_page.goto(site.url("/thanks.html?id=%3Cimg%20src%3Dx%3E"))
    expect(receipt).to_have_text("")


def test_js_on_invalid_email_is_shown_next_to_the_field_and_nothing_is_sent(site, js_page):
    page = js_page
    before = site.mail_count()
    page.goto(site.url("/"))
    fill_form(page, email=SERVER_INVALID_EMAIL)
    page.get_by_role("button", name="Send").click()

    email = page.get_by_label("Email")
    error = page.locator("#email-error")
    expect(error).to_contain_text("a domain with a dot")  # our words, not email-validator's
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()
    expect(email).to_have_accessible_description(re.compile(r"a domain with a dot"))
    expect(page.locator("[data-toiawase-status]")).to_have_attribute("data-state", "invalid")
    # Next to the field: right under the input, not in a banner elsewhere.
    field_box, error_box = email.bounding_box(), error.bounding_box()
    assert field_box is not None and error_box is not None
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 60
    expect(page.get_by_label("Message")).to_have_value(MESSAGE)  # nothing typed is lost
    screenshot(page, "form-invalid")
    site.assert_no_new_mail(before)

    email.fill(EMAIL)
    page.get_by_role("button", name="Send").click()
    status = page.locator("[data-toiawase-status]")
    expect(status).to_have_attribute("data-state", "sent")
    expect(error).to_be_empty()
    expect(email).not_to_have_attribute("aria-invalid", "true")
    assert_arrived(site, before, status.locator("code").inner_text())


def test_honeypot_is_invisible_and_unfocusable_but_there_for_bots(site, js_page):
    page = js_page
    page.goto(site.url("/"))
    honeypot = page.locator('input[name="_gotcha"]')
    expect(honeypot).to_have_count(1)
    expect(honeypot).to_be_editable()  # a real text input a bot will fill, not type=hidden
    expect(honeypot).to_have_attribute("tabindex", "-1")
    expect(honeypot).to_have_attribute("autocomplete", "off")
    expect(page.locator('[aria-hidden="true"]:has(input[name="_gotcha"])')).to_have_count(1)
    # Not on screen: the whole box lies left of the viewport.
    box = honeypot.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0
    # Not in the accessibility tree: four textboxes, none of them the honeypot.
    textboxes = page.get_by_role("textbox")
    expect(textboxes).to_have_count(4)
    names = [textboxes.nth(i).get_attribute("name") for i in range(4)]
    assert names == ["name", "email", "company", "message"]
    tree = page.locator("form").aria_snapshot()
    assert "Leave this field empty" not in tree and "Email" in tree
    # Not reachable with the keyboard, forwards or backwards.
    page.get_by_label("Company").focus()
    for key in ("Tab", "Shift+Tab", "Shift+Tab"):
        page.keyboard.press(key)
        assert page.evaluate("document.activeElement.name") != "_gotcha"
    page.get_by_role("button", name="Send").focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.name") == "message"


def test_a_bot_that_fills_the_honeypot_sends_nothing(site, nojs_page):
    page = nojs_page
    before = site.mail_count()
    page.goto(site.url("/"))
    fill_form(page)
    page.locator('input[name="_gotcha"]').fill("http://spam.example/", force=True)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send").click()
    site.assert_no_new_mail(before)
    landed = navigation.value
    assert landed is not None  # the same answer a person gets: bots learn nothing
    if site.target.table is not None:  # deployed: the stack kept it as spam, sent nothing
        assert site.target.table.status(reference_in(landed.url)) == "spam"
