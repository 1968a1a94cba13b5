"""The scan-result function: GuardDuty Malware Protection verdicts (via EventBridge) release or
stop a submission's files (``toiawase.core.scanning``). With ``MalwareScanning=guardduty`` a
schedule (every 5 minutes) also invokes it to hold the submissions whose verdicts did not come
within ``SCAN_TIMEOUT_MINUTES`` (``expire_scans``).

Logs and alerts carry the submission id and the verdict, never a file name or content.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from toiawase.core.scanning import DEFAULT_SCAN_TIMEOUT_MINUTES, expire_scans, on_scan_result
from toiawase.handlers import wiring
from toiawase.handlers.tracing import capture_lambda_handler

if TYPE_CHECKING:
    # Type hints only: the module costs ~3 ms of a cold start, and Powertools does not need it.
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE = "toiawase"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "toiawase")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
SCAN_TIMEOUT_MINUTES = "SCAN_TIMEOUT_MINUTES"


def scan_timeout(env: Mapping[str, str]) -> timedelta:
    """``SCAN_TIMEOUT_MINUTES`` (default 60; at least 5, the sweep's own period)."""
    raw = str(env.get(SCAN_TIMEOUT_MINUTES, "")).strip()
    minutes = int(raw) if raw.isdigit() else DEFAULT_SCAN_TIMEOUT_MINUTES
    return timedelta(minutes=max(minutes, 5))


def sweep() -> str:
    """Hold the submissions still waiting for a verdict past the timeout; alert the owner."""
    store = wiring.store(os.environ)
    if store is None:
        raise RuntimeError("SUBMISSIONS_TABLE must be set for the scan timeout")
    timeout = scan_timeout(os.environ)
    held = expire_scans(wiring.scan_watch(os.environ), store, datetime.now(tz=UTC), timeout)
    metrics.add_metric(name="FileScanTimeout", unit=MetricUnit.Count, value=len(held))
    if not held:
        logger.info("scan timeout sweep: nothing overdue")
        return "none_overdue"
    logger.error("file scans timed out: submissions held", extra={"submission_ids": held[:50]})
    minutes = int(timeout.total_seconds() // 60)
    wiring.alert_owner(
        os.environ,
        "toiawase: a file scan never finished",
        f"GuardDuty gave no verdict within {minutes} minutes for the files of "
        f"{len(held)} submission(s): {', '.join(held[:50])}. They are held (failed, "
        "scan_timeout), not delivered. A verdict that still arrives is applied (clean: "
        "sent; malware: never delivered). To deliver them unscanned, run `toiawase redrive`.",
    )
    return "held"


def handle_event(event: dict[str, Any]) -> str:
    """Apply one "GuardDuty Malware Protection Object Scan Result" event, or run the timeout
    sweep for the schedule's "Scheduled Event"; what was done."""
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        return sweep()
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
