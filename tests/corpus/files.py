"""Hostile files: names, contents, counts and sizes, and multipart parts that lie about files.

Run through the submit use case with a form whose ``cv`` field takes up to two PDFs or PNGs of
64 KB each (``test_files_corpus.py``). ``expect`` is ``"sent"``, ``"refused"`` (any 4xx,
nothing sent) or an exact status. An accepted file's name is checked there to be safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.files_fixtures import Part, multipart

BOUNDARY = "----toiawaseFilesCorpus"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\0" * 64
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 256
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 256
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
MAX_SIZE = 64 * 1024

TEXT: list[Part] = [
    ("email", None, b"visitor@example.org", ""),
    ("message", None, b"Please find my file attached.", ""),
]


@dataclass(frozen=True)
class FileCase:
    id: str
    parts: list[Part]
    expect: int | str = "sent"
    raw: bytes | None = None  # a body written by hand, for framing the builder cannot express


def body(parts: list[Part]) -> bytes:
    return multipart(*parts, boundary=BOUNDARY)


def pdf(filename: str, content: bytes = PDF) -> list[Part]:
    return [*TEXT, ("cv", filename, content, "application/pdf")]


_NAMES = {
    "crlf-bcc": "cv\r\nBcc: victim@evil.example\r\n.pdf",
    "lf-header": "cv\nContent-Type: text/html\n.pdf",
    "dotdot": "../../../etc/passwd.pdf",
    "windows-path": "C:\\Windows\\System32\\cv.pdf",
    "nul": "cv\x00.exe.pdf",
    "rfc2047-word": "=?utf-8?b?ZXZpbC5leGU=?=.pdf",
    "rfc2047-split": "=?utf-8?q?a?= =?utf-8?q?b?=.pdf",
    "long-300": "a" * 300 + ".pdf",
    "long-300-japanese": "履" * 300 + ".pdf",
    "bidi-override": "cv\u202efdp.exe.pdf",
    "bidi-isolate": "cv\u2066x\u2069.pdf",
    "zero-width": "c\u200bv\u200d.pdf",
    "line-separator": "cv\u2028Bcc: x.pdf",
    "quote-semicolon": 'cv.pdf"; filename="evil.exe',
    "boundary-lookalike": f"--{BOUNDARY}.pdf",
    "only-dots": "....pdf",
    "empty-stem": ".pdf",
    "japanese": "履歴書（山田太郎）.pdf",
    "emoji": "🙂cv.pdf",
    "tab-and-spaces": "  cv\t\t final .pdf  ",
}

# Raw CR or LF inside a part header breaks the multipart framing (400; browsers send %0D%0A);
# a second filename parameter is read as the name, and that one ends in .exe (422).
_REFUSED_NAMES = {"crlf-bcc", "quote-semicolon"}

CASES: list[FileCase] = [
    *(
        FileCase(f"name-{key}", pdf(name), "refused" if key in _REFUSED_NAMES else "sent")
        for key, name in _NAMES.items()
    ),
    FileCase("duplicate-names", [*pdf("cv.pdf"), ("cv", "cv.pdf", PDF, "application/pdf")]),
    FileCase("duplicate-names-case", [*pdf("CV.pdf"), ("cv", "cv.PDF", PDF, "application/pdf")]),
    # Content that is not what its name or the browser says.
    FileCase("pe-named-pdf", pdf("invoice.pdf", PE), "refused"),
    FileCase("elf-named-pdf", pdf("invoice.pdf", ELF), "refused"),
    FileCase("html-named-pdf", pdf("invoice.pdf", HTML), "refused"),
    FileCase("svg-named-png", [*TEXT, ("cv", "logo.png", SVG, "image/png")], "refused"),
    FileCase("shebang-named-pdf", pdf("run.pdf", b"#!/bin/sh\nrm -rf ~\n"), "refused"),
    FileCase("png-named-pdf", pdf("photo.pdf", PNG), "refused"),
    FileCase("pdf-named-exe", pdf("cv.exe"), "refused"),
    FileCase("pdf-named-js", pdf("cv.js"), "refused"),
    FileCase("pdf-double-extension-exe", pdf("cv.pdf.exe"), "refused"),
    FileCase("text-named-pdf", pdf("cv.pdf", b"just words, not a PDF\n"), "refused"),
    FileCase("random-bytes-named-pdf", pdf("cv.pdf", bytes(range(255, -1, -1)) * 4), "refused"),
    FileCase("png-not-accepted-type", [*TEXT, ("cv", "a.gif", b"GIF89a" + b"\0" * 40, "")], 422),
    FileCase("png-ok", [*TEXT, ("cv", "photo.png", PNG, "image/png")]),
    FileCase("pdf-with-lying-content-type", [*TEXT, ("cv", "cv.pdf", PDF, "text/html")]),
    FileCase("pdf-no-extension", pdf("cv")),
    # Sizes and counts.
    FileCase("zero-byte", pdf("cv.pdf", b""), 422),
    FileCase("too-many", [*pdf("a.pdf"), *pdf("b.pdf")[2:], *pdf("c.pdf")[2:]], 422),
    FileCase("oversize-part", pdf("big.pdf", PDF + b"0" * MAX_SIZE), 422),
    FileCase("required-missing", [*TEXT, ("cv", "", b"", "application/octet-stream")], 422),
    # Parts that lie about being files.
    FileCase("file-part-without-filename", [*TEXT, ("cv", "", PDF, "application/pdf")], 400),
    FileCase("file-in-a-text-field", [*TEXT, ("message", "m.pdf", PDF, "application/pdf")], 422),
    FileCase("file-in-an-unknown-field", [*TEXT, ("photo", "m.pdf", PDF, "application/pdf")], 422),
    FileCase("text-part-in-the-file-field", [*TEXT, ("cv", None, b"not a file", "")], "refused"),
    FileCase(
        "filename-star-only",
        [],
        "refused",
        raw=(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="email"\r\n\r\n'
            "visitor@example.org\r\n"
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="cv"; '
            "filename*=UTF-8''%E2%80%AEfdp.exe\r\nContent-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{BOUNDARY}--\r\n".encode(),
    ),
    # A part's own headers never become the email's: accepted, and no Bcc anywhere.
    FileCase(
        "part-header-injection",
        [("cv", "a.pdf", PDF, "application/pdf")],
        "sent",
        raw=(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="email"\r\n\r\n'
            "visitor@example.org\r\n"
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="cv"; filename="a.pdf"\r\n'
            "Bcc: victim@evil.example\r\nContent-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{BOUNDARY}--\r\n".encode(),
    ),
]
