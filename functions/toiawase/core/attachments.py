"""Files in the owner's email: attached up to a total, linked beyond it.

``plan_delivery`` decides, in submission order, which files are attached (while the running
total stays within ``attach_limit``, default 7 MB) and which are linked with a presigned GET
URL (valid ``link_days``). ``attach`` adds both to a composed ``EmailMessage`` and serializes it.

The ``email`` package writes every header (``Content-Disposition`` with the filename RFC
2231-encoded, never a raw submitted byte) and every boundary. Only each attachment's base64
body is written here: the package would hold a file as a base64 *string*, then a serialized
string, then bytes (three to four copies of 1.37 times the file); instead each attachment is a
short random placeholder while the package serializes, and its base64 lines are written into
the output buffer in place of the placeholder, once. Checks afterwards: every boundary occurs
exactly where expected, and no part has a header it was not given.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from io import BytesIO

from toiawase.core.files import human_size
from toiawase.core.i18n import DEFAULT_LANGUAGE, Translator, translator

DEFAULT_ATTACH_LIMIT = 7 * 1024 * 1024
DEFAULT_LINK_DAYS = 7
_CHUNK = 57 * 1024  # a multiple of 57 bytes: 76-character base64 lines (RFC 2045 §6.8)
_PART_HEADERS = ["Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "MIME-Version"]


@dataclass(frozen=True)
class DeliveredFile:
    """One file as the email shows it: attached (``data``) or linked (``url``)."""

    filename: str  # already safe (toiawase.core.files.safe_filename)
    content_type: str  # detected from the content
    size: int
    data: bytes | None = None
    url: str | None = None


def plan_delivery(sizes: Sequence[int], attach_limit: int) -> list[bool]:
    """For each file in order: attach it (True) or link it (False)."""
    plan: list[bool] = []
    total = 0
    for size in sizes:
        fits = total + size <= attach_limit
        if fits:
            total += size
        plan.append(fits)
    return plan


def file_lines(
    files: Sequence[DeliveredFile], link_days: int, tr: Translator | None = None
) -> list[str]:
    """The plain-text lines that list the files, in the owner's email language (``tr``)."""
    if not files:
        return []
    tr = tr or translator(DEFAULT_LANGUAGE)
    lines = [tr.get("mail.files")]
    for item in files:
        what = f"{item.filename} ({item.content_type}, {tr(human_size(item.size))})"
        if item.url is None:
            lines.append(f"  {what}: {tr.get('mail.file_attached')}")
        else:
            lines.append(f"  {what}: {tr.get('mail.file_download_within', days=link_days)}")
            lines.append(f"    {item.url}")
    if any(item.url for item in files):
        lines.append("  " + tr.get("mail.links_expire", days=link_days))
    return [*lines, ""]


class AttachmentError(RuntimeError):
    """The serialized message is not what was composed: a bug, never sent."""


def attach(
    message: EmailMessage, files: Sequence[DeliveredFile], boundary: str
) -> tuple[bytes, int]:
    """Attach the files that carry ``data``; the serialized message and how many were attached.

    ``message`` already has its headers and text/HTML alternatives; it becomes
    multipart/mixed with ``boundary``.
    """
    placeholders: list[tuple[bytes, bytes]] = []
    for item in files:
        if item.data is None:
            continue
        token = secrets.token_bytes(30)  # 40 base64 characters: cannot occur by chance
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(
            token, maintype=maintype, subtype=subtype or "octet-stream", filename=item.filename
        )
        placeholders.append((base64.b64encode(token), item.data))
    message.set_boundary(boundary)
    raw = message.as_bytes()
    if not placeholders:
        return raw, 0
    out = BytesIO()
    position = 0
    for marker, data in placeholders:
        at = raw.find(marker, position)
        if at < 0 or raw.count(marker) != 1:
            raise AttachmentError("an attachment placeholder is missing or repeated")
        out.write(raw[position:at])
        _write_base64(out, data)
        position = at + len(marker) + 2  # the placeholder's own CRLF
    out.write(raw[position:])
    return out.getvalue(), len(placeholders)


def _write_base64(out: BytesIO, data: bytes) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        out.write(base64.encodebytes(view[start : start + _CHUNK]).replace(b"\n", b"\r\n"))


def check_parts(raw: bytes, boundary: bytes, attachments: int) -> None:
    """Each attachment part has exactly the headers the ``email`` package gave it."""
    delimiter = b"\r\n--" + boundary + b"\r\n"
    checked = 0
    at = raw.find(delimiter)
    while at >= 0:
        start = at + len(delimiter)
        end = raw.find(b"\r\n\r\n", start)
        head = raw[start:end] if end >= 0 else b""  # a part's headers only, never its body
        at = raw.find(delimiter, start)
        if b"Content-Disposition: attachment" not in head:
            continue
        names = [
            line.split(b":", 1)[0].decode("ascii", "replace")
            for line in head.split(b"\r\n")
            if line and line[:1] not in (b" ", b"\t")
        ]
        if sorted(names) != sorted(_PART_HEADERS) or any(byte > 0x7E for byte in head):
            raise AttachmentError("an attachment part has headers it was not given")
        checked += 1
    if checked != attachments:
        raise AttachmentError("the message has a different number of attachments")
