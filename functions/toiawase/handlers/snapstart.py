"""Lambda SnapStart runtime hooks for the submit function (template parameter ``SnapStart``).

With SnapStart, INIT runs once when a version is published; Lambda snapshots the process and
every cold start restores that snapshot. Anything made during INIT is then shared by every
container restored from it, so:

* **ids**: ``wiring.new_submission_id`` draws ``secrets.token_hex`` (``os.urandom``) per call,
  never from a generator seeded at INIT: safe as it is.
* **``random``**: nothing on the request path uses it, but the module's state is re-seeded
  after a restore so a future use cannot repeat across containers.
* **clients and caches**: the botocore clients (``adapters.aws.client``) are created before the
  snapshot without opening a connection (no call is made during INIT or priming), and they read
  credentials from the environment Lambda refreshes at restore; the ``@cache`` of adapters
  holds configuration only, no per-container value.
* **priming**: every Lambda INIT already builds the success path's adapters and clients and
  reads the configuration (``wiring.ready``, ``core.service.prepare``); before the snapshot,
  the rest of the configured adapters are built too (SQS, S3 and the notify queue's models),
  so a restored container does not pay for them on its first request.

The hooks are registered only when Lambda says the function initialises for SnapStart
(``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``); ``snapshot_restore_py`` ships with Lambda's
Python runtime (3.12+), so elsewhere this module does nothing.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable

SNAPSTART = "snap-start"


def after_restore() -> None:
    """Fresh randomness for this container (``os.urandom`` seeds ``random`` again)."""
    random.seed()


def register(prime: Callable[[], object]) -> bool:
    """Register ``prime`` before the snapshot and ``after_restore`` after it; say whether."""
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != SNAPSTART:
        return False
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found]
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:
        return False
    register_before_snapshot(prime)
    register_after_restore(after_restore)
    return True
