"""Reading a form body into ordered (name, value) pairs.

Three encodings, as browsers and scripts send them:

* ``application/x-www-form-urlencoded`` as the standard library's ``parse_qsl`` reads it (split
  on ``&`` and ``=`` *before* percent-decoding, so ``%26`` stays inside a value; ``+`` is a
  space; repeated keys kept), with a faster percent-decoder (``parse_urlencoded_text``).
* ``application/json``: one object; values are strings, numbers, booleans, null, or arrays of
  those (each array item becomes a repeated value). Duplicate keys and nesting are refused.
* ``multipart/form-data`` with the maintained ``multipart`` parser. File parts are taken only
  by ``parse_form`` for the form's file fields (an empty, unselected file input is ignored, as
  browsers always send one); ``parse_body`` refuses them. A file's bytes are the parser's own
  buffer (``BytesIO.getvalue()`` hands it over without a copy): the body is decoded from base64
  once by the handler and each file held once more, never copied again here.

Through the function, a multipart body may be at most ``Limits.max_upload_body_bytes``
(4,650,000 bytes): Lambda takes a synchronous request event of at most 6 MB (6,291,456 bytes),
API Gateway sends a binary body base64-encoded (4 bytes for every 3), and the event's headers
and context need a few kilobytes. Larger files go straight to S3 (``core/uploads.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from toiawase.core.config import Limits
from toiawase.core.errors import InputError, invalid_fields, malformed, too_large, unsupported
from toiawase.core.files import IncomingFile, human_size
from toiawase.core.i18n import t
from toiawase.core.text import InvalidText, ensure_encodable

Pairs = list[tuple[str, str]]

URLENCODED = "application/x-www-form-urlencoded"
JSON = "application/json"
MULTIPART = "multipart/form-data"
SUPPORTED = (URLENCODED, JSON, MULTIPART)

# RFC 9110 §8.3.1: a media type is token "/" token. No real Content-Type comes near the cap
# (a multipart boundary is at most 70 characters, RFC 2046 §5.1.1); it bounds the parser's work.
MAX_CONTENT_TYPE_CHARS = 512
_MEDIA_TYPE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")  # TAB is white space in a header
_UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


def _shown(text: str, limit: int = 60) -> str:
    """``text`` for an error message: quoted, escaped, and cut short when long."""
    shown = repr(text[:limit])
    return shown + "…" if len(text) > limit else shown


def parse_content_type(value: str | None) -> tuple[str, dict[str, str]]:
    """The media type (lower case) and parameters of a Content-Type header.

    Parsed with the ``multipart`` package's ``parse_options_header`` (one regular expression
    over ``; key=value`` pairs, linear in the header's length), after a length cap, and never
    with the ``email`` package's header registry: its parser is quadratic on long runs of ``;``
    or ``"`` and recursive on ``(`` (a few hundred raise ``RecursionError``), and it ran before
    routing on every request. Any failure of the parser is a 415, never a 500.
    """
    if not value or not value.strip():
        return "", {}
    if len(value) > MAX_CONTENT_TYPE_CHARS:
        raise InputError(
            431,
            "header_too_large",
            t("error.content_type_too_long", max=MAX_CONTENT_TYPE_CHARS),
        )
    if not value.isascii() or _CONTROL.search(value):
        raise unsupported(t("error.content_type_unreadable"))
    # Imported here, like the multipart parser below: cheap, and only requests with a body pay.
    from multipart import parse_options_header

    try:
        media_type, params = parse_options_header(value)
    except Exception as exc:  # a parser bug must be a 4xx for this request, not a 500
        raise unsupported(t("error.content_type_unreadable")) from exc
    if not _MEDIA_TYPE.fullmatch(media_type):
        raise unsupported(t("error.content_type_unreadable"))
    return media_type, {str(k).lower(): str(v) for k, v in params.items()}


@dataclass(frozen=True)
class ParsedBody:
    """A body read into its media type, its text fields in order, and its files."""

    media_type: str
    pairs: Pairs
    files: list[IncomingFile] = field(default_factory=list)


ContentType = str | tuple[str, dict[str, str]] | None


def parse_body(
    content_type: ContentType, body: bytes | bytearray, limits: Limits
) -> tuple[str, Pairs]:
    """Return the body's media type and its fields as ordered pairs; raise ``InputError``.

    ``content_type`` is the header, or the ``(media type, parameters)`` the router already
    parsed (a request's Content-Type is parsed once). File parts are refused (415): this is
    the reader for forms without file fields.
    """
    parsed = parse_form(content_type, body, limits)
    return parsed.media_type, parsed.pairs


def parse_form(
    content_type: ContentType,
    body: bytes | bytearray,
    limits: Limits,
    file_fields: frozenset[str] = frozenset(),
) -> ParsedBody:
    """Read a body; files are taken only for ``file_fields`` (multipart); raise ``InputError``."""
    ceiling = limits.max_upload_body_bytes if file_fields else limits.max_body_bytes
    if len(body) > ceiling:
        if file_fields:
            raise too_large(
                t("error.files_body_too_large", size=human_size(len(body)), max=human_size(ceiling))
            )
        raise too_large(t("error.body_too_large", size=len(body), max=ceiling))
    if isinstance(content_type, tuple):
        media_type, params = content_type
    else:
        media_type, params = parse_content_type(content_type)
    if not media_type:
        if not body:
            raise malformed(t("error.no_body"))
        raise unsupported(t("error.no_content_type"))
    if media_type not in _PARSERS:
        raise unsupported(t("error.content_type_not_accepted", type=_shown(media_type)))
    charset = params.get("charset", "utf-8").lower()
    if charset not in _UTF8_NAMES:
        raise unsupported(t("error.charset", charset=_shown(charset)))
    files: list[IncomingFile] = []
    if media_type == MULTIPART:
        pairs = _parse_multipart(body, params, limits, file_fields, files)
    else:
        pairs = _PARSERS[media_type](body, params, limits)
    if len(pairs) + len(files) > limits.max_fields:
        raise too_large(t("error.too_many_fields", max=limits.max_fields))
    for name, value in pairs:
        _check_name(name, limits)
        try:
            ensure_encodable(value)
        except InvalidText as exc:
            raise malformed(t("error.field_text", name=_shown(name), problem=exc.args[0])) from exc
    return ParsedBody(media_type, pairs, files)


def _check_name(name: str, limits: Limits) -> None:
    if not name:
        raise malformed(t("error.empty_field_name"))
    if len(name) > limits.max_field_name_chars:
        raise malformed(t("error.field_name_too_long", max=limits.max_field_name_chars))
    if not name.isprintable():
        raise malformed(t("error.field_name_controls"))
    try:
        ensure_encodable(name)
    except InvalidText as exc:
        raise malformed(t("error.field_name_text", problem=exc.args[0])) from exc


def _decode_utf8(body: bytes | bytearray) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise malformed(t("error.body_not_utf8")) from exc


_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _unescape(match: re.Match[str]) -> str:
    return bytes.fromhex(match[0].replace("%", "")).decode("utf-8", "strict")


def _unquote_plus(text: str) -> str:
    """``urllib.parse.unquote_plus(text, errors="strict")``, one run of escapes at a time."""
    text = text.replace("+", " ")
    return _ESCAPES.sub(_unescape, text) if "%" in text else text


def parse_urlencoded_text(text: str, max_fields: int) -> Pairs:
    """``parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=max_fields)``.

    Why not ``parse_qsl`` itself: its ``unquote`` turns every ``%XX`` into a byte in a Python
    loop, ~0.12 ms for a short Japanese message (about a tenth of a warm request's own work,
    docs/performance.md); here each run of escapes is one ``bytes.fromhex``. Same grammar,
    same order: split on ``&``, then on the first ``=``, *then* decode (``%26`` stays in a
    value), ``+`` is a space, a name without ``=`` has an empty value, empty pieces are
    skipped, invalid escapes stay as typed, and escapes that are not UTF-8 raise
    ``UnicodeDecodeError`` (a run of escapes splits no character: UTF-8 bytes of one character
    are contiguous). tests/unit/test_parse_urlencoded.py compares the two with Hypothesis.
    """
    if not text:
        return []
    if text.count("&") + 1 > max_fields:
        raise ValueError("Max number of fields exceeded")  # what parse_qsl raises
    pairs: Pairs = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((_unquote_plus(name), _unquote_plus(value)))
    return pairs


def _parse_urlencoded(body: bytes | bytearray, params: dict[str, str], limits: Limits) -> Pairs:
    text = _decode_utf8(body)
    try:
        return parse_urlencoded_text(text, limits.max_fields)
    except UnicodeDecodeError as exc:
        raise malformed(t("error.percent_not_utf8")) from exc
    except ValueError as exc:  # raised by max_num_fields
        raise too_large(t("error.too_many_fields", max=limits.max_fields)) from exc


def _reject_duplicates(items: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in items:
        if key in result:
            raise malformed(t("error.json_duplicate_key", key=_shown(key)))
        result[key] = value
    return result


def _json_scalar(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    raise malformed(t("error.json_value_type", name=_shown(name)))


def _parse_json(body: bytes | bytearray, params: dict[str, str], limits: Limits) -> Pairs:
    text = _decode_utf8(body)
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicates)
    except InputError:
        raise
    except RecursionError as exc:
        raise malformed(t("error.json_too_deep")) from exc
    except json.JSONDecodeError as exc:
        raise malformed(t("error.json_invalid", line=exc.lineno, column=exc.colno)) from exc
    except ValueError as exc:  # int(): over sys.get_int_max_str_digits() digits
        raise malformed(t("error.json_long_number")) from exc
    if not isinstance(data, dict):
        raise malformed(t("error.json_not_object"))
    if len(data) > limits.max_fields:
        raise too_large(t("error.too_many_fields", max=limits.max_fields))
    pairs: Pairs = []
    for name, value in data.items():
        if isinstance(value, list):
            pairs.extend((name, _json_scalar(name, item)) for item in value)
        else:
            pairs.append((name, _json_scalar(name, value)))
        if len(pairs) > limits.max_fields:
            raise too_large(t("error.too_many_values", max=limits.max_fields))
    return pairs


def _parse_multipart(
    body: bytes | bytearray,
    params: dict[str, str],
    limits: Limits,
    file_fields: frozenset[str] = frozenset(),
    files: list[IncomingFile] | None = None,
) -> Pairs:
    # BytesIO(bytes) shares the bytes; a bytearray (a large body) it would copy whole.
    stream = BytesIO(body) if isinstance(body, bytes) else _Reader(body)
    try:
        return _read_parts(stream, body, params, limits, file_fields, files)
    finally:
        if isinstance(stream, _Reader):
            stream.close()  # lets the body be released (core.http.HttpRequest.release_body)


def _read_parts(
    stream: BytesIO | _Reader,
    body: bytes | bytearray,
    params: dict[str, str],
    limits: Limits,
    file_fields: frozenset[str],
    files: list[IncomingFile] | None,
) -> Pairs:
    # Imported here: only multipart requests pay for it (cold start).
    from multipart import MultipartError, MultipartParser, ParserLimitReached

    boundary = params.get("boundary")
    if not boundary:
        raise malformed(t("error.multipart_no_boundary"))
    ceiling = limits.max_upload_body_bytes if file_fields else limits.max_body_bytes
    parser = MultipartParser(
        stream,
        boundary,
        content_length=len(body),
        charset="utf-8",
        strict=True,
        part_limit=limits.max_fields + 1,
        partsize_limit=ceiling,
        spool_limit=ceiling,
        memory_limit=ceiling * 2,
        disk_limit=0,
    )
    pairs: Pairs = []
    try:
        for part in parser:
            if part.filename is not None:
                if part.filename == "" and part.size == 0:
                    continue  # an unselected <input type=file>
                if not file_fields:
                    raise unsupported(t("error.no_file_uploads"))
                _check_name(part.name, limits)
                if part.name not in file_fields:
                    raise invalid_fields({part.name: t("field.takes_no_files")})
                if not part.filename.strip():
                    raise malformed(t("error.file_part_no_name", name=_shown(part.name)))
                if files is not None:
                    files.append(_incoming(part))
                continue
            part_type = (part.content_type or "text/plain").split(";")[0].strip().lower()
            if part_type != "text/plain":
                raise unsupported(t("error.part_type", type=_shown(part_type)))
            if (part.charset or "utf-8").lower() not in _UTF8_NAMES:
                raise unsupported(t("error.charset", charset=_shown(part.charset)))
            try:
                pairs.append((part.name, part.raw.decode("utf-8")))
            except UnicodeDecodeError as exc:
                raise malformed(t("error.field_not_utf8", name=_shown(part.name))) from exc
    except ParserLimitReached as exc:
        raise too_large(t("error.multipart_limit")) from exc
    except MultipartError as exc:
        raise malformed(t("error.multipart_unreadable")) from exc
    return pairs


class _Reader:
    """``read(n)`` over a bytes-like body without copying it whole (pieces only)."""

    def __init__(self, body: bytes | bytearray) -> None:
        self._view, self._at = memoryview(body), 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else self._at + size
        piece = bytes(self._view[self._at : end])
        self._at += len(piece)
        return piece

    def close(self) -> None:
        self._view.release()


def _incoming(part: Any) -> IncomingFile:  # noqa: ANN401 - multipart.MultipartPart, untyped
    buffer = part.file
    # getvalue() hands the BytesIO's own buffer over (no copy); .raw would copy it.
    data = buffer.getvalue() if isinstance(buffer, BytesIO) else part.raw
    return IncomingFile(field=part.name, filename=part.filename, size=len(data), data=data)


_PARSERS: dict[str, Callable[..., Pairs]] = {
    URLENCODED: _parse_urlencoded,
    JSON: _parse_json,
    MULTIPART: _parse_multipart,
}
