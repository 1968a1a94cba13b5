"""The local front door: `toiawase dev` (real HTTP on 127.0.0.1) and `toiawase invoke`."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.devserver import CLI, ROOT, DevServerProcess
from toiawase.core import cors


def local_env() -> dict[str, str]:
    """A clean environment: no contract variables, so the local defaults apply."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    for name in (
        "SENDER_ADDRESS",
        "RECIPIENT_ADDRESSES",
        "FEEDBACK_ADDRESS",
        "ALLOWED_ORIGINS",
        "REDIRECT_URL",
        "SITE_NAME",
        "SES_CONFIGURATION_SET",
    ):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="module")
def dev_server() -> Iterator[DevServerProcess]:
    server = DevServerProcess()
    yield server
    server.stop()


def test_dev_server_html_post_redirects_and_prints_the_mail(dev_server):
    body = urlencode(
        {"name": "山田 太郎", "email": "taro@example.jp", "message": "ローカルからの送信です。"}
    ).encode()
    response = dev_server.post(
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "text/html,*/*;q=0.8",
            "Origin": f"http://127.0.0.1:{dev_server.port}",
        },
    )
    assert response.status == 303
    # The local defaults follow the port the dev server bound (--port 0 here).
    assert response.getheader("Location").startswith(
        f"http://127.0.0.1:{dev_server.port}/thanks.html?id="
    )
    assert (
        dev_server.wait_for(r"^From:").strip()
        == "From:     山田 太郎 via Example Co <forms@example.com>"
    )
    assert dev_server.wait_for(r"^Reply-To:").split()[-1] == "taro@example.jp"
    assert dev_server.wait_for(r"^To:").split()[-1] == "owner@example.com"
    assert "Example Co" in dev_server.wait_for(r"^Subject:")
    dev_server.wait_for("ローカルからの送信です。")


def test_dev_server_json_errors_and_cors(dev_server):
    response = dev_server.post(
        json.dumps({"email": "nope", "message": ""}).encode(),
        {"Content-Type": "application/json", "Origin": f"http://localhost:{dev_server.port}"},
    )
    payload = json.loads(response.read())
    assert response.status == 422 and set(payload["fields"]) == {"email", "message"}
    assert (
        response.getheader("Access-Control-Allow-Origin") == f"http://localhost:{dev_server.port}"
    )


def preflight(dev_server, path: str, origin: str, headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", dev_server.port, timeout=20)
    connection.request(
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )
    response = connection.getresponse()
    response.read()
    return response


@pytest.mark.parametrize("path", ["/submit", "/submissions/abc", "/f/contact"])
def test_dev_server_answers_preflights_as_api_gateway_from_the_template(dev_server, path):
    """API Gateway answers OPTIONS itself from CorsConfiguration (== toiawase.core.cors, checked
    in test_template); the dev server must too, so Idempotency-Key works here and in AWS."""
    origin = f"http://localhost:{dev_server.port}"
    response = preflight(dev_server, path, origin, "content-type,idempotency-key")
    assert response.status == 204
    got = {name.lower(): value for name, value in response.getheaders()}
    assert got["access-control-allow-origin"] == origin
    assert "idempotency-key" in got["access-control-allow-headers"].split(",")
    assert set(got["access-control-allow-methods"].split(",")) == set(cors.ALLOW_METHODS)
    assert got["access-control-max-age"] == str(cors.MAX_AGE_SECONDS)
    expected = cors.preflight_headers(origin, [origin])
    assert {k.lower(): v for k, v in expected.items()}.items() <= got.items()


def test_dev_server_preflight_from_a_foreign_origin_has_no_cors_headers(dev_server):
    response = preflight(dev_server, "/submit", "https://evil.example", "content-type")
    assert response.status == 204
    assert not [h for h, _ in response.getheaders() if h.lower().startswith("access-control")]


def test_invoke_prints_the_response_and_the_email():
    result = subprocess.run(
        [CLI, "invoke", "events/json.json"],
        capture_output=True,
        text=True,
        env=local_env() | {"ALLOWED_ORIGINS": "https://www.example.com"},
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert '"statusCode": 200' in result.stdout
    assert "Reply-To: jane@example.org" in result.stdout
    assert "From:     Jane Doe via Example Co <forms@example.com>" in result.stdout


def test_invoke_of_an_invalid_event_says_no_email_was_sent():
    result = subprocess.run(
        [CLI, "invoke", "events/invalid-email.json"],
        capture_output=True,
        text=True,
        env=local_env(),
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert '"statusCode": 422' in result.stdout and "(no email was sent)" in result.stdout


def test_dev_server_rate_limits_are_on_but_roomy(dev_server):
    statuses: list[int] = []
    for i in range(70):  # 30 a minute: even if a minute boundary passes, a 429 comes by 61
        if 429 in statuses:
            break
        body = urlencode({"email": "taro@example.jp", "message": f"試行 {i}"}).encode()
        response = dev_server.post(
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Origin": f"http://127.0.0.1:{dev_server.port}",
            },
        )
        response.read()
        statuses.append(response.status)
    assert statuses[-1] == 429 and statuses[:25] == [200] * 25
