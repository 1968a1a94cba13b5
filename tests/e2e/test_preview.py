"""The local mail preview (``/_mail``) in headless Chromium.

It shows what was really sent, and nothing submitted runs there: the form's hostile values are
text, and even a hostile HTML body (which the core never produces) stays inert in its sandbox.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from tests.devserver import DevServerProcess
from tests.e2e.conftest import require_playwright, screenshot
from toiawase.local.devserver import DevServer, make_server
from toiawase.local.preview import BODY_CSP, PAGE_CSP
from toiawase.local.runner import LocalRunner
from toiawase.local.sesbox import CapturedMail

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser


def submit_with_the_form(page: Page, dev_server: DevServerProcess, **values: str) -> str:
    """Send the example form with JavaScript on; returns the reference it shows."""
    page.goto(dev_server.url("/"))
    for label, value in values.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Send").click()
    status = page.locator("[data-toiawase-status]")
    expect(status).to_have_attribute("data-state", "sent")
    return status.locator("code").inner_text()


def test_preview_lists_the_newest_first_and_shows_a_message(dev_server, js_page):
    page = js_page
    first = submit_with_the_form(
        page, dev_server, Name="佐藤 花子", Email="hanako@example.jp", Message="最初のメッセージ"
    )
    reference = submit_with_the_form(
        page,
        dev_server,
        Name="鈴木 一郎",
        Email="ichiro@example.jp",
        Company="合同会社テスト",
        Message="見積もりをお願いします。\n納期は来月末を希望します。",
    )
    assert first != reference

    response = page.goto(dev_server.url("/_mail"))
    assert response is not None and response.headers["content-security-policy"] == PAGE_CSP
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("鈴木 一郎 via Example Co")
    expect(rows.first).to_contain_text("ichiro@example.jp")
    expect(rows.nth(1)).to_contain_text("佐藤 花子 via Example Co")
    screenshot(page, "preview-list")

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "New message from the Example Co form: Contact us: Website inquiry"
    )
    headline = page.locator("dl.headline")
    expected = {
        "From": "鈴木 一郎 via Example Co <forms@example.com>",
        "Reply-To": "ichiro@example.jp",
        "To": "owner@example.com",
        "Subject": "New message from the Example Co form: Contact us: Website inquiry",
        "Submission": reference,
    }
    for name, value in expected.items():
        expect(headline.locator(f'dt:text-is("{name}") + dd')).to_have_text(value)
    text = page.locator("#text-body")
    expect(text).to_contain_text("company:\n  合同会社テスト")
    expect(text).to_contain_text("  見積もりをお願いします。\n  納期は来月末を希望します。")

    frame_element = page.locator("iframe")
    assert frame_element.get_attribute("sandbox") == ""  # no allow-scripts, no allow-same-origin
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("cell", name="合同会社テスト")).to_be_visible()
    expect(frame.locator("body")).to_contain_text("納期は来月末を希望します。")
    screenshot(page, "preview-message", full_page=True)

    body = page.request.get(page.url + "/html")
    assert body.headers["content-security-policy"] == BODY_CSP


HOSTILE_NAME = "<img src=/pwned-name onerror=document.title='pwned'>"
HOSTILE_MESSAGE = "<script>document.title='pwned'</script><b>not bold</b>"
HOSTILE_COMPANY = '"><iframe src=/pwned-company></iframe>'


def test_hostile_form_values_are_shown_as_text(dev_server, js_page):
    page = js_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    submit_with_the_form(
        page,
        dev_server,
        Name=HOSTILE_NAME,
        Email="mallory@example.jp",
        Company=HOSTILE_COMPANY,
        Message=HOSTILE_MESSAGE,
    )
    page.goto(dev_server.url("/_mail"))
    expect(page.locator("tbody tr").first).to_contain_text(HOSTILE_NAME)
    page.locator("tbody tr").first.get_by_role("link").click()
    expect(page.locator('dl.headline dt:text-is("From") + dd')).to_contain_text(HOSTILE_NAME)
    expect(page.locator("#text-body")).to_contain_text(HOSTILE_MESSAGE)
    frame = page.frame_locator("iframe")
    expect(frame.locator("body")).to_contain_text(HOSTILE_MESSAGE)
    expect(frame.locator("body")).to_contain_text(HOSTILE_COMPANY)
    page.wait_for_load_state("load")
    assert page.title() != "pwned"
    assert page.locator("main img, main script, main b, main iframe:not([sandbox])").count() == 0
    assert frame.locator("img, script, b, iframe").count() == 0
    assert not [url for url in requested if "pwned" in url]


class FakeMailbox:
    def __init__(self, mails: list[CapturedMail]) -> None:
        self.mails = mails

    def messages(self) -> list[CapturedMail]:
        return list(self.mails)


def hostile_html_mail() -> CapturedMail:
    """A message whose HTML body tries everything: the preview must show it and run none of it."""
    message = EmailMessage()
    message["From"] = "Example Co contact form <forms@example.com>"
    message["To"] = "owner@example.com"
    message["Subject"] = "<script>document.title='pwned'</script>"
    message.set_content("plain text part")
    message.add_alternative(
        "<p id=visible>HTML part 本文</p>"
        "<script>fetch('/pwned-script'); top.location='/pwned-top'</script>"
        "<img src=/pwned-img onerror=\"fetch('/pwned-onerror')\">"
        '<link rel=stylesheet href="/pwned-css">'
        "<iframe src=/pwned-frame></iframe>"
        "<form action=/pwned-form method=post><button id=go>go</button></form>"
        '<meta http-equiv=refresh content="0;url=/pwned-refresh">',
        subtype="html",
    )
    return CapturedMail("m-1", "forms@example.com", ("owner@example.com",), bytes(message))


@pytest.fixture
def hostile_server() -> Iterator[tuple[DevServer, list[str]]]:
    """An in-process dev server whose only mail is hostile; records what reaches the handler."""
    forwarded: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        forwarded.append(event["rawPath"])
        return {"statusCode": 404, "headers": {"Content-Type": "text/plain"}, "body": "no"}

    runner = LocalRunner(handler=handler, ses=FakeMailbox([hostile_html_mail()]))
    server = make_server(runner, "127.0.0.1", 0, out=io.StringIO())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, forwarded
    server.shutdown()
    server.server_close()


def test_a_hostile_html_body_stays_inert_in_the_sandbox(hostile_server, js_page):
    server, forwarded = hostile_server
    page = js_page
    base = f"http://127.0.0.1:{server.server_port}"
    page.goto(f"{base}/_mail/1")
    frame = page.frame_locator("iframe")
    expect(frame.locator("#visible")).to_have_text("HTML part 本文")
    page.get_by_role("heading", level=1).wait_for()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "<script>document.title='pwned'</script>"
    )
    page.wait_for_timeout(500)  # room for anything that would run, load or refresh
    assert page.url == f"{base}/_mail/1" and page.title() != "pwned"
    # Opened on its own, the body is still sandboxed by its CSP header.
    response = page.goto(f"{base}/_mail/1/html")
    assert response is not None and response.headers["content-security-policy"] == BODY_CSP
    expect(page.locator("#visible")).to_have_text("HTML part 本文")
    page.wait_for_timeout(500)
    assert page.url == f"{base}/_mail/1/html"
    assert not [path for path in forwarded if "pwned" in path]
