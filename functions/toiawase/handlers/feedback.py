"""The feedback function: SES events (via SNS) update each submission's status.

Delivery → ``delivered``; a permanent Bounce → ``bounced``; Complaint → ``complained``;
Reject → ``rejected``; DeliveryDelay and soft bounces are only logged. Events about a receipt
(tag ``kind=receipt``) leave the submission alone; a hard bounce or complaint of one records
``bounced#<hmac of the address>`` in the counters table, so that address gets no more receipts.
A bounce or complaint
from one of the owner's own inboxes means that inbox is broken, so the owner is alerted.
Bounces go to the owner (``FEEDBACK_ADDRESS``), never to the submitter: the submitter is never
an envelope sender or a recipient.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from toiawase.core.config import load_settings
from toiawase.core.feedback import (
    FeedbackError,
    owner_inboxes_hit,
    parse_ses_event,
    receipt_addresses_to_block,
    statuses_it_may_replace,
)
from toiawase.core.notify.receipt import address_key
from toiawase.handlers import notify_wiring, wiring
from toiawase.handlers.tracing import capture_lambda_handler

if TYPE_CHECKING:
    # Type hints only: the module costs ~3 ms of a cold start, and Powertools does not need it.
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE = "toiawase"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "toiawase")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def handle_message(message: str) -> str:
    """Apply one SES event; returns what was done (for logs and tests)."""
    try:
        event = parse_ses_event(message)
    except FeedbackError as exc:
        metrics.add_metric(name="SesEventIgnored", unit=MetricUnit.Count, value=1)
        logger.warning("not an SES event", extra={"problem": str(exc)})
        return "ignored"
    metrics.add_metric(name=f"Ses{event.event_type}", unit=MetricUnit.Count, value=1)
    fields: dict[str, Any] = {"event_type": event.event_type, "detail": event.detail}
    if event.submission_id:
        fields["submission_id"] = event.submission_id
    settings = load_settings(os.environ)
    broken = owner_inboxes_hit(event, settings.recipient_addresses)
    if broken:
        metrics.add_metric(name="OwnerInboxProblem", unit=MetricUnit.Count, value=1)
        logger.error("an owner inbox bounced or complained", extra=fields)
        wiring.alert_owner(
            os.environ,
            "toiawase: your inbox is not receiving form mail",
            f"SES reported a {event.event_type.lower()} ({event.detail or 'no detail'}) from "
            f"{', '.join(broken)}, one of your RECIPIENT_ADDRESSES. Form submissions to it "
            "are not arriving; check the mailbox (full? deleted? filtering?).",
        )
    blocked = receipt_addresses_to_block(event)
    if blocked:
        ledger = notify_wiring.receipt_ledger(os.environ)
        if ledger is None:
            logger.warning("a receipt bounced but RATE_LIMIT_TABLE is not set", extra=fields)
        else:
            key = notify_wiring.address_hash_key(os.environ)
            for address in blocked:  # raises LedgerUnavailable: SNS retries the event
                ledger.record_bounce(address_key(address, key))
            metrics.add_metric(name="ReceiptBlocked", unit=MetricUnit.Count, value=len(blocked))
            logger.info("receipt address blocked", extra={**fields, "kind": event.kind})
            return "receipt_blocked"
    store = wiring.store(os.environ)
    if event.new_status is None or event.submission_id is None or store is None:
        logger.info("SES event noted", extra=fields)
        return "noted"
    changed = store.mark(
        event.submission_id,
        event.new_status,
        datetime.now(tz=UTC),
        reason=event.detail or None,
        only_from=statuses_it_may_replace(event.new_status),
    )
    logger.info("SES event applied" if changed else "SES event was older news", extra=fields)
    return event.new_status if changed else "unchanged"


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
@capture_lambda_handler(SERVICE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """SNS subscription entry point."""
    done = [handle_message(r["Sns"]["Message"]) for r in event.get("Records", [])]
    return {"results": done}
