"""``make dev`` delivers webhook, Slack and Discord targets to its own local receiver, and the
preview shows each request as received next to the mail of the same submission: the real dev
server process (``toiawase dev --port 0``), a post to its ``deliveries`` form, the signed
request read back from the preview and verified with ``standardwebhooks``."""

from __future__ import annotations

import html
import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.devserver import DevServerProcess
from toiawase.local.hookbox import DEV_WEBHOOK_SECRET

MESSAGE = "在庫はありますか? <script>alert(1)</script>"


@pytest.fixture(scope="module")
def dev_server() -> Iterator[DevServerProcess]:
    server = DevServerProcess()
    yield server
    server.stop()


def _get(server: DevServerProcess, path: str) -> bytes:
    with urllib.request.urlopen(server.url(path), timeout=10) as response:
        data: bytes = response.read()
        return data


def _deliveries(server: DevServerProcess, submission_id: str, want: int) -> list[dict[str, Any]]:
    """The receiver's requests about ``submission_id`` once ``want`` arrived (the consumer runs
    every 2 s in the dev server's drainer thread)."""
    deadline = time.monotonic() + 30
    while True:
        found = [
            d
            for d in json.loads(_get(server, "/_mail/deliveries.json"))["deliveries"]
            if submission_id in d["body"]
        ]
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def _submit(server: DevServerProcess, email: str) -> str:
    body = urllib.parse.urlencode(
        {"name": "山田 太郎", "email": email, "message": MESSAGE}
    ).encode()
    response = server.post(
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Origin": server.base_url,
        },
        path="/f/deliveries",
    )
    answer = json.loads(response.read())
    assert response.status == 200 and answer["status"] == "sent", answer
    return str(answer["id"])


def test_the_dev_server_names_its_receiver_and_demo_form(dev_server):
    printed = "".join(dev_server.output)
    assert f"{dev_server.base_url}/_mail/deliveries" in printed
    assert f"POST {dev_server.base_url}/f/deliveries" in printed


def test_webhook_slack_and_discord_arrive_signed_and_show_next_to_the_mail(dev_server):
    sid = _submit(dev_server, "taro@example.jp")
    found = _deliveries(dev_server, sid, 3)
    by_kind = {d["kind"]: d for d in found}
    assert sorted(by_kind) == ["discord", "slack", "webhook"]

    # The webhook as received: Standard Webhooks headers, verified by the reference library.
    hook = by_kind["webhook"]
    headers = dict(hook["headers"])
    assert hook["method"] == "POST" and hook["path"] == "/_hooks/webhook/webhook"
    assert headers["webhook-id"] == f"msg_{sid}_webhook"
    payload = Webhook(DEV_WEBHOOK_SECRET).verify(hook["body"].encode(), headers)
    assert payload["type"] == "form.submitted"
    assert payload["data"]["submission_id"] == sid
    assert payload["data"]["fields"]["message"]["value"] == MESSAGE
    # Slack and Discord carry no signature; their bodies are their own formats.
    assert "webhook-signature" not in dict(by_kind["slack"]["headers"])
    assert json.loads(by_kind["slack"]["body"])["blocks"][0]["type"] == "header"
    assert json.loads(by_kind["discord"]["body"])["allowed_mentions"] == {"parse": []}

    # The owner's mail, and on its preview page the three requests, escaped.
    entries = dev_server.mailbox.entries()
    (mail,) = [e for e in entries if e["submission_id"] == sid]
    page = _get(dev_server, mail["url"]).decode()
    assert "Deliveries of this submission (3)" in page
    assert html.escape(headers["webhook-signature"]) in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    # The list of deliveries and each one's page.
    listing = _get(dev_server, "/_mail/deliveries").decode()
    assert f"msg_{sid}_webhook" in listing
    detail = _get(dev_server, hook["url"]).decode()
    assert f"msg_{sid}_webhook" in detail and "Body, as received" in detail


def test_the_receipt_is_decided_locally_and_shows_in_the_preview(dev_server):
    """moto has no GetSuppressedDestination: the dev server's local suppression list decides,
    so the receipt is sent (and shown), and SES's simulator address stays suppressed."""
    sid = _submit(dev_server, "hanako@example.jp")
    deadline = time.monotonic() + 30
    receipts: list[dict[str, Any]] = []
    while not receipts and time.monotonic() < deadline:
        receipts = [
            e
            for e in dev_server.mailbox.entries()
            if e["to"] == "hanako@example.jp"
            and sid in dev_server.mailbox.message(int(e["n"])).get_body().get_content()
        ]
        time.sleep(0.3)
    assert len(receipts) == 1
    assert receipts[0]["subject"] == "We received your message"
    # The owner's mail links to it.
    (mail,) = [e for e in dev_server.mailbox.entries() if e["submission_id"] == sid]
    assert f'href="{receipts[0]["url"]}"' in _get(dev_server, mail["url"]).decode()

    before = dev_server.mailbox.count()
    suppressed = _submit(dev_server, "suppressionlist@simulator.amazonses.com")
    assert len(_deliveries(dev_server, suppressed, 3)) == 3  # the consumer ran for it
    time.sleep(2.5)  # one more drainer round
    assert [
        e for e in dev_server.mailbox.entries()[before:] if e["to"].startswith("suppressionlist@")
    ] == []


def test_the_receiver_answers_loopback_hosts_only(dev_server):
    request = urllib.request.Request(
        dev_server.url("/_hooks/webhook/x"),
        data=b"{}",
        headers={"Host": "attacker.example:80"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
