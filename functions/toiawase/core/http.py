"""Transport-neutral request and response: what a handler hands the core, and what it gets back."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request. Header names are lower case (as API Gateway payload 2.0 gives them)."""

    method: str
    path: str
    headers: Mapping[str, str]
    # A large body is a ``bytearray`` that ``release_body`` empties once it has been read.
    body: bytes | bytearray
    source_ip: str
    request_id: str
    received_at: datetime

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def release_body(self) -> None:
        """Free the body once it has been read (the submit use case, after parsing).

        A large body arrives as a ``bytearray`` (``handlers.http_event``): emptied here, in
        place, so every holder of this request lets go of it at once and a file posted with
        the form is not kept twice (body and parsed part) while the email is composed and
        sent. A ``bytes`` body (small, or built by a test) is left as it is.
        """
        if isinstance(self.body, bytearray):
            # Still viewed (a parser's reader kept by a traceback): left to be freed later.
            with suppress(BufferError):
                self.body.clear()


# The request headers the endpoint reads, and the most of each it will read. A browser's come
# nowhere near these (Chromium caps a Referer at 4,096 characters); anything longer is refused
# with 431 before any parsing, so a hostile header costs a length check and nothing more.
HEADER_LIMITS = {
    "content-type": 512,
    "accept": 1024,
    "accept-language": 512,
    "origin": 512,
    "referer": 4096,
    "idempotency-key": 255,
    "x-requested-with": 64,
}


def oversized_header(request: HttpRequest) -> str | None:
    """The name of the first header the endpoint reads that is over its limit, if any."""
    for name, limit in HEADER_LIMITS.items():
        value = request.headers.get(name)
        if value is not None and len(value) > limit:
            return name
    return None


@dataclass
class HttpResponse:
    """One HTTP answer; ``body`` is text (JSON or HTML)."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
