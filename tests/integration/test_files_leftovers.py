"""A post turned away after its files were kept leaves no copy behind (moto S3, DynamoDB, SES,
through the submit function's Lambda entry): rate-limited, a repeat, a refused captcha. The
deletion is one ``DeleteObjects`` on the refusal path; the success path makes none."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.files_fixtures import files_bucket, jobs_form, jobs_post, write_forms
from tests.integration.test_durability import call
from tests.unit.test_submit_files import PDF
from toiawase.handlers import wiring

BUCKET = "toiawase-files-leftovers"
FORMS = {"forms": {"jobs": jobs_form({"accept": ["application/pdf"]})}}


@pytest.fixture
def bucket(durable, tmp_path, monkeypatch):
    s3 = files_bucket(BUCKET, monkeypatch)
    monkeypatch.setenv("FORMS_FILE", write_forms(tmp_path, FORMS))
    return durable, s3


def post(durable, message: str, data: bytes = PDF, extra=()):
    return call(durable.api.lambda_handler, jobs_post(message, [("cv.pdf", data)], extra))


def objects(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@contextmanager
def s3_calls() -> Iterator[list[str]]:
    """The S3 calls the function makes (its own client, as wired)."""
    client = wiring._files(os.environ["FILES_BUCKET"], "")._client  # type: ignore[attr-defined]
    made: list[str] = []

    def count(model, **_):
        made.append(model.name)

    client.meta.events.register("before-parameter-build.s3", count)
    try:
        yield made
    finally:
        client.meta.events.unregister("before-parameter-build.s3", count)


def test_a_rate_limited_post_deletes_the_copies_it_made(bucket, monkeypatch):
    durable, s3 = bucket
    monkeypatch.setenv("RATE_LIMITS", "client_minute=0,client_day=0,form_minute=1,form_day=0")
    with s3_calls() as made:
        status, _, first = post(durable, "一通目")
    assert status == 200 and made == ["PutObject"]  # the success path: no deletion
    assert objects(s3) == [f"submissions/jobs/{first['id']}/0"]
    with s3_calls() as made:
        status, _, body = post(durable, "二通目", PDF + b"%%EOF\n")
    assert status == 429 and body["error"] == "rate_limited"
    assert made == ["PutObject", "DeleteObjects"]  # one extra call, on the refusal path
    assert objects(s3) == [f"submissions/jobs/{first['id']}/0"]


def test_a_repeat_answered_from_the_first_leaves_only_the_first_copies(bucket):
    durable, s3 = bucket
    status, _, first = post(durable, "同じ内容")
    again_status, _, again = post(durable, "同じ内容")
    assert (status, again_status) == (200, 200) and again["id"] == first["id"]
    assert objects(s3) == [f"submissions/jobs/{first['id']}/0"]
    assert len(durable.sent_ids()) == 1


def test_a_refused_captcha_after_the_admission_deletes_the_copies(bucket, monkeypatch):
    durable, s3 = bucket
    monkeypatch.setenv("CAPTCHA_PROVIDER", "turnstile")
    monkeypatch.setenv("CAPTCHA_ON_OUTAGE", "reject")
    monkeypatch.setenv("CAPTCHA_VERIFY_URL", "http://127.0.0.1:9/siteverify")  # nothing there
    monkeypatch.setenv("CAPTCHA_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("CAPTCHA_SECRET_PARAMETER", "")
    token = ("cf-turnstile-response", None, b"token", "")
    status, _, body = post(durable, "確認が通らない", extra=(token,))
    assert status == 503 and body["error"] == "captcha_unavailable", body
    assert objects(s3) == []
    assert durable.sent_ids() == []
