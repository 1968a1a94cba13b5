"""AWS calls per submission, and the latency they would add in AWS.

The benchmark's network stub answers every call in microseconds; in AWS each call is an HTTPS
round trip from the function to the service's regional endpoint, on a kept-alive connection.
The modelled latency of a submission is the measured local time (the project's own work and
the SDK's work) plus, for every *sequential* call, the per-call cost below. The costs are
documented assumptions, not measurements from this machine (it has no AWS access): change them
here and the table follows.

* DynamoDB single-item reads and writes: "single-digit millisecond" latency is DynamoDB's
  published service-side figure (https://aws.amazon.com/dynamodb/); from a Lambda function in
  the same region, client-observed p50 is commonly 4-8 ms. Taken: 6 ms.
* DynamoDB ``TransactWriteItems`` (the admission: up to six items over three tables): a
  transaction runs a prepare and a commit phase inside DynamoDB, and AWS publishes no latency
  figure for it; client-observed p50 for a few items is commonly 2x a single write, 10-15 ms.
  Taken: 12 ms.
* SES v2 ``SendEmail`` (raw content): SES accepts the message synchronously after checks of
  the identity and the sending quota; client-observed p50 is commonly 30-80 ms. Taken: 50 ms.
* SQS ``SendMessage``: commonly 5-15 ms. Taken: 10 ms. SNS ``Publish``: 15 ms.
* Secrets Manager ``GetSecretValue`` (the reply-hash key, once per container): commonly
  5-20 ms. Taken: 10 ms.
"""

from __future__ import annotations

from collections import Counter

PER_CALL_MS = {
    "dynamodb": 6.0,
    "sesv2": 50.0,
    "sqs": 10.0,
    "sns": 15.0,
    "secrets-manager": 10.0,
}
# Operations that cost more than their service's single-item call.
PER_OPERATION_MS = {
    "dynamodb.TransactWriteItems": 12.0,
}
SOURCE = (
    "assumed per-call latency in-region: DynamoDB 6 ms (TransactWriteItems 12 ms), "
    "SES SendEmail 50 ms, SQS 10 ms, SNS 15 ms (bench/calls.py)"
)


def by_operation(calls: list[str]) -> dict[str, int]:
    """``["dynamodb.UpdateItem", …]`` as counts per operation, in first-call order."""
    return dict(Counter(calls))


def network_ms(calls: list[str]) -> float:
    """The round trips' share of a submission's latency when the calls run one after another."""
    return sum(call_ms(call) for call in calls)


def call_ms(call: str) -> float:
    """The assumed in-region latency of one call (``service.Operation``)."""
    return PER_OPERATION_MS.get(call, PER_CALL_MS[call.split(".", 1)[0]])


def modelled_latency_ms(local_ms: float, calls: list[str]) -> float:
    return round(local_ms + network_ms(calls), 1)
