"""Embedded SES for local runs: moto's in-process mock, with the sender pre-verified.

``start_embedded_ses`` must run before the submit handler is imported: the handler creates its
SES client at import time, and moto intercepts clients created while its mock is active.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Protocol

MOTO_ACCOUNT_ID = "123456789012"  # moto's default account
LOCAL_PORT = 3000
LOCAL_ENV = {
    "SENDER_ADDRESS": "forms@example.com",
    "RECIPIENT_ADDRESSES": "owner@example.com",
    "ALLOWED_ORIGINS": "http://127.0.0.1:3000,http://localhost:3000",
    "REDIRECT_URL": "http://127.0.0.1:3000/thanks.html",
    "SITE_NAME": "Example Co",
    # Limits stay on locally, but roomy enough for a developer trying the form again and again
    # (and for the browser tests, which all come from 127.0.0.1).
    "RATE_LIMITS": "client_minute=30,client_day=1000,form_minute=120,form_day=5000",
    "POWERTOOLS_METRICS_NAMESPACE": "toiawase",
    "POWERTOOLS_SERVICE_NAME": "toiawase",
}
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


SAMPLE_EVENTS_ORIGIN = "https://www.example.com"


def local_defaults(port: int = LOCAL_PORT) -> dict[str, str]:
    """The local defaults for a dev server on ``port``: its own origins and thank-you page,
    plus ``https://www.example.com``, the site the sample events in ``events/`` come from."""
    return {
        **LOCAL_ENV,
        "ALLOWED_ORIGINS": (
            f"http://127.0.0.1:{port},http://localhost:{port},{SAMPLE_EVENTS_ORIGIN}"
        ),
        "REDIRECT_URL": f"http://127.0.0.1:{port}/thanks.html",
    }


def apply_local_env(*, embedded_ses: bool, port: int = LOCAL_PORT) -> None:
    """Fill in the contract's variables with local defaults where the caller set none.

    ``port`` is the dev server's: the default origins and thank-you page follow it, so
    ``toiawase dev --port 8080`` works without setting them (a value set by the caller wins).
    """
    for key, value in local_defaults(port).items():
        os.environ.setdefault(key, value)
    if embedded_ses:
        for key in list(os.environ):
            if key.startswith("AWS_") and key not in FAKE_AWS:
                del os.environ[key]  # never let a local run reach a real account
        os.environ.update(FAKE_AWS)
    # Metrics go to stdout as EMF in Lambda; locally they would drown the mail printout.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


@dataclass(frozen=True)
class CapturedMail:
    """One message SES accepted, as the recipient would get it."""

    message_id: str
    source: str
    destinations: tuple[str, ...]
    raw: bytes

    def parsed(self) -> EmailMessage:
        message = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message

    def text(self) -> str:
        part = self.parsed().get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    def html(self) -> str:
        part = self.parsed().get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


class _Mock(Protocol):
    def stop(self) -> None: ...


class Mailbox(Protocol):
    """Where captured messages can be read: embedded SES, or a stand-in in tests."""

    def messages(self) -> list[CapturedMail]: ...


class EmbeddedSes:
    """moto's SES, started in this process, with the sender's domain verified."""

    def __init__(self, mock: _Mock, region: str) -> None:
        self._mock = mock
        self.region = region

    def messages(self) -> list[CapturedMail]:
        """Every message SES accepted so far, oldest first."""
        from moto.ses.models import ses_backends

        backend = ses_backends[MOTO_ACCOUNT_ID][self.region]
        return [
            CapturedMail(
                message_id=m.id,
                source=m.source,
                destinations=tuple(m.destinations),
                raw=m.raw_data.encode("utf-8", "surrogateescape")
                if isinstance(m.raw_data, str)
                else m.raw_data,
            )
            for m in backend.sent_messages
            if hasattr(m, "raw_data")
        ]

    def stop(self) -> None:
        self._mock.stop()


def start_embedded_ses() -> EmbeddedSes:
    """Start moto's mock and verify the configured sender's domain, as the owner would in SES."""
    import boto3
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    serialise_moto_dynamodb()
    region = os.environ.get("AWS_REGION", "us-east-1")
    sender = os.environ.get("SENDER_ADDRESS", LOCAL_ENV["SENDER_ADDRESS"])
    domain = sender.rpartition("@")[2]
    boto3.client("ses", region_name=region).verify_domain_identity(Domain=domain)
    return EmbeddedSes(mock, region)


_MOTO_DYNAMODB_LOCK = threading.RLock()


def serialise_moto_dynamodb() -> None:
    """Make moto's DynamoDB one request at a time, as DynamoDB's own isolation would.

    moto applies a ``TransactWriteItems`` item by item and, when it is cancelled, restores
    deep copies of whole tables taken before it began: a write by another thread in between
    would be undone (a counter losing hits, another submission's row vanishing). DynamoDB
    itself isolates transactions (serializable with other writes to the same items). The dev
    server and the tests run requests on threads, so moto's backend methods take one lock.
    Idempotent.
    """
    from moto.dynamodb.models import DynamoDBBackend

    for name in ("transact_write_items", "put_item", "update_item", "delete_item", "get_item"):
        method = getattr(DynamoDBBackend, name)
        if not getattr(method, "_toiawase_locked", False):
            setattr(DynamoDBBackend, name, _locked(method))


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    def locked(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        with _MOTO_DYNAMODB_LOCK:
            return method(*args, **kwargs)

    locked._toiawase_locked = True  # type: ignore[attr-defined]
    return locked


# What may reach the terminal: no C0 control but TAB and LF (ESC starts the sequences that
# set the title or clear the screen), no DEL or C1 (CSI is U+009B), no bidi or other format
# characters (they reorder what the owner reads).
_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def terminal_safe(text: str) -> str:
    """``text`` with every character that could drive or reorder a terminal removed."""
    return _TERMINAL_UNSAFE.sub("", text)


def format_mail(mail: CapturedMail) -> str:
    """The message as the terminal shows it: the headers that matter, then the text body.

    Cleaned for the terminal whatever the message holds (``terminal_safe``).
    """
    message = mail.parsed()
    lines = ["=" * 72]
    for name in ("From", "Reply-To", "To", "Subject"):
        lines.append(f"{name + ':':10}{message.get(name, '(none)')}")
    lines.append("-" * 72)
    lines.append(mail.text().rstrip())
    lines.append("=" * 72)
    return terminal_safe("\n".join(lines))
