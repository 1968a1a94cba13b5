"""The hostile file corpus (tests/corpus/files.py) through the submit function's Lambda entry
(an API Gateway v2 event, as ``test_corpus.py``), with moto's S3 and SES and a forms file whose
``jobs`` form has a file field: a 4xx or a safely named attachment, never a 5xx, never an extra
header or part, and nothing kept in the bucket for a refused post."""

from __future__ import annotations

import json
import unicodedata
from email import message_from_bytes, policy
from typing import Any

import pytest

from tests.corpus.files import BOUNDARY, CASES, MAX_SIZE, FileCase, body
from tests.files_fixtures import files_bucket, jobs_form, write_forms
from tests.mail_oracle import COMPOSED_HEADERS
from toiawase.core.compose import header_names
from toiawase.local.events import LocalContext, build_event

BUCKET = "toiawase-files-corpus"
FORMS = {
    "forms": {
        "jobs": jobs_form(
            {
                "accept": ["application/pdf", "image/png"],
                "max_size": MAX_SIZE,
                "max_files": 2,
                "required": True,
            }
        )
    }
}


@pytest.fixture(scope="module")
def forms_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_forms(tmp_path_factory.mktemp("files-corpus"), FORMS)


@pytest.fixture
def entry(submit_module, ses, forms_file, monkeypatch) -> tuple[Any, Any, Any]:
    monkeypatch.setenv("FORMS_FILE", forms_file)
    return submit_module, ses, files_bucket(BUCKET, monkeypatch)


def kept(s3: Any) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file(case: FileCase, entry):
    module, ses, s3 = entry
    event = build_event(
        "POST",
        "/f/jobs",
        [
            ("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"),
            ("Accept", "application/json"),
            ("Origin", "https://www.example.com"),
            ("Referer", "https://www.example.com/jobs/"),
        ],
        case.raw if case.raw is not None else body(case.parts),
        source_ip=f"198.51.100.{CASES.index(case) % 250 + 1}",
    )
    answer = module.lambda_handler(event, LocalContext())
    status = answer["statusCode"]
    assert status < 500, answer["body"]
    for name, value in answer["headers"].items():
        assert value.isascii() and value.isprintable(), f"response header {name}: {value!r}"
    if case.expect == "sent":
        assert status == 200, answer["body"]
    elif case.expect == "refused":
        assert 400 <= status < 500
    else:
        assert status == case.expect, answer["body"]
    if status >= 400:
        payload = json.loads(answer["body"])
        assert payload["ok"] is False and payload["error"] and payload["message"], payload
        assert ses.calls == [] and kept(s3) == []
        return
    [params] = ses.calls
    assert set(params["Destination"]) == {"ToAddresses"}, params["Destination"]
    raw: bytes = params["Content"]["Raw"]["Data"]
    assert len(ses.accepted()) == 1  # SES (moto) took the message as it was given
    assert sorted(header_names(raw)) == sorted(COMPOSED_HEADERS)
    message = message_from_bytes(raw, policy=policy.default)
    attachments = list(message.iter_attachments())
    assert b"victim@evil.example" not in raw.partition(b"\r\n\r\n")[0]
    sent_files = [p for p in case.parts if p[1] is not None and p[2]]
    assert len(attachments) == len(sent_files)
    assert len(kept(s3)) == len(sent_files)
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
