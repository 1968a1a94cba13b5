"""The stack's stateful resources, created in moto for local runs and tests.

Mirrors template.yaml (tests/integration/test_template.py checks the key schemas match): the
submissions table, the idempotency table, the retry queue and the delivery queue with their
dead-letter queues, and the alert topic. Call with moto's mock active; put ``env()`` into the
environment the handlers read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import boto3

SUBMISSIONS_KEY = "id"
IDEMPOTENCY_KEY = "id"
RATE_LIMIT_KEY = "id"
# The submissions table's indexes (export, list, forget: docs/data.md), as in template.yaml.
SUBMISSIONS_INDEX_ATTRIBUTES = ("reply_hash", "form", "month", "created_at", "scan_wait")
SUBMISSIONS_INDEXES: tuple[dict[str, Any], ...] = (
    {
        "IndexName": "by-reply-hash",
        "KeySchema": [{"AttributeName": "reply_hash", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    },
    {
        "IndexName": "by-form",
        "KeySchema": [
            {"AttributeName": "form", "KeyType": "HASH"},
            {"AttributeName": "created_at", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    },
    {
        "IndexName": "by-month",
        "KeySchema": [
            {"AttributeName": "month", "KeyType": "HASH"},
            {"AttributeName": "created_at", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    },
    # Only with MalwareScanning=guardduty in template.yaml; always here (the scan-timeout
    # sweep's tests run against it).
    {
        "IndexName": "by-scan-wait",
        "KeySchema": [
            {"AttributeName": "scan_wait", "KeyType": "HASH"},
            {"AttributeName": "created_at", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    },
)
# The fixed key of the address hashes in local runs (in AWS: the stack's generated secret).
LOCAL_REPLY_HASH_KEY = "toiawase-local-reply-hash-key"
LOCAL_RATE_LIMIT_TABLE = "toiawase-rate-limits"  # create_local_stack()'s, with the default prefix


@dataclass(frozen=True)
class LocalStack:
    submissions_table: str
    idempotency_table: str
    queue_url: str
    dlq_url: str
    alert_topic_arn: str
    rate_limit_table: str
    delivery_queue_url: str = ""
    delivery_dlq_url: str = ""

    def env(self) -> dict[str, str]:
        return {
            "DELIVERY_QUEUE_URL": self.delivery_queue_url,
            "DELIVERY_DLQ_URL": self.delivery_dlq_url,
            "SUBMISSIONS_TABLE": self.submissions_table,
            "IDEMPOTENCY_TABLE": self.idempotency_table,
            "RETRY_QUEUE_URL": self.queue_url,
            "RETRY_DLQ_URL": self.dlq_url,
            "ALERT_TOPIC_ARN": self.alert_topic_arn,
            "RATE_LIMIT_TABLE": self.rate_limit_table,
            "REPLY_HASH_KEY": LOCAL_REPLY_HASH_KEY,
        }


def create_local_stack(
    prefix: str = "toiawase", max_receive_count: int = 8, delivery_max_receives: int = 12
) -> LocalStack:
    """Create the resources (moto must be active); ``env()`` names them for the handlers."""
    region = os.environ.get("AWS_REGION", "us-east-1")
    dynamodb = boto3.client("dynamodb", region_name=region)
    for name, key, ttl in (
        (f"{prefix}-submissions", SUBMISSIONS_KEY, "expires_at"),
        (f"{prefix}-idempotency", IDEMPOTENCY_KEY, "expiration"),
        (f"{prefix}-rate-limits", RATE_LIMIT_KEY, "expires_at"),
    ):
        indexed = name == f"{prefix}-submissions"
        dynamodb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": attribute, "AttributeType": "S"}
                for attribute in ([key, *SUBMISSIONS_INDEX_ATTRIBUTES] if indexed else [key])
            ],
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            **({"GlobalSecondaryIndexes": list(SUBMISSIONS_INDEXES)} if indexed else {}),
        )
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
        )
    sqs = boto3.client("sqs", region_name=region)
    dlq_url = sqs.create_queue(QueueName=f"{prefix}-retry-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName=f"{prefix}-retry",
        Attributes={
            "VisibilityTimeout": "360",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            ),
        },
    )["QueueUrl"]
    delivery_dlq_url = sqs.create_queue(QueueName=f"{prefix}-delivery-dlq")["QueueUrl"]
    delivery_dlq_arn = sqs.get_queue_attributes(
        QueueUrl=delivery_dlq_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    delivery_queue_url = sqs.create_queue(
        QueueName=f"{prefix}-delivery",
        Attributes={
            "VisibilityTimeout": "60",
            "RedrivePolicy": json.dumps(
                {
                    "deadLetterTargetArn": delivery_dlq_arn,
                    "maxReceiveCount": str(delivery_max_receives),
                }
            ),
        },
    )["QueueUrl"]
    topic = boto3.client("sns", region_name=region).create_topic(Name=f"{prefix}-alerts")
    stack = LocalStack(
        submissions_table=f"{prefix}-submissions",
        idempotency_table=f"{prefix}-idempotency",
        queue_url=queue_url,
        dlq_url=dlq_url,
        alert_topic_arn=topic["TopicArn"],
        rate_limit_table=f"{prefix}-rate-limits",
        delivery_queue_url=delivery_queue_url,
        delivery_dlq_url=delivery_dlq_url,
    )
    return stack
