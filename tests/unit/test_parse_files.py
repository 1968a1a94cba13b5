"""Multipart bodies with files (toiawase.core.parse.parse_form)."""

from __future__ import annotations

import pytest

from tests.files_fixtures import MULTIPART, multipart
from toiawase.core.config import Limits
from toiawase.core.errors import InputError
from toiawase.core.parse import parse_body, parse_form

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4
CT = MULTIPART


def test_file_parts_of_file_fields_are_kept_with_their_bytes():
    body = multipart(
        ("message", None, "こんにちは".encode(), ""),
        ("cv", "履歴書.pdf", PDF, "application/pdf"),
        ("cv", "two.pdf", PDF[:100], "application/octet-stream"),
    )
    parsed = parse_form(CT, body, Limits(), frozenset({"cv"}))
    assert parsed.pairs == [("message", "こんにちは")]
    assert [(f.field, f.filename, f.size) for f in parsed.files] == [
        ("cv", "履歴書.pdf", len(PDF)),
        ("cv", "two.pdf", 100),
    ]
    assert parsed.files[0].data == PDF


def test_an_unselected_file_input_is_ignored():
    body = multipart(("message", None, b"hi", ""), ("cv", "", b"", "application/octet-stream"))
    assert parse_form(CT, body, Limits(), frozenset({"cv"})).files == []


def test_forms_without_file_fields_still_refuse_files():
    body = multipart(("cv", "a.pdf", PDF, "application/pdf"))
    with pytest.raises(InputError) as caught:
        parse_body(CT, body, Limits())
    assert caught.value.status == 415


def test_a_file_for_a_field_that_takes_none_is_a_422_on_that_field():
    body = multipart(("message", "a.pdf", PDF, "application/pdf"))
    with pytest.raises(InputError) as caught:
        parse_form(CT, body, Limits(), frozenset({"cv"}))
    assert caught.value.status == 422
    assert caught.value.fields == {"message": "does not take files"}


def test_a_file_part_without_a_filename_is_a_400():
    body = multipart(("cv", "", PDF, "application/pdf"))
    with pytest.raises(InputError) as caught:
        parse_form(CT, body, Limits(), frozenset({"cv"}))
    assert caught.value.status == 400


def test_a_body_over_the_through_the_function_limit_is_a_clear_413():
    limits = Limits(max_upload_body_bytes=10_000)
    body = multipart(("cv", "a.pdf", PDF * 20, "application/pdf"))
    with pytest.raises(InputError) as caught:
        parse_form(CT, body, limits, frozenset({"cv"}))
    assert caught.value.status == 413
    assert "JavaScript" in caught.value.message


def test_the_file_limit_only_applies_to_forms_with_file_fields():
    body = multipart(("message", None, b"x" * 200_000, ""))
    with pytest.raises(InputError) as caught:
        parse_body(CT, body, Limits())
    assert caught.value.status == 413


def test_a_large_base64_body_decodes_in_pieces_exactly_as_at_once():
    import base64
    import binascii

    from toiawase.handlers import http_event

    data = bytes(range(256)) * 9000  # 2.3 MB: several pieces
    text = base64.b64encode(data).decode()
    assert http_event._b64decode(text) == data
    for broken in (text[:-1], text[:2_000_000] + "*" + text[2_000_001:], "AA==" + text[4:]):
        with pytest.raises((binascii.Error, ValueError)):
            http_event._b64decode(broken)


@pytest.mark.parametrize("tail", [b"", b"x", b"xy"])  # padding "", "==", "="
def test_a_large_body_decodes_to_a_bytearray_of_its_exact_size(tail):
    import base64

    from toiawase.handlers import http_event

    data = bytes(range(256)) * 9000 + tail
    decoded = http_event._b64decode(base64.b64encode(data).decode())
    assert isinstance(decoded, bytearray) and decoded == data and len(decoded) == len(data)
    for extra in ("===", "A==="):
        with pytest.raises(ValueError):
            http_event._b64decode(base64.b64encode(data).decode()[:-4] + extra)


def test_a_large_posted_body_is_freed_once_parsed_and_the_files_bytes_before_the_send(
    monkeypatch,
):
    """Issue 12's memory: the submit use case empties a large (bytearray) body after parsing,
    and drops the files' bytes once the composed message carries them, before SES is called."""
    from dataclasses import replace

    from tests.unit.fakes import MemoryStore
    from tests.unit.files_fakes import MemoryFiles, MemoryLedger
    from tests.unit.helpers import RecordingSender, form_request, settings
    from tests.unit.test_submit_files import FORM, PDF, TEXT
    from toiawase.core.compose import OutgoingEmail
    from toiawase.core.outcome import Dependencies
    from toiawase.core.submit import submit
    from toiawase.core.uploads import SubmissionFiles, UploadSettings

    events: list[str] = []
    release = SubmissionFiles.release_bytes

    def releasing(self: SubmissionFiles) -> None:
        release(self)
        events.append("released" if all(f.data is None for f in self.files) else "kept")

    class Sender(RecordingSender):
        def send(self, email: OutgoingEmail) -> str:
            events.append("send")
            return super().send(email)

    monkeypatch.setattr(SubmissionFiles, "release_bytes", releasing)
    body = bytearray(multipart(*TEXT, ("cv", "a.pdf", PDF, "application/pdf")))
    request = replace(form_request(body=b"", content_type=CT, accept="application/json"))
    request = replace(request, body=body)  # as http_event hands over a large body
    sender = Sender()
    deps = Dependencies(
        sender=sender, new_id=lambda: "ab" * 16, store=MemoryStore(), files=MemoryFiles(),
        uploads=MemoryLedger(),
    )  # fmt: skip
    outcome = submit(request, settings(), deps, True, form=FORM, files_settings=UploadSettings())
    assert outcome.response.status == 200, outcome.response.body
    assert request.body == bytearray()  # emptied in place: every holder let go of it
    assert events == ["released", "send"]
    assert b"JVBERi0xLjcK" in sender.sent[0].raw  # "%PDF-1.7\n", attached (base64)


def test_a_refused_large_body_is_freed_too():
    from dataclasses import replace

    from tests.unit.fakes import MemoryStore
    from tests.unit.files_fakes import MemoryFiles, MemoryLedger
    from tests.unit.helpers import RecordingSender, form_request, settings
    from tests.unit.test_submit_files import FORM, PE, TEXT
    from toiawase.core.outcome import Dependencies
    from toiawase.core.submit import submit
    from toiawase.core.uploads import UploadSettings

    body = bytearray(multipart(*TEXT, ("cv", "a.pdf", PE, "application/pdf")))
    request = replace(form_request(body=b"", content_type=CT, accept="application/json"), body=body)
    deps = Dependencies(
        sender=RecordingSender(), new_id=lambda: "ab" * 16, store=MemoryStore(),
        files=MemoryFiles(), uploads=MemoryLedger(),
    )  # fmt: skip
    outcome = submit(request, settings(), deps, True, form=FORM, files_settings=UploadSettings())
    assert outcome.response.status == 422
    assert request.body == bytearray()
