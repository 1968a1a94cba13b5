"""The example site's second page, ``quote.html``: the richer form of forms.yaml (``/f/quote``)
in headless Chromium against the real dev server (or a deployed stack deployed with this
forms.yaml, ``TOIAWASE_URL``), JavaScript off and on."""

from __future__ import annotations

import itertools
import re
from urllib.parse import parse_qs

import pytest

from tests.devserver import DevServerProcess
from tests.e2e.conftest import require_playwright, screenshot, text_body
from tests.e2e.site import Site
from toiawase.core.i18n import catalogue

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser

EMAIL = "hanako@example.jp"
NAME = "佐藤 花子"
_RUNS = itertools.count(1)


def fill_quote(page: Page, *, email: str = EMAIL, po_code: str = "AB-12345") -> str:
    """Fill every field; returns the details text (unique per call: the endpoint answers a
    repeated identical post with its first answer and sends nothing new)."""
    details = f"見積もりをお願いします。(run {next(_RUNS)})"
    page.get_by_label("Email").fill(email)
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Company").fill("株式会社サンプル")
    page.get_by_label("Product").select_option("pro")
    page.get_by_label("Yearly").check()
    page.get_by_label("Seats").fill("25")
    page.get_by_label("Needed by").fill("2027-03-31")
    page.get_by_label("Phone").fill("+81 3-1234-5678")
    page.get_by_label("Website").fill("https://example.jp/")
    page.get_by_label("Billing", exact=True).check()
    page.get_by_label("Sales", exact=True).check()
    page.get_by_label("PO number").fill(po_code)
    page.get_by_label("Details").fill(details)
    page.get_by_label("I agree to be contacted").check()
    return details


def assert_is_the_quote(dev_server: DevServerProcess, number: int, details: str) -> str:
    message = dev_server.mailbox.message(number)
    assert str(message["X-Toiawase-Form"]) == "quote"
    assert str(message["Subject"]) == "Quote request"
    assert [a.addr_spec for a in message["Reply-To"].addresses] == [EMAIL]
    # forms.yaml gives quote no recipients: the deployment's (the local default) receive it.
    assert [a.addr_spec for a in message["To"].addresses] == ["owner@example.com"]
    body = text_body(message)
    expected = [
        ("Email", EMAIL),
        ("お名前", NAME),
        ("Product", "pro"),
        ("Billing", "yearly"),
        ("Seats", "25"),
        ("Needed by", "2027-03-31"),
        ("Topics", "billing"),
        ("PO number", "AB-12345"),
        ("Details", details),
        ("Page", "quote.html"),
        ("I agree to be contacted", "yes"),
    ]
    positions = []
    for label, value in expected:
        match = re.search(rf"^{re.escape(label)}:\n  {re.escape(value)}$", body, re.MULTILINE)
        assert match is not None, (label, body)
        positions.append(match.start())
    assert positions == sorted(positions)  # declared order
    assert "  sales\n" in body  # every chosen value of the checkboxes
    assert "_gotcha" not in body
    assert "Form: Quote request (quote)" in body
    return str(message["X-Toiawase-Submission-Id"])


def assert_arrived(site: Site, before: int, details: str, reference: str) -> None:
    """Locally the one new captured message is this quote, field by field; deployed, the status
    endpoint (and the stack's table) say SES has it."""
    if site.dev is not None:
        assert site.dev.mailbox.count() == before + 1
        assert assert_is_the_quote(site.dev, before + 1, details) == reference
    site.arrived(reference)


@pytest.fixture
def quote_site(site: Site) -> Site:
    site.require_form("quote")
    return site


def test_the_quote_page_is_linked_labelled_and_posts_to_its_form(quote_site, nojs_page):
    page, site = nojs_page, quote_site
    page.goto(site.url("/"))
    page.get_by_role("link", name="Request a quote").click()
    assert page.url == site.url("/quote.html")
    assert page.locator("meta[charset]").get_attribute("charset") == "utf-8"
    form = page.locator("form")
    assert form.get_attribute("action") == site.action("/f/quote")
    assert form.get_attribute("method") == "POST"
    for control in page.locator("form input:not([type=hidden]), form select, form textarea").all():
        if control.get_attribute("name") == "_gotcha":
            continue
        expect(control).to_have_accessible_name(re.compile(r"\S"))


def test_js_off_quote_lands_on_the_thank_you_page(quote_site, nojs_page):
    page, site = nojs_page, quote_site
    before = site.mail_count()
    page.goto(site.url("/quote.html"))
    details = fill_quote(page)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Request a quote").click()
    landed = navigation.value
    assert landed is not None and landed.url.startswith(site.url("/thanks.html?id="))
    post = landed.request.redirected_from
    assert post is not None and post.url == site.endpoint("/f/quote")
    redirect = post.response()
    assert redirect is not None and redirect.status == 303
    posted = parse_qs(post.post_data or "", keep_blank_values=True)
    assert posted["topics"] == ["billing", "sales"] and posted["consent"] == ["yes"]
    screenshot(page, "quote-thanks-js-off")
    match = re.search(r"[?&]id=([0-9a-f]{32})&status=sent$", landed.url)
    assert match is not None, landed.url
    assert_arrived(site, before, details, match.group(1))


def test_js_off_quote_errors_are_the_servers_page(quote_site, nojs_page):
    page, site = nojs_page, quote_site
    before = site.mail_count()
    page.goto(site.url("/quote.html"))
    fill_quote(page, email="hanako@example", po_code="12345")  # the browser accepts both
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Request a quote").click()
    answer = navigation.value
    assert answer is not None and answer.status == 422
    # The browser asks for Japanese (the fixtures' locale is ja-JP): the server's page is in
    # Japanese (docs/languages.md); the labels are the form's own.
    texts = catalogue("ja")
    expect(page.get_by_role("heading", level=1)).to_have_text(texts["page.title.422"])
    items = page.get_by_role("listitem")
    expect(items).to_have_count(2)
    # Each item names the field by its label (the JSON "fields" keys stay the field names).
    expect(items.filter(has_text="PO number")).to_contain_text(texts["field.pattern"])
    expect(items.filter(has_text="Email")).to_contain_text(texts["email.no_dot_in_domain"])
    screenshot(page, "quote-error-js-off")
    site.assert_no_new_mail(before)


def test_js_on_quote_shows_inline_errors_then_sends(quote_site, js_page):
    page, site = js_page, quote_site
    before = site.mail_count()
    page.goto(site.url("/quote.html"))
    fill_quote(page, email="hanako@example", po_code="12345")
    # The browser's own checks are hints; drop the consent box's so the server judges it too.
    page.get_by_label("I agree to be contacted").uncheck()
    page.locator("#q-consent").evaluate("box => box.removeAttribute('required')")
    page.get_by_role("button", name="Request a quote").click()
    status = page.locator("[data-toiawase-status]")
    expect(status).to_have_attribute("data-state", "invalid")
    for name, control in (("email", "#q-email"), ("po_code", "#q-po"), ("consent", "#q-consent")):
        slot = page.locator(f'[data-error-for="{name}"]')
        expect(slot).not_to_be_empty()
        expect(page.locator(control)).to_have_attribute("aria-invalid", "true")
    expect(page.locator('[data-error-for="po_code"]')).to_contain_text("format")
    expect(page.locator('[data-error-for="consent"]')).to_contain_text("ticked")
    expect(page.locator('[data-error-for="product"]')).to_be_empty()
    expect(page.locator("#q-email")).to_be_focused()
    screenshot(page, "quote-errors-js-on", full_page=True)
    site.assert_no_new_mail(before)

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("PO number").fill("AB-12345")
    page.get_by_label("I agree to be contacted").check()
    details = f"見積もりをお願いします。(run {next(_RUNS)})"
    page.get_by_label("Details").fill(details)
    page.get_by_role("button", name="Request a quote").click()
    expect(status).to_have_attribute("data-state", "sent")
    reference = status.locator("code").inner_text()
    # The script found the status endpoint from the action /f/quote.
    expect(status).to_contain_text(
        re.compile("Status: (accepted by the mail service|delivered to the site's mail server)")
    )
    expect(page.locator('[data-error-for="email"]')).to_be_empty()
    assert page.url == site.url("/quote.html")
    assert_arrived(site, before, details, reference)
