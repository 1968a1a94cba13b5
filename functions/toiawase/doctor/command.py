"""``toiawase doctor``: read the options, ask SES and DNS, print the report, choose the exit code.

Exit codes: 0 when nothing FAILs, 1 when something does, 2 for a usage error (a malformed
domain, sender or nameserver, or no region to ask SES in).
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import os
import re
import shutil
import socket
import sys
from dataclasses import dataclass
from typing import TextIO

USAGE_ERROR = 2
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


class UsageError(Exception):
    """A bad option value: reported in one line, exit code 2."""


@dataclass(frozen=True)
class Options:
    domain: str
    region: str
    sender: str = ""
    nameserver: tuple[str, int] | None = None
    configuration_set: str = ""
    mail_from: str = ""
    dkim_tokens: tuple[str, ...] = ()
    json: bool = False
    timeout: float = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("domain", help="the domain you send from, e.g. example.com")
    parser.add_argument(
        "--sender", metavar="ADDRESS", help="the From address (SENDER_ADDRESS), on DOMAIN"
    )
    parser.add_argument(
        "--nameserver",
        metavar="HOST[:PORT]",
        help="ask this DNS server (e.g. the domain's authoritative one) instead of the system's",
    )
    parser.add_argument(
        "--configuration-set",
        metavar="NAME",
        help="the SES configuration set the form stacks use (default: the identity's own)",
    )
    parser.add_argument(
        "--region",
        metavar="REGION",
        help="the SES region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)",
    )
    parser.add_argument(
        "--mail-from",
        metavar="DOMAIN",
        help="the custom MAIL FROM domain to check (default: what SES says, else mail.DOMAIN)",
    )
    parser.add_argument(
        "--dkim-token",
        metavar="TOKEN",
        action="append",
        default=[],
        help="an Easy DKIM token to check when SES cannot be asked (repeat for each)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.add_argument(
        "--timeout", type=float, default=5.0, metavar="SECONDS", help="per DNS query"
    )


def normalize_domain(text: str) -> str:
    """The domain in lower-case ASCII (IDNA), or ``UsageError``."""
    import dns.exception
    import dns.name

    candidate = text.strip().rstrip(".")
    if "@" in candidate:
        raise UsageError(f"{text!r} is an address; give its domain, and the address as --sender")
    if not candidate or "/" in candidate or ":" in candidate or " " in candidate:
        raise UsageError(f"{text!r} is not a domain name")
    try:
        name = dns.name.from_text(candidate)
    except (dns.name.NameTooLong, dns.name.LabelTooLong, dns.name.EmptyLabel) as exc:
        raise UsageError(f"{text!r} is not a domain name ({exc})") from exc
    except dns.exception.DNSException as exc:
        raise UsageError(f"{text!r} is not a domain name ({exc})") from exc
    ascii_name = name.to_text(omit_final_dot=True).lower()
    if len(name.labels) < 3:  # the labels include the root
        raise UsageError(f"{text!r} is not a domain name you can send from (no dot)")
    return ascii_name


def normalize_sender(text: str, domain: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        # Syntax only: the doctor asks DNS about the domain itself.
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise UsageError(f"--sender {text!r}: {exc}") from exc
    sender_domain = valid.ascii_domain.lower()
    if sender_domain != domain and not sender_domain.endswith("." + domain):
        raise UsageError(f"--sender {text} is not on {domain} (nor a subdomain of it)")
    return f"{valid.local_part}@{sender_domain}"


def normalize_mail_from(text: str, domain: str) -> str:
    mail_from = normalize_domain(text)
    if not mail_from.endswith("." + domain):
        raise UsageError(f"--mail-from {text}: SES needs a subdomain of {domain}")
    return mail_from


def parse_nameserver(text: str) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``IPv6`` or ``[IPv6]:PORT`` → (IP address, port)."""
    text = text.strip()
    port_text = ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"--nameserver {text!r}: expected [IPv6]:PORT")
            port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host = text
    port = 53
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise UsageError(f"--nameserver {text!r}: the port must be a number from 1 to 65535")
        port = int(port_text)
    if not host:
        raise UsageError(f"--nameserver {text!r}: no host")
    try:
        return str(ipaddress.ip_address(host)), port
    except ValueError:
        pass
    try:  # a host name, such as an authoritative server's: resolve it once
        address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0][4][0]
    except (OSError, IndexError) as exc:
        raise UsageError(f"--nameserver {text!r}: cannot resolve {host} ({exc})") from exc
    return str(address), port


def resolve_region(option: str | None) -> str:
    """``--region``, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region."""
    region = option or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        import boto3
        from botocore.exceptions import BotoCoreError

        try:
            region = boto3.session.Session().region_name
        except BotoCoreError as exc:  # e.g. AWS_PROFILE names a profile that does not exist
            raise UsageError(f"AWS configuration: {exc}") from exc
    if not region:
        raise UsageError("no SES region: pass --region or set AWS_REGION")
    if not REGION.match(region):
        raise UsageError(f"--region {region!r} is not an AWS region name")
    return region


def options_from(args: argparse.Namespace) -> Options:
    domain = normalize_domain(args.domain)
    tokens = tuple(t.strip().lower() for t in args.dkim_token)
    if any(not re.fullmatch(r"[a-z0-9]+", t) for t in tokens):
        raise UsageError("--dkim-token takes the token alone, letters and digits")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    return Options(
        domain=domain,
        region=resolve_region(args.region),
        sender=normalize_sender(args.sender, domain) if args.sender else "",
        nameserver=parse_nameserver(args.nameserver) if args.nameserver else None,
        configuration_set=(args.configuration_set or "").strip(),
        mail_from=normalize_mail_from(args.mail_from, domain) if args.mail_from else "",
        dkim_tokens=tokens,
        json=bool(args.json),
        timeout=float(args.timeout),
    )


def diagnose(options: Options) -> int:
    """Ask SES and DNS, print the report; return the exit code."""
    import dns.resolver

    from toiawase.doctor.checks import evaluate, make_plan
    from toiawase.doctor.dnsprobe import DnsProbe, make_resolver
    from toiawase.doctor.findings import Report
    from toiawase.doctor.sesprobe import SesProbe, make_client

    host, port = options.nameserver or (None, 53)
    try:
        resolver = make_resolver(host, port, options.timeout)
    except dns.resolver.NoResolverConfiguration as exc:
        raise UsageError(f"no system DNS configuration ({exc}); pass --nameserver") from exc
    from botocore.exceptions import BotoCoreError

    try:
        client = make_client(options.region)
    except BotoCoreError as exc:  # e.g. AWS_PROFILE names a profile that does not exist
        raise UsageError(f"AWS configuration: {exc}") from exc
    ses = SesProbe(client, options.region).gather(
        options.domain, options.sender, options.configuration_set
    )
    plan = make_plan(
        domain=options.domain,
        region=options.region,
        ses=ses,
        sender=options.sender,
        mail_from=options.mail_from,
        dkim_tokens=options.dkim_tokens,
    )
    dns_facts = DnsProbe(resolver).gather(plan)
    report = Report(
        domain=plan.domain,
        from_domain=plan.from_domain,
        region=plan.region,
        nameserver=f"{host}:{port}" if host else "system resolver",
        findings=evaluate(plan, ses, dns_facts),
        notes=(plan.mail_from_note,) if plan.mail_from_note else (),
    )
    _print(report.to_json() + "\n" if options.json else report.to_text(_width()), sys.stdout)
    return report.exit_code


def _width() -> int:
    return min(shutil.get_terminal_size((100, 24)).columns, 120)


def _print(text: str, stream: TextIO) -> None:
    stream.write(text)
    stream.flush()


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("checkdmarc") is None:
        print("toiawase doctor needs its extra: pip install 'toiawase[doctor]'", file=sys.stderr)
        return USAGE_ERROR
    try:
        options = options_from(args)
        return diagnose(options)
    except UsageError as exc:
        print(f"toiawase doctor: {exc}", file=sys.stderr)
        return USAGE_ERROR
