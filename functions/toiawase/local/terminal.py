"""What ``toiawase dev`` prints: one readable line per request, the sent message, and (with
``--logs json``) the handler's own JSON log and EMF metric lines instead of the readable line.

The handler writes its logs (Powertools Logger) and metrics (EMF) to standard output, as in
Lambda. Locally they would bury the view, so ``LogTap`` stands in for ``sys.stdout`` before the
handlers are imported and keeps what one invocation writes, in the invoking thread, for the dev
server to summarize or pass on. Everything printed from a request is made printable first: a
path or a submitted subject cannot move the cursor, recolour or clear the terminal.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

LOG_FORMATS = ("pretty", "json")
_MAX_PATH = 120


class LogTap(io.TextIOBase):
    """A ``sys.stdout`` whose writes, inside ``capture()``, go to a list for the calling thread
    only; every other write goes on to ``target``."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self.target = target
        self._local = threading.local()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        buffer: list[str] | None = getattr(self._local, "buffer", None)
        if buffer is None:
            return self.target.write(text)
        buffer.append(text)
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        """Collect this thread's writes; the list holds whole lines once the block ends."""
        lines: list[str] = []
        self._local.buffer = []
        try:
            yield lines
        finally:
            text = "".join(self._local.buffer)
            self._local.buffer = None
            lines.extend(line for line in text.splitlines() if line.strip())


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without any control, format or separator character, as ``sesbox.terminal_safe``
    does for the mail printout (and a little wider).

    ``str.isprintable`` is False for C0/C1 controls (ESC included), bidi overrides and other
    format characters, and line or paragraph separators: none of them reaches the terminal.
    """
    return "".join(char for char in text if char.isprintable() or (keep_newlines and char == "\n"))


def outcome_from_logs(lines: list[str]) -> dict[str, object]:
    """The handler's outcome record (``result``, ``status``, ``reason``, ``submission_id``)
    among its JSON log lines, or an empty dict."""
    for line in reversed(lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        # EMF lines may carry a "result" dimension too; the log record is the one without _aws.
        if isinstance(record, dict) and "result" in record and "_aws" not in record:
            return record
    return {}


def request_line(
    method: str,
    path: str,
    status: int,
    elapsed_ms: float,
    outcome: dict[str, object] | None = None,
    *,
    clock: float | None = None,
) -> str:
    """``12:03:04  POST /submit  303  sent  id 9f1c…  12 ms``: no query string, no body."""
    when = time.strftime("%H:%M:%S", time.localtime(clock))
    shown_path = printable(path.split("?")[0])
    if len(shown_path) > _MAX_PATH:
        shown_path = shown_path[: _MAX_PATH - 1] + "…"
    parts = [when, f"{printable(method)} {shown_path}", str(status)]
    outcome = outcome or {}
    result = outcome.get("result")
    if result:
        reason = outcome.get("reason")
        parts.append(printable(f"{result} {reason}" if reason else str(result)))
    submission_id = outcome.get("submission_id")
    if submission_id:
        parts.append(f"id {printable(str(submission_id))}")
    parts.append(f"{elapsed_ms:.0f} ms")
    return "  ".join(parts)
