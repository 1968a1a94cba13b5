"""``toiawase forms check --resolve``: the webhook host names, resolved before a deploy.

``forms check`` alone decides what it can without DNS (scheme, port, credentials, literal
addresses: ``check._url_problems``). With ``--resolve`` it also looks up every webhook, Slack and
Discord host name (A and AAAA, CNAMEs followed, with dnspython: a CLI-side dependency, never
imported by the Lambda, whose client resolves with ``getaddrinfo`` at delivery time) and
refuses a name that resolves to an address the delivery function would refuse
(``urlpolicy.address_problem``: private, loopback, link-local, metadata …), or that does not
resolve at all. Off by default: CI and many build machines have no DNS, and a name's answers
can change after the check, which is why the delivery function checks every address again.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dns.exception
import dns.resolver

from toiawase.core.notify.urlpolicy import (
    UrlRefused,
    address_problem,
    check_url,
    parse_policy,
)
from toiawase.forms.check import Document, PathKey, Problem, _at

TIMEOUT_SECONDS = 5.0


def make_resolver(nameserver: tuple[str, int] | None = None) -> dns.resolver.Resolver:
    """The system's resolver, or one asking only ``nameserver`` (host, port)."""
    if nameserver is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [nameserver[0]]
        resolver.port = nameserver[1]
    resolver.timeout = 2.0  # per try, so a lost UDP packet is retried
    resolver.lifetime = TIMEOUT_SECONDS
    return resolver


def webhook_urls(doc: Document) -> Iterator[tuple[PathKey, str]]:
    """Every notify target's URL, with its place in the document (defaults and forms)."""
    data = doc.data
    if not isinstance(data, Mapping):
        return
    scopes: list[tuple[PathKey, Any]] = [(("defaults",), data.get("defaults"))]
    forms = data.get("forms")
    if isinstance(forms, Mapping):
        scopes += [(("forms", fid), raw) for fid, raw in forms.items()]
    for base, raw in scopes:
        targets = raw.get("notify") if isinstance(raw, Mapping) else None
        if not isinstance(targets, list):
            continue
        for index, target in enumerate(targets):
            if isinstance(target, Mapping) and isinstance(target.get("url"), str):
                yield (*base, "notify", index, "url"), target["url"]


def lookup(host: str, resolver: dns.resolver.Resolver) -> list[str]:
    """Every A and AAAA address of ``host``; raises ``LookupFailed`` when there is none."""
    found: list[str] = []
    failures: list[str] = []
    for kind in ("A", "AAAA"):
        try:
            answer = resolver.resolve(host, kind, search=False)
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
            continue
        except dns.exception.Timeout:
            failures.append("the DNS server did not answer in time")
        except dns.resolver.NoNameservers:
            failures.append("no DNS server answered (SERVFAIL or refused)")
        except dns.exception.DNSException as exc:
            failures.append(type(exc).__name__)
        else:
            found += [record.to_text() for record in answer]
    if failures:
        raise LookupFailed(f"could not be resolved ({failures[0]})")
    if not found:
        raise LookupFailed("does not resolve (no A or AAAA record)")
    return found


class LookupFailed(Exception):
    """The name could not be resolved, or has no address: the message says which."""


def url_problem(url: str, resolver: dns.resolver.Resolver) -> str | None:
    """Why the delivery function would refuse ``url``'s host as it resolves now, or None.

    URLs the DNS-free checks refuse are left to them (no lookup is made for those), and a
    literal address needs no lookup."""
    try:
        destination = check_url(url, parse_policy(os.environ.get("WEBHOOK_ALLOWED_PORTS"), None))
    except (UrlRefused, ValueError):
        return None  # reported by forms check itself
    if destination.literal is not None:
        return None
    host = destination.host
    try:
        addresses = lookup(host, resolver)
    except LookupFailed as exc:
        return f"{host} {exc}"
    refused = []
    for text in addresses:
        try:
            problem = address_problem(ipaddress.ip_address(text))
        except ValueError:
            problem = "malformed"
        if problem is not None:
            refused.append(f"{text} ({problem})")
    if refused:
        return f"{host} resolves to an address deliveries may not reach: {', '.join(refused)}"
    return None


def resolve_problems(doc: Document, resolver: dns.resolver.Resolver) -> list[Problem]:
    """One problem per webhook URL whose host name resolves to a refused address (or does
    not resolve); each name is looked up once."""
    seen: dict[str, str | None] = {}
    problems = []
    for path, url in webhook_urls(doc):
        if url not in seen:
            seen[url] = url_problem(url, resolver)
        what = seen[url]
        if what is not None:
            problems.append(_at(doc, path, what))
    return problems
