"""Where the end-to-end tests point: the local dev server (default) or a deployed stack.

``TOIAWASE_URL`` is the deployed HTTP API's base URL (the stack's ``ApiEndpoint`` output);
``TOIAWASE_ORIGIN`` is one of the stack's ``AllowedOrigins``, sent as the ``Origin`` of every post.
Without ``TOIAWASE_URL`` the tests start ``toiawase dev --port 0`` and use it, so ``make test``
runs them here. Against a deployed stack, a message's arrival is judged by the status endpoint
(``GET /submissions/{id}`` reaching ``sent`` or ``delivered``), not by reading an inbox, and,
with ``TOIAWASE_STACK`` (and ``TOIAWASE_REGION``), by the submission's row in the stack's own
submissions table too (tests/e2e/stacktable.py). Without ``TOIAWASE_ORIGIN`` the posts come
from the browser tests' site origin, ``http://127.0.0.1:$TOIAWASE_SITE_PORT`` (tests/e2e/site.py).
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from tests.devserver import DevServerProcess
from tests.e2e.stacktable import StackTable, stack_table_from_environment

LOCAL_STATES = ("sent", "delivered")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Target:
    """An endpoint under test: ``base_url``, an allowed ``origin``, and how to see mail."""

    def __init__(
        self,
        base_url: str,
        origin: str,
        dev: DevServerProcess | None = None,
        table: StackTable | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.origin = origin
        self.dev = dev
        self.table = table

    @property
    def deployed(self) -> bool:
        return self.dev is None

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Answer:
        parts = urllib.parse.urlsplit(self.base_url)
        factory = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = factory(parts.netloc, timeout=30)
        try:
            connection.request(method, parts.path + path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Answer(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()

    def post_form(self, fields: dict[str, str], **headers: str) -> Answer:
        base = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
        }
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", "/submit", body, {**base, **headers})

    def status_of(self, submission_id: str) -> dict[str, Any]:
        answer = self.request(
            "GET", f"/submissions/{submission_id}", headers={"Accept": "application/json"}
        )
        assert answer.status == 200, answer
        data = answer.json()
        assert isinstance(data, dict)
        return data

    def wait_for_mail(self, submission_id: str, timeout: float = 60) -> str:
        """The submission's status once SES has it (``sent`` or ``delivered``).

        Locally the captured message is also there, with the id in its header; against a
        deployed stack with ``TOIAWASE_STACK``, its row in the stack's table says so too."""
        deadline = time.monotonic() + timeout
        while True:
            status = str(self.status_of(submission_id)["status"])
            if status in LOCAL_STATES or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert status in LOCAL_STATES, f"{submission_id} still {status} after {timeout}s"
        if self.dev is not None:
            newest = self.dev.mailbox.newest()
            assert newest["X-Toiawase-Submission-Id"] == submission_id
        if self.table is not None:
            self.table.assert_arrived(submission_id, timeout)
        return status


def deployed_target() -> Target | None:
    """The deployed stack named by ``TOIAWASE_URL``, or None to test the local dev server."""
    url = os.environ.get("TOIAWASE_URL", "").strip()
    if not url:
        return None
    from tests.conftest import OUTER_AWS_ENV
    from tests.e2e.site import site_origin

    origin = os.environ.get("TOIAWASE_ORIGIN", "").strip() or site_origin()
    return Target(url, origin, table=stack_table_from_environment(OUTER_AWS_ENV))


def arrival_note() -> str:
    """How the run judges mail arrival, for the report's header."""
    url = os.environ.get("TOIAWASE_URL", "").strip()
    if not url:
        return "e2e target: the local dev server (set TOIAWASE_URL for a deployed stack)"
    stack = os.environ.get("TOIAWASE_STACK", "").strip()
    judged = (
        f"the status endpoint and the submissions table of stack {stack}"
        if stack
        else "the status endpoint only (no TOIAWASE_STACK: the stack's table is not read)"
    )
    return f"e2e target: deployed {url}; mail arrival judged by {judged}"


def local_target(dev: DevServerProcess) -> Target:
    return Target(dev.base_url, dev.base_url, dev)
