"""The interfaces the core needs from the outside world; adapters implement them."""

from __future__ import annotations

from typing import Protocol

from toiawase.core.compose import OutgoingEmail


class SendFailed(Exception):
    """SES did not accept the message.

    ``transient`` is True for throttling, 5xx, timeouts and connection errors (worth retrying),
    False when SES refused the message itself (unverified identity, paused account …).
    ``code`` is the error code, safe to log and count.
    """

    def __init__(self, code: str, *, transient: bool) -> None:
        super().__init__(code)
        self.code = code
        self.transient = transient


class Sender(Protocol):
    """Sends one composed message; returns the provider's message id or raises ``SendFailed``."""

    def send(self, email: OutgoingEmail) -> str: ...
