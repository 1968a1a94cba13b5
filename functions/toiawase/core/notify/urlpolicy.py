"""Which webhook URLs and which addresses a delivery may reach (the SSRF policy), pure.

The adapter (``toiawase.adapters.webhook_http``) resolves the host and connects; this module
decides. ``toiawase forms check`` uses the same rules on literal URLs before a deploy.

Refused: anything but ``https`` (``http`` only to ``127.0.0.1`` with ``allow_loopback``, for
``make dev``); a port outside ``ports``; a user name or password in the URL; a host spelled as
a number other than a canonical dotted quad (``2130706433``, ``0x7f.1``, ``0177.0.0.1``,
``127.1``: resolvers read these as addresses, so they are refused before any lookup); and every
address that is not plainly global unicast: loopback, RFC 1918 private, link-local (with
169.254.169.254 and fd00:ec2::254, the instance metadata endpoints), CGNAT 100.64/10,
multicast, unspecified, reserved and documentation ranges, and IPv6 forms that embed an IPv4
address (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo) when the
embedded address is refused; the local-use NAT64 prefix 64:ff9b:1::/48 is refused whole.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Explicit lists, so the decision does not change with the Python version's idea of "global".
_REFUSED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",  # RFC 1918
        "100.64.0.0/10",  # CGNAT (RFC 6598)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, 169.254.169.254 instance metadata
        "172.16.0.0/12",  # RFC 1918
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # RFC 1918
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, with 255.255.255.255 broadcast
    )
)
_REFUSED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",  # unspecified
        "::1/128",  # loopback
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "100::/64",  # discard
        "2001::/23",  # IETF special purpose (Teredo 2001::/32 among them)
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local, fd00:ec2::254 instance metadata among them
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# A label that an inet_aton-style parser reads as a number: decimal, octal (0…) or hex (0x…).
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
LOOPBACK_HOST = "127.0.0.1"


class UrlRefused(ValueError):
    """A URL or address the policy refuses. ``reason`` is a short code, safe to log and count."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class UrlPolicy:
    """``ports``: the https ports allowed (443 by default); ``allow_loopback``: ``make dev``."""

    ports: frozenset[int] = frozenset({443})
    allow_loopback: bool = False


@dataclass(frozen=True)
class Destination:
    """A URL the policy accepted: where to connect (after the address check) and what to ask."""

    scheme: str
    host: str  # lower-case ASCII (IDNA) name, or the address's text for a literal
    port: int
    target: str  # path and query, as sent in the request line
    literal: IPAddress | None  # set when the host is an address literal

    @property
    def loopback_dev(self) -> bool:
        return self.scheme == "http"


def parse_policy(ports: str | None, allow_loopback: str | None) -> UrlPolicy:
    """From ``WEBHOOK_ALLOWED_PORTS`` ("443,8443") and ``WEBHOOK_ALLOW_LOOPBACK`` ("true")."""
    allowed = frozenset(int(p) for p in (ports or "443").replace(" ", "").split(",") if p)
    if not allowed or any(not 0 < p < 65536 for p in allowed):
        raise ValueError("WEBHOOK_ALLOWED_PORTS must list ports between 1 and 65535")
    return UrlPolicy(allowed, (allow_loopback or "").strip().lower() == "true")


def redact(url: str) -> str:
    """What may be logged of a webhook URL: scheme, host and port only.

    Not the query, and not the path either: Slack's and Discord's webhook URLs carry their
    secret token in the path (``/services/T…/B…/token``, ``/api/webhooks/id/token``).
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or "-"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unparseable URL)"
    return f"{parts.scheme or '-'}://{host}{port}/…"


def _numeric_host(host: str) -> bool:
    labels = host.rstrip(".").split(".")
    return bool(labels) and bool(_NUMERIC_LABEL.fullmatch(labels[-1]))


def check_url(url: str, policy: UrlPolicy) -> Destination:
    """Parse ``url`` and apply everything that can be decided before a DNS lookup."""
    if _FORBIDDEN_CHARS.search(url) or len(url) > 2048:
        raise UrlRefused("malformed", "the URL contains spaces, control characters or '\\'")
    try:
        parts = urlsplit(url)
        port = parts.port
        raw_host = parts.hostname
    except ValueError as exc:
        raise UrlRefused("malformed", "the URL cannot be parsed") from exc
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UrlRefused("credentials", "the URL carries a user name or password")
    if not raw_host:
        raise UrlRefused("malformed", "the URL has no host")
    scheme = parts.scheme.lower()
    literal: IPAddress | None = None
    if "%" in raw_host:
        raise UrlRefused("malformed", "a zone id in the host is not allowed")
    try:
        literal = ipaddress.ip_address(raw_host)
    except ValueError:
        literal = None
    if literal is not None:
        host = str(literal)
    else:
        try:
            host = raw_host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise UrlRefused("malformed", "the host is not a valid domain name") from exc
        # A canonical dotted quad was taken by ip_address above; any other all-numeric host
        # is an address in disguise that resolvers would accept.
        if _numeric_host(host):
            raise UrlRefused(
                "ip_spelling", "an address written as a number, octal or hex is not allowed"
            )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if scheme == "http" and policy.allow_loopback and host == LOOPBACK_HOST and port:
        return Destination("http", host, port, target, literal)
    if scheme != "https":
        raise UrlRefused("scheme", "only https:// URLs are allowed")
    port = port or 443
    if port not in policy.ports:
        raise UrlRefused("port", f"port {port} is not allowed (allowed: {sorted(policy.ports)})")
    if host == "localhost" or host.endswith(".localhost"):
        raise UrlRefused("loopback", "localhost is not allowed")
    destination = Destination("https", host, port, target, literal)
    if literal is not None:
        check_address(literal, policy, destination)
    return destination


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why ``address`` may not be connected to (a reason code), or None when it is global."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.teredo is not None:
            return "teredo"
        if address in _V4_COMPATIBLE and int(address) > 1:
            return "v4_compatible"  # deprecated (RFC 4291): never a real destination
        embedded = _embedded_v4(address)
        if embedded is not None:
            inner = address_problem(embedded)
            return f"embedded_{inner}" if inner else None
        if any(address in network for network in _REFUSED_V6):
            return _kind(address)
        return None if address.is_global else "reserved"
    if any(address in network for network in _REFUSED_V4):
        return _kind(address)
    return None if address.is_global else "reserved"


def _kind(address: IPAddress) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if isinstance(address, ipaddress.IPv4Address) and address in _REFUSED_V4[2]:
        return "cgnat"
    if address.is_private:
        return "private"
    return "reserved"


def check_address(address: IPAddress, policy: UrlPolicy, destination: Destination) -> None:
    """Raise ``UrlRefused`` unless ``address`` may be connected to for ``destination``."""
    if destination.loopback_dev and policy.allow_loopback:
        if address == ipaddress.IPv4Address(LOOPBACK_HOST):
            return
        raise UrlRefused("loopback", "only 127.0.0.1 is allowed for local http webhooks")
    problem = address_problem(address)
    if problem is not None:
        raise UrlRefused(problem, f"the address is not public ({problem})")
