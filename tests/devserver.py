"""The dev server as a real process (``toiawase dev --port 0``), for the tests that drive it
over HTTP: the browser tests and the local front-door tests."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.request
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tests.contract import CONTRACT_NAMES

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("toiawase"))


class Mailbox:
    """The dev server's captured mail, read through its preview (``/_mail/messages.json``)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.base_url + path, timeout=10) as response:
            data: bytes = response.read()
            return data

    def entries(self) -> list[dict[str, Any]]:
        entries = json.loads(self._get("/_mail/messages.json"))["messages"]
        assert isinstance(entries, list)
        return entries

    def count(self) -> int:
        return len(self.entries())

    def message(self, number: int) -> EmailMessage:
        parsed = message_from_bytes(self._get(f"/_mail/{number}/raw"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def newest(self) -> EmailMessage:
        return self.message(self.count())


class DevServerProcess:
    """``toiawase dev --port 0`` as ``make dev`` runs it (the repository's ``forms.yaml``), with
    the local defaults; ``args`` are more options (``--forms FILE``, ``--no-forms``), ``env``
    more variables (``RATE_LIMITS`` …)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "POWERTOOLS_"))
            and k not in CONTRACT_NAMES
            and k != "FORMS_FILE"
        }
        environment["PYTHONUNBUFFERED"] = "1"
        environment.update(env or {})
        self.process = subprocess.Popen(
            [CLI, "dev", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
            cwd=ROOT,
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        first = self.wait_for(r"http://127\.0\.0\.1:\d+/submit", timeout=90)
        match = re.search(r":(\d+)/submit", first)
        assert match is not None
        self.port = int(match.group(1))
        self.wait_for(r"Ctrl-C stops")
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.mailbox = Mailbox(self.base_url)

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self._lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    raise AssertionError("dev server exited:\n" + "".join(self.output)) from None
                continue
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} within {timeout}s")

    def post(
        self, body: bytes, headers: dict[str, str], path: str = "/submit"
    ) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse()

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
