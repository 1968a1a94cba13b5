"""isBase64Encoded bodies with bad data: the handler decodes before the core sees anything.

Anything that is not strict base64 is 400 with a JSON answer; base64 of bytes that are not
UTF-8 is 400 from the parser; good base64 of a good form is accepted.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from tests.corpus.model import BASE, JSON, Case, json_body

GOOD = base64.b64encode(urlencode(BASE).encode()).decode()
UNPADDED = base64.b64encode(urlencode(BASE).encode() + b"&").decode()  # ends in "=="


def b64(body: bytes | str, *, text: str | None = None) -> dict[str, object]:
    """Event overrides: the body as API Gateway would pass it, claimed to be base64."""
    if text is None:
        data = body if isinstance(body, bytes) else body.encode()
        text = base64.b64encode(data).decode()
    return {"body": text, "isBase64Encoded": True}


CASES = [
    Case("good", b"", event=b64(urlencode(BASE))),
    Case("good-json", b"", content_type=JSON, event=b64(json_body(**dict(BASE)))),
    Case("invalid-characters", b"", 400, event=b64(b"", text="!!!not base64!!!")),
    Case("missing-padding", b"", 400, event=b64(b"", text=UNPADDED.rstrip("="))),
    # Padding after complete data: decoded leniently to exactly the same bytes. Accepted.
    Case("extra-padding", b"", "sent", event=b64(b"", text=GOOD + "==")),
    Case("padding-in-middle", b"", 400, event=b64(b"", text=GOOD[:8] + "=" + GOOD[8:])),
    Case(
        "newlines",
        b"",
        400,
        event=b64(b"", text="\n".join(GOOD[i : i + 8] for i in range(0, len(GOOD), 8))),
    ),
    Case(
        "spaces",
        b"",
        400,
        event=b64(b"", text=" ".join(GOOD[i : i + 8] for i in range(0, len(GOOD), 8))),
    ),
    Case(
        "url-safe-alphabet",
        b"",
        400,
        event=b64(b"", text=base64.urlsafe_b64encode(b"\xfb\xff" * 40).decode()),
    ),
    Case("non-ascii", b"", 400, event=b64(b"", text=GOOD + "\u00e9")),
    Case("nul", b"", 400, event=b64(b"", text=GOOD[:4] + "\x00" + GOOD[4:])),
    Case("lone-surrogate", b"", 400, event=b64(b"", text=GOOD + "\ud800")),
    Case("single-character", b"", 400, event=b64(b"", text="A")),
    Case("truncated", b"", 400, event=b64(b"", text=GOOD[:-3])),
    Case("plain-text-claimed-base64", b"", 400, event=b64(b"", text=urlencode(BASE))),
    Case("base64-of-invalid-utf8", b"", 400, event=b64(b"email=a%40example.org&message=\xff\xfe")),
    Case(
        "base64-of-latin1",
        b"",
        400,
        event=b64("email=a%40example.org&message=caf\u00e9".encode("latin-1")),
    ),
    Case("base64-of-1mb", b"", 413, event=b64(b"message=" + b"x" * (1024 * 1024))),
    Case("empty-base64", b"", 422, event=b64(b"", text="")),
    Case("null-body", b"", 422, event={"body": None, "isBase64Encoded": True}),
    Case("flag-as-string", b"", 400, event={"body": urlencode(BASE), "isBase64Encoded": "true"}),
    Case("base64-not-flagged", b"", 422, event={"body": GOOD, "isBase64Encoded": False}),
]
