"""End-to-end fixtures: the real dev server (``toiawase dev --port 0``) and the system Chromium.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (``playwright install`` needs
the internet; this does not). Outside CI a missing browser or Playwright skips these tests with
the reason; with ``CI=true`` it fails them: CI must prove the site works in a real browser.

With ``TOIAWASE_URL`` (a deployed stack, ``make e2e-deployed``) the tests that take ``site`` or
``target`` run against it (tests/e2e/site.py, target.py); every other test here is dev-only and
is skipped with the reason.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.devserver import DevServerProcess
from tests.e2e.site import DEV_ONLY, Site, StaticSite, local_site, site_port
from tests.e2e.target import arrival_note, deployed_target

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CLI = str(Path(sys.executable).with_name("toiawase"))
CHROMIUM = Path(os.environ.get("TOIAWASE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        return (
            f"no Chromium at {CHROMIUM} "
            "(apt-get install -y chromium chromium-driver fonts-noto-cjk)"
        )
    return None


def skip_or_fail(problem: str, *, module_level: bool = False) -> None:
    """Outside CI, skip with the reason; with ``CI=true``, fail: CI must run the browser tests."""
    if in_ci():
        pytest.fail(f"CI=true, so the browser tests must run, but {problem}", pytrace=False)
    pytest.skip(f"browser tests skipped: {problem}", allow_module_level=module_level)


def require_playwright() -> None:
    """For test modules, before they import Playwright: skip (or fail in CI) without it."""
    problem = browser_problem()
    if problem is not None and "Playwright" in problem:
        skip_or_fail(problem, module_level=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    problem = browser_problem()
    if problem is not None:
        skip_or_fail(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def text_body(message: EmailMessage) -> str:
    """The text body with the wire's CRLF line ends as ``\n``."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def html_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


@pytest.fixture(scope="session")
def dev_server(browser: Browser) -> Iterator[DevServerProcess]:
    """Started only once a browser is there, so a skip costs nothing."""
    if deployed_target() is not None:
        pytest.skip(DEV_ONLY)
    server = DevServerProcess()
    yield server
    server.stop()


def _page(browser: Browser, *, javascript: bool) -> Iterator[Page]:
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": 900, "height": 1000},
        locale="ja-JP",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture
def js_page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context with JavaScript on; any script error fails the test."""
    yield from _page(browser, javascript=True)


@pytest.fixture
def nojs_page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context with JavaScript off, as some visitors (and crawlers) browse."""
    yield from _page(browser, javascript=False)


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot under test-artifacts/ (kept by CI, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if full_page:
        # Grow the viewport rather than use full_page=True: Chromium's full-page capture leaves
        # out-of-process frames (the sandboxed HTML body) blank.
        size = page.viewport_size
        assert size is not None
        height = int(page.evaluate("document.documentElement.scrollHeight"))
        page.set_viewport_size({"width": size["width"], "height": height})
        page.screenshot(path=str(path))
        page.set_viewport_size(size)
    else:
        page.screenshot(path=str(path))
    return path


@pytest.fixture(scope="session")
def site(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Site]:
    """The example site and its endpoint: the dev server, or with ``TOIAWASE_URL`` the deployed
    stack, with ``examples/site`` served on ``http://127.0.0.1:$TOIAWASE_SITE_PORT``."""
    deployed = deployed_target()
    if deployed is None:
        yield local_site(request.getfixturevalue("dev_server"))
        return
    static = StaticSite(deployed.base_url, site_port())
    try:
        yield Site(deployed, static.base_url, None)
    finally:
        static.stop()


def pytest_report_header() -> str:
    return arrival_note()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Against a deployed stack, a test here that takes neither ``site`` nor ``target`` is
    dev-only (the mail preview, fault injection, its own dev server): skipped, with why."""
    if deployed_target() is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here not in item.path.parents:
            continue
        if item.get_closest_marker("skipif") or item.get_closest_marker("skip"):
            continue  # it says for itself why it does not run here
        if not {"site", "target"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.skip(reason=DEV_ONLY))
