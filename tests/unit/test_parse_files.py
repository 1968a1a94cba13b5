"""Multipart bodies with files (toiawase.core.parse.parse_form)."""

from __future__ import annotations

import pytest

from toiawase.core.config import Limits
from toiawase.core.errors import InputError
from toiawase.core.parse import parse_body, parse_form

BOUNDARY = "----toiawaseTest7MA4YWxk"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4


def multipart(*parts: tuple[str, str | None, bytes, str]) -> bytes:
    """Parts of (name, filename or None, content, content type)."""
    chunks = []
    for name, filename, content, ctype in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
        if ctype:
            head += f"Content-Type: {ctype}\r\n"
        chunks.append(head.encode() + b"\r\n" + content + b"\r\n")
    return b"".join(chunks) + f"--{BOUNDARY}--\r\n".encode()


CT = f"multipart/form-data; boundary={BOUNDARY}"


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
