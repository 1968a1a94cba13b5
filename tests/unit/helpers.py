"""Builders shared by the unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

from tests.contract import CONTRACT_ENV
from toiawase.core.compose import OutgoingEmail, SubmissionMeta
from toiawase.core.config import Limits, Settings, load_settings
from toiawase.core.http import HttpRequest
from toiawase.core.ports import SendFailed
from toiawase.core.submission import Submission, validate_submission

# The contract's variables without the optional configuration set (unset, not empty).
ENV = {k: v for k, v in CONTRACT_ENV.items() if k != "SES_CONFIGURATION_SET"}
WHEN = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SUBMISSION_ID = "0123456789abcdef0123456789abcdef"
CLIENT_IP = "203.0.113.9"
MINIMAL_PAIRS = (("email", "a@example.com"), ("message", "hi"))


def settings(**overrides: str) -> Settings:
    return load_settings({**ENV, **overrides})


def valid_submission(pairs: Sequence[tuple[str, str]] = MINIMAL_PAIRS) -> Submission:
    """The submission these fields make under the default limits (the address and text given)."""
    return validate_submission(list(pairs), Limits())


def submission_meta(
    submission_id: str = SUBMISSION_ID,
    *,
    page_url: str | None = None,
    origin: str | None = None,
    received_at: datetime = WHEN,
    client_ip: str = CLIENT_IP,
) -> SubmissionMeta:
    """What the request told about a submission: by default an id, a time and an IP, no page."""
    return SubmissionMeta(submission_id, received_at, page_url, origin, client_ip)


# The page, origin and IP that ``form_request()`` sends (Referer, Origin, source IP).
REQUEST_META = submission_meta(
    page_url="https://www.example.com/contact/", origin="https://www.example.com"
)


def form_request(
    fields: list[tuple[str, str]] | None = None,
    *,
    body: bytes | None = None,
    content_type: str = "application/x-www-form-urlencoded",
    accept: str = BROWSER_ACCEPT,
    method: str = "POST",
    path: str = "/submit",
    extra_headers: dict[str, str] | None = None,
) -> HttpRequest:
    if body is None:
        body = urlencode(fields or []).encode()
    headers = {
        "content-type": content_type,
        "accept": accept,
        "origin": "https://www.example.com",
        "referer": "https://www.example.com/contact/",
        **(extra_headers or {}),
    }
    return HttpRequest(
        method=method,
        path=path,
        headers={k: v for k, v in headers.items() if v},
        body=body,
        source_ip=CLIENT_IP,
        request_id="req-1",
        received_at=WHEN,
    )


class RecordingSender:
    """A Sender that records what it was asked to send, or fails as told."""

    def __init__(self, fail: SendFailed | None = None) -> None:
        self.sent: list[OutgoingEmail] = []
        self.fail = fail

    def send(self, email: OutgoingEmail) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append(email)
        return f"msg-{len(self.sent)}"


class SequentialIds:
    """A ``new_id`` that counts: 32 hex digits, ``…01`` first, then ``…02`` and on."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.n:032x}"


def fixed_id() -> str:
    return SUBMISSION_ID
