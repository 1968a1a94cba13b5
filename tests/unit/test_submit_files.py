"""The submit use case with a form's file fields: both paths, refusals, durability (no AWS)."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest

from tests.unit.fakes import MemoryStore
from tests.unit.files_fakes import MemoryFiles, MemoryLedger
from tests.unit.helpers import RecordingSender, form_request, settings
from tests.unit.test_parse_files import BOUNDARY, multipart
from toiawase.core import records
from toiawase.core.forms.model import FieldSpec, Form
from toiawase.core.outcome import Dependencies
from toiawase.core.submit import submit
from toiawase.core.uploads import UploadSettings, issue_uploads

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 800  # 200 KB
PE = b"MZ\x90\x00" + b"\0" * 5000
FORM = Form(
    id="jobs",
    title="Jobs",
    recipients=("owner@example.com",),
    fields=(
        FieldSpec(name="email", type="email", required=True, reply_to=True),
        FieldSpec(name="message", type="textarea", required=True),
        FieldSpec(
            name="cv",
            type="file",
            accept=("application/pdf",),
            max_size=10 * 1024 * 1024,
            max_files=3,
            required=True,
        ),
    ),
)
TEXT = [("email", None, b"taro@example.jp", ""), ("message", None, "応募します".encode(), "")]
CT = f"multipart/form-data; boundary={BOUNDARY}"


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.n:032x}"


def deps(files: MemoryFiles | None = None, store: MemoryStore | None = None) -> Dependencies:
    return Dependencies(
        sender=RecordingSender(),
        new_id=Ids(),
        store=store if store is not None else MemoryStore(),
        files=files if files is not None else MemoryFiles(),
        uploads=MemoryLedger(),
    )


def post(body: bytes, d: Dependencies, content_type: str = CT, files_settings=None):
    request = form_request(body=body, content_type=content_type, accept="application/json")
    return submit(
        request,
        settings(),
        d,
        True,
        form=FORM,
        files_settings=files_settings or UploadSettings(),
    )


def sent_message(d: Dependencies):
    assert isinstance(d.sender, RecordingSender)
    return message_from_bytes(d.sender.sent[-1].raw, policy=policy.default)


def test_js_off_a_pdf_through_the_form_post_is_attached_and_kept():
    d = deps()
    outcome = post(multipart(*TEXT, ("cv", "履歴書.pdf", PDF, "application/pdf")), d)
    assert outcome.response.status == 200, outcome.response.body
    message = sent_message(d)
    [part] = list(message.iter_attachments())
    assert (part.get_filename(), part.get_content()) == ("履歴書.pdf", PDF)
    text = message.get_body(("plain",))
    assert text is not None and "cv:\r\n  履歴書.pdf\r\n" in text.get_content()
    sid = json.loads(outcome.response.body)["id"]
    assert isinstance(d.files, MemoryFiles)
    assert d.files.objects[f"submissions/jobs/{sid}/0"] == PDF
    assert isinstance(d.store, MemoryStore)
    record = d.store.get(sid)
    assert record is not None and record.status == records.SENT
    assert "%PDF" not in record.payload and f"submissions/jobs/{sid}/0" in record.payload


def test_an_executable_named_pdf_is_refused_next_to_its_field_and_nothing_is_sent():
    d = deps()
    outcome = post(multipart(*TEXT, ("cv", "invoice.pdf", PE, "application/pdf")), d)
    assert outcome.response.status == 422
    assert "program, script or web page" in json.loads(outcome.response.body)["fields"]["cv"]
    assert isinstance(d.sender, RecordingSender) and d.sender.sent == []


def test_a_required_file_field_left_empty_is_a_422():
    d = deps()
    outcome = post(multipart(*TEXT, ("cv", "", b"", "application/octet-stream")), d)
    assert outcome.response.status == 422
    assert "required" in json.loads(outcome.response.body)["fields"]["cv"]


def test_the_bucket_down_is_a_503_and_nothing_is_sent():
    d = deps(files=MemoryFiles(down=True))
    outcome = post(multipart(*TEXT, ("cv", "a.pdf", PDF, "application/pdf")), d)
    assert outcome.response.status == 503
    assert isinstance(d.sender, RecordingSender) and d.sender.sent == []


def upload(d: Dependencies, contents: list[tuple[str, bytes]]) -> str:
    wanted = {"files": [{"field": "cv", "name": n, "size": len(b)} for n, b in contents]}
    request = form_request(
        body=json.dumps(wanted).encode(), content_type="application/json", accept="application/json"
    )
    answer = json.loads(issue_uploads(request, FORM, settings(), UploadSettings(), d).response.body)
    assert isinstance(d.files, MemoryFiles)
    for item, (_, data) in zip(answer["files"], contents, strict=True):
        d.files.objects[item["key"]] = data
    return str(answer["upload"])


def test_js_on_uploaded_objects_are_attached_or_linked_and_cannot_be_named_twice():
    d = deps()
    upload_id = upload(d, [("small.pdf", PDF), ("big.pdf", PDF * 10)])
    fields = [*TEXT, ("_upload", None, upload_id.encode(), "")]
    limits = UploadSettings(attach_limit=len(PDF) * 2, link_days=3)
    outcome = post(multipart(*fields), d, files_settings=limits)
    assert outcome.response.status == 200, outcome.response.body
    message = sent_message(d)
    assert [p.get_filename() for p in message.iter_attachments()] == ["small.pdf"]
    body = message.get_body(("plain",))
    assert body is not None and "big.pdf" in body.get_content()
    assert "within 3 days" in body.get_content()
    # The same upload named by another post (not a replay: its message differs).
    other = [TEXT[0], ("message", None, b"again", ""), ("_upload", None, upload_id.encode(), "")]
    again = post(multipart(*other), d)
    assert again.response.status == 422
    assert "already used" in json.loads(again.response.body)["fields"]["cv"]


@pytest.mark.parametrize("upload_id", ["0" * 32, "../../etc", "x" * 500])
def test_a_forged_upload_id_is_refused(upload_id):
    d = deps()
    fields = [*TEXT, ("_upload", None, upload_id.encode(), "")]
    outcome = post(multipart(*fields), d)
    assert outcome.response.status == 422
    assert isinstance(d.sender, RecordingSender) and d.sender.sent == []
