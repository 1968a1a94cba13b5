"""Uploaded files: what they are (by content), whether a field takes them, and a safe name.

A file is judged by its **content**, never by the browser's Content-Type or the name alone:

1. Our own short list of executable and active-content signatures (Windows PE, ELF, Mach-O,
   Java classes, shortcuts, ``#!`` scripts, HTML, SVG, XML with script). These are refused
   unless the owner listed that exact type in ``accept`` (a wildcard never lets one through).
   The list is ours on purpose: it is the product's policy, not file-type detection.
2. The maintained magic-byte database of ``puremagic`` (pure Python, ~43 KB, imported only
   when a file arrives: its import costs ~40 ms) for everything else.
3. Text without a signature (valid UTF-8, no NUL) is ``text/plain``; other unknown bytes are
   ``application/octet-stream``.

The file's name must agree with its content (``cv.pdf`` must be a PDF); names whose extension
is an executable or script type are refused whatever the content. ``accept`` is then checked
against the detected type, wildcards (``image/*``, ``*/*``) allowed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from toiawase.core.i18n import t

# How many bytes of a file are read to judge it (an S3 object: one ranged GET of this size).
HEAD_BYTES = 8192
MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 200  # UTF-8; most file systems allow 255

# Defaults for fields that do not say (bytes). The per-request ceiling is in ``limits``.
DEFAULT_MAX_SIZE = 10 * 1024 * 1024
DEFAULT_MAX_TOTAL = 25 * 1024 * 1024

OCTET_STREAM = "application/octet-stream"
TEXT_PLAIN = "text/plain"

# (signature at offset 0, MIME type). Checked before anything else.
_ACTIVE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "application/vnd.microsoft.portable-executable"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xfe\xed\xfa\xce", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xca\xfe\xba\xbe", "application/java-vm"),  # Java class or a Mach-O universal binary
    (b"\x00asm", "application/wasm"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "application/x-ms-shortcut"),
    (b"#!", "text/x-script"),
)
# Markup that a browser or mail reader would render as active content.
_ACTIVE_MARKUP: tuple[tuple[bytes, str], ...] = (
    (b"<!doctype html", "text/html"),
    (b"<html", "text/html"),
    (b"<head", "text/html"),
    (b"<body", "text/html"),
    (b"<script", "text/html"),
    (b"<iframe", "text/html"),
    (b"<svg", "image/svg+xml"),
)
ACTIVE_TYPES = frozenset(
    {mime for _, mime in _ACTIVE_SIGNATURES}
    | {mime for _, mime in _ACTIVE_MARKUP}
    | {"application/xhtml+xml", "application/javascript", "text/javascript"}
)
# Names refused whatever their content: opening them runs something.
ACTIVE_EXTENSIONS = frozenset(
    [
        "exe",
        "dll",
        "com",
        "scr",
        "pif",
        "cpl",
        "msi",
        "msp",
        "msc",
        "bat",
        "cmd",
        "ps1",
        "psm1",
        "psd1",
        "vbs",
        "vbe",
        "js",
        "jse",
        "mjs",
        "cjs",
        "wsf",
        "wsh",
        "hta",
        "jar",
        "apk",
        "app",
        "deb",
        "rpm",
        "sh",
        "bash",
        "zsh",
        "csh",
        "ksh",
        "py",
        "pyc",
        "pyw",
        "pl",
        "rb",
        "php",
        "phtml",
        "html",
        "htm",
        "xhtml",
        "shtml",
        "svg",
        "svgz",
        "xml",
        "xsl",
        "lnk",
        "reg",
        "scf",
        "url",
        "inf",
        "gadget",
        "application",
        "appref-ms",
        "docm",
        "dotm",
        "xlsm",
        "xltm",
        "xlam",
        "pptm",
        "potm",
        "ppam",
        "sldm",
        "iso",
        "img",
        "vhd",
        "vhdx",
    ]
)

_EXTRA_EXTENSIONS = {"jpg": "image/jpeg", "jfif": "image/jpeg", "heic": "image/heic"}


@dataclass(frozen=True)
class IncomingFile:
    """A file named by a submission: its bytes (through the form post) or its S3 key."""

    field: str
    filename: str  # as the browser sent it: untrusted
    size: int
    data: bytes | None = None
    key: str | None = None


@dataclass(frozen=True)
class AcceptedFile:
    """A file that passed every check, with the name and type it is delivered under."""

    field: str
    filename: str  # safe: see ``safe_filename``
    content_type: str  # detected from the content
    size: int
    data: bytes | None = None
    key: str | None = None


class FileRefused(Exception):
    """Why one file is refused, in plain words for the visitor (never echoing its bytes)."""


def extension(name: str) -> str:
    """The lower-case extension without the dot, or ``""``."""
    base = name.rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem.strip(".") else ""


@cache
def _type_of_extension(ext: str) -> str | None:
    if not ext:
        return None
    # The standard library's built-in table only (``MimeTypes()`` reads no system file), so
    # the same name maps to the same type on every machine; built when a file arrives.
    table = _mime_table()
    return _EXTRA_EXTENSIONS.get(ext) or table.guess_type(f"f.{ext}", strict=False)[0]


@cache
def _mime_table() -> Any:  # noqa: ANN401 - mimetypes.MimeTypes
    import mimetypes

    return mimetypes.MimeTypes()


def sniff(head: bytes) -> tuple[str, frozenset[str], frozenset[str]]:
    """The content's type, plus every type and extension the magic database matched.

    ``head`` is the start of the file (at least ``HEAD_BYTES`` when the file is that long).
    """
    for signature, mime in _ACTIVE_SIGNATURES:
        if head.startswith(signature):
            return mime, frozenset({mime}), frozenset()
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    for signature, mime in _ACTIVE_MARKUP:
        if text.startswith(signature):
            return mime, frozenset({mime}), frozenset()
    if text.startswith(b"<?xml") or text.startswith(b"<!--"):
        if b"<svg" in text:
            return "image/svg+xml", frozenset({"image/svg+xml"}), frozenset()
        if b"<html" in text or b"<script" in text:
            return "text/html", frozenset({"text/html"}), frozenset()
    # Imported here: only requests with a file pay for loading the signature database.
    import puremagic

    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    mimes = frozenset(m.mime_type for m in matches if m.mime_type)
    exts = frozenset(str(m.extension).lstrip(".").lower() for m in matches if m.extension)
    # Containers match many names (a ZIP is also .docx, .jar, .apk …): only the best match
    # decides whether the content is active; the name is checked against all of them.
    if matches and matches[0].mime_type in ACTIVE_TYPES:
        return str(matches[0].mime_type), mimes, exts
    if mimes:
        return next(m.mime_type for m in matches if m.mime_type), mimes, exts
    if b"\x00" not in head and _is_utf8_prefix(head):
        if b"<script" in text or b"javascript:" in text:
            return "text/html", frozenset({"text/html"}), frozenset()
        return TEXT_PLAIN, frozenset({TEXT_PLAIN}), frozenset()
    return OCTET_STREAM, frozenset(), frozenset()


def _is_utf8_prefix(data: bytes) -> bool:
    """Valid UTF-8, allowing a character cut off at the end of a ranged read."""
    for cut in range(4):
        try:
            data[: len(data) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def matches_accept(content_type: str, accept: Iterable[str]) -> bool:
    """``content_type`` is one of ``accept`` (exact, ``type/*`` or ``*/*``), case-insensitive.

    An active type (executable, script, HTML, SVG) matches only when listed exactly.
    """
    content_type = content_type.lower()
    for pattern in (p.strip().lower() for p in accept):
        if pattern == content_type:
            return True
        if content_type in ACTIVE_TYPES:
            continue
        if pattern == "*/*" or (pattern.endswith("/*") and content_type.startswith(pattern[:-1])):
            return True
    return False


def judge(filename: str, head: bytes, accept: Sequence[str]) -> str:
    """The file's detected type if ``accept`` takes it; raise ``FileRefused`` saying why not."""
    if not head:
        raise FileRefused(t("file.empty"))
    ext = extension(filename)
    listed = {p.strip().lower() for p in accept}
    detected, mimes, exts = sniff(head)
    if detected in ACTIVE_TYPES and detected not in listed:
        raise FileRefused(t("file.active"))
    named = _type_of_extension(ext)
    if ext in ACTIVE_EXTENSIONS and (named in (None, TEXT_PLAIN) or named not in listed):
        # Only an exact listing of the name's own type (``image/svg+xml`` for .svg) lets one
        # through; .bat or .sh map to text/plain, which never does.
        raise FileRefused(t("file.extension", ext=ext))
    if ext and not _agrees(ext, named, detected, mimes, exts):
        raise FileRefused(t("file.not_really", ext=ext))
    if named is not None and (
        named in mimes or (detected == TEXT_PLAIN and named.startswith("text/"))
    ):
        content_type = named
    else:
        content_type = detected
    if accept and not matches_accept(content_type, accept):
        shown = ", ".join(accept)
        raise FileRefused(t("file.type", allowed=shown))
    return content_type


def _agrees(
    ext: str, named: str | None, detected: str, mimes: frozenset[str], exts: frozenset[str]
) -> bool:
    if ext in exts or (named is not None and named in mimes):
        return True
    if detected == TEXT_PLAIN:
        # Plain text has no signature: any text type's name fits (.txt, .csv, .md, .log …).
        return named is None or named.startswith("text/") or named == "application/json"
    if detected == OCTET_STREAM:
        return False
    # The database knows the content but lists another name for it: compare the types.
    return named is not None and named == detected


def safe_filename(raw: str, fallback: str = "file") -> str:
    """A name that is safe in a header, on a disk and in a mail reader, Unicode kept.

    Path parts are stripped (``/`` and ``\\``), control, format (bidi overrides, zero-width),
    surrogate, private-use, unassigned and line/paragraph separator characters removed,
    characters Windows refuses replaced by ``_``, ``=?``/``?=`` (RFC 2047 markers) broken,
    leading dots removed, and the name cut to ``MAX_NAME_CHARS`` keeping its extension.
    """
    name = unicodedata.normalize("NFC", raw.replace("\\", "/").rsplit("/", 1)[-1])
    kept = []
    for ch in name:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            continue
        kept.append("_" if ch in '<>:"|?*' else " " if category == "Zs" else ch)
    name = " ".join("".join(kept).split())
    name = name.lstrip(". ").rstrip(". ")
    if not name:
        return fallback
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    while stem and (
        len(stem) + len(suffix) > MAX_NAME_CHARS
        or len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES
    ):
        stem = stem[:-1]
    stem = stem.rstrip(". ")
    return (stem or fallback) + suffix


def unique_names(names: Sequence[str]) -> list[str]:
    """``names`` with repeats renamed ``report (2).pdf``, ``report (3).pdf`` …"""
    seen: set[str] = set()
    result: list[str] = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            stem, dot, ext = name.rpartition(".")
            candidate = f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


def human_size(size: int) -> str:
    """``10 MB``, ``512 KB``: for messages to visitors (powers of 1024)."""
    if size >= 1024 * 1024:
        return t("size.mb", n=size / (1024 * 1024))
    if size >= 1024:
        return t("size.kb", n=size / 1024)
    return t("size.bytes", n=size)


@dataclass(frozen=True)
class FileRule:
    """What one file field takes (from ``FieldSpec``: ``accept``, ``max_size``, ``max_files``)."""

    name: str
    label: str
    accept: tuple[str, ...]
    max_size: int
    max_files: int
    required: bool = False


def check_files(
    files: Sequence[IncomingFile],
    rules: Mapping[str, FileRule],
    max_total: int,
    read_head: Callable[[IncomingFile], bytes],
) -> tuple[list[AcceptedFile], dict[str, str]]:
    """Check every file against its field's rule; the accepted files, or an error per field.

    ``read_head`` gives the first ``HEAD_BYTES`` of a file (a slice of its bytes, or one ranged
    GET of its S3 object). Counts and sizes are checked before any content is read.
    """
    errors: dict[str, str] = {}
    by_field: dict[str, list[IncomingFile]] = {}
    for item in files:
        by_field.setdefault(item.field, []).append(item)
    for name, items in by_field.items():
        rule = rules.get(name)
        if rule is None:
            errors[name] = t("file.not_a_file_field")
        elif len(items) > rule.max_files:
            errors[name] = t("file.too_many_sent", max=rule.max_files, sent=len(items))
        else:
            too_big = next((f for f in items if f.size > rule.max_size), None)
            if too_big is not None:
                errors[name] = t("file.too_big", max=human_size(rule.max_size))
    for rule in rules.values():
        if rule.required and rule.name not in by_field:
            errors[rule.name] = t("file.required")
    total = sum(f.size for f in files)
    if not errors and total > max_total:
        first = files[0].field if files else "files"
        errors[first] = t("file.total_too_big", max=human_size(max_total))
    if errors:
        return [], errors
    safe = unique_names([safe_filename(f.filename, f"file-{i + 1}") for i, f in enumerate(files)])
    accepted: list[AcceptedFile] = []
    for item, name in zip(files, safe, strict=True):
        rule = rules[item.field]
        try:
            content_type = judge(name, read_head(item), rule.accept)
        except FileRefused as exc:
            shown = name if len(name) <= 60 else name[:57] + "…"
            errors.setdefault(item.field, t("file.named_problem", name=shown, problem=exc.args[0]))
            continue
        accepted.append(
            AcceptedFile(item.field, name, content_type, item.size, item.data, item.key)
        )
    return ([], errors) if errors else (accepted, {})
