"""Building real API Gateway HTTP API payload-2.0 events from local HTTP requests."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

# HTTP APIs pass these bodies as text; every other body arrives base64-encoded.
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
)


def _is_text(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return any(media.startswith(prefix) for prefix in _TEXT_TYPES)


def build_event(
    method: str,
    path: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    query: str = "",
    source_ip: str = "127.0.0.1",
    route_key: str | None = None,
    stage: str = "$default",
) -> dict[str, Any]:
    """An event shaped like the ones API Gateway sends a Lambda (payload format 2.0).

    Header names are lower case; repeated headers are joined with commas, as API Gateway does.
    """
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    now = time.time()
    request_id = secrets.token_urlsafe(12)
    text = _is_text(merged.get("content-type", ""))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key or f"{method.upper()} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": merged,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": merged.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key or f"{method.upper()} {path}",
            "stage": stage,
            "time": datetime.fromtimestamp(now, tz=UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": bool(body) and not text,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        params: dict[str, str] = {}
        for part in query.split("&"):
            key, _, value = part.partition("=")
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    if body:
        event["body"] = (
            body.decode("utf-8", "replace") if text else base64.b64encode(body).decode("ascii")
        )
    return event


class LocalContext:
    """The parts of the Lambda context object that Powertools reads."""

    function_name = "toiawase-submit-local"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:toiawase-submit-local"
    memory_limit_in_mb = 128
    log_group_name = "/aws/lambda/toiawase-submit-local"
    log_stream_name = "local"

    def __init__(self, request_id: str | None = None) -> None:
        self.aws_request_id = request_id or secrets.token_hex(8)

    def get_remaining_time_in_millis(self) -> int:
        # As a fresh invocation of the submit function (template.yaml: Timeout 20): the
        # handler's deadline for AWS calls is derived from it (adapters/aws.py).
        return 20_000
