"""API Gateway HTTP API (payload format 2.0) events and results, to and from the core's types."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from toiawase.core.errors import malformed
from toiawase.core.http import HttpRequest, HttpResponse
from toiawase.core.i18n import t


def request_from_event(event: Mapping[str, Any]) -> HttpRequest:
    """Read a payload-2.0 event; a body that is not valid base64 is a 400 ``InputError``."""
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    raw_body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = _b64decode(raw_body)
        except (binascii.Error, ValueError) as exc:
            raise malformed(t("error.bad_base64")) from exc
    else:
        body = raw_body.encode("utf-8", "surrogatepass") if isinstance(raw_body, str) else b""
    epoch_ms = context.get("timeEpoch")
    received = (
        datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
        if isinstance(epoch_ms, int | float)
        else datetime.now(tz=UTC)
    )
    return HttpRequest(
        method=str(http.get("method") or "GET").upper(),
        path=str(event.get("rawPath") or http.get("path") or "/"),
        headers=headers,
        body=body,
        source_ip=str(http.get("sourceIp") or ""),
        request_id=str(context.get("requestId") or ""),
        received_at=received,
    )


_B64_CHUNK = 4 * 256 * 1024  # characters: a multiple of 4, so each piece decodes on its own


def _b64decode(text: str) -> bytes | bytearray:
    """``base64.b64decode(text, validate=True)`` in pieces: decoding the whole string at once
    first copies it to bytes (1.33 times the body, a 4.4 MB file's body 6 MB), then decodes.
    Piecewise, the peak is the decoded body and one piece.

    A large body is decoded into a ``bytearray`` of its exact size (filled in place, never
    grown), which the submit use case empties once it is parsed (``HttpRequest.release_body``):
    the files then live on in the parsed parts only, not twice (issue 12, ``make bench``).
    """
    if len(text) <= _B64_CHUNK:
        return base64.b64decode(text, validate=True)
    if len(text) % 4:
        raise binascii.Error("incorrect padding")
    padding = len(text) - len(text.rstrip("="))
    if padding > 2:
        raise binascii.Error("incorrect padding")
    out = bytearray(len(text) // 4 * 3 - padding)
    at = 0
    for start in range(0, len(text), _B64_CHUNK):
        piece = text[start : start + _B64_CHUNK]
        if "=" in piece and start + _B64_CHUNK < len(text):
            raise binascii.Error("padding inside the data")
        decoded = base64.b64decode(piece, validate=True)
        out[at : at + len(decoded)] = decoded
        at += len(decoded)
    if at != len(out):
        raise binascii.Error("incorrect padding")
    return out


def result_from_response(response: HttpResponse) -> dict[str, Any]:
    """The payload-2.0 Lambda result for a core response."""
    return {
        "statusCode": response.status,
        "headers": dict(response.headers),
        "body": response.body,
        "isBase64Encoded": False,
    }
