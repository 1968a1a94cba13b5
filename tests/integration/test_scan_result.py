"""The scan-result function (GuardDuty verdicts via EventBridge) against moto."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.unit.helpers import WHEN, submission_meta, valid_submission
from toiawase.adapters.admission import DynamoAdmission
from toiawase.adapters.dynamo_store import DynamoStore
from toiawase.core import records
from toiawase.local.events import LocalContext
from toiawase.local.stack import create_local_stack

SID = "cd" * 16
KEYS = [f"submissions/jobs/{SID}/0", f"submissions/jobs/{SID}/1"]


def scan_event(key: str, status: str) -> dict[str, Any]:
    return {
        "source": "aws.guardduty",
        "detail-type": "GuardDuty Malware Protection Object Scan Result",
        "detail": {
            "s3ObjectDetails": {"bucketName": "toiawase-files-scan", "objectKey": key},
            "scanResultDetails": {"scanResultStatus": status},
        },
    }


@pytest.fixture
def world(contract_env, monkeypatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        stack = create_local_stack(prefix="scan")
        for name, value in {**stack.env(), "FILES_BUCKET": "toiawase-files-scan"}.items():
            monkeypatch.setenv(name, value)
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="toiawase-files-scan")
        for key in KEYS:
            s3.put_object(Bucket="toiawase-files-scan", Key=key, Body=b"%PDF-1.7 x")
        sub = valid_submission()
        meta = submission_meta(SID)
        files = [
            {"field": "cv", "name": f"{n}.pdf", "type": "application/pdf", "size": 10, "key": k}
            for n, k in enumerate(KEYS)
        ]
        store = DynamoStore(
            boto3.client("dynamodb", region_name="us-east-1"), stack.submissions_table
        )
        store.create(
            records.StoredSubmission(
                SID, records.SCANNING, WHEN, WHEN, records.encode_payload(sub, meta, files)
            )
        )
        module = importlib.import_module("toiawase.handlers.scan_result")
        yield module, s3, store, stack


def tag(s3: Any, key: str, status: str) -> None:
    s3.put_object_tagging(
        Bucket="toiawase-files-scan",
        Key=key,
        Tagging={"TagSet": [{"Key": "GuardDutyMalwareScanStatus", "Value": status}]},
    )


def queued(stack: Any) -> list[str]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    answer = sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"])["id"] for m in answer.get("Messages", [])]


def test_clean_files_queue_the_submission_once_all_are_scanned(world):
    module, s3, store, stack = world
    tag(s3, KEYS[0], "NO_THREATS_FOUND")
    result = module.lambda_handler(scan_event(KEYS[0], "NO_THREATS_FOUND"), LocalContext())
    assert result == {"result": "waiting"}
    tag(s3, KEYS[1], "NO_THREATS_FOUND")
    result = module.lambda_handler(scan_event(KEYS[1], "NO_THREATS_FOUND"), LocalContext())
    assert result == {"result": "queued"}
    assert store.get(SID).status == records.QUEUED
    assert queued(stack) == [SID]


def test_an_infected_file_stops_the_submission(world):
    module, _, store, stack = world
    result = module.lambda_handler(scan_event(KEYS[1], "THREATS_FOUND"), LocalContext())
    assert result == {"result": "infected"}
    assert store.get(SID).status == records.INFECTED
    assert queued(stack) == []


def test_a_refused_captcha_releases_a_scanning_row_but_not_one_that_moved_on(world):
    """The admission wrote the row as ``scanning``; releasing it (captcha refused after the
    admission) deletes it, so no scan result can later send it. A row that moved on stays."""
    _, _, store, stack = world
    admission = DynamoAdmission(
        boto3.client("dynamodb", region_name="us-east-1"),
        submissions_table=stack.submissions_table,
    )
    row = store.get(SID)
    assert row is not None and row.status == records.SCANNING
    store.mark(SID, records.QUEUED, WHEN, reason="scanned", only_from=(records.SCANNING,))
    admission.release(None, row)
    moved = store.get(SID)
    assert moved is not None and moved.status == records.QUEUED
    store.mark(SID, records.SCANNING, WHEN, only_from=(records.QUEUED,))
    admission.release(None, row)
    assert store.get(SID) is None
