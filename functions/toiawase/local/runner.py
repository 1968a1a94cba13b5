"""Invoking the real Lambda entry locally, with embedded or real SES."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toiawase.local.events import LocalContext
from toiawase.local.sesbox import (
    LOCAL_PORT,
    CapturedMail,
    Mailbox,
    apply_local_env,
    start_embedded_ses,
)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class LocalRunner:
    """The submit handler, loaded once, and what SES accepted (``ses`` is None with real SES)."""

    handler: Handler
    ses: Mailbox | None
    _seen: int = field(default=0)

    def invoke(self, event: dict[str, Any]) -> tuple[dict[str, Any], list[CapturedMail]]:
        """Run one event; return the Lambda result and the messages it caused SES to accept."""
        result = self.handler(event, LocalContext(event.get("requestContext", {}).get("requestId")))
        new: list[CapturedMail] = []
        if self.ses is not None:
            messages = self.ses.messages()
            new, self._seen = messages[self._seen :], len(messages)
        return result, new


def start_runner(*, real_ses: bool = False, port: int = LOCAL_PORT) -> LocalRunner:
    """Set the local defaults (for a dev server on ``port``), start embedded SES unless
    ``real_ses``, then import the handler."""
    apply_local_env(embedded_ses=not real_ses, port=port)
    ses = None if real_ses else start_embedded_ses()
    module = importlib.import_module("toiawase.handlers.submit")
    return LocalRunner(handler=module.lambda_handler, ses=ses)


def describe_result(result: dict[str, Any]) -> str:
    """The Lambda result, pretty-printed, with a JSON body shown as JSON."""
    shown = dict(result)
    body = shown.get("body")
    if isinstance(body, str) and shown.get("headers", {}).get("Content-Type", "").startswith(
        "application/json"
    ):
        shown["body"] = json.loads(body)
    return json.dumps(shown, ensure_ascii=False, indent=2)
