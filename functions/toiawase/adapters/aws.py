"""One boto3 client per service per container, created on first use and reused.

Created lazily so a function pays only for the services it is configured to use (a stateless
deployment never imports the DynamoDB or SQS models), and shared so no request creates one.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# The browser is waiting and API Gateway gives up at 30 s: short timeouts, few retries.
REQUEST_PATH_CONFIG = Config(
    connect_timeout=1,
    read_timeout=3,
    retries={"mode": "standard", "max_attempts": 3},
)


@cache
def client(service: str) -> Any:  # noqa: ANN401 - boto3 clients are typed per service by stubs
    """The shared client for ``service`` (``dynamodb``, ``sqs``, ``sns``)."""
    return boto3.client(service, config=REQUEST_PATH_CONFIG)  # type: ignore[call-overload]
