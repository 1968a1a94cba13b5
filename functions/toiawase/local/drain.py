"""Draining the retry queue in-process, as Lambda's SQS event source mapping would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from toiawase.local.events import LocalContext

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event as Lambda delivers it."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {
                    "ApproximateReceiveCount": m.get("Attributes", {}).get(
                        "ApproximateReceiveCount", "1"
                    ),
                    "SentTimestamp": m.get("Attributes", {}).get("SentTimestamp", "0"),
                    "SenderId": "local",
                    "ApproximateFirstReceiveTimestamp": "0",
                },
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3] if queue_arn.count(":") >= 3 else "",
            }
            for m in messages
        ]
    }


def drain_once(
    sqs: Any,  # noqa: ANN401 - boto3 client
    queue_url: str,
    handler: Handler,
    *,
    batch_size: int = 5,
    visibility_timeout: int | None = None,
) -> tuple[int, int]:
    """Receive one batch, invoke ``handler``, delete what succeeded.

    Returns ``(received, failed)``. Failed messages stay on the queue (their visibility was set
    by the handler's backoff, or ``visibility_timeout`` when given, as a test's fast clock).
    """
    params: dict[str, Any] = {
        "QueueUrl": queue_url,
        "MaxNumberOfMessages": batch_size,
        "AttributeNames": ["All"],
        "WaitTimeSeconds": 0,
    }
    if visibility_timeout is not None:
        params["VisibilityTimeout"] = visibility_timeout
    messages = sqs.receive_message(**params).get("Messages", [])
    if not messages:
        return 0, 0
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    try:
        result = handler(sqs_event(messages, arn), LocalContext())
    except Exception:  # the whole batch failed: Lambda leaves every message on the queue
        result = {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages]}
    failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
    done = [m for m in messages if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
            ],
        )
    if visibility_timeout is not None:
        for m in messages:
            if m["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
    return len(messages), len(failed)
