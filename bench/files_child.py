"""The measured side of the file rows (``bench.files``): one process, the deployed entry.

Run as ``python bench/files_child.py SCENARIO OUT.json [REQUESTS]`` with the function's artifact
on ``PYTHONPATH`` and the template's default configuration in the environment (plus
``FILES_BUCKET``, ``FORMS_FILE``, tables). Every AWS call is answered by a ``before-send`` hook
registered on the botocore session, so serialization, signing and parsing run; only the socket
does not. The bucket is a dict: PUT, COPY and (ranged) GET behave as S3 does for these calls.

Scenarios: ``parse-5mb`` (a 5 MB PDF from the event to a checked file: base64 decode,
multipart parse, content check), ``post-4.4mb`` (the whole request with the largest body the
function can be given, a PDF through the form post, attached and sent), ``s3-5mb`` (a 5 MB
PDF uploaded straight to S3, read back and attached), ``warm-1mb``
(``REQUESTS`` posts with a 1 MB PDF, timed). Memory is ``tracemalloc``'s peak above a baseline
taken after the API Gateway event exists (the runtime holds the event before the handler runs).
"""

from __future__ import annotations

import base64
import io
import json
import sys
import time
import tracemalloc
from typing import Any
from urllib.parse import unquote, urlsplit

BOUNDARY = "----toiawaseBench"
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
UPLOAD_ID = "0123456789abcdef0123456789abcdef"
OBJECTS: dict[str, bytes] = {}
CALLS: list[str] = []


def pdf(size: int) -> bytes:
    return (PDF_HEAD + bytes(range(256)) * (size // 256 + 1))[:size]


class _Raw(io.BytesIO):
    """A response body: read whole (``stream``) or as a stream (S3's ``GetObject``)."""

    def stream(self, **_: object) -> Any:  # noqa: ANN401
        yield self.getvalue()


def _answer(url: str, status: int, body: bytes, headers: dict[str, str]) -> Any:  # noqa: ANN401
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    return AWSResponse(url, status, HTTPHeaders.from_dict(headers), _Raw(body))


def stub(request: Any, event_name: str, **_: object) -> Any:  # noqa: ANN401
    """Every AWS call of the function, answered in memory."""
    service, operation = event_name.split(".")[1:3]
    CALLS.append(f"{service}.{operation}")
    url = request.url
    parts = urlsplit(url)
    path = unquote(parts.path).lstrip("/")
    # Virtual-hosted addressing (the function's): the bucket is in the host name.
    key = path if parts.netloc.startswith("bench-files.") else path.partition("/")[2]
    if service == "s3" and operation == "PutObject":
        body = request.body
        if key.startswith("submissions/") and not isinstance(body, bytes):
            # S3 keeps what the function PUTs, not the function: the in-memory bucket keeps a
            # stand-in (nothing here reads an object PUT under submissions/ back), and the
            # stream is drained as a socket would send it, 64 KB at a time; reading it whole
            # would count a copy of the file that the function never makes.
            while body.read(65536):
                pass
            data = b""
        else:
            data = body if isinstance(body, bytes) else body.read()
        OBJECTS[key] = b"" if key.startswith("submissions/") else data
        return _answer(url, 200, b"", {"ETag": '"bench"'})
    if service == "s3" and operation == "CopyObject":
        header = request.headers["x-amz-copy-source"]
        source = unquote(header.decode() if isinstance(header, bytes) else str(header))
        OBJECTS[key] = OBJECTS[source.split("/", 1)[1]]
        xml = b'<CopyObjectResult><ETag>"b"</ETag><LastModified>2026-01-01T00:00:00.000Z'
        return _answer(url, 200, xml + b"</LastModified></CopyObjectResult>", {})
    if service == "s3" and operation == "GetObject":
        data = OBJECTS[key]
        wanted = request.headers.get("Range")
        if wanted:
            end = int((wanted.decode() if isinstance(wanted, bytes) else wanted).split("-")[1])
            head = data[: end + 1]
            return _answer(
                url, 206, head, {"Content-Range": f"bytes 0-{len(head) - 1}/{len(data)}"}
            )
        # A copy, as a read from the socket would allocate (the stored bytes are not the reply).
        return _answer(url, 200, bytes(memoryview(data)), {"Content-Length": str(len(data))})
    if service == "dynamodb":
        payload = json.loads(request.body or b"{}")
        if operation == "UpdateItem" and "upload#" in json.dumps(payload.get("Key", {})):
            files = [
                {"M": {"k": {"S": k}, "f": {"S": "cv"}, "n": {"S": "cv.pdf"}, "s": {"N": "1"}}}
                for k in sorted(OBJECTS)
                if k.startswith("uploads/")
            ]
            attributes = {"files": {"L": files}, "expires_at": {"N": "9999999999"}}
            return _answer(url, 200, json.dumps({"Attributes": attributes}).encode(), {})
        if operation == "UpdateItem" and payload.get("ReturnValues") == "UPDATED_NEW":
            return _answer(url, 200, b'{"Attributes":{"hits":{"N":"1"}}}', {})
        return _answer(url, 200, b"{}", {})
    if service == "sesv2":
        return _answer(url, 200, b'{"MessageId":"bench-message"}', {})
    if service == "secrets-manager":  # the reply-hash key, read once per container
        return _answer(url, 200, b'{"SecretString":"bench-reply-hash-key"}', {})
    return _answer(url, 200, b"{}", {})


def multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        out += content + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def event(body: bytes, n: int) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/f/jobs",
        "headers": {
            "content-type": f"multipart/form-data; boundary={BOUNDARY}",
            "accept": "application/json",
            "origin": "https://www.example.com",
            "referer": "https://www.example.com/apply/",
        },
        "requestContext": {
            "http": {"method": "POST", "path": "/f/jobs", "sourceIp": f"198.51.100.{n % 250}"},
            "requestId": f"bench-{n}",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


class _Context:
    """The parts of the Lambda context object Powertools reads."""

    function_name = "toiawase-bench-submit"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:toiawase-bench-submit"
    memory_limit_in_mb = 256
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/toiawase-bench-submit"
    log_stream_name = "bench"

    remaining_ms = 15_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


TEXT = [("email", None, b"taro@example.jp"), ("message", None, "応募します".encode())]


class _Stages:
    """Where the whole request's peak is: ``tracemalloc``'s peak per stage (reset at each
    boundary), above the baseline. Stages: ``parse`` (event to checked, kept, admitted
    submission), ``compose`` (the MIME message, files attached), ``ses`` (``SendEmail``:
    serialise, sign, send), ``after`` (the status update and the answer)."""

    def __init__(self) -> None:
        self.peaks: dict[str, int] = {}
        self._baseline = 0

    def start(self, baseline: int) -> None:
        self._baseline = baseline
        tracemalloc.reset_peak()

    def mark(self, stage: str) -> None:
        self.peaks[stage] = tracemalloc.get_traced_memory()[1] - self._baseline
        tracemalloc.reset_peak()


def _stages() -> _Stages:
    """Stage boundaries: around ``compose`` as the submit use case calls it, and SES's send."""
    from toiawase.adapters.ses import SesSender
    from toiawase.core import submit as use_case

    stages = _Stages()
    compose, send = use_case.compose, SesSender._send  # type: ignore[attr-defined]

    def composing(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        stages.mark("parse")
        email = compose(*args, **kwargs)
        stages.mark("compose")
        return email

    def sending(self: SesSender, email: Any) -> str:  # noqa: ANN401
        message_id = send(self, email)
        stages.mark("ses")
        return message_id

    use_case.compose = composing  # type: ignore[attr-defined]
    SesSender._send = sending  # type: ignore[method-assign]
    return stages


def main() -> int:
    scenario, out = sys.argv[1], sys.argv[2]
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    from toiawase.adapters import aws

    # A before-send handler's return value replaces the HTTP response (stubs type it None).
    aws._session().register("before-send", stub)  # type: ignore[arg-type]
    from toiawase.handlers import submit

    context = _Context()
    result: dict[str, Any] = {"scenario": scenario}
    if scenario == "parse-5mb":
        # The request path up to the checked file: base64 decode, multipart parse, content
        # check. 5 MB is past what Lambda can be given (the body limit is raised for this).
        from toiawase.core.config import Limits
        from toiawase.core.files import HEAD_BYTES, FileRule, check_files
        from toiawase.core.parse import parse_form
        from toiawase.handlers.http_event import request_from_event

        size = 5 * 1024 * 1024
        evt = event(multipart([*TEXT, ("cv", "cv.pdf", pdf(size))]), 1)
        limits = Limits(max_upload_body_bytes=6 * 1024 * 1024)
        rules = {"cv": FileRule("cv", "CV", ("application/pdf",), 10 * 1024 * 1024, 1)}
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        request = request_from_event(evt)
        parsed = parse_form(request.header("content-type"), request.body, limits, frozenset(rules))
        accepted, errors = check_files(
            parsed.files, rules, 25 * 1024 * 1024, lambda f: (f.data or b"")[:HEAD_BYTES]
        )
        peak = tracemalloc.get_traced_memory()[1] - baseline
        tracemalloc.stop()
        assert accepted and not errors, errors
        result.update(file_bytes=size, peak_bytes=peak, ratio=round(peak / size, 2), calls=[])
    elif scenario == "warm-1mb":
        body = multipart([*TEXT, ("cv", "cv.pdf", pdf(1024 * 1024))])
        submit.lambda_handler(event(body, 0), context)  # cold, not counted
        times = []
        for n in range(1, requests + 1):
            evt = event(body, n)
            started = time.perf_counter()
            answer = submit.lambda_handler(evt, context)
            times.append((time.perf_counter() - started) * 1000)
            assert answer["statusCode"] == 200, answer["body"]
        times.sort()
        result.update(p50_ms=times[len(times) // 2], requests=requests, file_bytes=1024 * 1024)
    else:
        if scenario == "post-4.4mb":
            size = 4_600_000 - 400
            body = multipart([*TEXT, ("cv", "cv.pdf", pdf(size))])
        else:
            size = 5 * 1024 * 1024
            OBJECTS[f"uploads/jobs/{UPLOAD_ID}/0"] = pdf(size)
            body = multipart([*TEXT, ("_upload", None, UPLOAD_ID.encode())])
        submit.lambda_handler(event(multipart([*TEXT, ("cv", "w.pdf", pdf(1000))]), 0), context)
        # Memory, not time, is measured here, and tracemalloc slows every allocation: the
        # request-path deadline (handlers/submit.py) must not turn a slow traced send into a
        # queued one.
        context.remaining_ms = 600_000
        evt = event(body, 1)
        del body
        stages = _stages()
        CALLS.clear()
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        stages.start(baseline)
        answer = submit.lambda_handler(evt, context)
        stages.mark("after")
        peak = max(stages.peaks.values())  # the peak is reset at each stage boundary
        tracemalloc.stop()
        assert answer["statusCode"] == 200, answer["body"]
        result.update(
            file_bytes=size,
            peak_bytes=peak,
            ratio=round(peak / size, 2),
            calls=CALLS,
            stages={name: round(max(0, value) / size, 2) for name, value in stages.peaks.items()},
        )
    with open(out, "w", encoding="utf-8") as file:
        json.dump(result, file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
