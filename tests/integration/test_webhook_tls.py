"""The webhook client over real TLS: a local HTTPS server on 127.0.0.1 with certificates from
a test CA (``trustme``), its host names served by the local DNS server (``localdns.py``).

The client sends SNI equal to the URL's host name (seen by the server), verifies the
certificate for that name (a certificate for another name, or from a CA it does not trust, is
refused with a clear delivery error and nothing is sent), and connects only to the address it
resolved and checked, once. The two seams (``tls``: trust the test CA; ``trusted_test_addresses``:
let 127.0.0.1 stand in for a public address) are constructor arguments the delivery wiring
never passes (the last test)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import trustme

from tests.integration.localdns import local_dns
from tests.integration.test_webhook_ssrf import make_resolve
from toiawase.adapters.webhook_http import SafeHttpClient
from toiawase.core.notify.ports import PostFailed
from toiawase.core.notify.urlpolicy import UrlPolicy, UrlRefused

LOOPBACK = ipaddress.ip_address("127.0.0.1")
ZONE = """
hooks.test.     60 IN A  127.0.0.1
other.test.     60 IN A  127.0.0.1
private.test.   60 IN A  10.0.0.5
"""


@dataclass
class TlsServer:
    """An HTTPS server on 127.0.0.1: the SNI names it saw, the requests that reached it."""

    port: int
    sni: list[str | None] = field(default_factory=list)
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        self.server.record.received.append((self.path, dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a refused handshake is what several tests expect


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def dns_server() -> Iterator[Any]:
    with local_dns(ZONE) as server:
        yield server


def _serve(cert: trustme.LeafCert) -> Iterator[TlsServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server = _Quiet(("127.0.0.1", 0), _Handler)
    record = TlsServer(port=int(server.server_address[1]))
    server.record = record  # type: ignore[attr-defined]

    def seen(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        record.sni.append(name)

    context.sni_callback = seen
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def https(ca: trustme.CA) -> Iterator[TlsServer]:
    """Serves a certificate for hooks.test only."""
    yield from _serve(ca.issue_cert("hooks.test"))


class Recorder:
    """The connections the client opens (real ones), and its lookups."""

    def __init__(self, resolve: Any) -> None:
        self.connects: list[tuple[str, int]] = []
        self.lookups: list[str] = []
        self._resolve = resolve

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        found: list[str] = self._resolve(host, port)
        return found

    def connect(self, address: tuple[str, int], timeout: float) -> socket.socket:
        self.connects.append(address)
        return socket.create_connection(address, timeout=timeout)


def client(dns: Any, trust: trustme.CA, port: int) -> tuple[SafeHttpClient, Recorder]:
    recorder = Recorder(make_resolve(dns))
    context = ssl.create_default_context()
    trust.configure_trust(context)
    http = SafeHttpClient(
        UrlPolicy(ports=frozenset({port})),
        resolve=recorder.resolve,
        connect=recorder.connect,
        tls=context,
        trusted_test_addresses=frozenset({LOOPBACK}),
    )
    return http, recorder


def test_sni_is_the_host_name_and_the_certificate_is_verified_for_it(dns_server, ca, https):
    http, recorder = client(dns_server, ca, https.port)
    reply = http.post(f"https://hooks.test:{https.port}/in?x=1", b'{"a":1}', {"X-Test": "1"})
    assert reply.status == 200 and reply.body == b"ok"
    assert https.sni == ["hooks.test"]
    ((path, headers, body),) = https.received
    assert (path, body) == ("/in?x=1", b'{"a":1}')
    assert headers["Host"] == f"hooks.test:{https.port}"
    # One lookup, one connection, to the address that was checked.
    assert recorder.lookups == ["hooks.test"]
    assert recorder.connects == [("127.0.0.1", https.port)]


def test_a_certificate_for_another_name_is_refused_and_nothing_is_sent(dns_server, ca, https):
    """other.test resolves to the same server, which shows its hooks.test certificate."""
    http, recorder = client(dns_server, ca, https.port)
    with pytest.raises(PostFailed) as failed:
        http.post(f"https://other.test:{https.port}/in", b"{}", {})
    assert failed.value.code == "tls_wrong_name" and not failed.value.transient
    assert https.sni == ["other.test"]  # the client asked for the name it was given
    assert https.received == []  # not sent
    assert recorder.connects == [("127.0.0.1", https.port)]


def test_an_untrusted_ca_is_refused_and_nothing_is_sent(dns_server, https):
    http, _ = client(dns_server, trustme.CA(), https.port)  # trusts another CA only
    with pytest.raises(PostFailed) as failed:
        http.post(f"https://hooks.test:{https.port}/in", b"{}", {})
    assert failed.value.code == "tls_untrusted" and not failed.value.transient
    assert https.received == []


def test_the_system_trust_store_does_not_know_the_test_ca(dns_server, https):
    """Without the ``tls`` seam the client trusts the system's CAs only."""
    recorder = Recorder(make_resolve(dns_server))
    http = SafeHttpClient(
        UrlPolicy(ports=frozenset({https.port})),
        resolve=recorder.resolve,
        connect=recorder.connect,
        trusted_test_addresses=frozenset({LOOPBACK}),
    )
    with pytest.raises(PostFailed) as failed:
        http.post(f"https://hooks.test:{https.port}/in", b"{}", {})
    assert failed.value.code == "tls_untrusted"
    assert https.received == []


def test_the_address_seam_lets_through_only_the_address_it_names(dns_server, ca, https):
    http, recorder = client(dns_server, ca, https.port)
    with pytest.raises(UrlRefused):
        http.post(f"https://private.test:{https.port}/in", b"{}", {})
    assert recorder.connects == []
    # And without the seam, 127.0.0.1 is refused before any connection, as in production.
    plain = SafeHttpClient(
        UrlPolicy(ports=frozenset({https.port})),
        resolve=make_resolve(dns_server),
        connect=recorder.connect,
    )
    with pytest.raises(UrlRefused) as refused:
        plain.post(f"https://hooks.test:{https.port}/in", b"{}", {})
    assert refused.value.reason == "loopback"
    assert recorder.connects == [] and https.received == []


def test_the_delivery_wiring_uses_neither_seam(monkeypatch):
    """The deployed client: the system's trust store, no address let through."""
    from toiawase.handlers import notify_wiring

    env = {
        "SUBMISSIONS_TABLE": "t-seams",
        "WEBHOOK_ALLOWED_PORTS": "443",
        "WEBHOOK_ALLOW_LOOPBACK": "true",
        "AWS_REGION": "us-east-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    poster = notify_wiring.delivery_deps(env).poster
    assert isinstance(poster, SafeHttpClient)
    assert poster.trusted_test_addresses == frozenset()
    default = ssl.create_default_context()
    assert poster._tls.verify_mode == default.verify_mode == ssl.CERT_REQUIRED
    assert poster._tls.check_hostname is True
