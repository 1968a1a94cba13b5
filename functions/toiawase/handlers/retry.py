"""The retry function: drains the SQS retry queue and sends held submissions again.

Powertools batch processing reports partial batch failures, so one throttled message does not
make the others repeat. A transient failure leaves the message on the queue with an
exponentially growing visibility timeout (the backoff); after ``maxReceiveCount`` receives SQS
moves it to the dead-letter queue, where an alarm and ``toiawase redrive`` take over. The
function's reserved concurrency (template.yaml) keeps a burst under the account's send rate.
"""

from __future__ import annotations

import functools
import json
import os
import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from toiawase.adapters import aws
from toiawase.adapters.ses import SesSender
from toiawase.core import retry
from toiawase.core.forms.model import Form
from toiawase.core.forms.resolve import settings_for_form
from toiawase.core.uploads import load_upload_settings
from toiawase.handlers import notify_wiring, wiring
from toiawase.handlers.tracing import capture_lambda_handler

if TYPE_CHECKING:
    # Type hints only: the module costs ~3 ms of a cold start, and Powertools does not need it.
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE = "toiawase"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "toiawase")
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
processor = BatchProcessor(event_type=EventType.SQS)
sender = SesSender(aws.client("sesv2"))
# One per invocation (reset in lambda_handler): after a throttle, the rest of the batch waits.
_gate = retry.BatchGate()
# Jitter only: not a secret, and a per-container seed is fine (SnapStart: re-seeded on restore).
_jitter = random.Random()  # noqa: S311


def backoff_seconds(receive_count: int) -> int:
    """Jittered exponential backoff (``core.retry.backoff_seconds``)."""
    return retry.backoff_seconds(receive_count, _jitter.random)


def record_handler(record: SQSRecord) -> None:
    """Send one queued submission; raise to leave it on the queue for a later attempt."""
    submission_id = str(json.loads(record.body)["id"])
    store = wiring.store(os.environ)
    if store is None:
        raise RuntimeError("SUBMISSIONS_TABLE is not set: the retry function needs the table")
    fields: dict[str, Any] = {"submission_id": submission_id}
    try:
        result = retry.resend(
            submission_id,
            functools.partial(settings_for_form, os.environ),
            store,
            sender,
            datetime.now(tz=UTC),
            _gate,
            tombstones=wiring.tombstones(os.environ),
            files=wiring.files(os.environ),
            files_settings=load_upload_settings(os.environ),
            form_for=_form_for,
            deliveries=wiring.deliveries(os.environ),
        )
    except retry.RetryLater as exc:
        receives = int(record.attributes.approximate_receive_count or 1)
        _delay(record.receipt_handle, backoff_seconds(receives))
        metrics.add_metric(name="RetryDeferred", unit=MetricUnit.Count, value=1)
        logger.warning("retry deferred", extra={**fields, "reason": exc.code, "receives": receives})
        raise
    fields.update(result=result.result, reason=result.reason)
    for note in result.notes:
        metrics.add_metric(name=note, unit=MetricUnit.Count, value=1)
    if result.result == "sent":
        metrics.add_metric(name="RetrySent", unit=MetricUnit.Count, value=1)
        logger.info("queued submission sent", extra=fields)
    elif result.result == "failed":
        metrics.add_metric(name="SubmissionHeld", unit=MetricUnit.Count, value=1)
        logger.error("queued submission refused by SES; fix, then redrive", extra=fields)
        wiring.alert_owner(
            os.environ,
            "toiawase: a submission could not be sent",
            f"SES refused submission {submission_id} ({result.reason}). It is kept; fix the "
            "cause (see `toiawase doctor`), then run `toiawase redrive`.",
        )
    else:
        logger.info("queued submission skipped", extra=fields)


def _form_for(form_id: str) -> Form | None:
    """The form whose deliveries a released submission plans (notify targets, receipt)."""
    return notify_wiring.form_for(os.environ, settings_for_form(os.environ, form_id), form_id)


def _delay(receipt_handle: str, seconds: int) -> None:
    url = os.environ.get(wiring.RETRY_QUEUE_URL, "")
    if not url:
        return
    try:
        aws.client("sqs").change_message_visibility(
            QueueUrl=url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
    except Exception:
        logger.warning("could not extend the visibility timeout")


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
@capture_lambda_handler(SERVICE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """SQS event source entry point (``ReportBatchItemFailures``)."""
    global _gate
    _gate = retry.BatchGate()
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
