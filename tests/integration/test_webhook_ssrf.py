"""The SSRF corpus: 50+ URLs, hostnames served by a local DNS server; no connection is ever
opened to a refused address, each refusal is counted and logged without the URL's query."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import dns.resolver
import pytest

from tests.integration.localdns import local_dns
from toiawase.adapters.webhook_http import SafeHttpClient
from toiawase.core.notify.ports import PostFailed
from toiawase.core.notify.urlpolicy import UrlPolicy, UrlRefused

ZONE = """
private.test.     60 IN A     10.0.0.5
private172.test.  60 IN A     172.16.3.4
private192.test.  60 IN A     192.168.1.1
meta.test.        60 IN A     169.254.169.254
loop.test.        60 IN A     127.0.0.1
loop2.test.       60 IN A     127.45.6.7
zero.test.        60 IN A     0.0.0.0
cgnat.test.       60 IN A     100.64.0.1
multicast.test.   60 IN A     239.1.2.3
broadcast.test.   60 IN A     255.255.255.255
reserved.test.    60 IN A     240.0.0.1
v6loop.test.      60 IN AAAA  ::1
v6ula.test.       60 IN AAAA  fd12:3456::1
ec2v6.test.       60 IN AAAA  fd00:ec2::254
v6ll.test.        60 IN AAAA  fe80::1
mapped.test.      60 IN AAAA  ::ffff:a00:1
mappedmeta.test.  60 IN AAAA  ::ffff:a9fe:a9fe
nat64.test.       60 IN AAAA  64:ff9b::7f00:1
nat64meta.test.   60 IN AAAA  64:ff9b::a9fe:a9fe
nat64local.test.  60 IN AAAA  64:ff9b:1::808:808
sixtofour.test.   60 IN AAAA  2002:a00:1::1
teredo.test.      60 IN AAAA  2001:0:4136:e378:8000:63bf:3fff:fdd2
mixed.test.       60 IN A     93.184.216.34
mixed.test.       60 IN A     10.1.1.1
mixed6.test.      60 IN A     93.184.216.34
mixed6.test.      60 IN AAAA  ::1
cname.test.       60 IN CNAME loop.test.
public.test.      60 IN A     93.184.216.34
public6.test.     60 IN AAAA  2606:2800:220:1:248:1893:25c8:1946
"""

REFUSED_NAMES = [
    "private.test",
    "private172.test",
    "private192.test",
    "meta.test",
    "loop.test",
    "loop2.test",
    "zero.test",
    "cgnat.test",
    "multicast.test",
    "broadcast.test",
    "reserved.test",
    "v6loop.test",
    "v6ula.test",
    "ec2v6.test",
    "v6ll.test",
    "mapped.test",
    "mappedmeta.test",
    "nat64.test",
    "nat64meta.test",
    "nat64local.test",
    "sixtofour.test",
    "teredo.test",
    "mixed.test",
    "mixed6.test",
    "cname.test",
]
REFUSED_LITERALS = [
    "https://127.0.0.1/",
    "https://10.0.0.1/",
    "https://172.31.255.255/",
    "https://192.168.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.100.100.200/",
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "https://[::1]/",
    "https://[::]/",
    "https://[fd00:ec2::254]/",
    "https://[fe80::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:a9fe:a9fe]/",
    "https://[::127.0.0.1]/",
    "https://[64:ff9b::10.0.0.1]/",
    "https://[64:ff9b:1::1]/",
    "https://[2002:c0a8:101::1]/",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "https://[ff02::1]/",
    "https://2130706433/",
    "https://017700000001/",
    "https://0x7f000001/",
    "https://0x7f.0.0.1/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://10.1/",
    "https://169.254.43518/",
    "https://localhost/",
    "https://api.localhost/",
    "http://93.184.216.34/",
    "ftp://public.test/",
    "file:///etc/passwd",
    "gopher://public.test:70/",
    "https://public.test:8443/",
    "https://public.test:22/",
    "https://user:pw@public.test/",
    "https://user@public.test/",
    "https://public.test@10.0.0.1/",
    "http://127.0.0.1:8080/",  # loopback over http: only with WEBHOOK_ALLOW_LOOPBACK
    "https://public.test\\@10.0.0.1/",
    "https:// public.test/",
    "https://[fe80::1%25eth0]/",
]


class Connections:
    """Records every connection attempt; opens none (the corpus never needs one)."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []

    def __call__(self, address, timeout):
        self.attempts.append(address)
        raise OSError("no network in tests")


@pytest.fixture(scope="module")
def dns_server():
    with local_dns(ZONE) as server:
        yield server


def make_resolve(server):
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [server.host]
    resolver.port = server.port
    resolver.lifetime = 2

    def resolve(host, port):
        found = []
        for kind in ("A", "AAAA"):
            with contextlib.suppress(dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                found += [r.to_text() for r in resolver.resolve(host, kind)]
        return found

    return resolve


def client(server, connections, refusals, **kwargs):
    return SafeHttpClient(
        UrlPolicy(),
        resolve=make_resolve(server),
        connect=connections,
        on_refused=lambda reason, where: refusals.append((reason, where)),
        **kwargs,
    )


CORPUS = [f"https://{name}/hook?token=SECRET-{i}" for i, name in enumerate(REFUSED_NAMES)]
CORPUS += [f"{url}?token=SECRET-L{i}" for i, url in enumerate(REFUSED_LITERALS)]


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 40 and len(set(CORPUS)) == len(CORPUS)


@pytest.mark.parametrize("url", CORPUS)
def test_refused_without_any_connection(dns_server, url):
    connections, refusals = Connections(), list[tuple[str, str]]()
    with pytest.raises(UrlRefused):
        client(dns_server, connections, refusals).post(url, b"{}", {})
    assert connections.attempts == []
    assert len(refusals) == 1  # counted once
    reason, where = refusals[0]
    assert reason and "SECRET" not in where and "?" not in where and "hook" not in where


def test_public_address_is_the_one_connected_no_second_lookup(dns_server):
    connections, refusals = Connections(), list[tuple[str, str]]()
    lookups = []
    resolve = make_resolve(dns_server)

    def counting(host, port):
        lookups.append(host)
        return resolve(host, port)

    http = SafeHttpClient(UrlPolicy(), resolve=counting, connect=connections)
    with pytest.raises(PostFailed) as failed:
        http.post("https://public.test/hook?x=1", b"{}", {})
    assert failed.value.transient
    assert lookups == ["public.test"]
    assert connections.attempts == [("93.184.216.34", 443)]
    assert refusals == []


def test_rebinding_answer_cannot_slip_a_private_address_in(dns_server):
    """A resolver that answers public, then private: checked once, connected to what was
    checked; the second (private) answer is never asked for."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    connections = Connections()
    http = SafeHttpClient(UrlPolicy(), resolve=lambda h, p: next(answers), connect=connections)
    with pytest.raises(PostFailed):
        http.post("https://rebind.test/", b"{}", {})
    assert connections.attempts == [("93.184.216.34", 443)]


def test_refusal_is_counted_and_logged_without_the_query(monkeypatch):
    from toiawase.handlers import deliver

    stream = io.StringIO()
    handler: Any = deliver.logger.registered_handler
    previous = handler.setStream(stream)
    try:
        deliver.refused("private", "https://private.test/…")
        metrics: Any = deliver.metrics.serialize_metric_set()
    finally:
        handler.setStream(previous)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["reason"] == "private" and line["url"] == "https://private.test/…"
    assert metrics["WebhookRefused"] == [1.0] or metrics["WebhookRefused"] == 1.0
    deliver.metrics.clear_metrics()


def test_the_system_resolver_is_getaddrinfo():
    from toiawase.adapters.webhook_http import system_resolve

    # The Lambda has socket.getaddrinfo; dnspython is not in the artifact.
    found = system_resolve("localhost", 443)
    assert found and set(found) <= {"127.0.0.1", "::1"}
