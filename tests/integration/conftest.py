"""Integration fixtures: moto's SES with the sender verified, and a record of SendEmail calls."""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ses.models import ses_backends

from toiawase.local.sesbox import MOTO_ACCOUNT_ID, serialise_moto_dynamodb


class SesRecord:
    """What the handler asked SES to do (API parameters) and what SES accepted (raw MIME)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._baseline = len(self._backend_messages())
        self._parsed: list[EmailMessage] = []

    @staticmethod
    def _backend_messages() -> list[Any]:
        return list(ses_backends[MOTO_ACCOUNT_ID]["us-east-1"].sent_messages)

    def record(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(dict(params))

    def accepted(self) -> list[EmailMessage]:
        fresh = self._backend_messages()[self._baseline + len(self._parsed) :]
        for message in fresh:  # parse each message once: bursts call this after every request
            parsed = message_from_bytes(message.raw_data.encode(), policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self._parsed.append(parsed)
        return list(self._parsed)


@pytest.fixture
def submit_module(contract_env) -> Iterator[Any]:
    """The Lambda entry named in template.yaml, with moto SES and a recorder on SendEmail."""
    with mock_aws():
        serialise_moto_dynamodb()  # moto's transactions are not isolated across threads
        boto3.client("ses", region_name="us-east-1").verify_domain_identity(Domain="example.com")
        module = importlib.import_module("toiawase.handlers.submit")
        yield module


@pytest.fixture
def logs(submit_module) -> Iterator[io.StringIO]:
    """Everything the function logs (Powertools Logger and EMF metrics), as text."""
    stream = io.StringIO()
    handler = submit_module.logger.registered_handler
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def ses(submit_module) -> Iterator[SesRecord]:
    record = SesRecord()
    events = submit_module.ses_client.meta.events
    events.register("provide-client-params.sesv2.SendEmail", record.record)
    yield record
    events.unregister("provide-client-params.sesv2.SendEmail", record.record)


class Durable:
    """The stateful stack in moto (tables, queues, topic) with the three handlers."""

    def __init__(self, stack: Any, ses: SesRecord, modules: dict[str, Any]) -> None:
        self.stack = stack
        self.ses = ses
        self.api = modules["submit"]
        self.retry = modules["retry"]
        self.feedback = modules["feedback"]
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.dynamodb = boto3.client("dynamodb", region_name="us-east-1")

    def item(self, submission_id: str) -> dict[str, Any] | None:
        response = self.dynamodb.get_item(
            TableName=self.stack.submissions_table, Key={"id": {"S": submission_id}}
        )
        item = response.get("Item")
        return {k: next(iter(v.values())) for k, v in item.items()} if item else None

    def queue_depth(self, url: str | None = None) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url or self.stack.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def drain(self, *, visibility_timeout: int | None = 0, rounds: int = 10_000) -> int:
        """Run the retry function until the queue has nothing visible; returns receives."""
        from toiawase.local.drain import drain_once

        total = 0
        for _ in range(rounds):
            received, _failed = drain_once(
                self.sqs,
                self.stack.queue_url,
                self.retry.lambda_handler,
                batch_size=10,
                visibility_timeout=visibility_timeout,
            )
            if not received:
                break
            total += received
        return total

    def redrive(self) -> Any:
        """``toiawase redrive`` against this stack; returns its report."""
        from toiawase.adapters.dynamo_store import DynamoStore
        from toiawase.adapters.sqs_queue import SqsQueue
        from toiawase.ops.redrive import redrive

        return redrive(
            DynamoStore(self.dynamodb, self.stack.submissions_table),
            SqsQueue(self.sqs, self.stack.queue_url),
            self.sqs,
            self.stack.queue_url,
            self.stack.dlq_url,
        )

    def sent_ids(self) -> list[str]:
        """Submission ids of every message SES accepted in this test, with repeats."""
        return [str(m["X-Toiawase-Submission-Id"]) for m in self.ses.accepted()]


@pytest.fixture
def durable(submit_module, ses, monkeypatch, request) -> Iterator[Durable]:
    """The stack's stateful resources in moto, configured in the environment."""
    from toiawase.local.stack import create_local_stack

    prefix = "t" + str(abs(hash(request.node.nodeid)))[:10]
    stack = create_local_stack(prefix, max_receive_count=getattr(request, "param", 8))
    for key, value in stack.env().items():
        monkeypatch.setenv(key, value)
    # Bursts from one test client would meet the (deliberately low) default limits; the
    # rate-limit tests set their own.
    monkeypatch.setenv("RATE_LIMITS", "client_minute=0,client_day=0,form_minute=0,form_day=0")
    modules = {
        name: importlib.import_module(f"toiawase.handlers.{name}")
        for name in ("submit", "retry", "feedback")
    }
    yield Durable(stack, ses, modules)
