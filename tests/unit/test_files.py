"""Files judged by content: types, names, counts and sizes (toiawase.core.files)."""

from __future__ import annotations

import io
import zipfile

import pytest

from toiawase.core import files
from toiawase.core.files import FileRefused, FileRule, IncomingFile, check_files, judge

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b"0" * 2000
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\0" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\0" * 40
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 100
HTML = b"\xef\xbb\xbf  <!DOCTYPE html><html><script>alert(1)</script></html>"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
DOCS = ("application/pdf", "image/png", "image/jpeg")


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("cv.pdf", PDF, "application/pdf"),
        ("photo.PNG", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("no-extension", PDF, "application/pdf"),
    ],
)
def test_content_that_matches_its_name_and_accept_passes(name, data, expected):
    assert judge(name, data, DOCS) == expected


def test_wildcards_match_a_family_but_not_active_content():
    assert judge("a.png", PNG, ["image/*"]) == "image/png"
    assert judge("a.pdf", PDF, ["*/*"]) == "application/pdf"
    with pytest.raises(FileRefused, match="program, script or web page"):
        judge("logo.svg", SVG, ["image/*"])
    with pytest.raises(FileRefused, match="program, script or web page"):
        judge("page.html", HTML, ["*/*"])


def test_an_owner_may_list_an_active_type_exactly():
    assert judge("logo.svg", SVG, ["image/svg+xml"]) == "image/svg+xml"


@pytest.mark.parametrize("data", [PE, ELF, b"#!/bin/sh\nrm -rf ~\n", HTML, SVG])
def test_executables_scripts_html_and_svg_named_pdf_are_refused(data):
    with pytest.raises(FileRefused, match="program, script or web page"):
        judge("invoice.pdf", data, DOCS)


def test_executables_are_refused_even_without_an_accept_list():
    with pytest.raises(FileRefused):
        judge("setup.pdf", PE, [])


def test_content_that_does_not_match_the_extension_is_refused():
    with pytest.raises(FileRefused, match=r"not really a \.pdf"):
        judge("cv.pdf", PNG, DOCS)
    with pytest.raises(FileRefused, match=r"not really a \.png"):
        judge("cv.png", b"just some text\n", ["*/*"])


def test_an_active_extension_is_refused_whatever_the_content():
    with pytest.raises(FileRefused, match=r"\.bat"):
        judge("run.bat", b"echo hello\r\n", ["text/plain"])
    with pytest.raises(FileRefused, match=r"\.exe"):
        judge("cv.pdf.exe", PDF, DOCS)


def test_a_type_not_listed_is_refused_and_the_list_is_named():
    with pytest.raises(FileRefused, match="allowed: application/pdf"):
        judge("photo.png", PNG, ["application/pdf"])


def test_office_documents_are_recognised_by_content():
    data = docx()
    word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert judge("letter.docx", data, [word]) == word


def test_plain_text_fits_text_names_only():
    assert judge("notes.txt", "日本語のメモ\n".encode(), ["text/*"]) == "text/plain"
    assert judge("data.csv", b"a,b\n1,2\n", ["text/*"]) == "text/csv"
    with pytest.raises(FileRefused):
        judge("notes.txt", b"<script>alert(1)</script>", ["text/*"])


def test_empty_files_are_refused():
    with pytest.raises(FileRefused, match="is empty"):
        judge("cv.pdf", b"", DOCS)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\cv.pdf", "cv.pdf"),
        ("cv\r\nBcc: x@example.net.pdf", "cvBcc_ x@example.net.pdf"),
        ("cv\x00.pdf", "cv.pdf"),
        ("履歴書 2026.pdf", "履歴書 2026.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("zero\u200bwidth.png", "zerowidth.png"),
        ("=?utf-8?b?ZXZpbA==?=.pdf", "=_utf-8_b_ZXZpbA==_=.pdf"),
        ("..", "file"),
        (".hidden", "hidden"),
        ("a\u2028b.txt", "ab.txt"),
    ],
)
def test_safe_filename(raw, safe):
    assert files.safe_filename(raw) == safe


def test_safe_filename_cuts_long_names_keeping_the_extension():
    name = files.safe_filename("あ" * 300 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name.encode()) <= files.MAX_NAME_BYTES
    assert len(files.safe_filename("a" * 300 + ".pdf")) == files.MAX_NAME_CHARS


def test_duplicate_names_are_numbered():
    assert files.unique_names(["a.pdf", "A.pdf", "a.pdf", "b"]) == [
        "a.pdf",
        "A (2).pdf",
        "a (3).pdf",
        "b",
    ]


RULE = FileRule("cv", "CV", DOCS, max_size=1000, max_files=2, required=True)


def incoming(name: str, data: bytes, field: str = "cv") -> IncomingFile:
    return IncomingFile(field, name, len(data), data=data)


def head(item: IncomingFile) -> bytes:
    assert item.data is not None
    return item.data[: files.HEAD_BYTES]


def test_check_files_accepts_and_renames_safely():
    accepted, errors = check_files(
        [incoming("../cv.pdf", PDF[:500]), incoming("cv.pdf", PDF[:400])], {"cv": RULE}, 5000, head
    )
    assert errors == {}
    assert [(f.filename, f.content_type, f.size) for f in accepted] == [
        ("cv.pdf", "application/pdf", 500),
        ("cv (2).pdf", "application/pdf", 400),
    ]


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ([], "is required"),
        ([incoming("a.pdf", PDF[:10])] * 3, "at most 2 file"),
        ([incoming("a.pdf", PDF + b"0" * 1000)], "at most 1000 bytes each"),
        ([incoming("a.pdf", PDF[:10], field="photo")], "not a file field"),
        ([incoming("a.pdf", PE)], "program, script or web page"),
        ([incoming("a.pdf", b"")], "is empty"),
    ],
)
def test_check_files_names_the_field_that_is_wrong(sent, message):
    accepted, errors = check_files(sent, {"cv": RULE}, 5000, head)
    assert accepted == []
    assert any(message in text for text in errors.values()), errors


def test_check_files_total_cap():
    sent = [incoming("a.pdf", PDF[:600]), incoming("b.pdf", PDF[:600])]
    accepted, errors = check_files(sent, {"cv": RULE}, 1000, head)
    assert accepted == [] and "together are over" in errors["cv"]


def test_check_files_reads_no_content_when_counts_fail():
    def boom(item: IncomingFile) -> bytes:
        raise AssertionError("read")

    check_files([incoming("a.pdf", PDF[:10])] * 3, {"cv": RULE}, 5000, boom)
