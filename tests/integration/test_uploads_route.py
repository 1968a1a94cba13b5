"""``POST /f/{form}/uploads`` through the Lambda entry, with moto S3 and DynamoDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.files_fixtures import files_bucket, jobs_form, write_forms
from toiawase.local.events import LocalContext, build_event

FORMS = {
    "forms": {
        "jobs": jobs_form(
            {"accept": ["application/pdf"], "max_size": "5MB", "max_files": 2, "required": True},
            message=False,
        ),
        "contact": {"title": "Contact", "fields": {"message": {"type": "textarea"}}},
    }
}


@pytest.fixture
def api(contract_env, monkeypatch, tmp_path) -> Iterator[Any]:
    monkeypatch.setenv("FORMS_FILE", write_forms(tmp_path, FORMS))
    monkeypatch.setenv("SUBMISSIONS_TABLE", "submissions-route")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        files_bucket("toiawase-files-route", monkeypatch)
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName="submissions-route",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        import toiawase.handlers.submit as module

        yield module


def call(module: Any, path: str, payload: object, method: str = "POST") -> tuple[int, Any]:
    headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("Origin", "https://www.example.com"),
    ]
    event = build_event(
        method, path, headers, json.dumps(payload).encode(), source_ip="198.51.100.4"
    )
    result = module.lambda_handler(event, LocalContext())
    body = json.loads(result["body"]) if result["body"] else None
    return result["statusCode"], body


def test_the_route_issues_presigned_posts_for_the_forms_bucket(api):
    status, body = call(
        api, "/f/jobs/uploads", {"files": [{"field": "cv", "name": "cv.pdf", "size": 1000}]}
    )
    assert status == 200, body
    [item] = body["files"]
    assert item["key"].startswith(f"uploads/jobs/{body['upload']}/")
    assert "toiawase-files-route" in item["url"]
    assert set(item["fields"]) >= {"key", "policy", "x-amz-signature", "Content-Type"}
    item_row = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName="submissions-route", Key={"id": {"S": f"upload#{body['upload']}"}}
    )
    assert item_row["Item"]["form"]["S"] == "jobs"


def test_unknown_forms_and_forms_without_files_are_404(api):
    wanted = {"files": [{"field": "cv", "name": "cv.pdf", "size": 1000}]}
    assert call(api, "/f/nope/uploads", wanted)[0] == 404
    status, body = call(api, "/f/contact/uploads", wanted)
    assert status == 404 and body["error"] == "uploads_off"


def test_a_bad_upload_request_is_a_4xx_never_a_5xx(api):
    for payload in ({}, {"files": "x"}, {"files": [{"field": "cv"}]}, [1, 2], "text"):
        status, _ = call(api, "/f/jobs/uploads", payload)
        assert 400 <= status < 500
    status, body = call(
        api, "/f/jobs/uploads", {"files": [{"field": "cv", "name": "a.pdf", "size": 9_000_000}]}
    )
    assert status == 422 and "at most 5 MB" in body["fields"]["cv"]


def test_get_is_405(api):
    assert call(api, "/f/jobs/uploads", {}, method="GET")[0] == 405
