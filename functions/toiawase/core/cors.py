"""CORS for the function's answers: echo an allowed origin, never ``*``."""

from __future__ import annotations

from toiawase.core.config import Settings, normalize_origin
from toiawase.core.http import HttpRequest


def cors_headers(request: HttpRequest, settings: Settings, method: str) -> dict[str, str]:
    """Echo an allowed ``Origin`` (never ``*``); API Gateway does the same in the cloud."""
    origin = normalize_origin(request.header("origin") or "")
    headers = {"Vary": "Origin"}
    if origin is not None and origin in settings.allowed_origins:
        # The canonical form, never the header as sent: it is the request's own text.
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Methods"] = f"{method}, OPTIONS"
        headers["Access-Control-Allow-Headers"] = (
            "Content-Type, Accept, X-Requested-With, Idempotency-Key"
        )
        headers["Access-Control-Max-Age"] = "600"
    return headers
