"""Malware scanning from post to verdict, through the Lambda entries (moto S3, DynamoDB, SQS,
SES; real HTTP on 127.0.0.1 for the targets): a submission with files waits for its scan, and
its deliveries (webhook, Slack, Discord, receipt) are planned only when it is released, never
for an infected or held one; a scan that never answers ends ``failed`` (``scan_timeout``) with
the owner alerted, and is sent only by a late clean verdict or the owner's redrive."""

from __future__ import annotations

import importlib
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.files_fixtures import files_bucket, jobs_form, jobs_post, write_forms
from tests.integration.test_delivery_queue import (
    SECRET,
    assert_every_target_delivered_once,
    drain,
    every_target,
    no_suppressions,
    queued,
)
from tests.integration.test_durability import call
from tests.integration.webhook_receiver import receiver
from tests.unit.test_submit_files import PDF
from toiawase.local.events import LocalContext

BUCKET = "toiawase-files-lifecycle"


def forms(base: str) -> dict[str, Any]:
    return {
        "forms": {
            "jobs": jobs_form(
                {"accept": ["application/pdf"], "max_files": 2},
                notify=[
                    {"type": "email"},
                    {"type": "webhook", "url": f"{base}/hook", "secret": SECRET},
                    {"type": "slack", "url": f"{base}/slack"},
                    {"type": "discord", "url": f"{base}/discord"},
                ],
                receipt={"subject": "受け付けました", "text": "Thank you."},
            )
        }
    }


@pytest.fixture
def scanned(durable, tmp_path, monkeypatch):
    """The stack with a files bucket, scanning on, and a form with every kind of target."""
    s3 = files_bucket(BUCKET, monkeypatch)
    monkeypatch.setenv("FILE_SCANNING", "guardduty")
    monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK", "true")
    sns = boto3.client("sns", region_name="us-east-1")
    alerts = sns.create_topic(Name="lifecycle-alerts")["TopicArn"]
    sqs = boto3.client("sqs", region_name="us-east-1")
    inbox = sqs.create_queue(QueueName="lifecycle-alert-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=alerts, Protocol="sqs", Endpoint=inbox_arn["Attributes"]["QueueArn"])
    monkeypatch.setenv("ALERT_TOPIC_ARN", alerts)

    def setup(base: str) -> None:
        monkeypatch.setenv("FORMS_FILE", write_forms(tmp_path, forms(base)))

    def alerts_seen() -> list[str]:
        got = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"])["Subject"] for m in got]

    scan = importlib.import_module("toiawase.handlers.scan_result")
    deliver = importlib.import_module("toiawase.handlers.deliver")
    return durable, s3, setup, scan, deliver, alerts_seen


def post_with_files(durable, files=(("cv.pdf", PDF),), message="応募します"):
    status, _, body = call(durable.api.lambda_handler, jobs_post(message, files))
    assert status == 202 and body["status"] == "scanning", body
    return body["id"]


def kept_keys(s3, sid: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="submissions/").get("Contents", [])
    return sorted(o["Key"] for o in listed if f"/{sid}/" in o["Key"])


def verdict(scan, s3, key: str, status: str) -> str:
    s3.put_object_tagging(
        Bucket=BUCKET,
        Key=key,
        Tagging={"TagSet": [{"Key": "GuardDutyMalwareScanStatus", "Value": status}]},
    )
    event = {
        "source": "aws.guardduty",
        "detail-type": "GuardDuty Malware Protection Object Scan Result",
        "detail": {
            "s3ObjectDetails": {"bucketName": BUCKET, "objectKey": key},
            "scanResultDetails": {"scanResultStatus": status},
        },
    }
    return str(scan.lambda_handler(event, LocalContext())["result"])


def sweep(scan) -> str:
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    return str(scan.lambda_handler(event, LocalContext())["result"])


def age(durable, sid: str, minutes: int) -> None:
    """Make a submission look ``minutes`` old (the sweep compares its ``created_at``)."""
    then = (datetime.now(tz=UTC) - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")
    durable.dynamodb.update_item(
        TableName=durable.stack.submissions_table,
        Key={"id": {"S": sid}},
        UpdateExpression="SET created_at = :t",
        ExpressionAttributeValues={":t": {"S": then}},
    )


def test_an_infected_submission_queues_no_delivery_and_sends_no_receipt(scanned):
    durable, s3, setup, scan, deliver, _ = scanned
    with receiver() as hook:
        setup(hook.base)
        sid = post_with_files(durable, files=(("a.pdf", PDF), ("b.pdf", PDF[:900])))
        assert queued(durable) == []  # nothing planned while the scan runs
        first, second = kept_keys(s3, sid)
        assert verdict(scan, s3, first, "NO_THREATS_FOUND") == "waiting"
        assert verdict(scan, s3, second, "THREATS_FOUND") == "infected"
        durable.drain()
        with no_suppressions():
            drain(durable, deliver.lambda_handler)
    assert durable.item(sid)["status"] == "infected"
    assert queued(durable) == [] and hook.received == []
    assert durable.ses.accepted() == []  # neither the owner's email nor a receipt


def test_a_clean_submission_is_sent_then_each_target_delivered_once(scanned):
    durable, s3, setup, scan, deliver, _ = scanned
    with receiver() as hook:
        setup(hook.base)
        sid = post_with_files(durable)
        (key,) = kept_keys(s3, sid)
        assert queued(durable) == []
        assert verdict(scan, s3, key, "NO_THREATS_FOUND") == "queued"
        assert queued(durable) == []  # released, not yet sent: still nothing planned
        durable.drain()
        assert durable.item(sid)["status"] == "sent"
        assert queued(durable) == every_target(sid)
        # A late duplicate verdict and a second drain plan nothing more.
        assert verdict(scan, s3, key, "NO_THREATS_FOUND") == "ignored"
        durable.drain()
        with no_suppressions():
            drain(durable, deliver.lambda_handler)
        paths = Counter(r.path for r in hook.received)
    assert_every_target_delivered_once(durable, sid, paths)


def test_a_scan_that_never_answers_is_held_the_owner_alerted_and_nothing_sent(scanned):
    durable, _, setup, scan, _, alerts_seen = scanned
    with receiver() as hook:
        setup(hook.base)
        old = post_with_files(durable, message="古い応募")
        young = post_with_files(durable, message="新しい応募")
        age(durable, old, 61)
        assert sweep(scan) == "held"
        assert durable.item(old)["status"] == "failed"
        assert durable.item(old)["reason"] == "scan_timeout"
        assert "scan_wait" not in durable.item(old)  # out of the sweep's index
        assert durable.item(young)["status"] == "scanning"
        assert alerts_seen() == ["toiawase: a file scan never finished"]
        # Nothing was sent or planned, and the next sweep finds nothing more.
        durable.drain()
        assert durable.ses.accepted() == [] and queued(durable) == []
        assert sweep(scan) == "none_overdue"
        assert alerts_seen() == []
    assert hook.received == []


def test_a_held_scan_is_released_by_a_late_clean_verdict_or_stopped_by_a_late_threat(scanned):
    durable, s3, setup, scan, _, _ = scanned
    with receiver() as hook:
        setup(hook.base)
        clean = post_with_files(durable, message="一通目")
        infected = post_with_files(durable, message="二通目")
        for sid in (clean, infected):
            age(durable, sid, 90)
        assert sweep(scan) == "held"
        (clean_key,) = kept_keys(s3, clean)
        (infected_key,) = kept_keys(s3, infected)
        assert verdict(scan, s3, infected_key, "THREATS_FOUND") == "infected"
        assert verdict(scan, s3, clean_key, "NO_THREATS_FOUND") == "queued"
        durable.drain()
        assert durable.item(clean)["status"] == "sent"
        assert durable.item(infected)["status"] == "infected"
        assert {sid for _, sid in queued(durable)} == {clean}
    assert [m["X-Toiawase-Submission-Id"] for m in durable.ses.accepted()] == [clean]


def test_the_owners_redrive_sends_a_held_scan_unscanned_and_plans_its_deliveries(scanned):
    durable, _, setup, scan, deliver, _ = scanned
    with receiver() as hook:
        setup(hook.base)
        sid = post_with_files(durable)
        age(durable, sid, 61)
        assert sweep(scan) == "held"
        durable.drain()
        assert durable.ses.accepted() == []  # held: nothing sends it on its own
        durable.redrive()
        durable.drain()
        assert durable.item(sid)["status"] == "sent"
        assert len(queued(durable)) == 4
        with no_suppressions():
            drain(durable, deliver.lambda_handler)
        paths = Counter(r.path for r in hook.received)
    assert paths == {"/hook": 1, "/slack": 1, "/discord": 1}
    assert [m["X-Toiawase-Submission-Id"] for m in durable.ses.accepted()].count(sid) == 1
