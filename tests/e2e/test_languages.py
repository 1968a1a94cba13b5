"""The visitor's language in a real browser: the HTML error page (JavaScript off) follows the
browser's Accept-Language; the inline errors (JavaScript on) follow the page's ``lang``, which
toiawase.js sends as Accept-Language, so the server's words match the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import require_playwright
from toiawase.core.i18n import catalogue

require_playwright()

from playwright.sync_api import expect  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

# The browser accepts this address (type=email), the server does not: a dot-less domain.
ADDRESS = "taro@example"
LOCALES = {"en": "en-US", "ja": "ja-JP"}


def _context_page(browser: Browser, language: str, javascript: bool) -> Iterator[Page]:
    context = browser.new_context(
        java_script_enabled=javascript,
        locale=LOCALES[language],
        viewport={"width": 900, "height": 1000},
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def _fill(page: Page) -> None:
    page.fill("#name", "山田 太郎")
    page.fill("#email", ADDRESS)
    page.fill("#message", "こんにちは")


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("path", ["/", "/ja.html"])
def test_error_page_with_javascript_off_follows_the_browsers_language(
    browser, dev_server, language, path
):
    for page in _context_page(browser, language, javascript=False):
        page.goto(dev_server.url(path))
        _fill(page)
        with page.expect_navigation():
            page.click("button[type=submit]")
        texts = catalogue(language)
        assert page.locator("html").get_attribute("lang") == language
        expect(page).to_have_title(texts["page.title.422"])
        expect(page.locator("main h1")).to_have_text(texts["page.title.422"])
        main = page.locator("main")
        expect(main).to_contain_text(texts["page.fix_intro"])
        expect(main).to_contain_text(texts["email.no_dot_in_domain"])
        expect(page.get_by_role("link", name=texts["page.back_link"])).to_be_visible()
        other = catalogue("en" if language == "ja" else "ja")
        expect(main).not_to_contain_text(other["page.fix_intro"])


@pytest.mark.parametrize("browser_language", ["en", "ja"])
@pytest.mark.parametrize(("path", "page_language"), [("/", "en"), ("/ja.html", "ja")])
def test_inline_errors_with_javascript_on_follow_the_pages_language(
    browser, dev_server, browser_language, path, page_language
):
    for page in _context_page(browser, browser_language, javascript=True):
        page.goto(dev_server.url(path))
        _fill(page)
        page.click("button[type=submit]")
        slot = page.locator('[data-error-for="email"]')
        texts = catalogue(page_language)
        problem = texts["email.no_dot_in_domain"]
        if page_language == "en":  # the script makes a fragment a sentence
            if problem.startswith(("is ", "was ", "are ")):
                problem = texts["js.field"] + problem
            problem = problem[0].upper() + problem[1:]
        expect(slot).to_have_text(problem)
        status = page.locator("[data-toiawase-status]")
        expect(status).to_have_text(texts["js.invalid"])
        expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")


def test_status_words_in_japanese_after_a_real_send(browser, dev_server):
    for page in _context_page(browser, "en", javascript=True):
        page.goto(dev_server.url("/ja.html"))
        page.fill("#email", "taro@example.jp")
        page.fill("#message", "テストです")
        page.click("button[type=submit]")
        texts = catalogue("ja")
        status = page.locator("[data-toiawase-status]")
        expect(status).to_have_attribute("data-state", "sent")
        expect(status).to_contain_text(texts["js.sent"])
        expect(page.locator("[data-toiawase-delivery]")).to_contain_text(texts["js.status"])
