"""Deliveries through the queue and the consumer (moto SQS/DynamoDB/SES, real HTTP on
127.0.0.1), each submission posted through the submit function's Lambda entry, which plans the
deliveries in ``accept()``: one submission produces its form's deliveries; none for honeypot,
rate-limited or refused ones; a target down for ten attempts then up is delivered exactly once;
the email went out before any delivery; a target down for good ends in the dead-letter queue;
a queue outage leaves the visitor's answer unchanged; receipts."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import unquote

import pytest
from standardwebhooks import Webhook

from tests.integration.test_durability import Faults, call, ses_error, submit_event
from tests.integration.webhook_receiver import receiver
from toiawase.core.config import load_settings
from toiawase.core.forms.load import load_forms_file
from toiawase.local.drain import drain_once
from toiawase.local.events import LocalContext

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Flaky:
    """Answers 503 to the first ``failures`` requests of a path, then 200."""

    def __init__(self, failures: dict[str, int]) -> None:
        self.failures = failures
        self.seen: Counter[str] = Counter()

    def __call__(self, got):
        self.seen[got.path] += 1
        if self.seen[got.path] <= self.failures.get(got.path, 0):
            return 503, b"down", {}
        return 200, b"ok", {}


@pytest.fixture
def notify(durable, tmp_path, monkeypatch):
    import importlib

    def setup(base: str, receipt: bool = False):
        forms = {
            "forms": {
                "default": {
                    "title": "Contact <!channel>",
                    "fields": {
                        "name": {"type": "text", "label": "Name"},
                        "email": {"type": "email", "label": "Email", "reply_to": True},
                        "message": {"type": "textarea", "label": "Message"},
                    },
                    "notify": [
                        {"type": "email"},
                        {"type": "webhook", "url": f"{base}/hook", "secret": SECRET},
                        {"type": "slack", "url": f"{base}/slack"},
                        {"type": "discord", "url": f"{base}/discord"},
                    ],
                    **(
                        {"receipt": {"subject": "受け付けました", "text": "Thank you."}}
                        if receipt
                        else {}
                    ),
                }
            }
        }
        path = tmp_path / "forms.json"
        path.write_text(json.dumps(forms), encoding="utf-8")
        monkeypatch.setenv("FORMS_FILE", str(path))
        monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK", "true")
        return load_forms_file(str(path), load_settings(__import__("os").environ)).get("default")

    module = importlib.import_module("toiawase.handlers.deliver")
    return setup, module


def submit(durable, message="在庫はありますか?"):
    fields = [("name", "山田 太郎"), ("email", "taro@example.jp"), ("message", message)]
    status, _, body = call(durable.api.lambda_handler, submit_event(fields))
    assert status == 200 and body["status"] == "sent"
    return body["id"]


def drain(durable, handler, rounds=100):
    url = durable.stack.delivery_queue_url
    total = 0
    for _ in range(rounds):
        received, _ = drain_once(durable.sqs, url, handler, batch_size=10, visibility_timeout=0)
        if not received:
            break
        total += received
    return total


def queued(durable):
    """The delivery messages waiting, without consuming them."""
    url = durable.stack.delivery_queue_url
    got = durable.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
    ).get("Messages", [])
    return sorted((json.loads(m["Body"])["target"], json.loads(m["Body"])["id"]) for m in got)


def targets(durable, sid):
    item = durable.dynamodb.get_item(
        TableName=durable.stack.submissions_table, Key={"id": {"S": sid}}
    )["Item"]
    return {
        name: {k: next(iter(v.values())) for k, v in value["M"].items()}
        for name, value in item.get("targets", {}).get("M", {}).items()
    }


def every_target(sid: str) -> list[tuple[str, str]]:
    """The deliveries planned for a submission to a form with every kind of target and a
    receipt, as ``queued`` lists them."""
    return [("discord-1", sid), ("receipt", sid), ("slack-1", sid), ("webhook-1", sid)]


def assert_every_target_delivered_once(durable, sid: str, paths: Counter[str]) -> None:
    """Each target reached once (``paths``: the receiver's requests by path) and marked
    delivered; SES took the owner's email and the receipt, nothing else."""
    assert paths == {"/hook": 1, "/slack": 1, "/discord": 1}
    assert {name: state["status"] for name, state in targets(durable, sid).items()} == {
        "webhook-1": "delivered",
        "slack-1": "delivered",
        "discord-1": "delivered",
        "receipt": "delivered",
    }
    accepted = durable.ses.accepted()
    owners = [m for m in accepted if m["X-Toiawase-Submission-Id"] == sid]
    receipts = [m for m in accepted if m["Auto-Submitted"] == "auto-replied"]
    assert len(owners) == 1 and len(receipts) == 1 and len(accepted) == 2


def test_down_ten_times_then_up_is_delivered_exactly_once(durable, notify):
    setup, deliver = notify
    flaky = Flaky({"/hook": 10})
    with receiver(flaky) as hook:
        setup(hook.base)
        sid = submit(durable)
        # The owner's email went out on time: accepted by SES before any delivery was made.
        assert durable.sent_ids() == [sid] and hook.received == []
        assert durable.queue_depth(durable.stack.delivery_queue_url) == 3
        drain(durable, deliver.lambda_handler)
        received = list(hook.received)
    by_path = Counter(r.path for r in received)
    assert by_path == {"/hook": 11, "/slack": 1, "/discord": 1}
    assert flaky.seen["/hook"] == 11  # ten failures, then exactly one success
    hooks = [r for r in received if r.path == "/hook"]
    assert len({r.headers["webhook-id"] for r in hooks}) == 1  # stable id across retries
    data = Webhook(SECRET).verify(hooks[-1].body, hooks[-1].headers)
    assert data["data"]["submission_id"] == sid and data["data"]["form"] == "default"
    slack = json.loads(next(r.body for r in received if r.path == "/slack"))
    assert slack["blocks"][0]["text"]["text"] == "Contact &lt;!channel&gt;"
    discord = json.loads(next(r.body for r in received if r.path == "/discord"))
    assert discord["allowed_mentions"] == {"parse": []}
    states = targets(durable, sid)
    assert states["webhook-1"]["status"] == "delivered" and states["webhook-1"]["attempts"] == "11"
    assert states["slack-1"]["status"] == "delivered"
    assert durable.sent_ids() == [sid]  # deliveries never touched the email
    assert durable.queue_depth(durable.stack.delivery_queue_url) == 0


def test_down_for_good_ends_in_the_dead_letter_queue_and_others_are_unaffected(durable, notify):
    setup, deliver = notify
    with receiver(Flaky({"/hook": 10**6})) as hook:
        setup(hook.base)
        sid = submit(durable)
        drain(durable, deliver.lambda_handler, rounds=200)
        paths = Counter(r.path for r in hook.received)
    assert paths["/hook"] == 12 and paths["/slack"] == 1 and paths["/discord"] == 1
    assert durable.queue_depth(durable.stack.delivery_dlq_url) == 1
    dead = json.loads(
        durable.sqs.receive_message(QueueUrl=durable.stack.delivery_dlq_url)["Messages"][0]["Body"]
    )
    assert dead == {"id": sid, "form": "default", "target": "webhook-1"}
    states = targets(durable, sid)
    assert states["webhook-1"]["status"] == "dead" and states["webhook-1"]["error"] == "http_503"
    assert states["discord-1"]["status"] == "delivered"


def test_one_submission_through_the_lambda_entry_produces_every_delivery(durable, notify):
    setup, deliver = notify
    with receiver() as hook:
        setup(hook.base, receipt=True)
        sid = submit(durable)
        assert queued(durable) == every_target(sid)
        with no_suppressions():
            drain(durable, deliver.lambda_handler)
        paths = Counter(r.path for r in hook.received)
    assert_every_target_delivered_once(durable, sid, paths)


def test_no_deliveries_for_honeypot_rate_limited_or_refused_posts(durable, notify, monkeypatch):
    setup, _ = notify
    with receiver() as hook:
        setup(hook.base, receipt=True)
    spam = [("email", "bot@example.jp"), ("message", "buy"), ("_gotcha", "http://x")]
    status, _, body = call(durable.api.lambda_handler, submit_event(spam))
    assert status == 200 and durable.item(body["id"])["status"] == "spam"
    status, _, body = call(
        durable.api.lambda_handler, submit_event([("email", "not an address"), ("message", "x")])
    )
    assert status == 422
    monkeypatch.setenv("RATE_LIMITS", "client_minute=1,client_day=0,form_minute=0,form_day=0")
    first = submit(durable)
    # Other content (the same content again would be the first one's repeat, answered 200).
    other = [("email", "taro@example.jp"), ("message", "a second, different message")]
    status, _, body = call(durable.api.lambda_handler, submit_event(other))
    assert status == 429 and body["error"] == "rate_limited"
    # Only the one accepted submission planned anything.
    assert {sid for _, sid in queued(durable)} == {first}
    assert len(queued(durable)) == 4


def test_queue_outage_never_changes_the_answer(durable, notify):
    from toiawase.adapters import aws

    setup, _ = notify
    with receiver() as hook:
        setup(hook.base, receipt=True)
    outage = ses_error("InternalError", 500)
    with Faults(aws.client("sqs"), "before-call.sqs.SendMessageBatch", outage):
        status, _, body = call(durable.api.lambda_handler, submit_event())
    assert (status, body["status"]) == (200, "sent")
    assert durable.sent_ids() == [body["id"]]  # the email went out
    assert durable.queue_depth(durable.stack.delivery_queue_url) == 0
    assert targets(durable, body["id"]) == {}  # shown as pending by `toiawase deliveries`


def _suppression(found: set[str]):
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    def hook(params, **_):
        path = unquote(params["url_path"])  # /v2/email/suppression/addresses/<address>
        address = path.rsplit("/", 1)[-1]
        status = 200 if address in found else 404
        http = AWSResponse("https://email.us-east-1.amazonaws.com", status, HTTPHeaders(), None)
        if status == 200:
            return http, {"SuppressedDestination": {"EmailAddress": address}}
        return http, {
            "Error": {"Code": "NotFoundException", "Message": "not suppressed"},
            "ResponseMetadata": {"HTTPStatusCode": 404},
        }

    return hook


def no_suppressions():
    """moto has no GetSuppressedDestination: answer "not on the list" for every address."""
    from toiawase.handlers import notify_wiring

    client = notify_wiring.delivery_deps(__import__("os").environ).suppressions._client  # type: ignore[union-attr]
    return Faults(client, "before-call.sesv2.GetSuppressedDestination", _suppression(set()))


def test_receipt_once_per_address_per_day_and_never_to_suppressed(durable, notify, monkeypatch):
    setup, deliver = notify
    from toiawase.handlers import notify_wiring

    with receiver() as hook:
        setup(hook.base, receipt=True)
        deps = notify_wiring.delivery_deps(__import__("os").environ)
        client = deps.suppressions._client  # type: ignore[union-attr]
        suppressed: set[str] = set()
        with Faults(client, "before-call.sesv2.GetSuppressedDestination", _suppression(suppressed)):
            first = submit(durable)
            drain(durable, deliver.lambda_handler)
            second = submit(durable, "もう一つ")  # the same address, the same day
            assert second != first
            drain(durable, deliver.lambda_handler)
    messages = durable.ses.accepted()
    receipts = [m for m in messages if m["Auto-Submitted"] == "auto-replied"]
    assert len(receipts) == 1
    receipt = receipts[0]
    assert receipt["From"].addresses[0].addr_spec == "forms@example.com"
    assert receipt["Reply-To"].addresses[0].addr_spec == "owner@example.com"
    body = receipt.get_body(("plain",)).get_content()
    assert f"Reference: {first}" in body and "Thank you." in body
    for value in dict(submit_event_fields()).values():
        assert value not in body and value not in str(receipt["Subject"])
    state = targets(durable, second)["receipt"]
    assert (state["status"], state["error"]) == ("skipped", "already_today")
    # A third address-owner that SES suppresses gets nothing either.
    suppressed.add("hanako@example.jp")
    with Faults(client, "before-call.sesv2.GetSuppressedDestination", _suppression(suppressed)):
        fields = [("email", "hanako@example.jp"), ("message", "x")]
        _status, _, answer = call(durable.api.lambda_handler, submit_event(fields))
        drain(durable, deliver.lambda_handler)
    state = targets(durable, answer["id"])["receipt"]
    assert (state["status"], state["error"]) == ("skipped", "suppressed")
    assert len([m for m in durable.ses.accepted() if m["Auto-Submitted"]]) == 1
    # The SES call itself: From is the owner's identity, so Return-Path is the owner's too.
    call_params = [
        c for c in durable.ses.calls if c["Destination"]["ToAddresses"] != ["owner@example.com"]
    ]
    assert call_params and call_params[0]["FromEmailAddress"] == "forms@example.com"


def submit_event_fields():
    from tests.integration.test_durability import VALID

    return [(k, v) for k, v in VALID if k != "email"]


def _receipt_event(sid: str, event_type: str, address: str, **extra: Any) -> dict[str, Any]:
    from tests.integration.test_feedback import ses_event

    event = ses_event(event_type, sid, **extra)
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["mail"]["tags"]["kind"] = ["receipt"]
    message["mail"]["destination"] = [address]
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def test_a_bounced_receipt_blocks_the_address_and_leaves_the_submission_alone(durable, notify):
    from tests.integration.test_feedback import BOUNCE, DELIVERY

    setup, deliver = notify
    address = "taro@example.jp"
    with receiver() as hook:
        setup(hook.base, receipt=True)
        first = submit(durable)
        with no_suppressions():
            drain(durable, deliver.lambda_handler)
        receipt_call = [
            c for c in durable.ses.calls if c["Destination"]["ToAddresses"] == [address]
        ]
        # The receipt is tagged apart from the owner's mail; the owner's carries no kind tag.
        assert {"Name": "kind", "Value": "receipt"} in receipt_call[0]["EmailTags"]
        owner_call = [c for c in durable.ses.calls if c["Destination"]["ToAddresses"] != [address]]
        assert all(t["Name"] != "kind" for t in owner_call[0]["EmailTags"])
        delivered = durable.feedback.lambda_handler(
            _receipt_event(first, "Delivery", address, **DELIVERY), LocalContext()
        )
        assert delivered == {"results": ["noted"]}
        bounce = {"bounce": {**BOUNCE["bounce"], "bouncedRecipients": [{"emailAddress": address}]}}
        result = durable.feedback.lambda_handler(
            _receipt_event(first, "Bounce", address, **bounce), LocalContext()
        )
        assert result == {"results": ["receipt_blocked"]}
        # The owner's email was sent: the receipt's bounce does not make the submission bounced.
        assert durable.item(first)["status"] == "sent"
        # The counters table holds the HMAC, never the address.
        items = durable.dynamodb.scan(TableName=durable.stack.rate_limit_table)["Items"]
        assert any(i["id"]["S"].startswith("bounced#") for i in items)
        assert address not in json.dumps(items)
        # A later submission from that address: the bounce list refuses it before any other
        # rule (before "already today").
        second = submit(durable, "またお願いします")
        with no_suppressions():
            drain(durable, deliver.lambda_handler)
    assert targets(durable, second)["receipt"]["error"] == "bounced_before"
    assert len([c for c in durable.ses.calls if c["Destination"]["ToAddresses"] == [address]]) == 1


def test_forget_removes_the_address_from_the_receipt_ledger_too(durable, notify, capsys):
    """One key (REPLY_HASH_KEY) hashes both the reply hash and the ledger's keys, so
    ``toiawase forget`` finds the address's "receipt sent today" mark and its bounce-list
    entry, removes them, and leaves another person's entries alone."""
    from tests.integration.test_feedback import BOUNCE
    from toiawase.cli import main
    from toiawase.core.notify.receipt import address_key
    from toiawase.local.stack import LOCAL_REPLY_HASH_KEY

    setup, deliver = notify
    address, other = "taro@example.jp", "hanako@example.jp"
    with receiver() as hook:
        setup(hook.base, receipt=True)
        mine = submit(durable)
        fields = [("name", "花子"), ("email", other), ("message", "こんにちは")]
        _, _, kept = call(durable.api.lambda_handler, submit_event(fields))
        with no_suppressions():
            drain(durable, deliver.lambda_handler)
        bounce = {"bounce": {**BOUNCE["bounce"], "bouncedRecipients": [{"emailAddress": address}]}}
        durable.feedback.lambda_handler(
            _receipt_event(mine, "Bounce", address, **bounce), LocalContext()
        )
    table = durable.stack.rate_limit_table
    key = LOCAL_REPLY_HASH_KEY.encode()

    def ledger_ids() -> set[str]:
        items = durable.dynamodb.scan(TableName=table)["Items"]
        return {i["id"]["S"] for i in items if i["id"]["S"].startswith(("receipt#", "bounced#"))}

    mine_key, other_key = address_key(address, key), address_key(other, key)
    before = ledger_ids()
    assert {i for i in before if i.endswith(mine_key)} == {
        f"bounced#{mine_key}",
        *(i for i in before if i.startswith("receipt#default#") and i.endswith(mine_key)),
    }
    assert len([i for i in before if i.endswith(mine_key)]) == 2  # today's mark, the bounce
    assert any(i.endswith(other_key) for i in before)

    argv = [
        "forget",
        " Taro@Example.JP ",  # any case: both hashes lower-case the whole address
        "--table",
        durable.stack.submissions_table,
        "--idempotency-table",
        durable.stack.idempotency_table,
        "--counters-table",
        table,
    ]
    assert main([*argv, "--dry-run"]) == 0
    assert "would delete 2 receipt-ledger entry(ies)" in capsys.readouterr().out
    assert ledger_ids() == before
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "deleted 1 submission(s)" in out and "deleted 2 receipt-ledger entry(ies)" in out
    after = ledger_ids()
    assert not any(mine_key in i for i in after)
    assert {i for i in after if i.endswith(other_key)} == {
        i for i in before if i.endswith(other_key)
    }
    assert durable.item(kept["id"])["status"] == "sent"


def test_a_retried_receipt_takes_one_daily_slot(durable, notify):
    from toiawase.adapters.delivery_store import DynamoReceiptLedger

    setup, _ = notify
    with receiver() as hook:
        setup(hook.base)
    ledger = DynamoReceiptLedger(durable.dynamodb, durable.stack.rate_limit_table)
    assert ledger.take_slot("default", "2026-12-01", 2, "sid-a")
    assert ledger.take_slot("default", "2026-12-01", 2, "sid-a")  # a retry: the same slot
    assert ledger.take_slot("default", "2026-12-01", 2, "sid-b")
    assert not ledger.take_slot("default", "2026-12-01", 2, "sid-c")  # the cap: two
    assert ledger.take_slot("default", "2026-12-01", 2, "sid-b")  # a retry past the cap
    item = durable.dynamodb.get_item(
        TableName=durable.stack.rate_limit_table, Key={"id": {"S": "receiptcap#default#2026-12-01"}}
    )["Item"]
    assert item["count"]["N"] == "2"


def test_cli_shows_each_target_and_redrives_one_target_after_a_fix(durable, notify, capsys):
    from toiawase.cli import main

    setup, deliver = notify
    down = Flaky({"/hook": 10**6, "/slack": 10**6})
    with receiver(down) as hook:
        setup(hook.base)
        sid = submit(durable)
        drain(durable, deliver.lambda_handler, rounds=300)
        capsys.readouterr()
        assert main(["deliveries", sid]) == 0
        shown = capsys.readouterr().out
        assert "webhook-1      dead" in shown and "http 503" in shown
        assert "discord-1      delivered" in shown and "slack-1        dead" in shown
        assert "taro" not in shown and "127.0.0.1" not in shown  # no content, no URL
        assert durable.queue_depth(durable.stack.delivery_dlq_url) == 2
        down.failures["/hook"] = 0  # the receiver is fixed; Slack is still down
        assert main(["redrive", "--target", "webhook-1"]) == 0
        assert "moved 1 webhook-1" in capsys.readouterr().out
        drain(durable, deliver.lambda_handler)
        hooks = [r for r in hook.received if r.path == "/hook"]
    assert targets(durable, sid)["webhook-1"]["status"] == "delivered"
    assert Webhook(SECRET).verify(hooks[-1].body, hooks[-1].headers)["data"]["submission_id"] == sid
    # The other dead target was left in the dead-letter queue, untouched.
    assert durable.queue_depth(durable.stack.delivery_dlq_url) == 1
    assert targets(durable, sid)["slack-1"]["status"] == "dead"
    # Redriving a delivered target by id queues it, and the consumer does not post it again.
    assert main(["redrive", "--target", "webhook-1", "--id", sid]) == 0
    assert "queued 1 more" in capsys.readouterr().out
    drain(durable, deliver.lambda_handler)
    assert len(hooks) == len([r for r in hook.received if r.path == "/hook"])
    assert main(["deliveries", "nope"]) == 1
