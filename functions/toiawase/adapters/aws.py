"""One botocore client per service per container, created on first use and reused.

Created lazily so a function pays only for the services it is configured to use (a stateless
deployment never loads the DynamoDB or SQS models), and shared so no request creates one.
Plain botocore, not boto3: boto3 adds its resource layer and s3transfer to the cold start
(measured by ``make bench``) and nothing here uses them.

**Time.** Every client carries a deadline guard (``_guard``, on botocore's ``before-send``
event, so it runs before each HTTP attempt, retries included): while a handler has set a
deadline (``request_deadline``), an attempt that could not finish before it (connect + read
timeout) is not made, and the call raises ``OutOfTime`` at once. So however many calls a
request makes and however slow AWS is, its AWS calls end by the deadline, which the submit
handler sets a margin before Lambda's own timeout: a slow SES ends as an honest ``202 queued``
(or a 5xx when nothing could be kept), never as a Lambda timeout the browser sees as a 502.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0
# ``total_max_attempts`` counts the first attempt (botocore's ``max_attempts`` counts only the
# retries, in every retry mode: ``max_attempts: 3`` meant four attempts).
TOTAL_ATTEMPTS = 3

# The browser is waiting and API Gateway gives up at 30 s: short timeouts, few retries.
# ``parameter_validation`` off: the parameters are built by this package's adapters, never
# taken from a request, and each service validates them again; botocore's client-side copy of
# that check cost ~0.1 ms per call, ~0.3 ms per submission (docs/performance.md). A request
# the service refuses is a ``ClientError``, which every adapter already handles.
REQUEST_PATH_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT,
    read_timeout=READ_TIMEOUT,
    retries={"mode": "standard", "total_max_attempts": TOTAL_ATTEMPTS},
    parameter_validation=False,
)


class OutOfTime(BotoCoreError):
    """No attempt was made: it could not have finished before the invocation's deadline."""

    fmt = "No time left before the deadline for another attempt of {operation}"


_deadline: list[float | None] = [None]
# An SES attempt is made only if, after it, there is still time for the two calls that hold a
# submission whose send failed (its status, then the retry queue's message): a slow SES then
# ends as an honest 202 "queued", not as a send that used the time the fallback needed.
AFTER_SEND_RESERVE = 2 * (CONNECT_TIMEOUT + READ_TIMEOUT)


@contextmanager
def request_deadline(seconds: float | None) -> Iterator[None]:
    """AWS calls made inside this block end within ``seconds`` (``None``: no deadline).

    One invocation at a time per Lambda container, so one module-level deadline suffices.
    """
    _deadline[0] = None if seconds is None else time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline[0] = None


def _guard(client: Any, reserve: float = 0.0) -> Any:  # noqa: ANN401 - a botocore client
    """Register the deadline check on ``client``: before every HTTP attempt, the attempt's
    worst case plus ``reserve`` (time kept for the calls that must follow) must fit."""
    config = client.meta.config
    worst = float(config.connect_timeout) + float(config.read_timeout) + reserve

    def before_send(event_name: str = "", **_: object) -> None:
        deadline = _deadline[0]
        if deadline is not None and time.monotonic() + worst > deadline:
            raise OutOfTime(operation=event_name.rsplit(".", 1)[-1])

    client.meta.events.register_first("before-send", before_send)
    return client


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def client(service: str) -> Any:  # noqa: ANN401 - botocore clients are typed per service by stubs
    """The shared client for ``service`` (``sesv2``, ``dynamodb``, ``sqs``, ``sns``).

    The region is Lambda's ``AWS_REGION`` (botocore itself reads only ``AWS_DEFAULT_REGION``).
    """
    region = os.environ.get("AWS_REGION") or None
    made = _session().create_client(service, region_name=region, config=REQUEST_PATH_CONFIG)
    return _guard(made, AFTER_SEND_RESERVE if service == "sesv2" else 0.0)


class Lazy:
    """Stands for what ``build()`` returns, built at its first use (an attribute asked for).

    For clients and adapters that only some requests need: their service models and modules
    would otherwise be a cost of every cold start (measured: ``make bench``). ``build`` is
    expected to cache (``client`` does, and so do the wiring's builders).
    """

    def __init__(self, build: Callable[[], object]) -> None:
        self._build = build

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - the built object's attribute
        return getattr(self._build(), name)


def lazy_client(service: str) -> Any:  # noqa: ANN401 - a botocore client, in effect
    """The shared client for ``service``, created when first used rather than now.

    For adapters that a submission needs only off its success path (the retry and delivery
    queues: SQS): building a client loads the service's model, ~5-15 ms of a cold start for a
    call most containers never make (docs/performance.md).
    """
    return Lazy(lambda: client(service))


@cache
def s3_client(endpoint_url: str | None = None) -> Any:  # noqa: ANN401 - botocore client
    """The shared S3 client. SigV4 and virtual-hosted addressing (presigned POSTs and GETs
    must be signed for the bucket's own host); ``endpoint_url`` only for the local moto server.
    """
    region = os.environ.get("AWS_REGION") or None
    config = REQUEST_PATH_CONFIG.merge(
        Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint_url else "virtual"},
        )
    )
    return _guard(
        _session().create_client("s3", region_name=region, endpoint_url=endpoint_url, config=config)
    )


def worst_attempt_seconds(config: Config = REQUEST_PATH_CONFIG) -> float:
    """The longest one HTTP attempt can take: connect timeout + read timeout."""
    return float(config.connect_timeout) + float(config.read_timeout)  # type: ignore[attr-defined]


def worst_call_seconds(config: Config = REQUEST_PATH_CONFIG) -> float:
    """One call without a deadline: every attempt times out, with standard mode's longest
    backoff between them (at most ``2 ** (n - 1)`` s before retry ``n``)."""
    attempts = int(config.retries["total_max_attempts"])  # type: ignore[attr-defined]
    backoff = sum(min(2 ** (n - 1), 20) for n in range(1, attempts))
    return float(attempts * worst_attempt_seconds(config) + backoff)
