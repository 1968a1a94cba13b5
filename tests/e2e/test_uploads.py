"""File uploads in Chromium against ``toiawase dev`` (embedded S3 in server mode, moto SES):
JavaScript off through the form post, JavaScript on through presigned POSTs with the progress
bar, a fake PDF refused next to its field, and a cancelled upload that sends nothing.

With ``TOIAWASE_URL`` the same pages post to a deployed stack (deployed with this repository's
forms.yaml, whose ``jobs`` form has the file field): the uploads go to its real S3 bucket, and
the message's arrival is judged by the status endpoint (and ``TOIAWASE_STACK``'s table), since
its attachments cannot be read here."""

from __future__ import annotations

import urllib.request

import pytest

from tests.e2e.conftest import require_playwright
from tests.e2e.site import Site

require_playwright()

from playwright.sync_api import FilePayload, Page, Route, expect  # noqa: E402

pytestmark = pytest.mark.browser

PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def pdf(size: int) -> bytes:
    return (PDF_HEAD + bytes(range(256)) * (size // 256 + 1))[:size]


@pytest.fixture
def files_server(site: Site) -> Site:
    """The site of ./forms.yaml, whose ``jobs`` form has the ``cv`` file field."""
    site.require_form("jobs")
    return site


def fill(page: Page, server: Site, name: str, data: bytes) -> None:
    page.goto(server.url("/apply.html"))
    page.get_by_label("Name").fill("山田 太郎")
    page.get_by_label("Email").fill("taro@example.jp")
    page.get_by_label("Cover letter").fill("応募します。")
    payload: FilePayload = {"name": name, "mimeType": "application/pdf", "buffer": data}
    page.set_input_files("#cv", files=[payload])


def test_js_off_a_200_kb_pdf_travels_with_the_post_and_is_attached(files_server, nojs_page):
    page = nojs_page
    data = pdf(200 * 1024)
    before = files_server.mail_count()
    fill(page, files_server, "履歴書.pdf", data)
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/thanks.html?**")
    reference = page.url.split("id=", 1)[1].split("&", 1)[0]
    files_server.arrived(reference)
    if files_server.dev is None:
        return  # deployed: the attachment is in the stack's recipients' mail, not readable here
    assert files_server.dev.mailbox.count() == before + 1
    message = files_server.dev.mailbox.newest()
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "履歴書.pdf"
    assert part.get_content() == data


def test_js_on_an_8_mb_pdf_goes_straight_to_s3_with_the_progress_bar_at_100(files_server, js_page):
    page = js_page
    data = pdf(8 * 1024 * 1024)
    before = files_server.mail_count()
    fill(page, files_server, "big.pdf", data)
    seen: list[int] = []
    page.expose_function("reportProgress", lambda value: seen.append(int(value)))
    page.evaluate(
        """() => new MutationObserver(() => {
             const bar = document.querySelector('[data-toiawase-progress]');
             if (bar) window.reportProgress(bar.getAttribute('data-percent'));
           }).observe(document.querySelector('form'), {subtree: true, attributes: true,
                                                       childList: true})"""
    )
    page.get_by_role("button", name="Send").click()
    status = page.locator("[data-toiawase-status]")
    expect(status).to_have_attribute("data-state", "sent", timeout=60_000)
    progress = page.locator("[data-toiawase-progress]")
    expect(progress).to_have_attribute("data-percent", "100")
    assert page.locator("[data-toiawase-progress] progress").evaluate("p => p.value") == 100
    assert seen and max(seen) == 100
    files_server.arrived(status.locator("code").inner_text())
    if files_server.dev is None:
        return  # deployed: the link is in the stack's recipients' mail, not readable here
    assert files_server.dev.mailbox.count() == before + 1
    message = files_server.dev.mailbox.newest()
    assert list(message.iter_attachments()) == []  # over the 7 MB attachment total: linked
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "big.pdf (application/pdf, 8 MB): download within 7 days" in text
    link = next(
        line.strip() for line in text.splitlines() if "/toiawase-files/submissions/" in line
    )
    with urllib.request.urlopen(link, timeout=30) as response:
        assert response.read() == data


def test_a_pdf_that_is_an_executable_is_refused_next_to_its_field(files_server, js_page):
    page = js_page
    before = files_server.mail_count()
    fill(page, files_server, "invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 4096)
    page.get_by_role("button", name="Send").click()
    error = page.locator('[data-error-for="cv"]')
    expect(error).to_contain_text("program, script or web page", timeout=30_000)
    expect(page.locator("#cv")).to_have_attribute("aria-invalid", "true")
    files_server.assert_no_new_mail(before)


def test_cancel_leaves_no_submission(files_server, js_page):
    page = js_page
    before = files_server.mail_count()
    fill(page, files_server, "cv.pdf", pdf(2 * 1024 * 1024))
    held: list[Route] = []
    page.route("**/toiawase-files", lambda route: held.append(route))  # the upload never ends
    page.get_by_role("button", name="Send").click()
    cancel = page.get_by_role("button", name="Cancel upload")
    expect(cancel).to_be_enabled(timeout=30_000)
    cancel.click()
    status = page.locator("[data-toiawase-status]")
    expect(status).to_have_attribute("data-state", "cancelled")
    expect(status).to_contain_text("Nothing was sent")
    page.wait_for_timeout(500)
    files_server.assert_no_new_mail(before)
