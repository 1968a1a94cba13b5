"""The embedded AWS of ``make dev``, reachable from other processes: moto in server mode.

The dev server's moto runs inside its own process; the owner's commands (``toiawase submissions
export|list|show``, ``toiawase forget``) run in another. A moto server on 127.0.0.1 shares the
dev server's in-process state, so ``--endpoint-url`` pointed at it reads the very tables the
local endpoint writes. When the files feature already started one (``TOIAWASE_S3_ENDPOINT_URL``),
that one is reused.
"""

from __future__ import annotations

import os

LOCAL_AWS_ENDPOINT = "TOIAWASE_LOCAL_AWS_ENDPOINT"
S3_ENDPOINT = "TOIAWASE_S3_ENDPOINT_URL"


def start_local_aws_endpoint() -> str:
    """The endpoint URL of a moto server sharing this process's state (started if needed)."""
    existing = os.environ.get(LOCAL_AWS_ENDPOINT) or os.environ.get(S3_ENDPOINT)
    if existing:
        os.environ[LOCAL_AWS_ENDPOINT] = existing
        return existing
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log in the terminal
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ[LOCAL_AWS_ENDPOINT] = endpoint
    return endpoint
