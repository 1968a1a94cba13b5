"""Embedded S3 for local runs: moto in server mode on 127.0.0.1, so a browser can POST to it.

The function's own S3 calls and the presigned URLs it hands out both name this server
(``TOIAWASE_S3_ENDPOINT_URL``), so the direct-upload path (``POST /f/{form}/uploads``, then
the browser's POST to S3 with its progress bar) works on one machine with no AWS account. The
server shares moto's in-process state with the mock that serves SES, DynamoDB and SQS.
"""

from __future__ import annotations

import os

FILES_BUCKET = "toiawase-files"


def start_embedded_s3(region: str = "us-east-1") -> str:
    """Start the server (a free port on 127.0.0.1) and create the bucket; the endpoint URL."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log in the terminal

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint)
    s3.create_bucket(Bucket=FILES_BUCKET)
    os.environ.setdefault("FILES_BUCKET", FILES_BUCKET)
    os.environ.setdefault("TOIAWASE_S3_ENDPOINT_URL", endpoint)
    return endpoint
