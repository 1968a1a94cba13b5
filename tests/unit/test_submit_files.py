"""The submit use case with a form's file fields: both paths, refusals, durability (no AWS)."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest

from tests.files_fixtures import MULTIPART, jobs_model, multipart
from tests.unit.fakes import MemoryAdmission, MemoryStore
from tests.unit.files_fakes import MemoryFiles, MemoryLedger
from tests.unit.helpers import RecordingSender, SequentialIds, form_request, settings
from toiawase.core import records
from toiawase.core.outcome import Dependencies
from toiawase.core.ports import CaptchaVerdict
from toiawase.core.submit import submit
from toiawase.core.uploads import UploadSettings, issue_uploads

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 800  # 200 KB
PE = b"MZ\x90\x00" + b"\0" * 5000
FORM = jobs_model(
    accept=("application/pdf",), max_size=10 * 1024 * 1024, max_files=3, required=True
)
TEXT = [("email", None, b"taro@example.jp", ""), ("message", None, "応募します".encode(), "")]
CT = MULTIPART


def deps(files: MemoryFiles | None = None, store: MemoryStore | None = None) -> Dependencies:
    return Dependencies(
        sender=RecordingSender(),
        new_id=SequentialIds(),
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


# ---------------------------------------------------------------- with the admission (issue 15)


class Verdicts:
    """A captcha provider answering from a list."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)

    def verify(self, token: str, remote_ip: str) -> CaptchaVerdict:
        return CaptchaVerdict(success=self.answers.pop(0))


def admitted(captcha: Verdicts | None = None) -> Dependencies:
    store = MemoryStore()
    return Dependencies(
        sender=RecordingSender(),
        new_id=SequentialIds(),
        store=store,
        admission=MemoryAdmission(store),
        captcha=captcha,
        files=MemoryFiles(),
        uploads=MemoryLedger(),
    )


def sent_count(d: Dependencies) -> int:
    assert isinstance(d.sender, RecordingSender)
    return len(d.sender.sent)


def test_the_admission_writes_the_row_naming_files_already_kept():
    d = admitted()
    outcome = post(multipart(*TEXT, ("cv", "a.pdf", PDF, "application/pdf")), d)
    assert outcome.response.status == 200, outcome.response.body
    sid = json.loads(outcome.response.body)["id"]
    assert isinstance(d.admission, MemoryAdmission) and d.admission.calls == 1
    assert isinstance(d.store, MemoryStore)
    record = d.store.get(sid)
    assert record is not None and record.status == records.SENT
    assert f"submissions/jobs/{sid}/0" in record.payload
    assert isinstance(d.files, MemoryFiles) and f"submissions/jobs/{sid}/0" in d.files.objects


def test_a_double_click_naming_an_upload_is_answered_from_the_first():
    d = admitted()
    upload_id = upload(d, [("a.pdf", PDF)])
    fields = [*TEXT, ("_upload", None, upload_id.encode(), "")]
    first, again = post(multipart(*fields), d), post(multipart(*fields), d)
    assert (first.response.status, again.response.status) == (200, 200), again.response.body
    assert again.result == "replayed"
    assert json.loads(again.response.body)["id"] == json.loads(first.response.body)["id"]
    assert sent_count(d) == 1


def test_the_same_text_with_another_posted_file_is_another_submission():
    d = admitted()
    one = multipart(*TEXT, ("cv", "a.pdf", PDF, "application/pdf"))
    other = multipart(*TEXT, ("cv", "a.pdf", PDF + b"%%EOF\n", "application/pdf"))
    first, second, repeat = post(one, d), post(other, d), post(one, d)
    assert first.response.status == second.response.status == 200
    ids = {json.loads(o.response.body)["id"] for o in (first, second, repeat)}
    assert len(ids) == 2 and repeat.result == "replayed"
    assert sent_count(d) == 2


def test_a_refused_captcha_undoes_a_scanning_admission_and_the_resend_reuses_its_upload():
    d = admitted(Verdicts(False, True))
    upload_id = upload(d, [("a.pdf", PDF)])

    def send(token: str):
        fields = [
            *TEXT,
            ("_upload", None, upload_id.encode(), ""),
            ("cf-turnstile-response", None, token.encode(), ""),
        ]
        request = form_request(body=multipart(*fields), content_type=CT, accept="application/json")
        return submit(
            request,
            settings(CAPTCHA_PROVIDER="turnstile"),
            d,
            True,
            form=FORM,
            files_settings=UploadSettings(scanning=True),
        )

    refused = send("token-1")
    assert refused.response.status == 422
    assert isinstance(d.store, MemoryStore) and d.store.rows == {}  # nothing left to scan
    accepted = send("token-2")
    assert accepted.response.status == 202, accepted.response.body
    sid = json.loads(accepted.response.body)["id"]
    assert [(k, r.status) for k, r in d.store.rows.items()] == [(sid, records.SCANNING)]
    assert sent_count(d) == 0
