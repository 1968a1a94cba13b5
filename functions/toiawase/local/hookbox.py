"""The dev server's local receiver for webhook, Slack and Discord deliveries (``/_hooks/…``).

In ``make dev`` every http target of every form is sent here instead of to its URL
(``DELIVERY_LOCAL_RECEIVER``, set by the dev server only), so the whole flow works without the
internet and no test submission reaches a real Slack channel. Each request is kept exactly as
it arrived (method, path, headers in order, body bytes) and shown by the preview next to the
mail of the same submission (``toiawase.local.preview``). Nothing here is trusted: the preview
escapes it all.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

HOOKS_PATH = "/_hooks"
# A development-only Standard Webhooks secret, for the dev server's demonstration form: it is
# printed in the docs, so it protects nothing and must never be used for a real receiver.
DEV_WEBHOOK_SECRET = "whsec_dG9pYXdhc2UtbG9jYWwtZGV2ZWxvcG1lbnQtb25seQ=="  # noqa: S105 - public
MAX_KEPT = 500  # the oldest requests are dropped beyond this (a long-running dev server)
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the receiver got it; ``number`` counts from 1 in arrival order."""

    number: int
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received_at: datetime = field(default_factory=lambda: datetime.now(tz=UTC))

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def kind(self) -> str:
        """``webhook``, ``slack`` or ``discord``: the first path segment after ``/_hooks``."""
        rest = self.path[len(HOOKS_PATH) :].lstrip("/")
        return rest.split("/", 1)[0].split("?", 1)[0] or "(none)"

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def mentions(self, submission_id: str) -> bool:
        """True when the request is about ``submission_id``: the Standard Webhooks id
        (``msg_<submission>_<target>``) or the body names it (every payload carries it, as the
        webhook's ``submission_id`` or Slack's and Discord's "Reference" line)."""
        if not submission_id:
            return False
        return submission_id in (self.header("webhook-id") or "") or submission_id in self.text


class HookBox:
    """The requests received so far, oldest first; safe to use from the server's threads."""

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self._lock = threading.Lock()
        self._requests: list[ReceivedRequest] = []
        self._count = 0
        self._max = max_kept

    def record(
        self, method: str, path: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> ReceivedRequest:
        with self._lock:
            self._count += 1
            got = ReceivedRequest(self._count, method, path, tuple(headers), body)
            self._requests.append(got)
            del self._requests[: -self._max]
        return got

    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    def get(self, number: int) -> ReceivedRequest | None:
        with self._lock:
            return next((r for r in self._requests if r.number == number), None)
