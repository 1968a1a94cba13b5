"""Invoking the real Lambda entries locally, with embedded (moto) or real AWS services."""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toiawase.local.drain import drain_once
from toiawase.local.events import LocalContext
from toiawase.local.sesbox import (
    LOCAL_PORT,
    CapturedMail,
    Mailbox,
    apply_local_env,
    start_embedded_ses,
)
from toiawase.local.stack import LocalStack, create_local_stack
from toiawase.local.terminal import LogTap

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class Invocation:
    """One API invocation: the Lambda result, the messages SES accepted meanwhile, and what the
    handler wrote to standard output (JSON logs, EMF metrics) when a ``LogTap`` caught it."""

    result: dict[str, Any]
    mails: list[CapturedMail]
    logs: list[str]


@dataclass
class LocalRunner:
    """The API, retry and delivery handlers, loaded once, and what SES accepted (``ses`` is
    None with real SES)."""

    handler: Handler
    ses: Mailbox | None
    retry_handler: Handler | None = None
    deliver_handler: Handler | None = None
    stack: LocalStack | None = None
    tap: LogTap | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: int = 0

    def _new_mail(self) -> list[CapturedMail]:
        if self.ses is None:
            return []
        messages = self.ses.messages()
        new, self._seen = messages[self._seen :], len(messages)
        return new

    def invoke(self, event: dict[str, Any]) -> tuple[dict[str, Any], list[CapturedMail]]:
        """Run one API event; return the result and the messages SES accepted meanwhile."""
        done = self.invoke_logged(event)
        return done.result, done.mails

    def invoke_logged(self, event: dict[str, Any]) -> Invocation:
        """Run one API event, keeping what the handler writes to stdout when tapped."""
        with self.lock:  # one invocation at a time, like one Lambda container
            context = LocalContext(event.get("requestContext", {}).get("requestId"))
            if self.tap is None:
                return Invocation(self.handler(event, context), self._new_mail(), [])
            with self.tap.capture() as logs:
                result = self.handler(event, context)
            return Invocation(result, self._new_mail(), logs)

    def drain(self) -> list[CapturedMail]:
        """Run the retry function over what is waiting on the retry queue, then the delivery
        function over the delivery queue (in-process, as their event source mappings would)."""
        return self.drain_logged()[0]

    def drain_logged(self) -> tuple[list[CapturedMail], list[str]]:
        """``drain``, also returning what the functions wrote to stdout when tapped."""
        if self.stack is None or self.retry_handler is None:
            return [], []
        if self.tap is None:
            with self.lock:
                self._drain_queues()
                return self._new_mail(), []
        with self.lock, self.tap.capture() as logs:
            self._drain_queues()
            return self._new_mail(), logs

    def _drain_queues(self) -> None:
        import boto3

        assert self.stack is not None and self.retry_handler is not None
        sqs = boto3.client("sqs")
        while drain_once(sqs, self.stack.queue_url, self.retry_handler)[0]:
            pass
        # A delivery that failed transiently is hidden by its backoff, so this loop ends.
        if self.deliver_handler is not None and self.stack.delivery_queue_url:
            while drain_once(sqs, self.stack.delivery_queue_url, self.deliver_handler)[0]:
                pass


def start_runner(
    *, real_ses: bool = False, port: int = LOCAL_PORT, tap_logs: bool = False
) -> LocalRunner:
    """Set the local defaults (for a dev server on ``port``); with embedded services start moto
    (SES, DynamoDB, SQS, SNS) and create the stack's tables and queues; then import the
    handlers.

    ``tap_logs`` puts a ``LogTap`` in ``sys.stdout`` before the import, where the handlers'
    loggers bind their stream, so each invocation's JSON logs and EMF lines are kept apart.
    """
    tap = None
    if tap_logs:
        tap = sys.stdout if isinstance(sys.stdout, LogTap) else LogTap(sys.stdout)
        sys.stdout = tap
    apply_local_env(embedded_ses=not real_ses, port=port)
    ses = None if real_ses else start_embedded_ses()
    stack = None if real_ses else create_local_stack()
    if stack is not None:
        os.environ.update(stack.env())
        # Files: moto in server mode, so the browser can upload to it (toiawase.local.s3box).
        from toiawase.local.s3box import start_embedded_s3

        start_embedded_s3()
    api = importlib.import_module("toiawase.handlers.submit")
    retry = importlib.import_module("toiawase.handlers.retry") if stack else None
    deliver = importlib.import_module("toiawase.handlers.deliver") if stack else None
    return LocalRunner(
        handler=api.lambda_handler,
        retry_handler=retry.lambda_handler if retry else None,
        deliver_handler=deliver.lambda_handler if deliver else None,
        ses=ses,
        stack=stack,
        tap=tap,
    )


def describe_result(result: dict[str, Any]) -> str:
    """The Lambda result, pretty-printed, with a JSON body shown as JSON."""
    shown = dict(result)
    body = shown.get("body")
    if isinstance(body, str) and shown.get("headers", {}).get("Content-Type", "").startswith(
        "application/json"
    ):
        shown["body"] = json.loads(body)
    return json.dumps(shown, ensure_ascii=False, indent=2)
