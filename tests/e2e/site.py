"""The example site the browser tests open: the dev server's (default), or, against a deployed
stack (``TOIAWASE_URL``), the same ``examples/site`` served by the test on 127.0.0.1.

Deployed, the page's forms post to the stack, as a site owner configures the example: each
``action="/…"`` becomes ``$TOIAWASE_URL/…``, the thank-you page's ``data-api`` the stack's
``…/submissions/``, and each form gets ``_next`` = this site's ``thanks.html`` (an allowed
origin's page, so the stack redirects a plain post back here whatever its ``RedirectUrl``).
The page's origin is fixed, ``http://127.0.0.1:$TOIAWASE_SITE_PORT`` (default
``DEFAULT_SITE_PORT``): add it to the test stack's ``AllowedOrigins``.
"""

from __future__ import annotations

import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.devserver import DevServerProcess
from tests.e2e.target import Target
from toiawase.local.site import EXAMPLE_SITE, StaticFile, StaticRedirect, resolve

SITE_PORT = "TOIAWASE_SITE_PORT"
DEFAULT_SITE_PORT = 3001  # next to make dev's 3000
DEV_ONLY = (
    "dev-only: it needs the local dev server (its mail preview or captured mail, a server of "
    "its own with injected faults, or no endpoint at all); unset TOIAWASE_URL to run it"
)


def site_port() -> int:
    value = os.environ.get(SITE_PORT, "").strip()
    return int(value) if value else DEFAULT_SITE_PORT


def site_origin() -> str:
    return f"http://127.0.0.1:{site_port()}"


# Plain string rewriting, not an HTML parser: the pages are this repository's own examples,
# and these are the exact attributes the docs tell a site owner to edit.
_ACTION = re.compile(r'(<form\b[^>]*\baction=")(/[^"]*)(")')
_FORM_OPEN = re.compile(r"(<form\b[^>]*\bdata-toiawase\b[^>]*>)")


def pointed_at(html: str, endpoint: str, origin: str) -> str:
    """The page with its forms posting to ``endpoint`` and redirected back to ``origin``."""
    html = _ACTION.sub(lambda m: m.group(1) + endpoint + m.group(2) + m.group(3), html)
    html = html.replace('data-api="/submissions/"', f'data-api="{endpoint}/submissions/"')
    back = f'<input type="hidden" name="_next" value="{origin}/thanks.html">'
    return _FORM_OPEN.sub(lambda m: m.group(1) + back, html)


class StaticSite:
    """``examples/site`` on 127.0.0.1:``port``, pointed at ``endpoint``; ``stop()`` ends it."""

    def __init__(self, endpoint: str, port: int, root: Path = EXAMPLE_SITE) -> None:
        origin = f"http://127.0.0.1:{port}"
        rewrite = endpoint.rstrip("/")

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = resolve(root, urlsplit(self.path).path)
                if isinstance(found, StaticRedirect):
                    self.send_response(301)
                    self.send_header("Location", found.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if not isinstance(found, StaticFile):
                    self.send_error(404)
                    return
                body = found.path.read_bytes()
                if found.content_type.startswith("text/html"):
                    body = pointed_at(body.decode("utf-8"), rewrite, origin).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", found.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: the test's output is the report

        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise RuntimeError(
                f"cannot serve the test site on {origin} ({exc}); "
                f"choose another port with {SITE_PORT}= (and allow its origin in the stack)"
            ) from exc
        self._server.daemon_threads = True
        self.base_url = origin
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Site:
    """What a browser test needs: the page URLs, the endpoint the forms post to, and the target
    for arrival checks. ``dev`` is the dev server when local, None against a deployed stack."""

    def __init__(self, target: Target, page_base: str, dev: DevServerProcess | None) -> None:
        self.target = target
        self.page_base = page_base.rstrip("/")
        self.dev = dev
        self._forms: dict[str, bool] = {}

    @property
    def deployed(self) -> bool:
        return self.dev is None

    def url(self, path: str = "/") -> str:
        """A page of the example site."""
        return self.page_base + path

    def endpoint(self, path: str) -> str:
        """An endpoint URL (``/submit``, ``/f/quote`` …) as the browser posts to it."""
        return self.target.url(path)

    def action(self, path: str) -> str:
        """A form's ``action`` attribute as the page carries it."""
        return path if self.dev is not None else self.target.url(path)

    def require_form(self, form: str) -> None:
        """Deployed: skip unless the stack serves the form ``form`` (it was deployed with this
        repository's forms.yaml). An empty post is answered 404 ``unknown_form`` or 422."""
        if self.dev is not None:
            return
        if form not in self._forms:
            answer = self.target.request(
                "POST",
                f"/f/{form}",
                b"",
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                    "Origin": self.target.origin,
                },
            )
            self._forms[form] = answer.status != 404
        if not self._forms[form]:
            pytest.skip(
                f"the stack has no form {form!r}: deploy it with this repository's forms.yaml"
            )

    def mail_count(self) -> int:
        """Messages captured so far (local); 0 against a deployed stack, whose mail this test
        cannot count (its arrival is judged by ``arrived``)."""
        return self.dev.mailbox.count() if self.dev is not None else 0

    def assert_no_new_mail(self, before: int) -> None:
        """Locally, nothing was sent since ``before``. Deployed, the 4xx answer the test saw is
        the check: the stack's mail is not readable from here."""
        if self.dev is not None:
            assert self.dev.mailbox.count() == before

    def arrived(self, submission_id: str) -> str:
        """SES has the submission (status endpoint; locally the captured message, deployed with
        ``TOIAWASE_STACK`` the stack's table): its status."""
        return self.target.wait_for_mail(submission_id)


def local_site(dev: DevServerProcess) -> Site:
    return Site(Target(dev.base_url, dev.base_url, dev), dev.base_url, dev)
