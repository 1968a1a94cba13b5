"""The HTTP client against a real receiver on 127.0.0.1 that verifies Standard Webhooks
signatures with the ``standardwebhooks`` library, as a real consumer would."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.integration.webhook_receiver import Received, receiver
from toiawase.adapters.webhook_http import SafeHttpClient
from toiawase.adapters.webhook_sign import ParameterSecrets, StandardWebhooksSigner
from toiawase.core.notify.ports import PostFailed, SecretUnavailable
from toiawase.core.notify.urlpolicy import UrlPolicy, UrlRefused

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DEV = UrlPolicy(allow_loopback=True)


def signed(body: str, when: datetime, msg_id: str = "msg_1") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": StandardWebhooksSigner().signature(SECRET, msg_id, when, body),
    }


def verify(got: Received) -> object:
    return Webhook(SECRET).verify(got.body, got.headers)


def test_receiver_verifies_a_signed_delivery():
    body = '{"type":"form.submitted","data":{"name":"山田"}}'
    with receiver() as hook:
        reply = SafeHttpClient(DEV).post(
            f"{hook.base}/in?x=1", body.encode(), signed(body, datetime.now(tz=UTC))
        )
    assert reply.status == 200
    (got,) = hook.received
    assert got.path == "/in?x=1"
    assert verify(got) == {"type": "form.submitted", "data": {"name": "山田"}}


def test_tampered_body_fails_verification():
    body = '{"amount":1}'
    with receiver() as hook:
        SafeHttpClient(DEV).post(
            hook.base + "/", b'{"amount":1000}', signed(body, datetime.now(tz=UTC))
        )
    with pytest.raises(WebhookVerificationError):
        verify(hook.received[0])


def test_stale_timestamp_fails_verification():
    body = "{}"
    with receiver() as hook:
        stale = datetime.now(tz=UTC) - timedelta(minutes=10)
        SafeHttpClient(DEV).post(hook.base + "/", body.encode(), signed(body, stale))
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(hook.received[0])


def test_loopback_needs_the_dev_flag():
    with receiver() as hook, pytest.raises(UrlRefused):
        SafeHttpClient(UrlPolicy()).post(hook.base + "/", b"{}", {})
    assert hook.received == []


def test_redirect_is_not_followed():
    def redirect(_):
        return 302, b"", {"Location": "http://127.0.0.1:9/elsewhere"}

    with receiver(redirect) as hook, pytest.raises(PostFailed) as failed:
        SafeHttpClient(DEV).post(hook.base + "/", b"{}", {})
    assert failed.value.code == "redirect_refused" and not failed.value.transient
    assert len(hook.received) == 1


@pytest.mark.parametrize(("status", "transient"), [(500, True), (429, True), (410, False)])
def test_status_classification(status, transient):
    with receiver(lambda _: (status, b"no", {})) as hook, pytest.raises(PostFailed) as failed:
        SafeHttpClient(DEV).post(hook.base + "/", b"{}", {})
    assert failed.value.transient is transient and failed.value.http_status == status


def test_reads_at_most_64_kb():
    with receiver(lambda _: (200, b"x" * 1_000_000, {})) as hook:
        reply = SafeHttpClient(DEV).post(hook.base + "/", b"{}", {})
    assert reply.status == 200 and len(reply.body) == 64 * 1024


def test_total_deadline_holds_against_a_slow_drip():
    """A server that sends one header byte at a time, forever: the whole exchange still ends
    at the deadline (a per-read timeout alone would never fire)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def drip():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.is_set():
            try:
                conn.sendall(b"X")
            except OSError:
                break
            time.sleep(0.05)
        conn.close()

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    started = time.monotonic()
    with pytest.raises(PostFailed) as failed:
        SafeHttpClient(DEV, timeout=0.6).post(url, b"{}", {})
    elapsed = time.monotonic() - started
    stop.set()
    listener.close()
    assert failed.value.transient and elapsed < 2.0


def test_secrets_literal_and_bad():
    assert ParameterSecrets().get(SECRET) == SECRET
    with pytest.raises(SecretUnavailable):
        ParameterSecrets().get("plain-text-secret")
    with pytest.raises(SecretUnavailable):
        StandardWebhooksSigner().signature("whsec_", "m", datetime.now(tz=UTC), "{}")
