"""CORS, as API Gateway answers it: the one source of truth for the template and the dev server.

With ``CorsConfiguration`` on the HTTP API, API Gateway answers every preflight itself and sets the
CORS headers of every answer, ignoring the function's. So what browsers see in AWS is the template's
``CorsConfiguration``; a test checks that it equals the constants below, and the dev server and the
function answer from the same constants, so a cross-origin ``fetch`` that works in ``make dev``
works in AWS too. Methods and headers are allowed for every route (``POST`` and ``GET``, not per
path): the HTTP API has one CORS configuration, and later routes (``POST /f/{form}``,
``POST /f/{form}/uploads``) need nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable

from toiawase.core.config import Settings, normalize_origin
from toiawase.core.http import HttpRequest

# CorsConfiguration of template.yaml's HttpApi (AllowOrigins is ALLOWED_ORIGINS). Lower case, as
# API Gateway lists them; header names are case-insensitive.
ALLOW_METHODS: tuple[str, ...] = ("GET", "POST")
ALLOW_HEADERS: tuple[str, ...] = ("content-type", "accept", "x-requested-with", "idempotency-key")
MAX_AGE_SECONDS = 600


def allowed_origin(origin_header: str | None, allowed_origins: Iterable[str]) -> str | None:
    """The canonical form of an allowed ``Origin``, or None: never ``*``, never the raw header."""
    origin = normalize_origin(origin_header or "")
    return origin if origin is not None and origin in tuple(allowed_origins) else None


def preflight_headers(origin_header: str | None, allowed_origins: Iterable[str]) -> dict[str, str]:
    """Headers of API Gateway's answer (204) to an ``OPTIONS`` preflight.

    For an allowed origin: the origin echoed, and the configured methods, headers and max age
    whatever was asked (the browser compares). For any other origin: no CORS headers at all, so
    the browser refuses.
    """
    headers = {"Vary": "Origin"}
    origin = allowed_origin(origin_header, allowed_origins)
    if origin is not None:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Methods"] = ",".join(ALLOW_METHODS)
        headers["Access-Control-Allow-Headers"] = ",".join(ALLOW_HEADERS)
        headers["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
    return headers


def cors_headers(request: HttpRequest, settings: Settings) -> dict[str, str]:
    """CORS headers of an answer (preflight or not), the same as API Gateway sets in the cloud."""
    if request.method == "OPTIONS":
        return preflight_headers(request.header("origin"), settings.allowed_origins)
    headers = {"Vary": "Origin"}
    origin = allowed_origin(request.header("origin"), settings.allowed_origins)
    if origin is not None:
        headers["Access-Control-Allow-Origin"] = origin
    return headers
