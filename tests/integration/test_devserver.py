"""The dev server's routing, static site and mail preview, in process over real HTTP on 127.0.0.1.

The Lambda handler is a stand-in that records what reaches it, so these tests pin the dev
server's own behaviour: what it serves itself, what it forwards, and what it never serves.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from toiawase.local import sesbox
from toiawase.local.devserver import DevServer, make_server
from toiawase.local.preview import BODY_CSP, PAGE_CSP, render_index, render_message
from toiawase.local.runner import LocalRunner
from toiawase.local.sesbox import CapturedMail
from toiawase.local.site import EXAMPLE_SITE, default_site_root

SECRET = "outside-the-site-secret"


def captured(
    subject: str,
    *,
    display_name: str = "Example Co contact form",
    text: str = "hi",
    html_body: str | None = "<p>hi</p>",
) -> CapturedMail:
    message = EmailMessage()
    message["From"] = f'"{display_name}" <forms@example.com>'
    message["To"] = "owner@example.com"
    message["Reply-To"] = "taro@example.jp"
    message["Subject"] = subject
    message.set_content(text)
    if html_body is not None:
        message.add_alternative(html_body, subtype="html")
    return CapturedMail("id", "forms@example.com", ("owner@example.com",), bytes(message))


@dataclass
class FakeMailbox:
    mails: list[CapturedMail] = field(default_factory=list)

    def messages(self) -> list[CapturedMail]:
        return list(self.mails)


@dataclass
class Served:
    server: DevServer
    events: list[dict[str, Any]]
    mailbox: FakeMailbox
    out: io.StringIO

    @property
    def port(self) -> int:
        return self.server.server_port

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text('<meta charset="utf-8"><h1>問い合わせ</h1>', "utf-8")
    (root / "style.css").write_text("body{}", "utf-8")
    (root / "sub" / "index.html").write_text("sub page", "utf-8")
    (root / ".env").write_text(SECRET, "utf-8")
    (tmp_path / "outside.txt").write_text(SECRET, "utf-8")
    (root / "link-out").symlink_to(tmp_path / "outside.txt")
    return root


def serve(site_root: Path | None, ses: FakeMailbox | None) -> Iterator[Served]:
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        return {
            "statusCode": 404 if event["rawPath"] != "/submit" else 200,
            "headers": {"Content-Type": "application/json", "X-From": "lambda"},
            "body": json.dumps({"path": event["rawPath"]}),
        }

    out = io.StringIO()
    runner = LocalRunner(handler=handler, ses=ses)
    server = make_server(runner, "127.0.0.1", 0, site_root=site_root, out=out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(server, events, ses if ses is not None else FakeMailbox(), out)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served(site_root: Path) -> Iterator[Served]:
    yield from serve(site_root, FakeMailbox())


@pytest.fixture
def served_real_ses(site_root: Path) -> Iterator[Served]:
    yield from serve(site_root, None)


def test_static_files_are_served_with_utf8_types_and_not_forwarded(served):
    status, headers, body = served.request("GET", "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert body.decode("utf-8") == '<meta charset="utf-8"><h1>問い合わせ</h1>'
    assert headers["x-content-type-options"] == "nosniff"
    status, headers, _ = served.request("GET", "/style.css")
    assert status == 200 and headers["content-type"] == "text/css; charset=utf-8"
    status, headers, body = served.request("HEAD", "/")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0
    assert served.events == []


def test_a_folder_is_served_by_its_index_behind_a_slash(served):
    status, headers, _ = served.request("GET", "/sub")
    assert status == 301 and headers["location"] == "/sub/"
    status, _, body = served.request("GET", "/sub/")
    assert status == 200 and body == b"sub page"


@pytest.mark.parametrize(
    "path",
    [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/..%2foutside.txt",
        "/sub/../../outside.txt",
        "/sub%5c..%5c..%5coutside.txt",
        "/.env",
        "/sub/%2e%2e/.env",
        "/link-out",
        "/index.html%00.txt",
    ],
)
def test_nothing_outside_the_site_or_hidden_is_served(served, path):
    status, headers, body = served.request("GET", path)
    assert SECRET.encode() not in body
    assert status == 404 and headers["x-from"] == "lambda"  # the handler's "not found"


def test_api_routes_reach_the_lambda_handler_as_payload_2_events(served):
    status, headers, body = served.request(
        "POST",
        "/submit?x=1",
        b"name=%E5%B1%B1%E7%94%B0",
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    assert status == 200 and headers["x-from"] == "lambda"
    event = served.events[-1]
    assert event["version"] == "2.0" and event["routeKey"] == "POST /submit"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["headers"]["accept"] == "application/json"
    # A route the dev server does not know (a status endpoint, say) is the handler's to answer.
    status, _, body = served.request("GET", "/submissions/abc")
    assert status == 404 and json.loads(body) == {"path": "/submissions/abc"}
    assert served.events[-1]["routeKey"] == "GET /submissions/abc"


def test_request_log_lines_carry_no_query_or_body(served):
    served.request(
        "POST",
        "/submit?email=taro%40example.jp",
        b"message=secret-words",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    log = served.out.getvalue()
    assert re.search(r"^\d\d:\d\d:\d\d  POST /submit  200  \d+ ms$", log, re.M), log
    assert "taro" not in log and "secret-words" not in log


def test_preview_lists_newest_first_and_serves_each_part(served):
    served.mailbox.mails += [captured("first 一通目"), captured("second 二通目")]
    status, headers, body = served.request("GET", "/_mail")
    page = body.decode("utf-8")
    assert status == 200 and headers["content-security-policy"] == PAGE_CSP
    assert page.index('href="/_mail/2"') < page.index('href="/_mail/1"')
    assert page.index("second 二通目") < page.index("first 一通目")

    status, headers, body = served.request("GET", "/_mail/2")
    assert status == 200 and headers["content-security-policy"] == PAGE_CSP
    assert '<iframe sandbox="" src="/_mail/2/html"' in body.decode("utf-8")

    status, headers, body = served.request("GET", "/_mail/2/html")
    assert status == 200 and headers["content-security-policy"] == BODY_CSP
    assert headers["content-type"] == "text/html; charset=utf-8" and b"<p>hi</p>" in body

    status, headers, body = served.request("GET", "/_mail/1/raw")
    assert status == 200 and headers["content-type"] == "text/plain; charset=utf-8"
    assert headers["content-security-policy"] == BODY_CSP
    assert body == served.mailbox.mails[0].raw

    status, _, body = served.request("GET", "/_mail/messages.json")
    listed = json.loads(body)["messages"]
    assert [m["subject"] for m in listed] == ["first 一通目", "second 二通目"]
    assert listed[0]["reply_to"] == "taro@example.jp"

    for missing in ("/_mail/0", "/_mail/3", "/_mail/3/html", "/_mail/x", "/_mail/1/other"):
        assert served.request("GET", missing)[0] == 404
    assert served.events == []  # the preview never reaches the Lambda handler


def test_preview_is_read_only_and_answers_only_loopback_names(served):
    assert served.request("POST", "/_mail", b"")[0] == 405
    assert (
        served.request("GET", "/_mail", headers={"Host": f"evil.example:{served.port}"})[0] == 403
    )
    assert served.request("GET", "/_mail", headers={"Host": f"localhost:{served.port}"})[0] == 200
    assert served.request("GET", "/_mail", headers={"Host": f"127.0.0.1:{served.port}"})[0] == 200
    assert served.request("GET", "/_mail", headers={"Host": "localhost:1"})[0] == 403


def test_with_real_ses_the_preview_says_nothing_is_captured(served_real_ses):
    status, _, body = served_real_ses.request("GET", "/_mail")
    assert status == 200
    assert "real SES" in body.decode("utf-8") and "no mail is captured" in body.decode("utf-8")
    status, _, body = served_real_ses.request("GET", "/_mail/messages.json")
    assert json.loads(body) == {"messages": None}
    assert served_real_ses.request("GET", "/_mail/1")[0] == 404


def test_preview_pages_escape_every_header_and_body():
    hostile = "<script>alert(1)</script>"
    mail = captured(
        f"Subject {hostile}",
        display_name="<img src=x onerror=alert(2)>",
        text=f"</pre>{hostile}<b>",
        html_body=None,
    )
    for page in (render_index([mail]), render_message(1, mail)):
        text = page.body.decode("utf-8")
        assert "<script" not in text.lower() and "<img" not in text and "<b>" not in text
        assert "&lt;img src=x onerror=alert(2)&gt;" in text
        assert page.headers["Content-Security-Policy"] == PAGE_CSP
    message_page = render_message(1, mail).body.decode("utf-8")
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;" in message_page
    assert "<iframe" not in message_page  # no HTML body, no frame
    assert "script-src" not in PAGE_CSP and "'none'" in PAGE_CSP.split(";")[0]


def test_local_defaults_follow_the_port_unless_set(monkeypatch):
    environ: dict[str, str] = {"REDIRECT_URL": "https://www.example.com/thanks/"}
    monkeypatch.setattr(os, "environ", environ)
    sesbox.apply_local_env(embedded_ses=False, port=8080)
    assert environ["ALLOWED_ORIGINS"] == (
        "http://127.0.0.1:8080,http://localhost:8080,https://www.example.com"
    )
    assert environ["REDIRECT_URL"] == "https://www.example.com/thanks/"  # the user's own wins
    assert sesbox.local_defaults()["REDIRECT_URL"] == "http://127.0.0.1:3000/thanks.html"


def test_the_example_site_is_the_default_site():
    assert default_site_root() == EXAMPLE_SITE
    assert (EXAMPLE_SITE / "index.html").is_file() and (EXAMPLE_SITE / "thanks.html").is_file()


def test_dev_refuses_a_site_that_is_not_a_folder(tmp_path):
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("toiawase")),
            "dev",
            "--port",
            "0",
            "--site",
            str(tmp_path / "missing"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "not a folder" in result.stderr
