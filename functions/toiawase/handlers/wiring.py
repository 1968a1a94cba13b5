"""Building the adapters a function is configured for, once per container.

Optional features are loaded only when configured: without ``SUBMISSIONS_TABLE``,
``IDEMPOTENCY_TABLE`` and ``RATE_LIMIT_TABLE`` no DynamoDB client (or model) is ever created.
The three tables are written together, in one transaction per submission
(``adapters.admission``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, cast

from toiawase.adapters import aws
from toiawase.adapters.ses import SesSender
from toiawase.core import privacy
from toiawase.core.ports import (
    Admission,
    Alerts,
    CaptchaVerifier,
    FileStore,
    RetryQueue,
    ScanWatch,
    Sender,
    SubmissionStore,
    Tombstones,
    UploadLedger,
)
from toiawase.core.privacy import ReplyHasher
from toiawase.core.service import Dependencies

if TYPE_CHECKING:
    # A type only: the notify package is imported when a form delivers (cold start).
    from toiawase.core.notify.ports import DeliveryQueue

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
FILES_BUCKET = "FILES_BUCKET"
S3_ENDPOINT_URL = "TOIAWASE_S3_ENDPOINT_URL"  # local development only (moto server)
REPLY_HASH_KEY = "REPLY_HASH_KEY"  # a Secrets Manager ARN in AWS; the key itself locally


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

    return SqsQueue(aws.lazy_client("sqs"), url)  # only a failed send uses it


@cache
def _deliveries(url: str) -> DeliveryQueue:
    from toiawase.adapters.delivery_store import SqsDeliveryQueue

    return SqsDeliveryQueue(aws.lazy_client("sqs"), url)  # only forms with notify targets


@cache
def _admission(rate: str, claims: str, submissions: str, retention_days: int) -> Admission:
    from toiawase.adapters.admission import DynamoAdmission

    return DynamoAdmission(
        aws.client("dynamodb"),
        rate_table=rate,
        claim_table=claims,
        submissions_table=submissions,
        retention_days=retention_days,
    )


@cache
def _alerts(topic: str) -> Alerts:
    from toiawase.adapters.alerts import SnsAlerts

    return SnsAlerts(aws.client("sns"), topic)


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


def admission(env: Mapping[str, str]) -> Admission | None:
    """Rate limits, idempotency and the stored row, in one write, for the tables configured."""
    tables = [env.get(name, "").strip() for name in (RATE_LIMIT_TABLE, IDEMPOTENCY_TABLE)]
    submissions = env.get(SUBMISSIONS_TABLE, "").strip()
    if not any(tables):
        return None
    days = int(env.get(RETENTION_DAYS, "30") or "30")
    return _admission(tables[0], tables[1], submissions, days)


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


def tombstones(env: Mapping[str, str]) -> Tombstones | None:
    """The erasures ``toiawase forget`` recorded: in the submissions table (the same adapter)."""
    found = store(env)
    return cast("Tombstones", found) if found is not None else None


def scan_watch(env: Mapping[str, str]) -> ScanWatch:
    """The submissions waiting for their malware scan (the submissions table's sparse index)."""
    found = store(env)
    if found is None:
        raise RuntimeError("SUBMISSIONS_TABLE must be set for the scan timeout")
    return cast("ScanWatch", found)


def reply_hasher(env: Mapping[str, str]) -> ReplyHasher | None:
    """The keyed hash of reply-to addresses (core/privacy.py), or None when no key is set.

    ``REPLY_HASH_KEY`` is, in AWS, the ARN of the secret the template generates, read on the
    first stored submission of a container and then kept: one ``GetSecretValue`` per container,
    before that submission's admission (so its first request makes four sequential calls;
    tests/integration/test_aws_calls.py pins it), none on a request that stores nothing. Not at
    INIT: a container serving only status reads or preflights would pay for the call, and a
    Secrets Manager outage would fail INIT, hence every request, rather than first submissions
    (only the client is made at INIT: ``ready``). In ``make dev`` and the tests it is the key
    itself.
    """
    value = env.get(REPLY_HASH_KEY, "").strip()
    return _hasher(value) if value else None


@cache
def _hasher(value: str) -> ReplyHasher:
    return privacy.hasher(lambda: secret_or_literal(value).encode("utf-8"))


def secret_or_literal(value: str) -> str:
    """A Secrets Manager ARN's secret string, or ``value`` itself when it is not an ARN."""
    if value.startswith("arn:") and ":secretsmanager:" in value:
        # The shared botocore session and the request path's configuration and deadline
        # (adapters/aws.py), not Powertools Parameters: that imports boto3 (~100 ms at the
        # first stored submission, measured by make bench) and uses botocore's default 60 s
        # timeouts. Cached by the caller (``_hasher``) for the container's life.
        answer = aws.client("secretsmanager").get_secret_value(SecretId=value)
        return str(answer["SecretString"])
    return value


def queue(env: Mapping[str, str]) -> RetryQueue | None:
    url = env.get(RETRY_QUEUE_URL, "").strip()
    return _queue(url) if url else None


@cache
def _lazy_deliveries(url: str) -> DeliveryQueue:
    # Its module brings the notify code (~10-20 ms), which only forms with notify targets or a
    # receipt use; ``core.submit`` does not touch the queue otherwise.
    return cast("DeliveryQueue", aws.Lazy(lambda: _deliveries(url)))


def deliveries(env: Mapping[str, str]) -> DeliveryQueue | None:
    """The notify targets' queue (``DELIVERY_QUEUE_URL``); None when not configured."""
    url = env.get(DELIVERY_QUEUE_URL, "").strip()
    return _lazy_deliveries(url) if url else None


def alerts(env: Mapping[str, str]) -> Alerts | None:
    topic = env.get(ALERT_TOPIC_ARN, "").strip()
    return _alerts(topic) if topic else None


def alert_owner(env: Mapping[str, str], subject: str, message: str) -> None:
    """Tell the owner, when an alert topic is configured (no submitter data in ``message``)."""
    channel = alerts(env)
    if channel is not None:
        channel.alert(subject, message)


@cache
def _files(bucket: str, endpoint: str) -> FileStore:
    from toiawase.adapters.s3_files import S3FileStore

    client = aws.s3_client(endpoint or None)
    return S3FileStore(client, bucket)


@cache
def _uploads(table: str) -> UploadLedger:
    from toiawase.adapters.s3_files import DynamoUploadLedger

    return DynamoUploadLedger(aws.client("dynamodb"), table)


@cache
def _lazy_files(bucket: str, endpoint: str) -> FileStore:
    # A form without file fields (and every request of a container that never sees one)
    # never loads S3's model.
    return cast("FileStore", aws.Lazy(lambda: _files(bucket, endpoint)))


def files(env: Mapping[str, str]) -> FileStore | None:
    """The private file bucket, when ``FILES_BUCKET`` is set (S3 is loaded on first use)."""
    bucket = env.get(FILES_BUCKET, "").strip()
    return _lazy_files(bucket, env.get(S3_ENDPOINT_URL, "").strip()) if bucket else None


@cache
def _lazy_uploads(table: str) -> UploadLedger:
    # Only the direct-upload routes and forms with file fields touch it.
    return cast("UploadLedger", aws.Lazy(lambda: _uploads(table)))


def uploads(env: Mapping[str, str]) -> UploadLedger | None:
    """The upload ledger: items of the submissions table, when there is a bucket too."""
    table = env.get(SUBMISSIONS_TABLE, "").strip()
    return _lazy_uploads(table) if table and env.get(FILES_BUCKET, "").strip() else None


def ready(env: Mapping[str, str], sender: Sender) -> Dependencies:
    """What a plain submission's success path uses, built during INIT: its adapters, the
    DynamoDB client they share and, when the reply-hash key is a secret, the Secrets Manager
    client (its model only: no call is made, the secret is read at the first stored submission).

    Why at INIT: Lambda runs an on-demand INIT on a full vCPU, and an invocation on the share of
    one its memory buys (256/1769 of a vCPU at the template's 256 MB), so the same CPU work,
    mostly loading two service models, is about seven times shorter here than in a container's
    first request, where the visitor waits for it (``make bench``'s "modelled in Lambda" row).
    It is AWS's advice for SDK clients too (create them outside the handler). What only some
    requests use stays lazy: SQS (a failed send), the notify code, S3.
    """
    deps = dependencies(env, sender)
    if env.get(REPLY_HASH_KEY, "").strip().startswith("arn:"):
        aws.client("secretsmanager")
    return deps


def prime(env: Mapping[str, str], sender: Sender) -> Dependencies:
    """Everything a request could need, built before a SnapStart snapshot: the adapters and
    every client they may create lazily (so their service models are in the snapshot)."""
    deps = ready(env, sender)  # with the Secrets Manager model: the secret is read after a restore
    if env.get(RETRY_QUEUE_URL, "").strip() or env.get(DELIVERY_QUEUE_URL, "").strip():
        aws.client("sqs")
    if env.get(DELIVERY_QUEUE_URL, "").strip():
        _deliveries(env[DELIVERY_QUEUE_URL].strip())
    bucket = env.get(FILES_BUCKET, "").strip()
    if bucket:
        _files(bucket, env.get(S3_ENDPOINT_URL, "").strip())  # S3's model and the adapter
        table = env.get(SUBMISSIONS_TABLE, "").strip()
        if table:
            _uploads(table)
    return deps


def dependencies(env: Mapping[str, str], sender: Sender) -> Dependencies:
    return Dependencies(
        sender=sender,
        new_id=new_submission_id,
        store=store(env),
        queue=queue(env),
        admission=admission(env),
        captcha=captcha(env),
        deliveries=deliveries(env),
        imitate_send=getattr(sender, "imitate_send", None),
        files=files(env),
        uploads=uploads(env),
        reply_hasher=reply_hasher(env),
    )


def ses_sender() -> SesSender:
    return SesSender(aws.client("sesv2"))
