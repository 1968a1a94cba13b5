"""axe-core (WCAG 2.0/2.1 A and AA, and best practice) finds nothing on any page the endpoint
and the dev server render: the example site with JavaScript off and on, its inline errors, the
thank-you page, the mail preview, and the endpoint's HTML error page of every status, in English
and in Japanese (``Accept-Language``, ``<html lang>``), with and without a ``Referer`` from an
allowed page.

axe-core is the ``axe.min.js`` that the ``axe-playwright-python`` package ships (installed by
``make``); it is read from disk and injected into each page, never fetched.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest

from tests.devserver import DevServerProcess
from tests.e2e.conftest import require_playwright

require_playwright()

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _axe_script() -> str:
    try:
        from axe_playwright_python.base import AXE_FILE_PATH
    except ImportError as exc:  # pragma: no cover - make installs it
        raise AssertionError("axe-playwright-python is missing: run make") from exc
    return Path(AXE_FILE_PATH).read_text("utf-8")


AXE = _axe_script()


@pytest.fixture
def plain_page(browser: Browser) -> Iterator[Page]:
    """A page as a visitor without JavaScript sees it, where axe-core can still run: the page's
    own scripts are not loaded (a context with JavaScript off cannot evaluate axe at all), and
    CSP is bypassed so the injected axe-core runs under the pages' script-free policies."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 900, "height": 1000})
    context.route("**/*.js", lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def script_page(browser: Browser) -> Iterator[Page]:
    """A page with its scripts running (toiawase.js), and CSP bypassed for axe-core."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 900, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; the violations, each with its nodes."""
    page.evaluate(AXE)
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def assert_accessible(page: Page, what: str) -> None:
    violations = axe_violations(page)
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
    ]
    assert summary == [], f"axe-core on {what}:\n" + "\n".join(summary)


def test_axe_finds_a_page_without_a_main_landmark(plain_page):
    # The checker must be able to fail: the error page as it was before this change.
    plain_page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head>'
        "<body><h1>Please fix the form</h1><p>x</p></body></html>"
    )
    assert {v["id"] for v in axe_violations(plain_page)} >= {"landmark-one-main", "region"}


# The example site, its inline errors, the thank-you page and the mail preview --------------


def test_example_site_js_off(site, plain_page):
    plain_page.goto(site.url("/"))
    assert_accessible(plain_page, "the example site (JavaScript off)")


def test_example_site_js_on_with_inline_errors(site, script_page):
    script_page.goto(site.url("/"))
    assert_accessible(script_page, "the example site (JavaScript on)")
    script_page.fill("#name", "山田 太郎")
    script_page.fill("#email", "taro@example")  # the browser accepts it; the server does not
    script_page.fill("#message", "アクセシビリティの確認です。")
    script_page.click("button")
    script_page.wait_for_selector('[aria-invalid="true"]')
    assert_accessible(script_page, "the example site's inline errors")


def test_thank_you_page_and_mail_preview(dev_server, plain_page):
    before = dev_server.mailbox.count()
    plain_page.goto(dev_server.url("/"))
    plain_page.fill("#name", "山田 太郎")
    plain_page.fill("#email", "taro@example.jp")
    plain_page.fill("#message", "アクセシビリティの確認です。")
    with plain_page.expect_navigation():
        plain_page.click("button")
    assert "/thanks.html?id=" in plain_page.url
    assert_accessible(plain_page, "the thank-you page")
    assert dev_server.mailbox.count() == before + 1
    plain_page.goto(dev_server.url("/_mail"))
    assert_accessible(plain_page, "the mail preview's list")
    plain_page.goto(dev_server.url(f"/_mail/{before + 1}"))
    assert_accessible(plain_page, "a message in the mail preview")


def test_deliveries_in_the_mail_preview(dev_server, plain_page):
    """The local receiver's pages: the list, one request, and a message with its deliveries."""
    import time
    import urllib.request

    plain_page.goto(dev_server.url("/_mail/deliveries"))
    assert_accessible(plain_page, "the deliveries list (empty or not)")
    body = urlencode({"name": "山田", "email": "taro@example.jp", "message": "<b>届く?</b>"})
    response = dev_server.post(
        body.encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Origin": dev_server.base_url,
        },
        path="/f/deliveries",
    )
    sid = json.loads(response.read())["id"]
    deadline = time.monotonic() + 30
    found: list[dict[str, Any]] = []
    while len(found) < 3 and time.monotonic() < deadline:
        with urllib.request.urlopen(dev_server.url("/_mail/deliveries.json")) as answer:
            found = [d for d in json.loads(answer.read())["deliveries"] if sid in d["body"]]
        time.sleep(0.3)
    assert len(found) == 3
    plain_page.goto(dev_server.url("/_mail/deliveries"))
    assert_accessible(plain_page, "the deliveries list")
    plain_page.goto(dev_server.url(found[0]["url"]))
    assert_accessible(plain_page, "one delivery")
    (mail,) = [e for e in dev_server.mailbox.entries() if e["submission_id"] == sid]
    plain_page.goto(dev_server.url(mail["url"]))
    assert plain_page.locator("#deliveries article").count() == 3
    assert_accessible(plain_page, "a message with its deliveries")


# The endpoint's own HTML pages, every status -------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _fields(**extra: str) -> bytes:
    fields = {"email": "taro@example.jp", "message": "こんにちは", **extra}
    return urlencode(fields).encode()


# name: (method, path, body, headers, extra server environment)
CASES: dict[str, tuple[str, str, bytes, dict[str, str]]] = {
    "400": ("POST", "/submit", b"message=%FF%FE", {}),
    "403": ("POST", "/submit", _fields(), {"Origin": "https://attacker.invalid"}),
    "404": ("GET", "/nothing-here", b"", {}),
    "405": ("GET", "/submit", b"", {}),
    "413": ("POST", "/submit", _fields(message="x" * 200_000), {}),
    "415": ("POST", "/submit", b"hello", {"Content-Type": "text/plain"}),
    "422": ("POST", "/submit", _fields(email="not-an-address", message=""), {}),
}


@pytest.fixture(scope="module")
def limited_server() -> Iterator[DevServerProcess]:
    """One submission a day per client: the second post is a 429. (A minute's limit alone let a
    busy machine's test straddle a minute boundary, and the "second" post was then the first.)"""
    server = DevServerProcess(env={"RATE_LIMITS": "client_minute=1,client_day=1"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def misconfigured_server() -> Iterator[DevServerProcess]:
    """A sender that is not an address: every post is a 500 (misconfigured)."""
    server = DevServerProcess(env={"SENDER_ADDRESS": "not an address"})
    yield server
    server.stop()


def _fetch(
    server: DevServerProcess, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        sent = {
            "Accept": BROWSER,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": server.base_url,
            **headers,
        }
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _render(page: Page, server: DevServerProcess, answer: tuple[int, dict[str, str], bytes]):
    """Show the endpoint's answer in the browser exactly as served (status, headers, bytes)."""
    status, headers, body = answer
    url = server.url("/_rendered-error-page")
    page.route(url, lambda route: route.fulfill(status=status, headers=headers, body=body), times=1)
    page.goto(url)


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("referer", [True, False], ids=["with-referer", "no-referer"])
@pytest.mark.parametrize("status", [*CASES, "429", "500"])
def test_endpoint_error_pages(status, referer, language, dev_server, plain_page, request):
    headers: dict[str, str]
    if status == "429":
        server = request.getfixturevalue("limited_server")
        method, path, body, headers = "POST", "/submit", _fields(), {}
        _fetch(server, method, path, _fields(message="first"), {})  # spends the day's one
    elif status == "500":
        server = request.getfixturevalue("misconfigured_server")
        method, path, body, headers = "POST", "/submit", _fields(), {}
    else:
        server = dev_server
        method, path, body, headers = CASES[status]
    form_page = server.url("/")
    headers = {**headers, "Accept-Language": language}
    if referer:
        headers = {**headers, "Referer": form_page}
    answer = _fetch(server, method, path, body, headers)
    assert answer[0] == int(status), answer
    assert answer[1]["Content-Type"].startswith("text/html"), answer
    page_text = answer[2].decode("utf-8")
    assert f'<html lang="{language}">' in page_text, page_text
    _render(plain_page, server, answer)
    assert_accessible(plain_page, f"the endpoint's {status} page")
    links = plain_page.locator("main a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    back_possible = status not in ("404", "500")  # no settings to check the Referer against
    if referer and back_possible:
        assert hrefs == [form_page], page_text
    else:
        assert hrefs == [], page_text
    if status == "422":
        assert "<strong>Email</strong>" in page_text and "<strong>Message</strong>" in page_text
    json.dumps(hrefs)
