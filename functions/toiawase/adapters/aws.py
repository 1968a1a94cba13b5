"""One botocore client per service per container, created on first use and reused.

Created lazily so a function pays only for the services it is configured to use (a stateless
deployment never loads the DynamoDB or SQS models), and shared so no request creates one.
Plain botocore, not boto3: boto3 adds its resource layer and s3transfer to the cold start
(measured by ``make bench``) and nothing here uses them.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config

# The browser is waiting and API Gateway gives up at 30 s: short timeouts, few retries.
REQUEST_PATH_CONFIG = Config(
    connect_timeout=1,
    read_timeout=3,
    retries={"mode": "standard", "max_attempts": 3},
)


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def client(service: str) -> Any:  # noqa: ANN401 - botocore clients are typed per service by stubs
    """The shared client for ``service`` (``sesv2``, ``dynamodb``, ``sqs``, ``sns``).

    The region is Lambda's ``AWS_REGION`` (botocore itself reads only ``AWS_DEFAULT_REGION``).
    """
    region = os.environ.get("AWS_REGION") or None
    return _session().create_client(service, region_name=region, config=REQUEST_PATH_CONFIG)


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
    return _session().create_client(
        "s3", region_name=region, endpoint_url=endpoint_url, config=config
    )
