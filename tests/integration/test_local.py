"""The local front door: `toiawase dev` (real HTTP on 127.0.0.1) and `toiawase invoke`."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.contract import CONTRACT_NAMES
from tests.devserver import CLI, ROOT, DevServerProcess
from toiawase.core import cors


def local_env() -> dict[str, str]:
    """A clean environment: no contract variables, so the local defaults apply."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    for name in CONTRACT_NAMES:
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


REQUEST_LINE = r"^\d\d:\d\d:\d\d  POST /submit  200  sent  id [0-9a-f]{32}  \d+ ms$"


def _post_json(server: DevServerProcess) -> None:
    response = server.post(
        json.dumps({"email": "taro@example.jp", "message": "こんにちは"}).encode(),
        {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{server.port}"},
    )
    assert response.status == 200


def test_dev_terminal_shows_one_readable_line_per_request_and_no_json():
    server = DevServerProcess()  # its own: the module's server has spent its rate limit
    try:
        _post_json(server)
        server.wait_for(REQUEST_LINE)
        server.wait_for(r"^Reply-To: taro@example\.jp")
        shown = "".join(server.output)
        assert '"level"' not in shown and '"_aws"' not in shown  # no JSON logs, no EMF
    finally:
        server.stop()


def test_dev_logs_json_shows_the_handlers_json_logs_and_emf_metrics():
    server = DevServerProcess("--logs", "json")
    try:
        _post_json(server)
        log = json.loads(server.wait_for(r'^\{"level".*"result":"sent"'))
        assert log["level"] == "INFO" and len(log["submission_id"]) == 32
        emf = json.loads(server.wait_for(r'^\{"_aws".*"SubmissionSent"'))
        names = {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
        assert "SubmissionSent" in names and emf["SubmissionSent"] == [1.0]
        server.wait_for(r"^Reply-To: taro@example\.jp")
        assert not any(re.match(REQUEST_LINE, line) for line in server.output)
        assert "taro@example.jp" not in "".join(
            line for line in server.output if line.startswith("{")
        )
    finally:
        server.stop()


@pytest.fixture
def fresh_dev_server() -> Iterator[DevServerProcess]:
    """A dev server of its own (the module's has spent its rate limits)."""
    server = DevServerProcess()
    yield server
    server.stop()


def test_data_commands_read_the_dev_servers_tables(fresh_dev_server):
    """``make dev`` prints how to reach its data; export, list and forget work against it."""
    import re

    dev_server = fresh_dev_server

    line = next(line for line in dev_server.output if "your data:" in line)
    match = re.search(r"--endpoint-url (\S+) --table (\S+)", line)
    assert match, line
    endpoint, table = match.groups()
    body = urlencode(
        {"name": "山田 花子", "email": "hanako@example.jp", "message": "=1+1 データ"}
    ).encode()
    response = dev_server.post(
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Origin": dev_server.base_url,
        },
    )
    answer = json.loads(response.read())
    assert answer.get("ok"), answer
    sid = answer["id"]
    where = ["--endpoint-url", endpoint, "--table", table]

    def run(*argv: str) -> str:
        result = subprocess.run(
            [CLI, *argv, *where], capture_output=True, env=local_env(), timeout=120, cwd=ROOT
        )
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout.decode("utf-8")

    exported = run("submissions", "export", "--format", "csv")
    assert exported.startswith("\ufeff") and sid in exported
    assert "山田 花子" in exported and "'=1+1 データ" in exported
    assert "h***@example.jp" in run("submissions", "list")
    assert f"deleted 1 submission(s)\n  submission {sid}" in run("forget", "hanako@example.jp")
    assert sid not in run("submissions", "export", "--format", "jsonl")
