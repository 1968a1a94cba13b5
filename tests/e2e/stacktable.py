"""A deployed stack's own record of a submission: its row in the stack's submissions table.

``TOIAWASE_STACK`` names the stack (``TOIAWASE_REGION`` its region, else the usual
``AWS_REGION``); the table is found from the stack's outputs by the same code as
``toiawase submissions show --stack`` (``toiawase.ops.data_command.open_submissions``). The
check reads the row's status and SES message id only: the stored message (``payload``) is never
read into an assertion, so no personal data reaches the test log.

The test session clears ``AWS_*`` from its environment before anything else runs (fake
credentials for moto, tests/conftest.py); the caller's own AWS settings were kept aside first
(``OUTER_AWS_ENV``) and are put back only while the table is read. ``AWS_ENDPOINT_URL`` among
them points the reads at another endpoint (a dev server's moto, in
tests/e2e/test_deployed_mode.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

ARRIVED = ("sent", "delivered")
# What the check may show about a row when it fails: never the payload or the reply hash.
SHOWN = ("id", "form", "status", "created_at", "updated_at", "attempts")


@contextmanager
def aws_environment(settings: Mapping[str, str]) -> Iterator[None]:
    """``settings`` as the only ``AWS_*`` variables (and a fresh boto3 default session, which
    would otherwise keep credentials resolved earlier); the test session's again afterwards."""
    import boto3

    saved = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    for key in saved:
        del os.environ[key]
    os.environ.update(settings)
    boto3.DEFAULT_SESSION = None
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[key]
        os.environ.update(saved)
        boto3.DEFAULT_SESSION = None


class StackTable:
    """The submissions table of stack ``stack``, read with ``aws`` as the AWS settings."""

    def __init__(self, stack: str, aws: Mapping[str, str], region: str | None = None) -> None:
        self.stack = stack
        self._aws = dict(aws)
        if region:
            self._aws["AWS_REGION"] = self._aws["AWS_DEFAULT_REGION"] = region
        self.table_name = ""

    def row(self, submission_id: str) -> dict[str, Any] | None:
        """The submission's row (a consistent read), or None when the table has none."""
        from toiawase.ops.data_command import open_submissions

        with aws_environment(self._aws):
            store, outputs = open_submissions(stack=self.stack)
            self.table_name = outputs.get("SubmissionsTableName", "")
            return store.get(submission_id)

    def status(self, submission_id: str) -> str:
        """The row's status alone ("" when there is no row)."""
        return str((self.row(submission_id) or {}).get("status", ""))

    def assert_arrived(self, submission_id: str, timeout: float = 60) -> dict[str, Any]:
        """The row reached ``sent`` or ``delivered`` with the SES message id recorded; returns
        the row's non-personal attributes and whether a message id is there."""
        deadline = time.monotonic() + timeout
        while True:
            row = self.row(submission_id)
            status = str((row or {}).get("status", ""))
            if status in ARRIVED or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert row is not None, f"no row {submission_id} in {self.table_name} (stack {self.stack})"
        shown = {k: str(row[k]) for k in SHOWN if k in row}
        message_id = str(row.get("ses_message_id", ""))
        assert status in ARRIVED, f"the stack's table says {shown}"
        assert message_id.strip(), f"no SES message id recorded: {shown}"
        return {**shown, "ses_message_id": bool(message_id)}


def stack_table_from_environment(outer_aws: Mapping[str, str]) -> StackTable | None:
    """``TOIAWASE_STACK`` (and ``TOIAWASE_REGION``) as a table to check, or None."""
    stack = os.environ.get("TOIAWASE_STACK", "").strip()
    if not stack:
        return None
    region = os.environ.get("TOIAWASE_REGION", "").strip() or None
    return StackTable(stack, outer_aws, region)
