"""Sending through Amazon SES v2 ``SendEmail`` with raw MIME content.

Raw content, because the core composes the exact message (UTF-8 text and HTML alternatives,
RFC 2047 display name, ``Reply-To``), and what SES receives is what the recipient reads.
``FromEmailAddress`` names the verified identity (and is what the IAM ``ses:FromAddress``
condition sees); ``FeedbackForwardingEmailAddress`` sends bounces and complaints to the owner;
the ``submission_id`` tag ties SES events back to the submission.

A large message (files attached, issue 12) is streamed into the request body instead of being
serialised by botocore, which base64-encodes the raw message into a string, embeds it in a JSON
string and encodes that to bytes: about 5.5 times the file alive at once on top of the message
(``make bench``). botocore still builds, signs (SigV4 over the streamed payload, which it reads
in pieces), sends, retries and parses the call; only the ``Data`` value travels differently
(``StreamedRawBody``). The JSON it sends is byte for byte what botocore would have sent
(tests/integration/test_ses_stream.py).
"""

from __future__ import annotations

import base64
import io
import random
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from toiawase.adapters.aws import OutOfTime
from toiawase.core.compose import OutgoingEmail
from toiawase.core.ports import SendFailed

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

# SES v2 error codes that mean "try again later"; everything else is a refusal of this message.
TRANSIENT_CODES = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "LimitExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
SUBMISSION_TAG = "submission_id"
KIND_TAG = "kind"  # toiawase.core.feedback.KIND_TAG: only on mail that is not the owner's


def send_email_params(email: OutgoingEmail) -> dict[str, Any]:
    """The ``SendEmail`` request for ``email``: exactly what SES is asked to do."""
    params: dict[str, Any] = {
        "FromEmailAddress": email.from_address,
        "Destination": {"ToAddresses": list(email.to_addresses)},
        "Content": {"Raw": {"Data": email.raw}},
        "FeedbackForwardingEmailAddress": email.feedback_address,
        "EmailTags": [{"Name": SUBMISSION_TAG, "Value": email.submission_id}],
    }
    if email.kind != "submission":
        params["EmailTags"].append({"Name": KIND_TAG, "Value": email.kind})
    if email.configuration_set:
        params["ConfigurationSetName"] = email.configuration_set
    return params


# Messages at least this large are streamed (``StreamedRawBody``); smaller ones go the usual way.
STREAM_FROM_BYTES = 512 * 1024
READ_WINDOW = 64 * 1024  # a multiple of 4: whole base64 groups when reads start aligned
# The messages being sent right now, by the base64 placeholder that stands in for each.
_PENDING: dict[bytes, bytes] = {}


class StreamedRawBody(io.RawIOBase):
    """The ``SendEmail`` JSON body with the raw message base64-encoded on the fly.

    ``prefix`` and ``suffix`` are botocore's own serialisation around the placeholder that stood
    in for ``Data``; the middle is ``base64(raw)``, produced for whatever range is read (every
    4 characters are 3 bytes of ``raw``), so no encoded copy of the message ever exists. Seekable:
    SigV4 reads it once to hash it and seeks back, the HTTP client reads it again, a retry
    rewinds it.
    """

    def __init__(self, prefix: bytes, raw: bytes, suffix: bytes) -> None:
        super().__init__()
        self._prefix, self._raw, self._suffix = prefix, memoryview(raw), suffix
        self._encoded = 4 * -(-len(raw) // 3)
        self._size = len(prefix) + self._encoded + len(suffix)
        self._at = 0

    def __len__(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._size}[whence]
        self._at = min(max(base + offset, 0), self._size)
        return self._at

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:  # the rest, whole (SigV4 and HTTP clients read pieces)
            return b"".join(iter(lambda: self.read(READ_WINDOW), b""))
        # At most a window per call (a raw read may return less than asked), so encoding a
        # piece never costs more than a few times the window.
        wanted = min(size, READ_WINDOW)
        start = self._at
        end = self._at = min(self._size, start + wanted)
        head, middle = len(self._prefix), len(self._prefix) + self._encoded
        out = [self._prefix[start:end]] if start < head else []
        if start < middle and end > head:
            first, last = max(start, head) - head, min(end, middle) - head
            group = first // 4
            encoded = base64.b64encode(self._raw[group * 3 : -(-last // 4) * 3])
            out.append(encoded[first - group * 4 : last - group * 4])
        if end > middle:
            out.append(self._suffix[max(start, middle) - middle : end - middle])
        return out[0] if len(out) == 1 else b"".join(out)

    def readinto(self, buffer: Any) -> int:  # noqa: ANN401 - a writable buffer
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _stream_raw(request: Any, **_: Any) -> None:  # noqa: ANN401 - botocore's AWSRequest
    """``request-created.sesv2.SendEmail``, before signing: swap the placeholder for the
    streamed message (a request without one is left as botocore built it)."""
    body = request.data  # what botocore serialised (``request.body`` prepares it again)
    if not isinstance(body, bytes):
        return
    # A snapshot: the dev server sends from several threads (Lambda from one).
    for marker, raw in tuple(_PENDING.items()):
        at = body.find(marker)
        if at >= 0 and body.count(marker) == 1:
            request.data = StreamedRawBody(body[:at], raw, body[at + len(marker) :])
            return


# Before the container has timed a send of its own: a typical SendEmail round trip in AWS.
TYPICAL_SEND_SECONDS = 0.06


class SesSender:
    """Implements ``toiawase.core.ports.Sender`` with one long-lived SES v2 client.

    It also keeps a moving average of how long its sends take, so ``imitate_send`` can make a
    honeypot answer take about as long as a real one (red-team finding 5).
    """

    def __init__(self, client: SESV2Client, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._sleep = sleep
        self._typical = TYPICAL_SEND_SECONDS
        # Runs before the signer (more specific event name); once per client.
        client.meta.events.register_first(
            "request-created.sesv2.SendEmail", _stream_raw, unique_id="toiawase-stream-raw"
        )

    def imitate_send(self) -> None:
        """Wait about as long as a send takes (the moving average, ±25 %, capped at 1 s)."""
        jitter = random.uniform(0.75, 1.25)  # noqa: S311 - timing noise, not a secret
        self._sleep(min(self._typical * jitter, 1.0))

    def send(self, email: OutgoingEmail) -> str:
        started = time.perf_counter()
        try:
            return self._send(email)
        finally:
            elapsed = time.perf_counter() - started
            self._typical = 0.8 * self._typical + 0.2 * elapsed

    def _send(self, email: OutgoingEmail) -> str:
        params = send_email_params(email)
        marker = None
        if len(email.raw) >= STREAM_FROM_BYTES:
            token = secrets.token_bytes(30)
            marker = base64.b64encode(token)  # what botocore writes for it: 40 characters
            params["Content"] = {"Raw": {"Data": token}}
            _PENDING[marker] = email.raw
        try:
            response = self._client.send_email(**params)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            raise SendFailed(code, transient=code in TRANSIENT_CODES or status >= 500) from exc
        except (ConnectionError, HTTPClientError) as exc:  # timeouts, resets, DNS
            raise SendFailed(type(exc).__name__, transient=True) from exc
        except OutOfTime as exc:  # no time left in this invocation to try: the queue will
            raise SendFailed("OutOfTime", transient=True) from exc
        except BotoCoreError as exc:  # no credentials, bad parameters: not fixed by waiting
            raise SendFailed(type(exc).__name__, transient=False) from exc
        finally:
            if marker is not None:
                _PENDING.pop(marker, None)
        return str(response["MessageId"])
