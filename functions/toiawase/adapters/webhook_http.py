"""The one HTTP client that talks to owner-configured URLs: SSRF-proof by construction.

``toiawase.core.notify.urlpolicy`` decides; this module resolves and connects:

* the host is resolved once (``socket.getaddrinfo``: dnspython is not in the Lambda artifact)
  and **every** address is checked; one refused address refuses the delivery, so a rebinding
  answer that mixes a public and a private address cannot win;
* the connection goes to a checked address: no second lookup happens anywhere (``http.client``
  is handed the connected socket), while TLS SNI, certificate verification and ``Host`` use
  the name;
* no redirect is followed (a 3xx is a permanent failure), the whole exchange has a 5 s
  deadline (a watchdog closes the socket, so a slow drip of bytes cannot stretch it), and at
  most 64 KB of the answer is read.

Refusals are reported to ``on_refused`` (reason, redacted URL) for the metric and the log. A
certificate that does not verify ends the delivery for good with a code that says why
(``tls_wrong_name``, ``tls_untrusted``, ``tls_expired``, else ``tls_certificate``): nothing is
sent, and retrying would not change the answer.

Two constructor arguments exist for the TLS tests only (tests/integration/test_webhook_tls.py):
``tls`` (a context trusting the tests' own CA) and ``trusted_test_addresses`` (addresses the
address check lets through, so a local HTTPS server on 127.0.0.1 can stand in for a public
one). The delivery function's wiring (``handlers.notify_wiring``) passes neither, and no
variable, template parameter or forms key reaches them, as ``WEBHOOK_ALLOW_LOOPBACK`` is
never set by the template.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping

from toiawase.core.notify.ports import HttpReply, PostFailed
from toiawase.core.notify.urlpolicy import (
    IPAddress,
    UrlPolicy,
    UrlRefused,
    check_address,
    check_url,
    redact,
)

TIMEOUT_SECONDS = 5.0
MAX_RESPONSE_BYTES = 64 * 1024
Resolve = Callable[[str, int], list[str]]
Connect = Callable[[tuple[str, int], float], socket.socket]


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (TCP), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def _connect(address: tuple[str, int], timeout: float) -> socket.socket:
    return socket.create_connection(address, timeout=timeout)


class SafeHttpClient:
    """Implements ``toiawase.core.notify.ports.WebhookPoster``."""

    def __init__(
        self,
        policy: UrlPolicy,
        *,
        resolve: Resolve = system_resolve,
        connect: Connect = _connect,
        timeout: float = TIMEOUT_SECONDS,
        max_bytes: int = MAX_RESPONSE_BYTES,
        on_refused: Callable[[str, str], None] | None = None,
        tls: ssl.SSLContext | None = None,
        trusted_test_addresses: frozenset[IPAddress] = frozenset(),
    ) -> None:
        self._policy = policy
        self._resolve = resolve
        self._connect = connect
        self._timeout = timeout
        self._max = max_bytes
        self._on_refused = on_refused
        self._tls = tls or ssl.create_default_context()
        self.trusted_test_addresses = trusted_test_addresses

    def addresses(self, url: str) -> tuple[str, int, list[IPAddress], str, str]:
        """Check the URL and resolve its host; every address checked. Raises ``UrlRefused``."""
        destination = check_url(url, self._policy)
        if destination.literal is not None:
            found: list[IPAddress] = [destination.literal]
        else:
            try:
                names = self._resolve(destination.host, destination.port)
            except (OSError, UnicodeError) as exc:
                raise PostFailed("dns_failed", transient=True) from exc
            if not names:
                raise PostFailed("dns_empty", transient=True)
            try:
                found = [ipaddress.ip_address(n) for n in names]
            except ValueError as exc:
                raise UrlRefused("malformed", "the resolver gave an unreadable address") from exc
        for address in found:
            if address not in self.trusted_test_addresses:
                check_address(address, self._policy, destination)
        return destination.host, destination.port, found, destination.target, destination.scheme

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpReply:
        try:
            host, port, found, target, scheme = self.addresses(url)
        except UrlRefused as exc:
            if self._on_refused is not None:
                self._on_refused(exc.reason, redact(url))
            raise
        deadline = time.monotonic() + self._timeout
        sock = self._open(found, port, deadline)
        current = [sock]  # wrap_socket detaches the plain socket: the watchdog shuts the live one
        timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, (current,))
        timer.daemon = True
        timer.start()
        try:
            if scheme == "https":
                sock = current[0] = self._tls.wrap_socket(sock, server_hostname=host)
            return self._exchange(sock, host, port, scheme, target, body, headers, deadline)
        except ssl.SSLCertVerificationError as exc:
            raise PostFailed(_tls_code(exc), transient=False) from exc
        except (OSError, http.client.HTTPException) as exc:
            code = "timeout" if time.monotonic() >= deadline else type(exc).__name__
            raise PostFailed(code, transient=True) from exc
        finally:
            timer.cancel()
            sock.close()

    def _open(self, found: list[IPAddress], port: int, deadline: float) -> socket.socket:
        last: OSError | None = None
        for address in found:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                return self._connect((str(address), port), remaining)
            except OSError as exc:
                last = exc
        raise PostFailed("connect_failed", transient=True) from last

    def _exchange(
        self,
        sock: socket.socket,
        host: str,
        port: int,
        scheme: str,
        target: str,
        body: bytes,
        headers: Mapping[str, str],
        deadline: float,
    ) -> HttpReply:
        connection = http.client.HTTPConnection(host, port, timeout=self._timeout)
        if scheme == "https" and port == 443:
            connection.port = 443  # ``Host: name`` without the default port
        connection.sock = sock  # connected to the checked address: no second lookup
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        connection.request("POST", target, body=body, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        data = b""
        while len(data) < self._max and not response.isclosed():
            with contextlib.suppress(OSError):  # closed once the whole answer was read
                sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = response.read(min(8192, self._max - len(data)))
            if not chunk:
                break
            data += chunk
        if time.monotonic() >= deadline:
            # The watchdog cut the exchange short: whatever was parsed is not an answer.
            raise PostFailed("timeout", transient=True)
        status = response.status
        if 200 <= status < 300:
            return HttpReply(status, data)
        if 300 <= status < 400:
            raise PostFailed("redirect_refused", transient=False, http_status=status)
        transient = status in (408, 425, 429) or status >= 500
        raise PostFailed(f"http_{status}", transient=transient, http_status=status)


# OpenSSL's X509_V_ERR_* codes (x509_vfy.h) for the failures an owner can act on.
_TLS_CODES = {
    62: "tls_wrong_name",  # HOSTNAME_MISMATCH (64: IP_ADDRESS_MISMATCH)
    64: "tls_wrong_name",
    10: "tls_expired",  # CERT_HAS_EXPIRED
    18: "tls_untrusted",  # DEPTH_ZERO_SELF_SIGNED_CERT
    19: "tls_untrusted",  # SELF_SIGNED_CERT_IN_CHAIN
    20: "tls_untrusted",  # UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    21: "tls_untrusted",  # UNABLE_TO_VERIFY_LEAF_SIGNATURE
}


def _tls_code(exc: ssl.SSLCertVerificationError) -> str:
    """Why the receiver's certificate was refused, as a delivery error code."""
    return _TLS_CODES.get(int(exc.verify_code or 0), "tls_certificate")


def _shut(current: list[socket.socket]) -> None:
    """The watchdog: end the exchange at the deadline, whatever it is waiting for."""
    with contextlib.suppress(OSError):
        current[0].shutdown(socket.SHUT_RDWR)
