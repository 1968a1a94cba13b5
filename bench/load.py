"""A launch-day wave against SES's sending rate, on a virtual clock.

2,000 submissions arrive evenly over 20 s (100 a second) while SES accepts at most 14 messages
a second (a production account's default quota) and throttles the rest. The project's own
code decides every answer: the core's ``submit`` use case (store, send, queue on a transient
failure) for each visitor and the core's ``resend`` with the retry function's jittered backoff
and batch gate (``toiawase.core.retry``) for the queue. Around them, in-memory stand-ins play
DynamoDB, SQS and SES, and a virtual clock plays time: every AWS call advances it by the
per-call cost of ``bench.calls``, and botocore's request-path retries (standard mode, 3
attempts, ``random() * min(20, 2**n)`` s between them) are modelled, so the run takes a few
seconds of CPU, not 20 s plus the drain of wall time.

The retry consumer is as the template configures it: the SQS event source's batch size and
maximum concurrency (bounded by the function's reserved concurrency), and the queue's
``maxReceiveCount``, all read from template.yaml's defaults.

Simplifications (said, so the figures are read right): the request path's SES attempts are
booked in arrival order (a visitor's retry may take a slot a little out of time order); SQS
delivers exactly the visible messages (no duplicates, which the store's claim would absorb);
each worker polls again as soon as a batch is done or a message becomes visible.

Rate limits are off in this run: the template's defaults (``form_minute=60`` and the stage's
5 requests a second, burst 10) would answer most of this wave 429, which is a true answer but
not the question here. ``defaults_would_refuse`` counts how many, so an owner expecting a
launch knows to raise them.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import calls, price
from toiawase.core import records
from toiawase.core.compose import OutgoingEmail
from toiawase.core.config import load_settings
from toiawase.core.http import HttpRequest
from toiawase.core.outcome import Dependencies
from toiawase.core.ports import AlreadyClaimed, SendFailed
from toiawase.core.records import StoredSubmission
from toiawase.core.retry import BatchGate, RetryLater, backoff_seconds, resend
from toiawase.core.service import handle

REPO = Path(__file__).resolve().parents[1]
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DYNAMO_S = calls.PER_CALL_MS["dynamodb"] / 1000
SES_S = calls.PER_CALL_MS["sesv2"] / 1000
SQS_S = calls.PER_CALL_MS["sqs"] / 1000
TRANSACT_S = calls.call_ms("dynamodb.TransactWriteItems") / 1000
OWN_WORK_S = 0.005  # parse, validate, compose: a few ms of CPU at 256 MB (make bench's row)
BOTOCORE_ATTEMPTS = 3
ENV = {
    "SENDER_ADDRESS": "forms@example.com",
    "RECIPIENT_ADDRESSES": "owner@example.com",
    "ALLOWED_ORIGINS": "https://www.example.com",
    "REDIRECT_URL": "https://www.example.com/thanks/",
    "SITE_NAME": "Example Co",
}


@dataclass(frozen=True)
class Scenario:
    submissions: int = 2000
    seconds: float = 20.0
    ses_per_second: int = 14
    seed: int = 15


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def at(self) -> datetime:
        return EPOCH + timedelta(seconds=self.now)


class SimSes:
    """SES with a per-second sending quota; botocore's request-path retries around it."""

    def __init__(self, clock: Clock, per_second: int, rng: random.Random) -> None:
        self.clock, self.per_second, self.rng = clock, per_second, rng
        self.sent_in: Counter[int] = Counter()
        self.sent: Counter[str] = Counter()
        self.throttles = 0
        self.attempts = 0
        self.last_send = 0.0

    def send(self, email: OutgoingEmail) -> str:
        for attempt in range(BOTOCORE_ATTEMPTS):
            self.clock.now += SES_S
            self.attempts += 1
            second = math.floor(self.clock.now)
            if self.sent_in[second] < self.per_second:
                self.sent_in[second] += 1
                self.sent[email.submission_id] += 1
                self.last_send = self.clock.now
                return f"sim-{email.submission_id}"
            self.throttles += 1
            if attempt + 1 < BOTOCORE_ATTEMPTS:
                self.clock.now += self.rng.random() * min(20, 2**attempt)
        raise SendFailed("TooManyRequestsException", transient=True)


class SimStore:
    """The submissions table: the same conditional semantics as ``DynamoStore``."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.rows: dict[str, StoredSubmission] = {}
        self.claimed_at: dict[str, datetime] = {}
        self.writes = 0

    def _call(self) -> None:
        self.clock.now += DYNAMO_S

    def create(self, record: StoredSubmission) -> None:
        self._call()
        self.writes += 1
        self.rows[record.submission_id] = record

    def get(self, submission_id: str) -> StoredSubmission | None:
        self._call()
        return self.rows.get(submission_id)

    def mark(
        self,
        submission_id: str,
        status: str,
        now: datetime,
        *,
        reason: str | None = None,
        message_id: str | None = None,
        only_from: Any = None,  # noqa: ANN401
        count_attempt: bool = False,
    ) -> bool:
        self._call()
        self.writes += 1
        row = self.rows.get(submission_id)
        if row is None or (only_from is not None and row.status not in set(only_from)):
            return False
        from dataclasses import replace

        self.rows[submission_id] = replace(
            row, status=status, updated_at=now, attempts=row.attempts + int(count_attempt)
        )
        return True

    def claim(self, submission_id: str, now: datetime, lease_seconds: int) -> bool:
        self._call()
        self.writes += 1
        row = self.rows.get(submission_id)
        if row is None:
            return False
        expired = row.status == records.SENDING and self.claimed_at[submission_id] < now - (
            timedelta(seconds=lease_seconds)
        )
        if row.status in (records.RECEIVED, records.QUEUED) or expired:
            from dataclasses import replace

            self.rows[submission_id] = replace(row, status=records.SENDING, updated_at=now)
            self.claimed_at[submission_id] = now
            return True
        return False

    def with_status(self, statuses: Any) -> list[StoredSubmission]:  # noqa: ANN401
        return [r for r in self.rows.values() if r.status in set(statuses)]


@dataclass
class Message:
    submission_id: str
    visible_at: float
    receives: int = 0


@dataclass
class SimQueue:
    clock: Clock
    messages: dict[str, Message] = field(default_factory=dict)
    dead: list[str] = field(default_factory=list)
    peak_depth: int = 0
    requests: int = 0

    def enqueue(self, submission_id: str, delay_seconds: int = 0) -> None:
        self.clock.now += SQS_S
        self.requests += 1
        self.messages[submission_id] = Message(submission_id, self.clock.now + delay_seconds)
        self.peak_depth = max(self.peak_depth, len(self.messages))

    def receive(self, now: float, limit: int) -> list[Message]:
        visible = sorted(
            (m for m in self.messages.values() if m.visible_at <= now), key=lambda m: m.visible_at
        )[:limit]
        self.requests += 1
        return visible

    def next_visible(self) -> float | None:
        return min((m.visible_at for m in self.messages.values()), default=None)


class SimAdmission:
    """``adapters.admission``: one transaction (claim + row here; the wave runs without limits)
    per submission. Transactional writes cost two write units per item."""

    def __init__(self, clock: Clock, store: SimStore) -> None:
        self.clock = clock
        self.store = store
        self.claims: dict[str, str] = {}
        self.writes = 0

    def admit(self, counters: Any, claim: Any = None, record: Any = None) -> None:  # noqa: ANN401
        self.clock.now += TRANSACT_S
        if claim is not None and claim.key in self.claims:
            raise AlreadyClaimed(self.claims[claim.key])
        self.writes += 2 * (len(counters) + (claim is not None) + (record is not None))
        if claim is not None:
            self.claims[claim.key] = claim.submission_id
        if record is not None:
            self.store.rows[record.submission_id] = record

    def settle(self, claim: Any, answer: str) -> None:  # noqa: ANN401
        """The row answers repeats: nothing to do."""

    def release(self, claim: Any, record: Any) -> None:  # noqa: ANN401
        self.clock.now += DYNAMO_S
        if claim is not None:
            self.claims.pop(claim.key, None)
        if record is not None:
            self.store.rows.pop(record.submission_id, None)


def retry_consumer_config(template: dict[str, Any]) -> dict[str, int]:
    """Batch size, maximum concurrency and maxReceiveCount as the template deploys them."""
    from bench.template_env import Resolver

    resolver = Resolver(template)
    function = template["Resources"]["RetryFunction"]["Properties"]
    # The trigger is its own EventSourceMapping (scoped IAM; no managed SQS poller policy).
    source = template["Resources"]["RetryQueueTrigger"]["Properties"]
    maximum = int(resolver.value(source.get("ScalingConfig", {}).get("MaximumConcurrency", 1000)))
    reserved_node = function.get("ReservedConcurrentExecutions")
    reserved = resolver.value(reserved_node) if reserved_node is not None else None
    workers = maximum if not isinstance(reserved, str | int) else min(maximum, int(reserved))
    redrive = template["Resources"]["RetryQueue"]["Properties"]["RedrivePolicy"]
    return {
        "batch_size": int(source.get("BatchSize", 10)),
        "maximum_concurrency": maximum,
        "reserved_concurrency": int(reserved) if isinstance(reserved, str | int) else 0,
        "workers": workers,
        "max_receive_count": int(resolver.value(redrive["maxReceiveCount"])),
    }


def _request(index: int, at: datetime) -> HttpRequest:
    body = urlencode(
        [("email", f"visitor{index}@example.org"), ("name", "Visitor"), ("message", "Hello")]
    ).encode()
    return HttpRequest(
        method="POST",
        path="/submit",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "accept": "application/json",
            "origin": "https://www.example.com",
        },
        body=body,
        source_ip=f"198.51.{index // 250}.{index % 250 + 1}",
        request_id=f"req-{index}",
        received_at=at,
    )


@dataclass
class LoadResult:
    figures: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return self.figures


def defaults_would_refuse(template: dict[str, Any], scenario: Scenario) -> dict[str, int]:
    """429s the template's defaults give this wave: the stage's throttle, then form_minute."""
    from bench.template_env import Resolver

    resolver = Resolver(template)
    rate = float(resolver.parameters["ThrottlingRateLimit"])
    burst = float(resolver.parameters["ThrottlingBurstLimit"])
    limits = dict(part.split("=") for part in resolver.parameters["RateLimits"].split(","))
    form_minute = int(limits.get("form_minute", "0"))
    tokens, last, passed_stage = burst, 0.0, 0
    for i in range(scenario.submissions):
        t = i * scenario.seconds / scenario.submissions
        tokens = min(burst, tokens + (t - last) * rate)
        last = t
        if tokens >= 1:
            tokens -= 1
            passed_stage += 1
    accepted = min(passed_stage, form_minute) if form_minute else passed_stage
    return {
        "stage_throttled": scenario.submissions - passed_stage,
        "form_minute_limited": passed_stage - accepted,
        "would_be_accepted": accepted,
    }


def simulate(scenario: Scenario, template: dict[str, Any] | None = None) -> LoadResult:
    """Run the wave and the drain; every figure the table reports."""
    if template is None:
        from bench.template_env import load_template

        template = load_template(REPO / "template.yaml")
    consumer = retry_consumer_config(template)
    rng = random.Random(scenario.seed)  # noqa: S311 - a reproducible simulation, not a secret
    clock = Clock()
    ses = SimSes(clock, scenario.ses_per_second, rng)
    store = SimStore(clock)
    queue = SimQueue(clock)
    admission = SimAdmission(clock, store)
    settings = load_settings(ENV)
    env = {**ENV, "RATE_LIMITS": "client_minute=0,client_day=0,form_minute=0,form_day=0"}
    counter = iter(range(10**9))
    deps = Dependencies(
        sender=ses,
        new_id=lambda: f"s{next(counter):05d}",
        store=store,
        queue=queue,
        admission=admission,
    )
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    submit_seconds: list[float] = []
    retry_invocations: list[float] = []
    deferred = 0
    # events: (time, order, kind, index); kind 0 = arrival, 1 = a retry worker polls
    events: list[tuple[float, int, int, int]] = []
    for i in range(scenario.submissions):
        heapq.heappush(events, (i * scenario.seconds / scenario.submissions, i, 0, i))
    idle = list(range(consumer["workers"]))
    order = scenario.submissions
    while events:
        t, _, kind, index = heapq.heappop(events)
        if kind == 0:
            clock.now = t + OWN_WORK_S
            outcome = handle(_request(index, clock.at()), env, deps)
            statuses[outcome.response.status] += 1
            latencies.append(clock.now - t)
            submit_seconds.append(clock.now - t)
            # an idle worker wakes when something becomes visible
            if queue.messages and idle:
                worker = idle.pop()
                order += 1
                heapq.heappush(events, (clock.now, order, 1, worker))
            continue
        clock.now = t
        batch = queue.receive(t, consumer["batch_size"])
        clock.now += SQS_S
        if not batch:
            following = queue.next_visible()
            if following is None:
                idle.append(index)
            else:
                order += 1
                heapq.heappush(events, (max(following, t + 0.02), order, 1, index))
            continue
        started = clock.now
        gate = BatchGate()
        for message in batch:
            message.receives += 1
            if message.receives > consumer["max_receive_count"]:
                queue.dead.append(message.submission_id)
                del queue.messages[message.submission_id]
                continue
            try:
                resend(message.submission_id, settings, store, ses, clock.at(), gate)
            except RetryLater:
                deferred += 1
                clock.now += SQS_S  # ChangeMessageVisibility
                queue.requests += 1
                message.visible_at = clock.now + backoff_seconds(message.receives, rng.random)
                continue
            del queue.messages[message.submission_id]
        queue.requests += 1  # DeleteMessageBatch (by the event source mapping)
        retry_invocations.append(clock.now - started)
        order += 1
        heapq.heappush(events, (clock.now, order, 1, index))
        # wake the idle workers if more is visible now
        while idle and queue.receive(clock.now, 1):
            queue.requests -= 1  # the peek is not a request
            order += 1
            heapq.heappush(events, (clock.now, order, 1, idle.pop()))

    sent_twice = sum(1 for n in ses.sent.values() if n > 1)
    never_sent = scenario.submissions - len(ses.sent)
    queued = statuses.get(202, 0)
    receives = [r.attempts for r in store.rows.values() if r.attempts > 1]
    memory_mb = 256
    gb_s = (sum(submit_seconds) + sum(retry_invocations)) * memory_mb / 1024
    invocations = len(submit_seconds) + len(retry_invocations)
    cost = {
        "lambda": invocations * price.LAMBDA_REQUEST_PER_MILLION_USD / 1e6
        + gb_s * price.LAMBDA_ARM_GB_SECOND_USD,
        "http_api": scenario.submissions * price.HTTP_API_PER_MILLION_USD / 1e6,
        "dynamodb": (store.writes + admission.writes) * price.DYNAMODB_WRU_PER_MILLION_USD / 1e6,
        "sqs": queue.requests * price.SQS_PER_MILLION_USD / 1e6,
        "ses": len(ses.sent) * price.SES_PER_THOUSAND_USD / 1000,
    }
    cost["total"] = sum(cost.values())
    latencies.sort()
    figures = {
        "scenario": {
            "submissions": scenario.submissions,
            "over_seconds": scenario.seconds,
            "ses_per_second": scenario.ses_per_second,
            "rate_limits": "off (see defaults_would_refuse)",
        },
        "consumer": consumer,
        "answers": {str(k): v for k, v in sorted(statuses.items())},
        "true_answers": statuses.get(200, 0) + queued == scenario.submissions,
        "sent_on_request": statuses.get(200, 0),
        "queued": queued,
        "sent_total": len(ses.sent),
        "sent_twice": sent_twice,
        "never_sent": never_sent,
        "dead_lettered": len(queue.dead),
        "drain_seconds": round(ses.last_send, 1),
        "drain_after_wave_seconds": round(max(0.0, ses.last_send - scenario.seconds), 1),
        "peak_queue_depth": queue.peak_depth,
        "retries_per_queued_message": round(statistics.fmean(receives) if receives else 0.0, 2),
        "max_attempts_of_a_message": max((r.attempts for r in store.rows.values()), default=0),
        "deferred_receives": deferred,
        "ses_throttles": ses.throttles,
        "ses_attempts": ses.attempts,
        "visitor_latency_ms": {
            "p50": round(latencies[len(latencies) // 2] * 1000, 1),
            "p99": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
        },
        "cost_usd": {k: round(v, 5) for k, v in cost.items()},
        "cost_per_1000_usd": round(cost["total"] / scenario.submissions * 1000, 4),
        "defaults_would_refuse": defaults_would_refuse(template, scenario),
    }
    return LoadResult(figures)
