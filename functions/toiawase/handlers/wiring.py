"""Building the adapters a function is configured for, once per container.

Optional features are loaded only when configured: without ``SUBMISSIONS_TABLE`` no DynamoDB
client (or model) is ever created, without ``IDEMPOTENCY_TABLE`` Powertools Idempotency is
never imported.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from toiawase.adapters import aws
from toiawase.adapters.ses import SesSender
from toiawase.core.notify.ports import DeliveryQueue
from toiawase.core.ports import (
    Alerts,
    CaptchaVerifier,
    RateLimiter,
    RetryQueue,
    Sender,
    SubmissionStore,
)
from toiawase.core.service import Dependencies

if TYPE_CHECKING:
    from toiawase.adapters.idempotency import PowertoolsDeduplicator

SUBMISSIONS_TABLE = "SUBMISSIONS_TABLE"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
RETRY_QUEUE_URL = "RETRY_QUEUE_URL"
DELIVERY_QUEUE_URL = "DELIVERY_QUEUE_URL"
ALERT_TOPIC_ARN = "ALERT_TOPIC_ARN"
RETENTION_DAYS = "RETENTION_DAYS"
RATE_LIMIT_TABLE = "RATE_LIMIT_TABLE"
CAPTCHA_PROVIDER = "CAPTCHA_PROVIDER"
CAPTCHA_SECRET_PARAMETER = "CAPTCHA_SECRET_PARAMETER"  # noqa: S105 - a variable name
CAPTCHA_SECRET_ARN = "CAPTCHA_SECRET_ARN"  # noqa: S105 - a variable name
CAPTCHA_VERIFY_URL = "CAPTCHA_VERIFY_URL"
CAPTCHA_TIMEOUT_SECONDS = "CAPTCHA_TIMEOUT_SECONDS"


def new_submission_id() -> str:
    """128 random bits, hex: unguessable, URL- and log-safe."""
    return secrets.token_hex(16)


@cache
def _store(table: str, retention_days: int) -> SubmissionStore:
    from toiawase.adapters.dynamo_store import DynamoStore

    return DynamoStore(aws.client("dynamodb"), table, retention_days)


@cache
def _queue(url: str) -> RetryQueue:
    from toiawase.adapters.sqs_queue import SqsQueue

    return SqsQueue(aws.client("sqs"), url)


@cache
def _deliveries(url: str) -> DeliveryQueue:
    from toiawase.adapters.delivery_store import SqsDeliveryQueue

    return SqsDeliveryQueue(aws.client("sqs"), url)


@cache
def _dedupe(table: str) -> PowertoolsDeduplicator:
    from toiawase.adapters.idempotency import PowertoolsDeduplicator

    return PowertoolsDeduplicator(aws.client("dynamodb"), table)


@cache
def _alerts(topic: str) -> Alerts:
    from toiawase.adapters.alerts import SnsAlerts

    return SnsAlerts(aws.client("sns"), topic)


@cache
def _limiter(table: str) -> RateLimiter:
    from toiawase.adapters.ratelimit import DynamoRateLimiter

    return DynamoRateLimiter(aws.client("dynamodb"), table)


@cache
def _captcha(
    provider: str, parameter: str, secret_arn: str, url: str, timeout: float
) -> CaptchaVerifier:
    from toiawase.adapters.captcha import HttpCaptchaVerifier, secret_from_parameters

    return HttpCaptchaVerifier(
        provider,
        secret_from_parameters(parameter or None, secret_arn or None),
        url or None,
        timeout,
    )


def limiter(env: Mapping[str, str]) -> RateLimiter | None:
    table = env.get(RATE_LIMIT_TABLE, "").strip()
    return _limiter(table) if table else None


def captcha(env: Mapping[str, str]) -> CaptchaVerifier | None:
    provider = env.get(CAPTCHA_PROVIDER, "").strip().lower()
    if not provider:
        return None
    return _captcha(
        provider,
        env.get(CAPTCHA_SECRET_PARAMETER, "").strip(),
        env.get(CAPTCHA_SECRET_ARN, "").strip(),
        env.get(CAPTCHA_VERIFY_URL, "").strip(),
        float(env.get(CAPTCHA_TIMEOUT_SECONDS, "") or "3"),
    )


def store(env: Mapping[str, str]) -> SubmissionStore | None:
    table = env.get(SUBMISSIONS_TABLE, "").strip()
    days = int(env.get(RETENTION_DAYS, "30") or "30")
    return _store(table, days) if table else None


def queue(env: Mapping[str, str]) -> RetryQueue | None:
    url = env.get(RETRY_QUEUE_URL, "").strip()
    return _queue(url) if url else None


def deliveries(env: Mapping[str, str]) -> DeliveryQueue | None:
    """The notify targets' queue (``DELIVERY_QUEUE_URL``); None when not configured."""
    url = env.get(DELIVERY_QUEUE_URL, "").strip()
    return _deliveries(url) if url else None


def dedupe(env: Mapping[str, str]) -> PowertoolsDeduplicator | None:
    table = env.get(IDEMPOTENCY_TABLE, "").strip()
    return _dedupe(table) if table else None


def alerts(env: Mapping[str, str]) -> Alerts | None:
    topic = env.get(ALERT_TOPIC_ARN, "").strip()
    return _alerts(topic) if topic else None


def alert_owner(env: Mapping[str, str], subject: str, message: str) -> None:
    """Tell the owner, when an alert topic is configured (no submitter data in ``message``)."""
    channel = alerts(env)
    if channel is not None:
        channel.alert(subject, message)


def dependencies(env: Mapping[str, str], sender: Sender) -> Dependencies:
    return Dependencies(
        sender=sender,
        new_id=new_submission_id,
        store=store(env),
        queue=queue(env),
        dedupe=dedupe(env),
        limiter=limiter(env),
        captcha=captcha(env),
        deliveries=deliveries(env),
        imitate_send=getattr(sender, "imitate_send", None),
    )


def ses_sender() -> SesSender:
    return SesSender(aws.client("sesv2"))
