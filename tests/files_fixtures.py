"""Set-up shared by the tests of forms with file fields.

A ``jobs`` form whose ``cv`` field takes files (each test says what its ``cv`` accepts), the
multipart bodies that post to it, such a post as the Lambda entry receives it, and the files
bucket in moto's S3. One place for them, so the files tests differ only in what they check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import boto3
import pytest

from toiawase.core.forms.model import FieldSpec, Form
from toiawase.local.events import build_event

BOUNDARY = "----toiawaseTest7MA4YWxk"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"

Part = tuple[str, str | None, bytes, str]  # name, filename (None: a text part), content, type


def multipart(*parts: Part, boundary: str = BOUNDARY) -> bytes:
    """A multipart/form-data body of these parts, in order.

    Names and filenames are written as UTF-8; a lone surrogate is written as its bytes
    (``surrogatepass``) so the hostile corpus can send names no browser would.
    """
    chunks = []
    for name, filename, content, ctype in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if ctype:
            head += f"Content-Type: {ctype}\r\n"
        chunks.append(head.encode("utf-8", "surrogatepass") + b"\r\n" + content + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode()


def jobs_form(cv: dict[str, Any], *, message: bool = True, **more: Any) -> dict[str, Any]:
    """The ``jobs`` form: a required ``email`` (the Reply-To), a required ``message`` unless
    ``message=False``, and the file field ``cv`` with the keys given; ``more`` adds form keys
    (``notify``, ``receipt``…)."""
    fields: dict[str, Any] = {"email": {"type": "email", "required": True, "reply_to": True}}
    if message:
        fields["message"] = {"type": "textarea", "required": True}
    fields["cv"] = {"type": "file", **cv}
    return {"title": "Jobs", "fields": fields, **more}


def jobs_model(*, message: bool = True, **cv: Any) -> Form:
    """The same ``jobs`` form as the core's model (for the use cases tested without a forms
    file), to ``owner@example.com``; ``cv`` holds the file field's FieldSpec values."""
    fields = [FieldSpec(name="email", type="email", required=True, reply_to=True)]
    if message:
        fields.append(FieldSpec(name="message", type="textarea", required=True))
    fields.append(FieldSpec(name="cv", type="file", **cv))
    return Form(id="jobs", title="Jobs", recipients=("owner@example.com",), fields=tuple(fields))


def write_forms(directory: Path, document: dict[str, Any]) -> str:
    """The forms file (the build's compiled JSON) in ``directory``; its path, for FORMS_FILE."""
    path = directory / "forms.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def files_bucket(name: str, monkeypatch: pytest.MonkeyPatch) -> Any:  # boto3's S3 client
    """The files bucket, made in moto's S3 (call it inside a moto context) and set as
    FILES_BUCKET; the S3 client, to look into it."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    monkeypatch.setenv("FILES_BUCKET", name)
    return s3


def jobs_post(
    message: str, files: Iterable[tuple[str, bytes]], extra: Iterable[Part] = ()
) -> dict[str, Any]:
    """An API Gateway event: the site's fetch post to ``/f/jobs`` (JSON preferred) with this
    message, these PDFs in ``cv`` and any ``extra`` parts after them."""
    parts: list[Part] = [
        ("email", None, b"taro@example.jp", ""),
        ("message", None, message.encode(), ""),
        *(("cv", name, data, "application/pdf") for name, data in files),
        *extra,
    ]
    return build_event(
        "POST",
        "/f/jobs",
        [
            ("Content-Type", MULTIPART),
            ("Accept", "application/json"),
            ("Origin", "https://www.example.com"),
        ],
        multipart(*parts),
        source_ip="198.51.100.4",
    )
