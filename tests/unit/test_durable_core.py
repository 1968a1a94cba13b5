"""The durable flow in the core, with in-memory adapters: every branch of "what to answer"."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.unit.fakes import MemoryAdmission, MemoryQueue, MemoryStore
from tests.unit.helpers import ENV, WHEN, RecordingSender, SequentialIds, form_request, settings
from toiawase.core import records
from toiawase.core.feedback import owner_inboxes_hit, parse_ses_event, statuses_it_may_replace
from toiawase.core.idempotency import idempotency_key
from toiawase.core.ports import SendFailed
from toiawase.core.retry import RetryLater, prepare_redrive, resend
from toiawase.core.service import Dependencies, handle

VALID = [("name", "山田 太郎"), ("email", "taro@example.jp"), ("message", "こんにちは")]
THROTTLED = SendFailed("TooManyRequestsException", transient=True)
REFUSED = SendFailed("MessageRejected", transient=False)


def run(
    *,
    fail=None,
    store=None,
    queue=None,
    admission=None,
    fields=VALID,
    headers=None,
    ids=None,
    env=None,
    when=None,
):
    sender = RecordingSender(fail=fail)
    deps = Dependencies(
        sender=sender, new_id=ids or SequentialIds(), store=store, queue=queue, admission=admission
    )
    request = form_request(fields, accept="application/json", extra_headers=headers)
    if when is not None:
        request = replace(request, received_at=when)
    outcome = handle(request, {**ENV, **(env or {})}, deps)
    return outcome, json.loads(outcome.response.body), sender


def test_sent_is_stored_then_marked_sent():
    store = MemoryStore()
    outcome, body, sender = run(store=store)
    assert (outcome.response.status, body["status"]) == (200, "sent")
    assert store.rows[body["id"]].status == records.SENT and len(sender.sent) == 1


def test_transient_failure_with_store_and_queue_is_202_queued():
    store, queue = MemoryStore(), MemoryQueue()
    outcome, body, _ = run(fail=THROTTLED, store=store, queue=queue)
    assert (outcome.response.status, body) == (
        202,
        {"ok": True, "id": body["id"], "status": "queued"},
    )
    assert queue.messages == [body["id"]] and store.rows[body["id"]].status == records.QUEUED
    assert outcome.result == "queued" and "SendFailedTransient" in outcome.notes


def test_permanent_failure_with_store_is_held_as_failed():
    store = MemoryStore()
    outcome, body, _ = run(fail=REFUSED, store=store, queue=MemoryQueue())
    assert (outcome.response.status, body["status"], outcome.result) == (202, "queued", "held")
    assert store.rows[body["id"]].status == records.FAILED
    assert store.rows[body["id"]].reason == "MessageRejected"


@pytest.mark.parametrize(("fail", "status"), [(THROTTLED, 503), (REFUSED, 502)])
def test_no_store_means_an_honest_5xx(fail, status):
    outcome, body, _ = run(fail=fail, store=MemoryStore(down=True), queue=MemoryQueue())
    assert outcome.response.status == status and body["ok"] is False
    assert "StoreFailed" in outcome.notes


def test_store_down_but_ses_up_is_sent():
    outcome, body, sender = run(store=MemoryStore(down=True))
    assert (outcome.response.status, body["status"]) == (200, "sent") and len(sender.sent) == 1


def test_queue_down_keeps_it_queued_in_the_table():
    store = MemoryStore()
    outcome, body, _ = run(fail=THROTTLED, store=store, queue=MemoryQueue(down=True))
    assert outcome.response.status == 202 and store.rows[body["id"]].status == records.QUEUED
    assert "QueueFailed" in outcome.notes


def test_a_repeat_is_answered_from_the_first_without_sending_again():
    store = MemoryStore()
    admission = MemoryAdmission(store)
    _, body1, sender1 = run(store=store, admission=admission)
    second, body2, sender2 = run(store=store, admission=admission)
    assert body1 == body2 and len(sender1.sent) == 1 and sender2.sent == []
    assert second.result == "replayed" and len(store.rows) == 1


def test_a_repeat_without_a_store_reads_the_answer_kept_on_the_claim():
    admission = MemoryAdmission()
    _, body1, _ = run(admission=admission)
    second, body2, sender2 = run(admission=admission)
    assert body1 == body2 and body2["status"] == "sent" and sender2.sent == []
    assert second.result == "replayed"


def test_a_repeat_of_a_queued_submission_is_202_queued_with_the_first_id():
    store = MemoryStore()
    admission = MemoryAdmission(store)
    _, body1, _ = run(fail=THROTTLED, store=store, queue=MemoryQueue(), admission=admission)
    second, body2, sender2 = run(store=store, admission=admission)
    assert (second.response.status, body2) == (202, body1) and sender2.sent == []


def stuck_received(store: MemoryStore, admission: MemoryAdmission) -> str:
    """A first request admitted (row ``received``, key claimed) that never got to send."""
    _, body, _ = run(store=store, admission=admission)
    sid = str(body["id"])
    store.rows[sid] = replace(store.rows[sid], status=records.RECEIVED)
    return sid


def test_in_progress_is_409_within_the_lease():
    store = MemoryStore()
    admission = MemoryAdmission(store)
    stuck_received(store, admission)
    outcome, body, sender = run(store=store, admission=admission, when=WHEN + timedelta(seconds=5))
    assert outcome.response.status == 409 and body["error"] == "in_progress"
    assert sender.sent == []


def test_after_the_lease_a_repeat_of_a_stuck_submission_is_told_it_is_held():
    store = MemoryStore()
    admission = MemoryAdmission(store)
    sid = stuck_received(store, admission)
    outcome, body, sender = run(store=store, admission=admission, when=WHEN + timedelta(minutes=1))
    assert (outcome.response.status, body["id"], body["status"]) == (202, sid, "queued")
    assert sender.sent == [] and store.rows[sid].status == records.RECEIVED  # for a redrive


def test_the_same_content_after_the_window_is_a_new_submission():
    store = MemoryStore()
    admission = MemoryAdmission(store)
    ids = SequentialIds()
    _, body1, _ = run(store=store, admission=admission, ids=ids)
    later = WHEN + timedelta(minutes=11)
    _, body2, sender = run(store=store, admission=admission, ids=ids, when=later)
    assert body2["id"] != body1["id"] and len(sender.sent) == 1


def test_a_limit_refuses_with_the_retry_after_of_the_counter_that_is_full():
    store = MemoryStore()
    admission = MemoryAdmission(store)
    env = {"RATE_LIMITS": "client_minute=0,client_day=0,form_minute=0,form_day=1"}
    assert run(store=store, admission=admission, env=env)[0].response.status == 200
    other = [*VALID, ("n", "2")]
    outcome, body, sender = run(store=store, admission=admission, env=env, fields=other)
    assert outcome.response.status == 429 and body["error"] == "rate_limited"
    retry_after = int(outcome.response.headers["Retry-After"])
    assert 60 < retry_after <= 86_400 and sender.sent == [] and len(store.rows) == 1
    assert "RateLimited" in outcome.notes


def test_a_refused_post_counts_only_against_its_client_in_one_call():
    admission = MemoryAdmission(MemoryStore())
    env = {"RATE_LIMITS": "client_minute=0,client_day=2,form_minute=0,form_day=5"}
    junk = [("email", "taro@example.jp")]
    statuses = [run(admission=admission, env=env, fields=junk)[0].response.status for _ in range(3)]
    assert statuses == [422, 422, 429] and admission.calls == 3
    assert not any(key.startswith("rl#form#") for key in admission.hits)


def test_an_admission_outage_fails_open_and_stores_alone():
    store = MemoryStore()
    outcome, body, sender = run(store=store, admission=MemoryAdmission(store, down=True))
    assert (outcome.response.status, body["status"]) == (200, "sent") and len(sender.sent) == 1
    assert store.rows[body["id"]].status == records.SENT
    assert "RateLimiterFailed" in outcome.notes


def test_not_accepted_releases_the_claim_so_a_retry_runs_again():
    admission = MemoryAdmission()
    first, _, _ = run(fail=THROTTLED, admission=admission)
    assert first.response.status == 503 and admission.claims == {}
    second, body, sender = run(admission=admission)
    assert (second.response.status, body["status"]) == (200, "sent") and len(sender.sent) == 1


def test_idempotency_key_rules():
    headers = {"idempotency-key": "abc"}
    # Red-team finding 1: the same key with different content is a different submission.
    assert idempotency_key(headers, VALID, "1.1.1.1") != idempotency_key(headers, [], "1.1.1.1")
    changed = [(k, v + " (corrected)" if k == "message" else v) for k, v in VALID]
    assert idempotency_key(headers, VALID, "1.1.1.1") != idempotency_key(
        headers, changed, "1.1.1.1"
    )
    # Different keys with the same content: two submissions the client meant to send.
    other = {"idempotency-key": "abd"}
    assert idempotency_key(headers, VALID, "1.1.1.1") != idempotency_key(other, VALID, "1.1.1.1")
    assert idempotency_key(headers, VALID, "1.1.1.1") != idempotency_key(headers, VALID, "2.2.2.2")
    assert idempotency_key({}, VALID, "1.1.1.1") != idempotency_key({}, VALID[:2], "1.1.1.1")
    field = [*VALID, ("_idempotency_key", "abc")]
    assert idempotency_key({}, field, "1.1.1.1") == idempotency_key(headers, VALID, "1.1.1.1")
    assert "taro" not in idempotency_key({}, VALID, "1.1.1.1")


def test_long_keys_do_not_collide_by_truncation():
    long_a = {"idempotency-key": "k" * 500 + "a"}
    long_b = {"idempotency-key": "k" * 500 + "b"}
    assert idempotency_key(long_a, VALID, "1.1.1.1") != idempotency_key(long_b, VALID, "1.1.1.1")


def test_a_fresh_captcha_token_does_not_make_a_resend_new():
    ignored = frozenset({"cf-turnstile-response"})
    first = [*VALID, ("cf-turnstile-response", "token-1")]
    again = [*VALID, ("cf-turnstile-response", "token-2")]
    assert idempotency_key({}, first, "1.1.1.1", ignored) == idempotency_key(
        {}, again, "1.1.1.1", ignored
    )


SHARED_IDS = SequentialIds()


def stored(store: MemoryStore, status: str) -> str:
    _, body, _ = run(fail=THROTTLED, store=store, queue=MemoryQueue(), ids=SHARED_IDS)
    store.rows[body["id"]] = records.StoredSubmission(
        **{**store.rows[body["id"]].__dict__, "status": status}
    )
    return str(body["id"])


def test_resend_sends_once_and_skips_done_ones():
    store = MemoryStore()
    sid = stored(store, records.QUEUED)
    sender = RecordingSender()
    assert resend(sid, settings(), store, sender, WHEN).result == "sent"
    assert resend(sid, settings(), store, sender, WHEN).reason == "already_sent"
    assert len(sender.sent) == 1 and store.rows[sid].status == records.SENT


def test_resend_recomposes_the_same_message():
    store = MemoryStore()
    sid = stored(store, records.QUEUED)
    sender = RecordingSender()
    resend(sid, settings(), store, sender, WHEN)
    raw = sender.sent[0].raw
    assert b"X-Toiawase-Submission-Id: " + sid.encode() in raw
    assert sender.sent[0].submission_id == sid


def test_resend_transient_requeues_and_permanent_parks():
    store = MemoryStore()
    sid = stored(store, records.QUEUED)
    with pytest.raises(RetryLater):
        resend(sid, settings(), store, RecordingSender(fail=THROTTLED), WHEN)
    assert store.rows[sid].status == records.QUEUED
    assert resend(sid, settings(), store, RecordingSender(fail=REFUSED), WHEN).result == "failed"
    assert store.rows[sid].status == records.FAILED


def test_a_live_claim_blocks_a_second_sender_until_the_lease_expires():
    store = MemoryStore()
    sid = stored(store, records.QUEUED)
    assert store.claim(sid, WHEN, 300)
    sender = RecordingSender()
    assert resend(sid, settings(), store, sender, WHEN).reason == "claimed_elsewhere"
    assert resend(sid, settings(), store, sender, WHEN + timedelta(seconds=301)).result == "sent"
    assert len(sender.sent) == 1


def test_redrive_picks_failed_and_old_queued_but_received_only_on_request():
    store = MemoryStore()
    failed, queued, received, sent = (
        stored(store, s) for s in (records.FAILED, records.QUEUED, records.RECEIVED, records.SENT)
    )
    later = WHEN + timedelta(minutes=10)
    assert sorted(prepare_redrive(store, later)) == sorted([failed, queued])
    assert store.rows[failed].status == records.QUEUED
    assert store.rows[received].status == records.RECEIVED
    assert received in prepare_redrive(store, later, include_received=True)
    assert store.rows[sent].status == records.SENT
    assert prepare_redrive(store, WHEN) == []  # nothing old enough, nothing failed left


def test_payload_round_trip_keeps_order_and_unicode():
    store = MemoryStore()
    sid = stored(store, records.QUEUED)
    submission, meta = records.decode_payload(store.rows[sid].payload)
    assert [name for name, _ in submission.fields] == ["name", "email", "message"]
    assert submission.name == "山田 太郎" and meta.submission_id == sid


def test_feedback_parsing_and_precedence():
    message = json.dumps(
        {
            "eventType": "Bounce",
            "mail": {"tags": {"submission_id": ["a" * 32]}},
            "bounce": {
                "bounceType": "Permanent",
                "bouncedRecipients": [{"emailAddress": "Owner@Example.com"}],
            },
        }
    )
    event = parse_ses_event(message)
    assert (event.submission_id, event.new_status) == ("a" * 32, records.BOUNCED)
    assert owner_inboxes_hit(event, ("owner@example.com",)) == ("Owner@Example.com",)
    assert records.DELIVERED in statuses_it_may_replace(records.BOUNCED)
    assert records.COMPLAINED not in statuses_it_may_replace(records.DELIVERED)
    legacy = json.dumps(
        {
            "notificationType": "Delivery",
            "mail": {},
            "delivery": {"recipients": ["owner@example.com"]},
        }
    )
    assert parse_ses_event(legacy).new_status == records.DELIVERED
