"""The SES call's own memory, per way of handing SES a message with a 4.6 MB file (issue 12).

``python -m bench.ses_options`` (with the botocore to judge first on the path). Each option's
``tracemalloc`` peak during one call (serialise, sign, hand to HTTP; the HTTP exchange answered
in memory by a ``before-send`` hook that reads a streamed body in pieces, as a socket would),
above a baseline that already holds what the option starts from (the raw message, or for B the
file's bytes), as a multiple of the file's size:

* A: SES v2 ``SendEmail`` with ``Content.Raw``, serialised by botocore (what the function did);
* B: SES v2 ``SendEmail`` with ``Content.Simple`` and ``Attachments`` (botocore base64-encodes
  only the attachment; SES composes the MIME, so the function's own header checks would no
  longer see the message sent). Shown only when the botocore on the path knows ``Attachments``;
* C: SES v1 ``SendRawEmail`` (query protocol: base64, then URL-encoded);
* D: SES v2 ``SendEmail`` with ``Content.Raw``, streamed (``adapters/ses.py``, what it does now).

Not part of ``make bench``: the choice is made; this shows why (docs/files.md quotes a run).
"""

from __future__ import annotations

import base64
import io
import os
import tracemalloc
from collections.abc import Callable
from typing import Any

FILE_BYTES = 4_600_000
FROM, TO = "forms@example.com", "owner@example.com"


class _Body(io.BytesIO):
    def stream(self, **_: object) -> Any:  # noqa: ANN401
        yield self.getvalue()


def _answer(request: Any, event_name: str = "", **_: object) -> Any:  # noqa: ANN401
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    body = request.body
    if hasattr(body, "read"):  # a stream: read in pieces, as the HTTP client does
        while body.read(16384):
            pass
    if ".sesv2." in event_name:
        return AWSResponse(request.url, 200, HTTPHeaders(), _Body(b'{"MessageId":"m"}'))
    xml = (
        b"<SendRawEmailResponse><SendRawEmailResult><MessageId>m</MessageId>"
        b"</SendRawEmailResult></SendRawEmailResponse>"
    )
    return AWSResponse(request.url, 200, HTTPHeaders(), _Body(xml))


def _peak(call: Callable[[], object]) -> float:
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    call()
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return peak / FILE_BYTES


def main() -> None:
    import boto3
    import botocore

    from toiawase.adapters.ses import SesSender
    from toiawase.core.compose import OutgoingEmail

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    data = (b"%PDF-1.7\n" + bytes(range(256)) * (FILE_BYTES // 256 + 1))[:FILE_BYTES]
    raw = (
        f"From: {FROM}\r\nTo: {TO}\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes(data).replace(b"\n", b"\r\n")
    v2 = boto3.client("sesv2", region_name="us-east-1")
    v1 = boto3.client("ses", region_name="us-east-1")
    for client in (v1, v2):
        client.meta.events.register("before-send", _answer)
    destination: Any = {"ToAddresses": [TO]}

    def v2_raw(message: bytes) -> object:
        return v2.send_email(
            FromEmailAddress=FROM, Destination=destination, Content={"Raw": {"Data": message}}
        )

    def v2_simple(content: bytes) -> object:
        attachment = {"RawContent": content, "FileName": "cv.pdf", "ContentType": "application/pdf"}
        simple: Any = {"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "x"}}}
        simple["Attachments"] = [attachment]
        return v2.send_email(
            FromEmailAddress=FROM, Destination=destination, Content={"Simple": simple}
        )

    sender = SesSender(v2)
    email = OutgoingEmail("ab" * 16, FROM, (TO,), FROM, None, raw)
    model: Any = v2.meta.service_model.operation_model("SendEmail").input_shape
    simple = model.members["Content"]
    options: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("A v2 SendEmail Raw, botocore serialises", lambda: v2_raw(b"x"), lambda: v2_raw(raw)),
        (
            "C v1 SendRawEmail",
            lambda: v1.send_raw_email(RawMessage={"Data": b"x"}),
            lambda: v1.send_raw_email(RawMessage={"Data": raw}),
        ),
        ("D v2 SendEmail Raw, streamed", lambda: sender.send(email), lambda: sender.send(email)),
    ]
    if "Attachments" in simple.members["Simple"].members:
        options.insert(
            1,
            (
                "B v2 SendEmail Simple + Attachments",
                lambda: v2_simple(b"x"),
                lambda: v2_simple(data),
            ),
        )
    print(f"botocore {botocore.__version__}; file {FILE_BYTES / 1e6:.1f} MB")
    for name, warm, call in options:
        warm()  # models and endpoints loaded before measuring
        print(f"  {name:42s} {_peak(call):5.2f} x file")
    if len(options) == 3:
        print("  B v2 Simple + Attachments: not in this botocore")


if __name__ == "__main__":
    main()
