"""``toiawase dev``: the local endpoint, the example site and the mail preview on one port.

Routes, in order:

* ``OPTIONS`` (any path): the CORS preflight, answered here as API Gateway answers it in AWS
  (``toiawase.core.cors``, the template's ``CorsConfiguration``): the function never sees one;
* ``/_mail…`` (GET): the mail preview (``toiawase.local.preview``), loopback clients only;
* ``/_hooks/…`` (any method): the local receiver of webhook, Slack and Discord deliveries
  (``toiawase.local.hookbox``), loopback clients only: every request is kept as received and
  shown in the preview;
* ``/openapi.json`` (GET): the OpenAPI document of the forms served (``toiawase.local.devforms``);
* GET or HEAD of a file of the static site (the example site by default): the file;
* everything else: a real payload-2.0 event for the same Lambda handler that runs in AWS, so
  ``POST /submit`` and any API route added later work here without a change.

SES is embedded (moto) unless ``--real-ses``; every message SES accepts is printed to the
terminal and shown in the preview. The terminal shows one line per request
(``toiawase.local.terminal``); ``log_format="json"`` prints the handler's JSON log and EMF
metric lines instead.
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from toiawase.core import cors
from toiawase.core.config import load_settings
from toiawase.core.errors import ConfigError
from toiawase.local import preview, site
from toiawase.local.devforms import OPENAPI_PATH
from toiawase.local.events import build_event
from toiawase.local.hookbox import DEV_WEBHOOK_SECRET, HOOKS_PATH, MAX_BODY_BYTES, HookBox
from toiawase.local.runner import LocalRunner
from toiawase.local.sesbox import format_mail
from toiawase.local.terminal import outcome_from_logs, printable, request_line

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's own payload limit
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def _is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def reaches_loopback(host: str) -> bool:
    """True when a server bound to ``host`` is reachable at 127.0.0.1 (loopback or all)."""
    if _is_loopback(host):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


class DevServer(ThreadingHTTPServer):
    """The dev server: the Lambda handler (once ``runner`` is set), a static site, the preview."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        runner: LocalRunner | None = None,
        site_root: Path | None = None,
        out: TextIO | None = None,
        log_format: str = "pretty",
    ) -> None:
        super().__init__(address, DevRequestHandler)
        self.runner = runner
        self.site_root = site_root
        self.out: TextIO = out if out is not None else sys.stdout
        # The OpenAPI document served at /openapi.json (toiawase.local.devforms), once built.
        self.openapi: bytes | None = None
        self.log_format = log_format
        # The local receiver's requests (``/_hooks/…``); None when deliveries do not run here.
        self.hooks: HookBox | None = None
        # One invocation at a time, like one Lambda container; the preview reads under it too.
        self.lock = threading.Lock()

    @property
    def preview_hosts(self) -> frozenset[str] | None:
        """``Host`` values the preview answers, or ``None`` for any (bound beyond loopback).

        On a loopback address only loopback names are accepted, so a web page that rebinds its
        own DNS name to 127.0.0.1 cannot read the captured mail.
        """
        host = str(self.server_address[0])
        if not _is_loopback(host):
            return None
        port = self.server_address[1]
        names = {*_LOOPBACK_NAMES, host if ":" not in host else f"[{host}]"}
        return frozenset(f"{name}:{port}".lower() for name in names)


class DevRequestHandler(BaseHTTPRequestHandler):
    """Routes one request to the preview, the static site or the Lambda handler."""

    server_version = "toiawase-dev"
    server: DevServer

    _started: float = 0.0
    _forwarded: bool = False

    def log_message(self, format: str, *args: object) -> None:
        # One line per request: method, path, status and time; no query string, headers or body
        # (``log_error``'s messages can quote a malformed request line, so they are dropped).
        # A request the handler answered has its own, richer line (``_forward``).
        if not format.startswith('"%s"') or len(args) < 2 or self._forwarded:
            return
        command = getattr(self, "command", None) or "?"
        path = str(getattr(self, "path", ""))
        try:
            status = int(str(args[1]))
        except ValueError:
            return
        elapsed = (time.monotonic() - self._started) * 1000 if self._started else 0.0
        self.server.out.write(request_line(command, path, status, elapsed) + "\n")
        self.server.out.flush()

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _forward(self) -> None:
        runner = self.server.runner
        if runner is None:
            self.send_error(503, "Starting up")
            return
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
        with self.server.lock:
            done = runner.invoke_logged(event)
        result, mails = done.result, done.mails
        status = int(result["statusCode"])
        elapsed = (time.monotonic() - self._started) * 1000
        out = self.server.out
        self._forwarded = True
        if self.server.log_format == "json":
            for line in done.logs:
                out.write(_json_line(line) + "\n")
        else:
            outcome = outcome_from_logs(done.logs)
            out.write(request_line(self.command, url.path, status, elapsed, outcome) + "\n")
        for mail in mails:
            out.write(format_mail(mail) + "\n")
        out.flush()
        payload = result.get("body") or ""
        data = payload.encode("utf-8") if isinstance(payload, str) else b""
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        self._send(status, data, headers)

    def _local_host(self) -> bool:
        allowed = self.server.preview_hosts
        return allowed is None or (self.headers.get("host") or "").lower() in allowed

    def _preview(self, path: str) -> None:
        if not self._local_host():
            self.send_error(403, "The mail preview answers only on localhost")
            return
        if self.command not in ("GET", "HEAD"):
            self.send_error(405, "The mail preview is read-only")
            return
        runner = self.server.runner
        with self.server.lock:
            mails = runner.ses.messages() if runner is not None and runner.ses is not None else None
        hooks = self.server.hooks.requests() if self.server.hooks is not None else None
        page = preview.respond(path, mails, hooks)
        self._send(page.status, page.body, page.headers)

    def _receive(self) -> None:
        """The local receiver: keep the request as it arrived, answer 200 (never the lock the
        delivery consumer holds while it posts here)."""
        hooks = self.server.hooks
        if hooks is None:
            self.send_error(404, "No local receiver (deliveries run only with embedded AWS)")
            return
        if not self._local_host():
            self.send_error(403, "The local receiver answers only on localhost")
            return
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            self.send_error(413, "Request entity too large")
            return
        body = self.rfile.read(length) if length else b""
        got = hooks.record(self.command, self.path, list(self.headers.items()), body)
        answer = json.dumps({"ok": True, "received": got.number}).encode("utf-8")
        self._send(200, answer, {"Content-Type": "application/json"})

    def _static(self, path: str) -> bool:
        """Serve ``path`` from the static site; False when the site has no such file."""
        root = self.server.site_root
        if root is None or self.command not in ("GET", "HEAD"):
            return False
        found = site.resolve(root, path)
        if found is None:
            return False
        if isinstance(found, site.StaticRedirect):
            self._send(301, b"", {"Location": found.location})
            return True
        data = found.path.read_bytes()
        headers = {
            "Content-Type": found.content_type,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        }
        self._send(200, data, headers)
        return True

    def _openapi(self) -> bool:
        """Serve the OpenAPI document (GET or HEAD of /openapi.json); False when there is none."""
        document = self.server.openapi
        if document is None or self.command not in ("GET", "HEAD"):
            return False
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        }
        self._send(200, document, headers)
        return True

    def _preflight(self) -> None:
        """204 with API Gateway's CORS headers, from the same settings as the function's."""
        try:
            origins: tuple[str, ...] = load_settings(os.environ).allowed_origins
        except ConfigError:
            origins = ()
        self._send(204, b"", cors.preflight_headers(self.headers.get("origin"), origins))

    def _route(self) -> None:
        self._started, self._forwarded = time.monotonic(), False
        path = urlsplit(self.path).path
        if self.command == "OPTIONS":
            self._preflight()
        elif path == preview.PREVIEW_PATH or path.startswith(preview.PREVIEW_PATH + "/"):
            self._preview(path)
        elif path.startswith(HOOKS_PATH + "/"):
            self._receive()
        elif path == OPENAPI_PATH and self._openapi():
            pass
        elif not self._static(path):
            self._forward()

    do_GET = _route  # noqa: N815 - http.server's naming
    do_HEAD = _route  # noqa: N815
    do_POST = _route  # noqa: N815
    do_PUT = _route  # noqa: N815
    do_PATCH = _route  # noqa: N815
    do_DELETE = _route  # noqa: N815
    do_OPTIONS = _route  # noqa: N815

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every other method (TRACE, QUERY, …) reaches the function too, which answers 405 with
        # Allow; http.server alone would answer 501, a 5xx no deployed endpoint gives.
        if name.startswith("do_"):
            return self._route
        raise AttributeError(name)


def _json_line(line: str) -> str:
    """A handler's log or EMF line, re-encoded as ASCII JSON so no character in it can act on
    the terminal; a line that is not JSON is made printable."""
    try:
        return json.dumps(json.loads(line), ensure_ascii=True, separators=(",", ":"))
    except ValueError:
        return printable(line)


@dataclass(frozen=True)
class LocalReceiver:
    """Where the dev server receives deliveries, and the demonstration form's secret."""

    base: str  # http://127.0.0.1:PORT/_hooks
    secret: str


def start_local_receiver(server: DevServer) -> LocalReceiver:
    """Receive every delivery here: the local receiver on the server's own port, loopback http
    allowed for webhooks (``WEBHOOK_ALLOW_LOOPBACK``), every form's http targets sent to it
    (``DELIVERY_LOCAL_RECEIVER``), and receipts decided against a local suppression list
    (moto has none). Only the dev server calls this: nothing in a deployment sets these."""
    from toiawase.handlers import notify_wiring
    from toiawase.local.suppressions import LocalSuppressions

    server.hooks = HookBox()
    base = f"http://127.0.0.1:{server.server_port}{HOOKS_PATH}"
    os.environ["WEBHOOK_ALLOW_LOOPBACK"] = "true"
    os.environ[notify_wiring.LOCAL_RECEIVER] = base
    notify_wiring.use_local_suppressions(LocalSuppressions())
    return LocalReceiver(base, DEV_WEBHOOK_SECRET)


def start_queue_drainer(
    runner: LocalRunner, out: TextIO, interval: float = 2.0, log_format: str = "pretty"
) -> threading.Event:
    """Drain the retry queue every ``interval`` s in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            mails, logs = runner.drain_logged()
            if log_format == "json":
                for line in logs:
                    out.write(_json_line(line) + "\n")
            for mail in mails:
                out.write("(sent from a queue: a retry or a receipt)\n" + format_mail(mail) + "\n")
                out.flush()

    threading.Thread(target=loop, name="retry-queue-drainer", daemon=True).start()
    return stop


def make_server(
    runner: LocalRunner | None,
    host: str = "127.0.0.1",
    port: int = 3000,
    *,
    site_root: Path | None = None,
    out: TextIO | None = None,
    log_format: str = "pretty",
) -> DevServer:
    """A dev server bound to ``host:port`` (port 0 picks a free one).

    ``runner`` may be set later (``server.runner = …``): the CLI binds first, so that the local
    defaults can name the port actually bound.
    """
    return DevServer(
        (host, port), runner=runner, site_root=site_root, out=out, log_format=log_format
    )
