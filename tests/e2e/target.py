"""Where the end-to-end tests point: the local dev server (default) or a deployed stack.

``TOIAWASE_URL`` is the deployed HTTP API's base URL (the stack's ``ApiEndpoint`` output);
``TOIAWASE_ORIGIN`` is one of the stack's ``AllowedOrigins``, sent as the ``Origin`` of every post.
Without ``TOIAWASE_URL`` the tests start ``toiawase dev --port 0`` and use it, so ``make test``
runs them here. Against a deployed stack, a message's arrival is judged by the status endpoint
(``GET /submissions/{id}`` reaching ``sent`` or ``delivered``), not by reading an inbox.
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

    def __init__(self, base_url: str, origin: str, dev: DevServerProcess | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.origin = origin
        self.dev = dev

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

        Locally the captured message is also there, with the id in its header."""
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
        return status


def deployed_target() -> Target | None:
    """The deployed stack named by ``TOIAWASE_URL``, or None to test the local dev server."""
    url = os.environ.get("TOIAWASE_URL", "").strip()
    if not url:
        return None
    origin = os.environ.get("TOIAWASE_ORIGIN", "").strip()
    if not origin:
        raise RuntimeError(
            "TOIAWASE_URL is set, so TOIAWASE_ORIGIN must name one of the stack's AllowedOrigins"
        )
    return Target(url, origin)


def local_target(dev: DevServerProcess) -> Target:
    return Target(dev.base_url, dev.base_url, dev)
