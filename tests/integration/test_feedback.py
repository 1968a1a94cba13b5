"""SES events through SNS update the submission; broken owner inboxes alert the owner."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.test_durability import call, submit_event
from toiawase.local.events import LocalContext


def ses_event(event_type: str, submission_id: str, **extra: Any) -> dict[str, Any]:
    """An SES event-publishing record (configuration set → SNS → Lambda), as AWS sends it."""
    message = {
        "eventType": event_type,
        "mail": {
            "timestamp": "2026-11-28T09:30:00.000Z",
            "source": "forms@example.com",
            "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
            "sendingAccountId": "123456789012",
            "messageId": "0100018c-example",
            "destination": ["owner@example.com", "team@example.com"],
            "headersTruncated": False,
            "tags": {
                "ses:configuration-set": ["toiawase-events"],
                "submission_id": [submission_id],
            },
        },
        **extra,
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:ses-events:sub",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
                    "Subject": None,
                    "Message": json.dumps(message),
                    "Timestamp": "2026-11-28T09:30:01.000Z",
                    "MessageAttributes": {},
                },
            }
        ]
    }


DELIVERY = {
    "delivery": {
        "timestamp": "2026-11-28T09:30:01Z",
        "processingTimeMillis": 812,
        "recipients": ["owner@example.com", "team@example.com"],
        "smtpResponse": "250 2.0.0 OK",
        "reportingMTA": "a8-1.smtp-out",
    }
}
BOUNCE = {
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": "team@example.com",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1",
            }
        ],
        "timestamp": "2026-11-28T09:30:02Z",
        "feedbackId": "0100-feedback",
    }
}
SOFT_BOUNCE = {"bounce": {**BOUNCE["bounce"], "bounceType": "Transient"}}
COMPLAINT = {
    "complaint": {
        "complainedRecipients": [{"emailAddress": "owner@example.com"}],
        "timestamp": "2026-11-28T09:31:00Z",
        "feedbackId": "0100-c",
        "complaintFeedbackType": "abuse",
    }
}


@pytest.fixture
def alerts(durable):
    from toiawase.adapters import aws

    published: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        published.append(dict(params))

    events = aws.client("sns").meta.events
    events.register("provide-client-params.sns.Publish", record)
    yield published
    events.unregister("provide-client-params.sns.Publish", record)


def sent_submission(durable) -> str:
    status, _, body = call(durable.api.lambda_handler, submit_event())
    assert status == 200
    return str(body["id"])


def feed(durable, event) -> list[str]:
    return list(durable.feedback.lambda_handler(event, LocalContext())["results"])


def test_delivery_marks_delivered(durable, alerts):
    sid = sent_submission(durable)
    assert feed(durable, ses_event("Delivery", sid, **DELIVERY)) == ["delivered"]
    assert durable.item(sid)["status"] == "delivered" and alerts == []


def test_bounce_from_an_owner_inbox_marks_bounced_and_alerts_the_owner(durable, alerts):
    sid = sent_submission(durable)
    assert feed(durable, ses_event("Bounce", sid, **BOUNCE)) == ["bounced"]
    assert durable.item(sid)["status"] == "bounced"
    [alert] = alerts
    assert alert["TopicArn"] == durable.stack.alert_topic_arn
    assert "team@example.com" in alert["Message"]
    assert "taro@example.jp" not in alert["Message"] and "山田" not in alert["Message"]


def test_complaint_after_delivery_wins_and_a_late_delivery_does_not_undo_it(durable, alerts):
    sid = sent_submission(durable)
    feed(durable, ses_event("Delivery", sid, **DELIVERY))
    assert feed(durable, ses_event("Complaint", sid, **COMPLAINT)) == ["complained"]
    assert feed(durable, ses_event("Delivery", sid, **DELIVERY)) == ["unchanged"]
    assert durable.item(sid)["status"] == "complained" and len(alerts) == 1


def test_soft_bounce_and_delay_change_nothing(durable, alerts):
    sid = sent_submission(durable)
    assert feed(durable, ses_event("Bounce", sid, **SOFT_BOUNCE)) == ["noted"]
    delay = {
        "deliveryDelay": {
            "delayType": "MailboxFull",
            "expirationTime": "2026-11-29T09:00Z",
            "delayedRecipients": [{"emailAddress": "owner@example.com"}],
        }
    }
    assert feed(durable, ses_event("DeliveryDelay", sid, **delay)) == ["noted"]
    assert durable.item(sid)["status"] == "sent" and alerts == []


def test_reject_marks_rejected(durable, alerts):
    sid = sent_submission(durable)
    assert feed(durable, ses_event("Reject", sid, reject={"reason": "Bad content"})) == ["rejected"]


def test_status_endpoint_shows_delivery(durable, alerts):
    from toiawase.local.events import build_event

    sid = sent_submission(durable)
    feed(durable, ses_event("Delivery", sid, **DELIVERY))
    event = build_event("GET", f"/submissions/{sid}", [("Accept", "application/json")], b"")
    assert call(durable.api.lambda_handler, event)[2]["status"] == "delivered"


def test_garbage_and_unknown_submissions_are_harmless(durable, alerts):
    event = ses_event("Delivery", "f" * 32, **DELIVERY)
    assert feed(durable, event) == ["unchanged"]
    event["Records"][0]["Sns"]["Message"] = "not json"
    assert feed(durable, event) == ["ignored"]
