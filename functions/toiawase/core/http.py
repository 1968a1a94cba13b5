"""Transport-neutral request and response: what a handler hands the core, and what it gets back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request. Header names are lower case (as API Gateway payload 2.0 gives them)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    source_ip: str
    request_id: str
    received_at: datetime

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class HttpResponse:
    """One HTTP answer; ``body`` is text (JSON or HTML)."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
