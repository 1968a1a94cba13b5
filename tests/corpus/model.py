"""The hostile-request corpus: what one entry is, how it becomes an event, and builders.

Each family module (``header_injection.py``, ``redirects.py`` …) holds ``CASES``, a list of
``Case``. ``test_corpus.py`` sends every case through the Lambda entry with moto's SES.

``expect`` is either an exact status, or one of

* ``"sent"``: accepted (200, or 303 for a plain form) and exactly one message sent;
* ``"refused"``: a 4xx and nothing sent.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from toiawase.local.events import build_event

Pairs = list[tuple[str, str]]

URLENCODED = "application/x-www-form-urlencoded"
JSON = "application/json"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ORIGIN = "https://www.example.com"
PAGE = "https://www.example.com/contact/"
FALLBACK = "https://www.example.com/thanks/"
VICTIM = "victim@evil.example"
BASE: Pairs = [("email", "visitor@example.org"), ("message", "Hello, this is a message.")]


@dataclass(frozen=True)
class Case:
    """One hostile request and what it must get."""

    id: str
    body: bytes | str | Pairs
    expect: int | str = "sent"
    content_type: str | None = URLENCODED
    accept: str = JSON
    headers: tuple[tuple[str, str], ...] = ()
    event: dict[str, Any] = field(default_factory=dict)
    location: str | None = None  # for a 303: the Location must start with this

    def data(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8", "surrogatepass")
        return urlencode(self.body).encode("ascii")

    def build(self, source_ip: str) -> dict[str, Any]:
        """A payload-2.0 event as API Gateway would send it, with the case's overrides."""
        headers = {"origin": ORIGIN, "referer": PAGE, "accept": self.accept}
        if self.content_type is not None:
            headers["content-type"] = self.content_type
        for name, value in self.headers:
            headers[name.lower()] = value
        event = build_event(
            "POST", "/submit", list(headers.items()), self.data(), source_ip=source_ip
        )
        event.update(self.event)
        return event


def form(*extra: tuple[str, str], base: Pairs = BASE) -> Pairs:
    """A valid submission plus ``extra`` pairs (a pair with a base name replaces it)."""
    names = {name for name, _ in extra}
    return [pair for pair in base if pair[0] not in names] + list(extra)


def json_body(members: list[tuple[str, Any]] | None = None, /, **fields: Any) -> str:
    """A JSON object, duplicate keys allowed (``members`` is written as given)."""
    items = list(members or []) + list(fields.items())
    return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in items) + "}"


BOUNDARY = "----toiawaseCorpusBoundary"


def multipart(
    parts: Sequence[tuple[str, str] | str], boundary: str = BOUNDARY, *, close: bool = True
) -> bytes:
    """A multipart/form-data body; a part is (name, value) or its full raw text."""
    chunks = []
    for part in parts:
        if isinstance(part, tuple):
            name, value = part
            part = f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'
        chunks.append(f"--{boundary}\r\n{part}\r\n")
    if close:
        chunks.append(f"--{boundary}--\r\n")
    return "".join(chunks).encode("utf-8", "surrogatepass")


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def as_base64(data: bytes) -> dict[str, object]:
    """Event overrides for bytes API Gateway passes base64-encoded (it does so for any body
    that is not valid UTF-8 text, whatever the Content-Type says)."""
    return {"body": base64.b64encode(data).decode("ascii"), "isBase64Encoded": True}
