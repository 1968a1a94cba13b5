"""``toiawase dev``: the local endpoint on http://127.0.0.1:3000.

Each request becomes a real payload-2.0 event for the same Lambda handler that runs in AWS.
SES is embedded (moto) unless ``--real-ses``; every message SES accepts is printed.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, TextIO
from urllib.parse import urlsplit

from toiawase.core.service import STATUS_PREFIX, SUBMIT_PATH
from toiawase.local.events import build_event
from toiawase.local.runner import LocalRunner
from toiawase.local.sesbox import format_mail

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's own payload limit


class DevRequestHandler(BaseHTTPRequestHandler):
    """Forwards API routes to the Lambda handler."""

    runner: ClassVar[LocalRunner]
    out: ClassVar[TextIO] = sys.stdout
    server_version = "toiawase-dev"

    def log_message(self, format: str, *args: object) -> None:
        self.out.write(
            f"{self.command} {self.path.split('?')[0]} -> {args[1] if len(args) > 1 else ''}\n"
        )

    def _forward(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_REQUEST_BYTES:
            self.send_error(413, "Request entity too large")
            return
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        event = build_event(
            self.command,
            url.path,
            list(self.headers.items()),
            body,
            query=url.query,
            source_ip=self.client_address[0],
            route_key=f"{self.command} {url.path}",
        )
        result, mails = self.runner.invoke(event)
        for mail in mails:
            self.out.write(format_mail(mail) + "\n")
        self.out.flush()
        payload = result.get("body") or ""
        data = payload.encode("utf-8") if isinstance(payload, str) else b""
        self.send_response(int(result["statusCode"]))
        for name, value in (result.get("headers") or {}).items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _route(self) -> None:
        path = urlsplit(self.path).path
        if path.rstrip("/") == SUBMIT_PATH or path.startswith(STATUS_PREFIX):
            self._forward()
        else:
            self.send_error(404, "Not found")

    do_POST = _route  # noqa: N815 - http.server's naming
    do_OPTIONS = _route  # noqa: N815
    do_GET = _route  # noqa: N815


def start_queue_drainer(runner: LocalRunner, out: TextIO, interval: float = 2.0) -> threading.Event:
    """Drain the retry queue every ``interval`` s in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            for mail in runner.drain():
                out.write("(sent from the retry queue)\n" + format_mail(mail) + "\n")
                out.flush()

    threading.Thread(target=loop, name="retry-queue-drainer", daemon=True).start()
    return stop


def make_server(
    runner: LocalRunner, host: str = "127.0.0.1", port: int = 3000
) -> ThreadingHTTPServer:
    """A dev server bound to ``host:port`` (port 0 picks a free one)."""
    handler = type("BoundDevRequestHandler", (DevRequestHandler,), {"runner": runner})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
