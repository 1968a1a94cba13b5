"""What 1,000 submissions cost on AWS, from published prices and the measured durations.

Prices are us-east-1 list prices, per the AWS pricing pages named beside each constant, as
published when this was written (2026-11-28; the AWS rates below have been stable since the
changes noted). Recheck them before quoting: ``python -m bench`` prints the formula with every
constant so a changed price is a one-line edit here.

Free tiers are ignored (they make a small form free, which hides the comparison).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

PRICES_AS_OF = "2026-11-28"

# https://aws.amazon.com/api-gateway/pricing/ - HTTP APIs, first 300 million requests/month,
# metered per request in 512 KB increments (a form post is one increment).
HTTP_API_PER_MILLION_USD = 1.00
# https://aws.amazon.com/lambda/pricing/ - requests, and Arm (Graviton) duration, first tier
# (6 billion GB-s/month). Billed per 1 ms, rounded up. Since 2025-08-01 the INIT phase of
# on-demand ZIP functions on managed runtimes is billed like the invocation
# (https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/),
# so a cold start's whole duration counts.
LAMBDA_REQUEST_PER_MILLION_USD = 0.20
LAMBDA_ARM_GB_SECOND_USD = 0.0000133334
# https://aws.amazon.com/ses/pricing/ - outbound email, $0.10 per 1,000 messages (no attachments,
# so no per-GB attachment charge; SES counts one message per recipient).
SES_PER_THOUSAND_USD = 0.10
# https://aws.amazon.com/dynamodb/pricing/on-demand/ - Standard table class, write request
# units, after the 2024-11-01 on-demand price cut (one WRU writes up to 1 KB).
DYNAMODB_WRU_PER_MILLION_USD = 0.625
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html - "at 1,769 MB, a
# function has the equivalent of one vCPU": below that, CPU is a share proportional to memory.
# The benchmark's figures are one full core, so an invocation's (CPU-bound) time is scaled by
# 1769 / memory. The INIT phase is not scaled: measurements by the community show Lambda runs
# INIT with burst CPU whatever the memory (AWS documents no figure), so it is taken as measured.
LAMBDA_FULL_VCPU_MB = 1769
# Assumption for the store (when configured): two writes per submission (the record, then its
# delivery status), each item up to 1 KB. A 3 KB item would be 3 WRU per write.
DYNAMODB_WRITES_PER_SUBMISSION = 2
DYNAMODB_WRU_PER_WRITE = 1


@dataclass(frozen=True)
class HostedPlan:
    """A hosted form service's plan: list price per month and the submissions it includes."""

    service: str
    plan: str
    usd_per_month: float
    submissions_per_month: int
    url: str


# Published list prices (monthly billing) of hosted form services, as recorded on 2026-11-28
# from the vendors' pricing pages as last read; they change often and could not be re-fetched
# from this machine (no web access), so RECHECK them at the URLs before quoting.
HOSTED_PLANS = (
    HostedPlan("Formspree", "Personal", 15.0, 200, "https://formspree.io/plans"),
    HostedPlan("Formspree", "Business", 90.0, 20_000, "https://formspree.io/plans"),
    HostedPlan("Getform", "Starter", 19.0, 1_000, "https://getform.io/pricing"),
    HostedPlan("Basin", "Standard", 12.5, 1_000, "https://usebasin.com/pricing"),
    HostedPlan("Web3Forms", "Pro", 12.0, 10_000, "https://web3forms.com/pricing"),
)


def lambda_duration_usd(duration_ms: float, memory_mb: int) -> float:
    """One invocation's duration charge: whole milliseconds, times GB, times the GB-s price."""
    billed_ms = math.ceil(duration_ms)
    return billed_ms / 1000 * memory_mb / 1024 * LAMBDA_ARM_GB_SECOND_USD


def lambda_ms(init_ms: float, invoke_ms: float, memory_mb: int) -> float:
    """Estimated billed duration in Lambda from this machine's figures (see the CPU note)."""
    return init_ms + invoke_ms * max(1.0, LAMBDA_FULL_VCPU_MB / memory_mb)


def per_thousand(
    duration_ms: float,
    memory_mb: int,
    *,
    store: bool,
    dynamodb_writes: int = DYNAMODB_WRITES_PER_SUBMISSION,
) -> dict[str, float]:
    """Cost lines for 1,000 submissions that each take ``duration_ms`` (USD).

    ``dynamodb_writes`` is the DynamoDB write units per submission, as the bench counts them:
    two per item of the admission's transaction (counters, claim, row), one per single-item
    write (the status update).
    """
    lines = {
        "http_api": 1000 * HTTP_API_PER_MILLION_USD / 1e6,
        "lambda_requests": 1000 * LAMBDA_REQUEST_PER_MILLION_USD / 1e6,
        "lambda_duration": 1000 * lambda_duration_usd(duration_ms, memory_mb),
        "ses": SES_PER_THOUSAND_USD,
        "dynamodb": (
            1000 * dynamodb_writes * DYNAMODB_WRU_PER_WRITE * DYNAMODB_WRU_PER_MILLION_USD / 1e6
            if store
            else 0.0
        ),
    }
    lines["total"] = sum(lines.values())
    return lines


FORMULA = (
    "per 1,000 = 1000 x [ HTTP API ${http}/1M + Lambda ${req}/1M + ceil(ms)/1000 s x {gb:g} GB x "
    "${gbs}/GB-s + SES ${ses}/1000 + (store) {writes} x {wru} WRU x ${ddb}/1M ], "
    "ms = INIT + invoke x {vcpu}/{memory} (Lambda's CPU share at {memory} MB)"
)


def price_report(
    warm_invoke_ms: float,
    cold_init_ms: float,
    cold_invoke_ms: float,
    memory_mb: int,
    *,
    dynamodb_writes: int = DYNAMODB_WRITES_PER_SUBMISSION,
) -> dict[str, Any]:
    """Self-hosted cost per 1,000 submissions (warm and all-cold), and the hosted plans.

    ``cold_init_ms`` is everything before the first invocation (start-up and INIT, both billed
    since 2025-08-01); invocation times are scaled to Lambda's CPU share by ``lambda_ms``.
    """
    warm_ms = lambda_ms(0.0, warm_invoke_ms, memory_mb)
    cold_ms = lambda_ms(cold_init_ms, cold_invoke_ms, memory_mb)
    scenarios = {
        "warm": per_thousand(warm_ms, memory_mb, store=False),
        "warm_with_store": per_thousand(
            warm_ms, memory_mb, store=True, dynamodb_writes=dynamodb_writes
        ),
        "cold": per_thousand(cold_ms, memory_mb, store=False),
        "cold_with_store": per_thousand(
            cold_ms, memory_mb, store=True, dynamodb_writes=dynamodb_writes
        ),
    }
    formula = FORMULA.format(
        http=HTTP_API_PER_MILLION_USD,
        req=LAMBDA_REQUEST_PER_MILLION_USD,
        gb=memory_mb / 1024,
        gbs=LAMBDA_ARM_GB_SECOND_USD,
        ses=SES_PER_THOUSAND_USD,
        writes=dynamodb_writes,
        wru=DYNAMODB_WRU_PER_WRITE,
        ddb=DYNAMODB_WRU_PER_MILLION_USD,
        vcpu=LAMBDA_FULL_VCPU_MB,
        memory=memory_mb,
    )
    hosted = [
        {
            "service": plan.service,
            "plan": plan.plan,
            "usd_per_month": plan.usd_per_month,
            "submissions_per_month": plan.submissions_per_month,
            "usd_per_1000_at_full_use": round(
                plan.usd_per_month / plan.submissions_per_month * 1000, 2
            ),
            "url": plan.url,
            "verified": False,
        }
        for plan in HOSTED_PLANS
    ]
    return {
        "prices_as_of": PRICES_AS_OF,
        "region": "us-east-1",
        "memory_mb": memory_mb,
        "warm_duration_ms": round(warm_ms, 2),
        "cold_duration_ms": round(cold_ms, 2),
        "measured_warm_invoke_ms": warm_invoke_ms,
        "measured_cold_init_ms": cold_init_ms,
        "measured_cold_invoke_ms": cold_invoke_ms,
        "formula": formula,
        "dynamodb_writes_per_submission": dynamodb_writes,
        "at_scale": at_scale(warm_ms, memory_mb, dynamodb_writes),
        "per_1000_usd": {k: {n: round(v, 6) for n, v in s.items()} for k, s in scenarios.items()},
        "hosted_plans": hosted,
        "hosted_note": (
            "list prices recorded from the vendors' pricing pages, not re-fetched from this "
            "machine: recheck at the URLs"
        ),
    }


# https://aws.amazon.com/sqs/pricing/ - standard queue requests, after the free tier
# (a 64 KB chunk of payload is one request).
SQS_PER_MILLION_USD = 0.40
# https://aws.amazon.com/s3/pricing/ - S3 Standard, us-east-1: PUT/POST per 1,000 requests,
# GET per 1,000, storage per GB-month (first 50 TB).
S3_PUT_PER_THOUSAND_USD = 0.005
S3_GET_PER_THOUSAND_USD = 0.0004
S3_GB_MONTH_USD = 0.023
# Files (off by default): the scenario priced is one 1 MB file per submission, uploaded once,
# read once by the owner, kept 30 days (RetentionDays' default).
FILE_MB = 1.0
SCALES = (1_000, 100_000, 10_000_000)


def s3_per_thousand() -> float:
    storage = 1000 * FILE_MB / 1024 * S3_GB_MONTH_USD  # 30 days = one month of storage
    return S3_PUT_PER_THOUSAND_USD + S3_GET_PER_THOUSAND_USD + storage


def sqs_per_message(receives: float) -> float:
    """One queued submission: SendMessage, then per receive ReceiveMessage (batched, counted
    as one request each here, which over-counts), ChangeMessageVisibility or DeleteMessage."""
    return (1 + 2 * receives) * SQS_PER_MILLION_USD / 1e6


def at_scale(warm_ms: float, memory_mb: int, dynamodb_writes: int) -> dict[str, Any]:
    """Per month at 1,000 / 100,000 / 10 million submissions, line by line (USD), with the
    hosted plans that would cover the volume. Warm duration (the as-deployed figure); SQS
    only for queued submissions (none when SES keeps up), files priced separately."""
    lines = per_thousand(warm_ms, memory_mb, store=True, dynamodb_writes=dynamodb_writes)
    rows = []
    for month in SCALES:
        factor = month / 1000
        row = {
            "submissions_per_month": month,
            "lambda": round(factor * (lines["lambda_requests"] + lines["lambda_duration"]), 4),
            "http_api": round(factor * lines["http_api"], 4),
            "dynamodb": round(factor * lines["dynamodb"], 4),
            "ses": round(factor * lines["ses"], 4),
            "sqs": 0.0,
            "total": round(factor * lines["total"], 4),
            "s3_files_if_on": round(factor * s3_per_thousand(), 4),
            "hosted": [
                {
                    "service": plan.service,
                    "plan": plan.plan,
                    "usd_per_month": plan.usd_per_month,
                }
                for plan in HOSTED_PLANS
                if plan.submissions_per_month >= month
            ],
        }
        rows.append(row)
    return {
        "per_1000_usd": round(lines["total"], 4),
        "rows": rows,
        "assumptions": (
            f"warm {warm_ms:.1f} ms billed at {memory_mb} MB; {dynamodb_writes} DynamoDB writes "
            "of 1 WRU; free tiers ignored; files: one 1 MB file per submission kept 30 days"
        ),
    }
