"""Captcha checks against a fake verification server on 127.0.0.1 speaking each provider's
real request and response format: success, failure, low score, timeout, 5xx."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest

from tests.integration.test_durability import call, submit_event

SECRET = "0x4AAAAAAA-test-secret"
TOKEN_FIELDS = {
    "turnstile": "cf-turnstile-response",
    "hcaptcha": "h-captcha-response",
    "recaptcha-v2": "g-recaptcha-response",
    "recaptcha-v3": "g-recaptcha-response",
}


class FakeProvider:
    """siteverify as Turnstile, hCaptcha and reCAPTCHA answer it (documented formats)."""

    def __init__(self) -> None:
        self.mode = "success"
        self.requests: list[dict[str, list[str]]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                provider.requests.append(form)
                assert self.headers["content-type"] == "application/x-www-form-urlencoded"
                if provider.mode == "timeout":
                    time.sleep(1.5)
                if provider.mode == "5xx":
                    self.send_response(503)
                    self.end_headers()
                    return
                body = provider.answer(form)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/siteverify"

    def answer(self, form: dict[str, list[str]]) -> dict[str, Any]:
        good = form.get("secret") == [SECRET] and form.get("response") == ["good-token"]
        if self.mode == "low-score" or (self.mode == "success" and good):
            score = 0.2 if self.mode == "low-score" else 0.9
            return {
                "success": True,
                "challenge_ts": "2026-11-28T09:30:00Z",
                "hostname": "www.example.com",
                "score": score,
                "action": "contact",
            }
        return {"success": False, "error-codes": ["invalid-input-response"]}


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def captcha_env(durable, provider, monkeypatch):
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name="/toiawase/captcha-secret", Value=SECRET, Type="SecureString"
    )
    monkeypatch.setenv("CAPTCHA_SECRET_PARAMETER", "/toiawase/captcha-secret")
    monkeypatch.setenv("CAPTCHA_VERIFY_URL", provider.url)
    monkeypatch.setenv("CAPTCHA_TIMEOUT_SECONDS", "0.5")

    def use(name: str) -> str:
        monkeypatch.setenv("CAPTCHA_PROVIDER", name)
        return TOKEN_FIELDS[name]

    return use


VALID = [("name", "山田 太郎"), ("email", "taro@example.jp"), ("message", "お問い合わせです")]


@pytest.mark.parametrize("name", sorted(TOKEN_FIELDS))
def test_a_good_token_passes_and_is_verified_with_secret_and_ip(
    durable, provider, captcha_env, name
):
    field = captcha_env(name)
    status, _, body = call(
        durable.api.lambda_handler, submit_event([*VALID, (field, "good-token")])
    )
    assert (status, body["status"]) == (200, "sent")
    [request] = provider.requests
    assert request == {"secret": [SECRET], "response": ["good-token"], "remoteip": ["198.51.100.4"]}
    [message] = durable.ses.accepted()
    assert field not in message.get_body(("plain",)).get_content()  # a control, never in the mail


@pytest.mark.parametrize("name", ["turnstile", "hcaptcha", "recaptcha-v2"])
def test_a_bad_token_is_a_clear_422_and_nothing_is_sent(durable, provider, captcha_env, name):
    field = captcha_env(name)
    status, _, body = call(durable.api.lambda_handler, submit_event([*VALID, (field, "forged")]))
    assert status == 422 and body["error"] == "captcha_failed" and "captcha" in body["fields"]
    assert durable.sent_ids() == []


def test_a_missing_token_is_422_without_asking_the_provider(durable, provider, captcha_env):
    captcha_env("turnstile")
    status, _, body = call(durable.api.lambda_handler, submit_event(VALID))
    assert status == 422 and body["fields"] == {"captcha": "is required"}
    assert provider.requests == []


def test_recaptcha_v3_low_score_is_refused_and_threshold_is_configurable(
    durable, provider, captcha_env, monkeypatch
):
    field = captcha_env("recaptcha-v3")
    provider.mode = "low-score"
    event = submit_event([*VALID, (field, "good-token")])
    assert call(durable.api.lambda_handler, event)[0] == 422
    monkeypatch.setenv("CAPTCHA_MIN_SCORE", "0.1")
    event = submit_event([*VALID, ("n", "2"), (field, "good-token")])
    assert call(durable.api.lambda_handler, event)[0] == 200


@pytest.mark.parametrize("mode", ["timeout", "5xx"])
def test_provider_outage_fails_closed_by_default(durable, provider, captcha_env, mode):
    field = captcha_env("hcaptcha")
    provider.mode = mode
    started = time.monotonic()
    status, headers, body = call(
        durable.api.lambda_handler, submit_event([*VALID, (field, "good-token")])
    )
    assert time.monotonic() - started < 1.4  # our timeout, not the provider's delay
    assert status == 503 and body["error"] == "captcha_unavailable"
    assert headers["Retry-After"] == "30" and durable.sent_ids() == []


def test_provider_outage_can_fail_open(durable, provider, captcha_env, monkeypatch):
    field = captcha_env("turnstile")
    monkeypatch.setenv("CAPTCHA_ON_OUTAGE", "accept")
    provider.mode = "5xx"
    status, _, body = call(durable.api.lambda_handler, submit_event([*VALID, (field, "t")]))
    assert (status, body["status"]) == (200, "sent")


def test_double_submit_does_not_present_the_single_use_token_twice(durable, provider, captcha_env):
    field = captcha_env("turnstile")
    first = call(durable.api.lambda_handler, submit_event([*VALID, (field, "good-token")]))
    second = call(durable.api.lambda_handler, submit_event([*VALID, (field, "good-token")]))
    assert first == second and first[0] == 200
    assert len(provider.requests) == 1 and len(durable.sent_ids()) == 1


def test_a_refused_token_undoes_the_admission_so_the_resend_is_sent(durable, provider, captcha_env):
    """The captcha is checked after the admission (so a repeat never presents its token
    twice); a refusal then drops the claim and the ``received`` row, so the visitor's resend
    of the same text with a fresh token is a submission of its own, and nothing is left for a
    redrive to send."""
    field = captcha_env("turnstile")
    status, _, _ = call(durable.api.lambda_handler, submit_event([*VALID, (field, "forged")]))
    assert status == 422
    table = durable.dynamodb.scan(TableName=durable.stack.submissions_table)["Items"]
    claims = durable.dynamodb.scan(TableName=durable.stack.idempotency_table)["Items"]
    assert table == [] and claims == []
    status, _, body = call(
        durable.api.lambda_handler, submit_event([*VALID, (field, "good-token")])
    )
    assert (status, body["status"]) == (200, "sent") and durable.sent_ids() == [body["id"]]


def test_secret_from_secrets_manager(durable, provider, captcha_env, monkeypatch):
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="toiawase/captcha", SecretString=SECRET
    )["ARN"]
    monkeypatch.delenv("CAPTCHA_SECRET_PARAMETER")
    monkeypatch.setenv("CAPTCHA_SECRET_ARN", arn)
    field = captcha_env("turnstile")
    assert call(durable.api.lambda_handler, submit_event([*VALID, (field, "good-token")]))[0] == 200
