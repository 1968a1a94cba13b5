"""Direct uploads against moto S3 and DynamoDB: issue, upload, claim once, judge, keep, deliver."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from itertools import count

import boto3
import pytest
from moto import mock_aws

from tests.files_fixtures import jobs_model
from tests.unit.helpers import WHEN, form_request, settings
from toiawase.adapters.s3_files import DynamoUploadLedger, S3FileStore
from toiawase.core.errors import InputError
from toiawase.core.forms.model import Form
from toiawase.core.outcome import Dependencies
from toiawase.core.uploads import (
    UploadSettings,
    collect_files,
    delivered_files,
    issue_uploads,
    keep_files,
)

BUCKET = "toiawase-files-test"
TABLE = "submissions"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
PE = b"MZ\x90\x00" + b"\0" * 4000
FORM = jobs_model(
    message=False,
    accept=("application/pdf", "image/*"),
    max_size=100_000,
    max_files=2,
    required=True,
)
NOW = int(WHEN.timestamp())


class Stack:
    def __init__(self) -> None:
        self.s3 = boto3.client("s3", region_name="us-east-1")
        self.s3.create_bucket(Bucket=BUCKET)
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName=TABLE,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.files = S3FileStore(self.s3, BUCKET)
        self.ledger = DynamoUploadLedger(dynamodb, TABLE)
        ids = count()
        self.deps = Dependencies(
            sender=None,  # type: ignore[arg-type]
            new_id=lambda: f"{next(ids):032x}",
            files=self.files,
            uploads=self.ledger,
        )

    def issue(self, files: list[dict[str, object]], form: Form = FORM):
        request = form_request(
            body=json.dumps({"files": files}).encode(),
            content_type="application/json",
            accept="application/json",
            path=f"/f/{form.id}/uploads",
        )
        return issue_uploads(request, form, settings(), UploadSettings(bucket=BUCKET), self.deps)


@pytest.fixture
def stack() -> Iterator[Stack]:
    with mock_aws():
        yield Stack()


def test_issue_answers_a_presigned_post_per_file_under_a_prefix_the_function_chose(stack):
    outcome = stack.issue(
        [
            {"field": "cv", "name": "../cv.pdf", "size": 5000, "type": "application/pdf"},
            {"field": "cv", "name": "photo.png", "size": 300, "type": "image/png"},
        ]
    )
    assert outcome.response.status == 200, outcome.response.body
    answer = json.loads(outcome.response.body)
    upload = answer["upload"]
    assert [f["key"] for f in answer["files"]] == [
        f"uploads/jobs/{upload}/0",
        f"uploads/jobs/{upload}/1",
    ]
    policy = json.loads(base64.b64decode(answer["files"][0]["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 100_000] in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"key": f"uploads/jobs/{upload}/0"} in conditions


@pytest.mark.parametrize(
    ("files", "field", "words"),
    [
        ([{"field": "cv", "name": "a.pdf", "size": 200_000}], "cv", "at most"),
        ([{"field": "cv", "name": "a.pdf", "size": 10}] * 3, "cv", "at most 2"),
        ([{"field": "email", "name": "a.pdf", "size": 10}], "email", "not a file field"),
        ([{"field": "cv", "name": "a.exe", "size": 10}], "cv", "does not accept"),
        ([{"field": "cv", "name": "a.pdf", "size": 10, "type": "text/html"}], "cv", "accept"),
        ([{"field": "cv", "name": "a.pdf", "size": 0}], "cv", "empty"),
    ],
)
def test_issue_refuses_what_can_be_told_before_the_upload(stack, files, field, words):
    outcome = stack.issue(files)
    assert outcome.response.status == 422
    assert words in json.loads(outcome.response.body)["fields"][field]


def test_a_form_without_file_fields_has_no_uploads(stack):
    plain = Form(id="contact", title="Contact", recipients=("owner@example.com",))
    outcome = stack.issue([{"field": "cv", "name": "a.pdf", "size": 10}], plain)
    assert outcome.response.status == 404


def issue_and_upload(stack: Stack, contents: list[tuple[str, bytes]]) -> str:
    files = [{"field": "cv", "name": name, "size": len(data)} for name, data in contents]
    answer = json.loads(stack.issue(files).response.body)
    for item, (_, data) in zip(answer["files"], contents, strict=True):
        # What the browser's POST does (moto does not enforce POST policies; the code checks).
        stack.s3.put_object(Bucket=BUCKET, Key=item["key"], Body=data)
    return str(answer["upload"])


def test_uploaded_files_are_judged_by_content_and_claimed_once(stack):
    upload = issue_and_upload(stack, [("履歴書.pdf", PDF), ("two.pdf", PDF[:3000])])
    accepted = collect_files([], upload, FORM, stack.deps, NOW)
    assert [(f.filename, f.content_type, f.size) for f in accepted] == [
        ("履歴書.pdf", "application/pdf", len(PDF)),
        ("two.pdf", "application/pdf", 3000),
    ]
    with pytest.raises(InputError) as reused:
        collect_files([], upload, FORM, stack.deps, NOW)
    assert reused.value.status == 422 and "already used" in reused.value.fields["cv"]


def test_the_same_post_may_claim_its_upload_again_another_may_not(stack):
    """The owner is the post's idempotency key: a repeat of the same post (double-click,
    resent after a refused captcha) names its upload again; a different post is refused."""
    upload = issue_and_upload(stack, [("a.pdf", PDF)])
    assert len(collect_files([], upload, FORM, stack.deps, NOW, owner="key-1")) == 1
    assert len(collect_files([], upload, FORM, stack.deps, NOW + 5, owner="key-1")) == 1
    for owner in ("key-2", None):
        with pytest.raises(InputError) as reused:
            collect_files([], upload, FORM, stack.deps, NOW + 5, owner=owner)
        assert "already used" in reused.value.fields["cv"]
    with pytest.raises(InputError):  # expired, even for its owner
        collect_files([], upload, FORM, stack.deps, NOW + 24 * 3600, owner="key-1")


def test_a_forged_upload_id_or_another_forms_upload_is_refused(stack):
    with pytest.raises(InputError) as forged:
        collect_files([], "f" * 32, FORM, stack.deps, NOW)
    assert forged.value.status == 422
    upload = issue_and_upload(stack, [("a.pdf", PDF)])
    other = Form(id="other", title="Other", recipients=("o@example.com",), fields=FORM.fields)
    with pytest.raises(InputError):
        collect_files([], upload, other, stack.deps, NOW)


def test_an_expired_upload_is_refused(stack):
    upload = issue_and_upload(stack, [("a.pdf", PDF)])
    with pytest.raises(InputError):
        collect_files([], upload, FORM, stack.deps, NOW + 24 * 3600)


def test_an_executable_uploaded_as_pdf_is_refused_next_to_its_field(stack):
    upload = issue_and_upload(stack, [("invoice.pdf", PE)])
    with pytest.raises(InputError) as caught:
        collect_files([], upload, FORM, stack.deps, NOW)
    assert "program, script or web page" in caught.value.fields["cv"]


def test_an_object_larger_than_issued_is_refused_after_upload(stack):
    upload = issue_and_upload(stack, [("a.pdf", PDF)])
    key = f"uploads/jobs/{upload}/0"
    stack.s3.put_object(Bucket=BUCKET, Key=key, Body=PDF * 30)  # past max_size: S3 would refuse
    with pytest.raises(InputError) as caught:
        collect_files([], upload, FORM, stack.deps, NOW)
    assert "at most" in caught.value.fields["cv"]


def test_a_cancelled_upload_is_not_there(stack):
    files = [{"field": "cv", "name": "a.pdf", "size": 100}]
    upload = json.loads(stack.issue(files).response.body)["upload"]
    with pytest.raises(InputError) as caught:
        collect_files([], upload, FORM, stack.deps, NOW)
    assert "did not finish uploading" in caught.value.fields["cv"]


def test_kept_files_are_read_back_attached_or_linked(stack):
    upload = issue_and_upload(stack, [("a.pdf", PDF), ("b.pdf", PDF[:5000])])
    accepted = collect_files([], upload, FORM, stack.deps, NOW)
    kept = keep_files(accepted, "jobs", "sid1", stack.files)
    assert [f.key for f in kept] == ["submissions/jobs/sid1/0", "submissions/jobs/sid1/1"]
    delivered = delivered_files(kept, stack.files, UploadSettings(attach_limit=len(PDF)))
    assert delivered[0].data == PDF and delivered[0].url is None
    assert delivered[1].data is None
    assert delivered[1].url is not None and "submissions/jobs/sid1/1" in delivered[1].url
    assert "response-content-disposition" in delivered[1].url


def test_the_retry_path_reads_the_files_again_from_the_bucket(stack):
    from email import message_from_bytes, policy

    from tests.unit.fakes import MemoryStore
    from tests.unit.helpers import RecordingSender, submission_meta, valid_submission
    from toiawase.core import records
    from toiawase.core.retry import RetryLater, resend
    from toiawase.core.uploads import encode_files

    upload = issue_and_upload(stack, [("a.pdf", PDF), ("b.pdf", PDF[:5000])])
    kept = keep_files(collect_files([], upload, FORM, stack.deps, NOW), "jobs", "sid1", stack.files)
    sub = valid_submission()
    meta = submission_meta("sid1")
    payload = records.encode_payload(sub, meta, encode_files(kept))
    assert "%PDF" not in payload  # names and keys only
    store = MemoryStore()
    store.create(records.StoredSubmission("sid1", records.QUEUED, WHEN, WHEN, payload))
    files_settings = UploadSettings(attach_limit=len(PDF))

    # The bucket is down: the retry waits, the submission stays queued.
    down = S3FileStore(stack.s3, "no-such-bucket")
    with pytest.raises(RetryLater):
        resend(
            "sid1",
            settings(),
            store,
            RecordingSender(),
            WHEN,
            files=down,
            files_settings=files_settings,
        )
    sender = RecordingSender()
    result = resend(
        "sid1", settings(), store, sender, WHEN, files=stack.files, files_settings=files_settings
    )
    assert result.result == "sent"
    message = message_from_bytes(sender.sent[0].raw, policy=policy.default)
    attached = list(message.iter_attachments())
    assert [(p.get_filename(), p.get_content()) for p in attached] == [("a.pdf", PDF)]
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "b.pdf" in text and "submissions/jobs/sid1/1" in text
