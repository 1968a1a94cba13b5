"""API Gateway HTTP API (payload format 2.0) events and results, to and from the core's types."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from toiawase.core.errors import malformed
from toiawase.core.http import HttpRequest, HttpResponse


def request_from_event(event: Mapping[str, Any]) -> HttpRequest:
    """Read a payload-2.0 event; a body that is not valid base64 is a 400 ``InputError``."""
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    raw_body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw_body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise malformed("The body is not valid base64.") from exc
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


def result_from_response(response: HttpResponse) -> dict[str, Any]:
    """The payload-2.0 Lambda result for a core response."""
    return {
        "statusCode": response.status,
        "headers": dict(response.headers),
        "body": response.body,
        "isBase64Encoded": False,
    }
