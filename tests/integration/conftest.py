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

from toiawase.local.sesbox import MOTO_ACCOUNT_ID


class SesRecord:
    """What the handler asked SES to do (API parameters) and what SES accepted (raw MIME)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._baseline = len(self._backend_messages())

    @staticmethod
    def _backend_messages() -> list[Any]:
        return list(ses_backends[MOTO_ACCOUNT_ID]["us-east-1"].sent_messages)

    def record(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(dict(params))

    def accepted(self) -> list[EmailMessage]:
        out = []
        for message in self._backend_messages()[self._baseline :]:
            parsed = message_from_bytes(message.raw_data.encode(), policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            out.append(parsed)
        return out


@pytest.fixture
def submit_module(contract_env) -> Iterator[Any]:
    """The Lambda entry named in template.yaml, with moto SES and a recorder on SendEmail."""
    with mock_aws():
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
