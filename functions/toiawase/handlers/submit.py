"""The API function: ``POST /submit`` and ``GET /submissions/{id}`` of the HTTP API.

Thin on purpose: it turns the event into a request, hands it to ``toiawase.core.service`` with the
SES adapter, answers, and logs and counts the outcome. No API Gateway resolver: Powertools'
``APIGatewayHttpResolver`` costs ~45 ms of imports at cold start for one route (see
``make bench``); the core's ``handle`` routes the few paths there are.

One SES client per container, created at module scope and reused by every invocation.
"""

from __future__ import annotations

import gc
import os
import traceback
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from toiawase.adapters import aws
from toiawase.adapters.ses import SesSender
from toiawase.core import answers
from toiawase.core.errors import InputError
from toiawase.core.http import HEADER_LIMITS
from toiawase.core.i18n import Translator, choose_language, t, translator
from toiawase.core.service import Outcome, handle, prepare
from toiawase.handlers import snapstart, wiring
from toiawase.handlers.http_event import request_from_event, result_from_response
from toiawase.handlers.tracing import capture_lambda_handler

if TYPE_CHECKING:
    # Type hints only: the module costs ~3 ms of a cold start, and Powertools does not need it.
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE = "toiawase"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "toiawase")

# The request's AWS calls end this long before Lambda's timeout (adapters.aws.request_deadline),
# leaving time to answer, log and flush the metrics.
ANSWER_MARGIN_SECONDS = 2.0

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

# Created at import: every invocation of this container reuses it. Short timeouts and a
# bounded retry (adapters.aws.REQUEST_PATH_CONFIG): the browser is waiting.
ses_client = aws.client("sesv2")
sender = SesSender(ses_client)
# With SnapStart on, build the configured adapters before the snapshot (see handlers.snapstart).
snapstart.register(lambda: wiring.prime(os.environ, sender))


def _in_lambda() -> bool:
    return os.environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Lambda_")


# In Lambda, the success path's adapters and clients are built now, in INIT, where Lambda gives
# a full vCPU (``wiring.ready`` says why), and the configuration every request reads is read
# (``core.service.prepare``). Not in a test run or ``make dev``: they import this module before
# setting the environment they run it with.
if _in_lambda():
    wiring.ready(os.environ, sender)
    prepare(os.environ)


def _record(outcome: Outcome) -> None:
    """Log and count an outcome: ids, codes and statuses only, never submitted content."""
    status = outcome.response.status
    fields: dict[str, Any] = {"result": outcome.result, "status": status}
    if outcome.reason:
        fields["reason"] = outcome.reason
    if outcome.submission_id:
        fields["submission_id"] = outcome.submission_id
    if outcome.form_id:
        fields["form"] = outcome.form_id
        _count_for_form(outcome.form_id, outcome.result)
    if outcome.detail:
        fields["detail"] = outcome.detail  # what is wrong with the configuration
    for note in outcome.notes:
        name = {"Accepted": "SubmissionAccepted"}.get(note, note)
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    result = outcome.result
    if result == "sent":
        metrics.add_metric(name="SubmissionSent", unit=MetricUnit.Count, value=1)
        logger.info("submission sent", extra=fields)
    elif result == "queued":
        metrics.add_metric(name="SubmissionQueued", unit=MetricUnit.Count, value=1)
        logger.warning("submission queued for a retry", extra=fields)
    elif result == "held":
        _count_with_reason("SubmissionHeld", outcome.reason)
        logger.error("submission held: SES refused it; fix, then redrive", extra=fields)
    elif result == "scanning":
        metrics.add_metric(name="SubmissionScanning", unit=MetricUnit.Count, value=1)
        logger.info("submission kept until its files are scanned", extra=fields)
    elif result == "uploads_issued":
        metrics.add_metric(name="UploadsIssued", unit=MetricUnit.Count, value=1)
        logger.info("presigned uploads issued", extra=fields)
    elif result == "spam":
        metrics.add_metric(name="SubmissionSpam", unit=MetricUnit.Count, value=1)
        logger.info("submission screened as spam", extra=fields)
    elif result == "send_failed":
        _count_with_reason("SendFailed", outcome.reason)
        logger.error("submission not sent and not held", extra=fields)
    elif result == "rejected":
        _count_with_reason("SubmissionRejected", outcome.reason)
        logger.info("submission rejected", extra=fields)
    elif result == "replayed":
        metrics.add_metric(name="SubmissionReplayed", unit=MetricUnit.Count, value=1)
        logger.info("repeated submission answered from the first one", extra=fields)
    elif result == "in_progress":
        metrics.add_metric(name="SubmissionInProgress", unit=MetricUnit.Count, value=1)
        logger.info("repeated submission while the first is in progress", extra=fields)
    elif result in ("misconfigured", "internal_error"):
        _count_with_reason("InternalError", outcome.reason)
        logger.error("request failed on our side", extra=fields)
    else:
        metrics.add_metric(name="OtherRequest", unit=MetricUnit.Count, value=1)
        logger.info("request answered", extra=fields)


def _count_for_form(form_id: str, result: str) -> None:
    """``FormRequests`` with dimensions ``form`` and ``result``: per-form traffic and outcomes.

    Bounded: ``form_id`` is an id from the forms file (the router resolved it), never text
    from the request, and ``result`` is one of the ``Outcome`` results.
    """
    with single_metric(
        name="FormRequests", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="form", value=form_id)
        metric.add_dimension(name="result", value=result)


def _count_with_reason(name: str, reason: str | None) -> None:
    """A total (``name``) and a per-reason count (``name`` + ``ByReason``, dimension ``reason``)."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    with single_metric(
        name=f"{name}ByReason", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="reason", value=reason or "unknown")


def _translator(event: dict[str, Any]) -> Translator:
    """For the answers given before the core has the request: the visitor's Accept-Language
    (capped like every header the endpoint reads), else English."""
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    value = headers.get("accept-language")
    readable = isinstance(value, str) and len(value) <= HEADER_LIMITS["accept-language"]
    return translator(choose_language(value if readable else None))


_frozen: list[bool] = []


def _freeze_once() -> None:
    """After a container's first request, move every object alive then (the modules, the
    clients and their service models, the forms, the catalogues) out of the garbage
    collector's reach with ``gc.freeze()``: they live as long as the container, and otherwise
    the first collection of generation 1 walks them all, a 10-25 ms pause in some early
    request (measured: ``make bench``'s p99 and docs/performance.md). Later garbage is
    collected as usual; ``gc.freeze`` itself costs nothing (it moves lists).

    In Lambda only (``AWS_EXECUTION_ENV``): a test run or ``make dev`` imports this module in
    a process full of other objects, which must stay collectable."""
    if not _frozen and _in_lambda():
        _frozen.append(True)
        gc.freeze()


def _time_for_calls(context: LambdaContext) -> float | None:
    """Seconds the request's AWS calls may take: what Lambda leaves, minus the answer's margin."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return max(float(remaining()) / 1000 - ANSWER_MARGIN_SECONDS, 0.0)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True, raise_on_empty_metrics=False)
@capture_lambda_handler(SERVICE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) entry point."""
    deps = wiring.dependencies(os.environ, sender)
    try:
        request = request_from_event(event)
    except InputError as exc:
        tr = _translator(event)
        outcome = Outcome(
            answers.error_json(exc.status, exc.code, exc.message, tr=tr), "rejected", exc.code
        )
    else:
        try:
            with aws.request_deadline(_time_for_calls(context)):
                outcome = handle(request, os.environ, deps)
        except Exception as exc:
            # Type and place only: an exception's message can quote submitted text.
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            logger.error(
                "internal error while handling a submission",
                extra={"error_type": type(exc).__name__, "at": f"{frame.filename}:{frame.lineno}"},
            )
            response = answers.error_json(
                500, "internal_error", t("error.internal"), tr=_translator(event)
            )
            outcome = Outcome(response, "internal_error", "internal_error")
    _record(outcome)
    _freeze_once()
    return result_from_response(outcome.response)
