"""Nothing lost, nothing doubled: store, retry queue, redrive, idempotency, status, feedback."""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlencode

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from toiawase.local.events import LocalContext, build_event

VALID = [("name", "山田 太郎"), ("email", "taro@example.jp"), ("message", "在庫はありますか?")]


def submit_event(fields=VALID, *, headers=(), source_ip="198.51.100.4"):
    body = urlencode(fields).encode()
    base = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
        ("Origin", "https://www.example.com"),
        *headers,
    ]
    return build_event("POST", "/submit", base, body, source_ip=source_ip)


def call(handler, event):
    result = handler(event, LocalContext())
    return result["statusCode"], result["headers"], json.loads(result["body"])


def ses_error(code: str, status: int):
    def hook(**_kwargs):
        http = AWSResponse("https://email.us-east-1.amazonaws.com", status, HTTPHeaders(), None)
        parsed = {
            "Error": {"Code": code, "Message": code},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return http, parsed

    return hook


class Faults:
    """Switchable faults on a client's calls (botocore event hooks, no monkeypatching)."""

    def __init__(self, client, event: str, hook) -> None:
        self.client, self.event, self.hook = client, event, hook

    def __enter__(self):
        self.client.meta.events.register_first(self.event, self.hook)
        return self

    def __exit__(self, *exc):
        self.client.meta.events.unregister(self.event, self.hook)


def ses_faults(durable, code="TooManyRequestsException", status=429):
    return Faults(durable.api.ses_client, "before-call.sesv2.SendEmail", ses_error(code, status))


def dynamodb_outage(operation: str = "*"):
    from toiawase.adapters import aws

    event = "before-call.dynamodb" + ("" if operation == "*" else f".{operation}")
    return Faults(aws.client("dynamodb"), event, ses_error("InternalServerError", 500))


def verify_sender_domain(domain: str) -> None:
    boto3.client("ses", region_name="us-east-1").verify_domain_identity(Domain=domain)


def test_stored_before_the_answer_then_marked_sent(durable):
    status, _, body = call(durable.api.lambda_handler, submit_event())
    assert (status, body["status"]) == (200, "sent")
    item = durable.item(body["id"])
    assert item is not None and item["status"] == "sent" and item["attempts"] == "1"
    assert item["ses_message_id"] and int(item["expires_at"]) > 0
    assert "山田 太郎" in item["payload"]  # the content is kept (for a resend), in the table only
    assert durable.sent_ids() == [body["id"]]


def test_status_endpoint_returns_only_id_form_status_updated_at(durable):
    _, _, sent = call(durable.api.lambda_handler, submit_event())
    event = build_event("GET", f"/submissions/{sent['id']}", [("Accept", "application/json")], b"")
    status, _, body = call(durable.api.lambda_handler, event)
    assert status == 200
    assert set(body) == {"id", "form", "status", "updated_at"}
    assert body["id"] == sent["id"] and body["status"] == "sent" and body["form"] == "default"
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("山田", "taro@example.jp", "在庫", "198.51.100.4"):
        assert secret not in text
    for missing in ("0" * 32, "not-an-id", sent["id"][:-1], sent["id"].upper()):
        event = build_event("GET", f"/submissions/{missing}", [("Accept", "application/json")], b"")
        assert call(durable.api.lambda_handler, event)[0] == 404


def test_ids_have_128_random_bits(durable):
    ids = {
        call(durable.api.lambda_handler, submit_event([*VALID, ("n", str(i))]))[2]["id"]
        for i in range(20)
    }
    assert len(ids) == 20 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_transient_failure_queues_202_then_retry_sends_once(durable):
    with ses_faults(durable):
        status, _, body = call(durable.api.lambda_handler, submit_event())
    assert (status, body["status"], body["ok"]) == (202, "queued", True)
    assert durable.item(body["id"])["status"] == "queued" and durable.sent_ids() == []
    assert durable.queue_depth() == 1
    durable.drain()
    assert durable.sent_ids() == [body["id"]]
    assert durable.item(body["id"])["status"] == "sent" and durable.queue_depth() == 0


def test_html_client_is_told_the_truth_when_queued(durable):
    event = submit_event(headers=[("Accept", "text/html")])
    event["headers"]["accept"] = "text/html"
    with ses_faults(durable):
        result = durable.api.lambda_handler(event, LocalContext())
    assert result["statusCode"] == 303
    assert "status=queued" in result["headers"]["Location"]


def test_permanent_failure_is_held_then_redriven_after_the_fix(durable, monkeypatch):
    monkeypatch.setenv("SENDER_ADDRESS", "forms@not-yet-verified.example.org")
    status, _, body = call(durable.api.lambda_handler, submit_event())
    assert (status, body["status"]) == (202, "queued")  # received; delivery delayed
    item = durable.item(body["id"])
    assert item["status"] == "failed" and item["reason"] == "MessageRejected"
    assert durable.sent_ids() == [] and durable.queue_depth() == 0
    verify_sender_domain("not-yet-verified.example.org")  # the owner fixes the cause
    report = durable.redrive()
    assert report.requeued == 1
    durable.drain()
    assert durable.sent_ids() == [body["id"]] and durable.item(body["id"])["status"] == "sent"


def test_table_outage_still_sends_and_claims_only_what_happened(durable):
    with dynamodb_outage():
        status, _, body = call(durable.api.lambda_handler, submit_event())
    assert (status, body["status"]) == (200, "sent")
    assert durable.sent_ids() == [body["id"]]
    assert durable.item(body["id"]) is None


@pytest.mark.parametrize(
    ("code", "http_status", "expected"),
    [("TooManyRequestsException", 429, 503), ("MessageRejected", 400, 502)],
)
def test_table_and_ses_both_down_is_an_honest_5xx(durable, code, http_status, expected):
    with dynamodb_outage(), ses_faults(durable, code, http_status):
        status, headers, body = call(durable.api.lambda_handler, submit_event())
    assert status == expected and body["ok"] is False and "not sent" in body["message"]
    assert durable.sent_ids() == []
    if expected == 503:
        assert headers["Retry-After"] == "60"


def test_queue_outage_keeps_it_queued_for_redrive(durable):
    from toiawase.adapters import aws

    with (
        ses_faults(durable),
        Faults(
            aws.client("sqs"), "before-call.sqs.SendMessage", ses_error("ServiceUnavailable", 503)
        ),
    ):
        status, _, body = call(durable.api.lambda_handler, submit_event())
    assert (status, body["status"]) == (202, "queued")
    assert durable.item(body["id"])["status"] == "queued" and durable.queue_depth() == 0


def test_double_submit_gets_the_same_answer_and_one_email(durable):
    first = call(durable.api.lambda_handler, submit_event())
    second = call(durable.api.lambda_handler, submit_event())
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert durable.sent_ids() == [first[2]["id"]]


def test_idempotency_key_header_and_field(durable):
    key = [("Idempotency-Key", "order-42")]
    a = call(durable.api.lambda_handler, submit_event(headers=key))
    again = call(durable.api.lambda_handler, submit_event(headers=key))
    assert again[2] == a[2]
    c = call(durable.api.lambda_handler, submit_event([*VALID, ("_idempotency_key", "k1")]))
    d = call(durable.api.lambda_handler, submit_event([*VALID, ("_idempotency_key", "k2")]))
    assert c[2]["id"] != d[2]["id"]
    assert Counter(durable.sent_ids()) == Counter([a[2]["id"], c[2]["id"], d[2]["id"]])


def test_same_key_with_other_content_is_sent_never_replayed(durable):
    """Red-team finding 1: a reused key must not swallow a different submission.

    Two people behind one NAT post a static page whose hidden ``_idempotency_key`` is fixed;
    then the first corrects their message under the same ``Idempotency-Key``. Before the fix the
    second and third were answered "sent" with the first id, and nothing was sent.
    """
    page_key = ("_idempotency_key", "contact-page-v1")
    nat = "198.51.100.10"
    alice = [("email", "alice@example.com"), ("message", "Hello from Alice"), page_key]
    bob = [("email", "bob@example.org"), ("message", "Hello from Bob"), page_key]
    a = call(durable.api.lambda_handler, submit_event(alice, source_ip=nat))
    b = call(durable.api.lambda_handler, submit_event(bob, source_ip=nat))
    assert a[0] == b[0] == 200 and a[2]["status"] == b[2]["status"] == "sent"
    assert a[2]["id"] != b[2]["id"]
    header = [("Idempotency-Key", "order-43")]
    first = call(durable.api.lambda_handler, submit_event(headers=header))
    edited = [(k, v + " (corrected)" if k == "message" else v) for k, v in VALID]
    fixed = call(durable.api.lambda_handler, submit_event(edited, headers=header))
    assert first[2]["id"] != fixed[2]["id"] and fixed[2]["status"] == "sent"
    ids = [a[2]["id"], b[2]["id"], first[2]["id"], fixed[2]["id"]]
    assert Counter(durable.sent_ids()) == Counter(ids)


def test_same_fields_from_another_client_are_a_new_submission(durable):
    a = call(durable.api.lambda_handler, submit_event(source_ip="198.51.100.4"))
    b = call(durable.api.lambda_handler, submit_event(source_ip="203.0.113.77"))
    assert a[2]["id"] != b[2]["id"] and len(durable.sent_ids()) == 2


def test_a_failed_attempt_is_not_replayed(durable):
    with dynamodb_outage(), ses_faults(durable):
        # DynamoDB and SES down: 503, and no idempotency claim is kept (the admission, which
        # would hold it, failed; the store alone was tried next and failed too).
        assert call(durable.api.lambda_handler, submit_event())[0] == 503
    status, _, body = call(durable.api.lambda_handler, submit_event())
    assert (status, body["status"]) == (200, "sent") and durable.sent_ids() == [body["id"]]


def test_duplicate_queue_messages_send_once(durable):
    with ses_faults(durable):
        _, _, body = call(durable.api.lambda_handler, submit_event())
    for _ in range(3):
        durable.sqs.send_message(
            QueueUrl=durable.stack.queue_url, MessageBody=json.dumps({"id": body["id"]})
        )
    durable.drain()
    assert durable.sent_ids() == [body["id"]]


@pytest.mark.parametrize("durable", [2], indirect=True)
def test_dead_letter_after_max_attempts_then_redrive(durable):
    retry_faults = Faults(
        durable.retry.sender._client,
        "before-call.sesv2.SendEmail",
        ses_error("TooManyRequestsException", 429),
    )
    with ses_faults(durable):
        _, _, body = call(durable.api.lambda_handler, submit_event())
    with retry_faults:
        durable.drain()
        durable.drain()
    assert durable.queue_depth() == 0 and durable.queue_depth(durable.stack.dlq_url) == 1
    assert durable.sent_ids() == [] and durable.item(body["id"])["attempts"] == "3"
    report = durable.redrive()
    assert report.moved_from_dlq == 1
    durable.drain()
    assert durable.sent_ids() == [body["id"]] and durable.queue_depth(durable.stack.dlq_url) == 0


def test_backoff_grows_is_capped_and_jittered(durable):
    for receives, ceiling in ((1, 30), (2, 60), (3, 120), (10, 900)):
        delays = {durable.retry.backoff_seconds(receives) for _ in range(200)}
        assert all(ceiling // 2 <= d <= ceiling for d in delays), (receives, delays)
        assert len(delays) > 5  # spread: messages throttled together do not return together
