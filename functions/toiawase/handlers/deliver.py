"""The delivery function: drains the delivery queue, one (submission, target) per message.

Powertools batch processing reports partial failures, so one failing target does not make the
others repeat. A transient failure leaves the message on the queue with a backoff (exponential,
full jitter, via the visibility timeout); after ``DELIVERY_MAX_ATTEMPTS`` receives SQS moves it
to the dead-letter queue, where an alarm and ``toiawase redrive --target`` take over. The owner's
email never waits for any of this: it was sent before the deliveries were queued.
"""

from __future__ import annotations

import os
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

from toiawase.core.config import load_settings
from toiawase.core.notify.delivery import (
    DeliverLater,
    backoff_seconds,
    decode_message,
    deliver,
)
from toiawase.handlers import notify_wiring
from toiawase.handlers.tracing import capture_lambda_handler

if TYPE_CHECKING:
    # Type hints only: the module costs ~3 ms of a cold start, and Powertools does not need it.
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE = "toiawase"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "toiawase")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
processor = BatchProcessor(event_type=EventType.SQS)


def refused(reason: str, where: str) -> None:
    """The SSRF policy refused a URL: counted, and logged without path or query."""
    metrics.add_metric(name="WebhookRefused", unit=MetricUnit.Count, value=1)
    logger.warning("webhook URL refused", extra={"reason": reason, "url": where})


def record_handler(record: SQSRecord) -> None:
    """Deliver one target; raise to leave the message on the queue for a later attempt."""
    message = decode_message(record.body)
    env = os.environ
    settings = load_settings(env)
    receives = int(record.attributes.approximate_receive_count or 1)
    fields: dict[str, Any] = {
        "submission_id": message.submission_id,
        "form": message.form_id,
        "target": message.target,
        "receives": receives,
    }
    deps = notify_wiring.delivery_deps(env, on_refused=refused)
    try:
        result = deliver(
            message,
            notify_wiring.form_for(env, settings, message.form_id),
            settings,
            deps,
            datetime.now(tz=UTC),
            final_attempt=receives >= notify_wiring.max_attempts(env),
        )
    except DeliverLater as exc:
        delay = backoff_seconds(receives)
        notify_wiring.delay(env, record.receipt_handle, delay)
        metrics.add_metric(name="DeliveryDeferred", unit=MetricUnit.Count, value=1)
        logger.warning("delivery deferred", extra={**fields, "reason": exc.code, "delay": delay})
        raise
    except Exception:
        # Our bug or an unexpected outage: logged (the batch processor would swallow it) and
        # left on the queue; the lease lets the next attempt claim the target again.
        metrics.add_metric(name="DeliveryError", unit=MetricUnit.Count, value=1)
        logger.exception("delivery raised", extra=fields)
        raise
    fields.update(result=result.result, reason=result.reason)
    metric = {"delivered": "Delivered", "failed": "DeliveryFailed"}.get(result.result)
    if metric:
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    if result.result == "failed":
        logger.error("delivery failed for good; fix, then redrive the target", extra=fields)
    else:
        logger.info("delivery " + result.result, extra=fields)


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
@capture_lambda_handler(SERVICE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """SQS event source entry point (``ReportBatchItemFailures``)."""
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
