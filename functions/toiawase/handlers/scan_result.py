"""The scan-result function: GuardDuty Malware Protection verdicts (via EventBridge) release or
stop a submission's files (``toiawase.core.scanning``). Deployed only with
``MalwareScanning=guardduty``.

Logs and alerts carry the submission id and the verdict, never a file name or content.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from toiawase.core.scanning import on_scan_result
from toiawase.handlers import wiring
from toiawase.handlers.tracing import capture_lambda_handler

SERVICE = "toiawase"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "toiawase")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def handle_event(event: dict[str, Any]) -> str:
    """Apply one "GuardDuty Malware Protection Object Scan Result" event; what was done."""
    detail = event.get("detail") or {}
    key = str((detail.get("s3ObjectDetails") or {}).get("objectKey") or "")
    status = str((detail.get("scanResultDetails") or {}).get("scanResultStatus") or "")
    store, files = wiring.store(os.environ), wiring.files(os.environ)
    if store is None or files is None:
        raise RuntimeError("SUBMISSIONS_TABLE and FILES_BUCKET must be set for scan results")
    outcome = on_scan_result(
        key, status, store, files, wiring.queue(os.environ), datetime.now(tz=UTC)
    )
    fields = {"result": outcome.result, "scan_status": status[:40]}
    if outcome.submission_id:
        fields["submission_id"] = outcome.submission_id
    metrics.add_metric(name=f"FileScan{outcome.result.title()}", unit=MetricUnit.Count, value=1)
    if outcome.result == "infected":
        logger.error("a submitted file is infected: not delivered", extra=fields)
        wiring.alert_owner(
            os.environ,
            "toiawase: a submission carried malware and was not delivered",
            f"GuardDuty found a threat in a file of submission {outcome.submission_id}. The "
            "submission was not delivered; its files stay in the bucket until RetentionDays "
            "ends. Nothing needs doing unless you expected this file.",
        )
    elif outcome.result == "unscannable":
        logger.error("a submitted file could not be scanned: held", extra=fields)
        wiring.alert_owner(
            os.environ,
            "toiawase: a submission's file could not be scanned",
            f"GuardDuty could not scan a file of submission {outcome.submission_id} "
            f"({status or 'no status'}). It is held, not delivered. To deliver it unscanned, "
            "run `toiawase redrive`.",
        )
    else:
        logger.info("file scan result applied", extra=fields)
    return outcome.result


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
@capture_lambda_handler(SERVICE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge rule target entry point."""
    return {"result": handle_event(event)}
