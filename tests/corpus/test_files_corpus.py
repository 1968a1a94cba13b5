"""The hostile file corpus (tests/corpus/files.py) through the submit use case of a form with a
file field: a 4xx or a safely named attachment, never a 5xx, never an extra header or part."""

from __future__ import annotations

import unicodedata
from email import message_from_bytes, policy

import pytest

from tests.corpus.files import BOUNDARY, CASES, MAX_SIZE, FileCase, body
from tests.unit.fakes import MemoryStore
from tests.unit.files_fakes import MemoryFiles, MemoryLedger
from tests.unit.helpers import RecordingSender, form_request, settings
from toiawase.core.compose import FORM_HEADER, SUBMISSION_HEADER, header_names
from toiawase.core.forms.model import FieldSpec, Form
from toiawase.core.outcome import Dependencies
from toiawase.core.submit import submit
from toiawase.core.uploads import UploadSettings

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
            accept=("application/pdf", "image/png"),
            max_size=MAX_SIZE,
            max_files=2,
            required=True,
        ),
    ),
)
HEADERS = [
    "From",
    "To",
    "Reply-To",
    "Subject",
    "Date",
    SUBMISSION_HEADER,
    FORM_HEADER,
    "MIME-Version",
    "Content-Type",
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file(case: FileCase):
    sender = RecordingSender()
    files = MemoryFiles()
    deps = Dependencies(
        sender=sender,
        new_id=lambda: "0" * 32,
        store=MemoryStore(),
        files=files,
        uploads=MemoryLedger(),
    )
    request = form_request(
        body=case.raw if case.raw is not None else body(case.parts),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        accept="application/json",
    )
    outcome = submit(request, settings(), deps, True, form=FORM, files_settings=UploadSettings())
    status = outcome.response.status
    assert status < 500, outcome.response.body
    if case.expect == "sent":
        assert status == 200, outcome.response.body
    elif case.expect == "refused":
        assert 400 <= status < 500
    else:
        assert status == case.expect, outcome.response.body
    if status >= 400:
        assert sender.sent == [] and files.objects == {}
        return
    [email] = sender.sent
    assert sorted(header_names(email.raw)) == sorted(HEADERS)
    message = message_from_bytes(email.raw, policy=policy.default)
    attachments = list(message.iter_attachments())
    assert b"victim@evil.example" not in email.raw.partition(b"\r\n\r\n")[0]
    sent_files = [p for p in case.parts if p[1] is not None and p[2]]
    assert len(attachments) == len(sent_files)
    names = [str(part.get_filename()) for part in attachments]
    assert len(set(n.casefold() for n in names)) == len(names), names
    for part, name in zip(attachments, names, strict=True):
        assert part.get_content() in (p[2] for p in sent_files)
        assert list(part.keys()) == [
            "Content-Type",
            "Content-Transfer-Encoding",
            "Content-Disposition",
            "MIME-Version",
        ]
        assert name and len(name) <= 120 and len(name.encode()) <= 200
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert all(unicodedata.category(ch)[0] != "C" for ch in name), repr(name)
        assert "=?" not in name and "\u2028" not in name
