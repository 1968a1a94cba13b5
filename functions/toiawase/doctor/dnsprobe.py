"""The DNS adapter: dnspython for plain lookups, checkdmarc for SPF and DMARC validation.

Every query, checkdmarc's included, goes through one ``dns.resolver.Resolver``: the system's,
or the server named by ``--nameserver HOST[:PORT]`` (the domain's authoritative server, or the
tests' server on 127.0.0.1). No method raises for a DNS failure; it becomes an
``Outcome.ERROR`` answer, which the checks report as "not checked".
"""

from __future__ import annotations

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
from dns.rdtypes.ANY.CNAME import CNAME
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.ANY.TXT import TXT

from toiawase.doctor.checks import is_spf
from toiawase.doctor.facts import (
    DmarcFacts,
    DmarcState,
    DnsAnswer,
    DnsFacts,
    MxRecord,
    Outcome,
    Plan,
    SpfAnalysis,
)

DEFAULT_TIMEOUT = 5.0


def make_resolver(
    host: str | None = None, port: int = 53, timeout: float = DEFAULT_TIMEOUT
) -> dns.resolver.Resolver:
    """A resolver for ``host:port``, or the system's when ``host`` is None.

    Raises ``dns.resolver.NoResolverConfiguration`` when the system has none configured.
    """
    if host is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = port
    resolver.timeout = min(timeout, 2.0)  # per try, so a lost UDP packet is retried
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


def _name(name: str) -> str:
    return name.lower().rstrip(".")


class DnsProbe:
    def __init__(self, resolver: dns.resolver.Resolver) -> None:
        import checkdmarc.utils

        self._resolver = resolver
        # checkdmarc caches answers for the whole process, keyed by name and type but not by
        # nameserver; a probe must see the server it was pointed at, not an earlier probe's.
        checkdmarc.utils.DNS_CACHE.clear()

    # plain lookups ----------------------------------------------------------------------

    def _resolve(self, name: str, rtype: str) -> tuple[Outcome, dns.resolver.Answer | None, str]:
        try:
            answer = self._resolver.resolve(name, rtype, search=False)
        except dns.resolver.NXDOMAIN:
            return Outcome.NXDOMAIN, None, ""
        except dns.resolver.NoAnswer:
            return Outcome.NODATA, None, ""
        except dns.exception.DNSException as exc:  # timeout, SERVFAIL, refused, malformed
            return Outcome.ERROR, None, str(exc) or type(exc).__name__
        return Outcome.ANSWER, answer, ""

    def cname(self, name: str) -> DnsAnswer[str]:
        outcome, answer, error = self._resolve(name, "CNAME")
        targets = tuple(
            _name(rdata.target.to_text()) for rdata in answer or () if isinstance(rdata, CNAME)
        )
        return DnsAnswer(name, "CNAME", outcome, targets, error)

    def mx(self, name: str) -> DnsAnswer[MxRecord]:
        outcome, answer, error = self._resolve(name, "MX")
        records = tuple(
            sorted(
                (
                    MxRecord(int(rdata.preference), _name(rdata.exchange.to_text()))
                    for rdata in answer or ()
                    if isinstance(rdata, MX)
                ),
                key=lambda r: (r.preference, r.exchange),
            )
        )
        return DnsAnswer(name, "MX", outcome, records, error)

    def txt(self, name: str) -> DnsAnswer[str]:
        outcome, answer, error = self._resolve(name, "TXT")
        # One TXT record may be split into several strings; they join without separator
        # (RFC 7208 §3.3).
        texts = tuple(
            b"".join(rdata.strings).decode("utf-8", "replace")
            for rdata in answer or ()
            if isinstance(rdata, TXT)
        )
        return DnsAnswer(name, "TXT", outcome, texts, error)

    # checkdmarc ---------------------------------------------------------------------------

    def spf(self, domain: str, record: str) -> SpfAnalysis:
        """Validate one SPF record and count its DNS lookups through every include."""
        import checkdmarc.spf

        try:
            parsed = checkdmarc.spf.parse_spf_record(
                record,
                domain,
                ignore_too_many_lookups=True,
                resolver=self._resolver,
                timeout=self._resolver.lifetime,
            )
        except checkdmarc.spf.SPFError as exc:
            data = getattr(exc, "data", None) or {}
            return SpfAnalysis(
                record,
                lookups=data.get("dns_lookups"),
                void_lookups=data.get("void_dns_lookups"),
                error=str(exc.args[0]) if exc.args else type(exc).__name__,
                warnings=tuple(getattr(exc, "warnings", ()) or ()),
            )
        except Exception as exc:
            # checkdmarc reads whatever the internet publishes; a record it chokes on must
            # cost one "not checked", not the rest of the report.
            return SpfAnalysis(record, None, None, unanalysed=f"{type(exc).__name__}: {exc}")
        return SpfAnalysis(
            record,
            lookups=parsed.get("dns_lookups"),
            void_lookups=parsed.get("void_dns_lookups"),
            error=str(parsed.get("error") or ""),
            warnings=tuple(str(w) for w in parsed.get("warnings", ())),
        )

    def dmarc(self, domain: str) -> DmarcFacts:
        """The DMARC policy for mail from ``domain``, found where receivers look for it."""
        import checkdmarc.dmarc

        # checkdmarc reports "not found" for a failed lookup too; ask once ourselves so that a
        # dead nameserver reads "not checked", not "missing".
        own = self.txt(f"_dmarc.{domain}")
        if own.outcome is Outcome.ERROR:
            return DmarcFacts(domain, DmarcState.ERROR, error=own.error)
        try:
            query = checkdmarc.dmarc.query_dmarc_record(
                domain,
                resolver=self._resolver,
                timeout=self._resolver.lifetime,
                ignore_unrelated_records=True,
            )
        except checkdmarc.dmarc.DMARCRecordNotFound:
            # Receivers find no policy for a From domain that does not exist at all either;
            # say which of the two it is.
            gone = self.txt(domain).outcome is Outcome.NXDOMAIN
            why = f"{domain} does not exist in DNS" if gone else ""
            return DmarcFacts(domain, DmarcState.MISSING, error=why)
        except checkdmarc.dmarc.DMARCError as exc:
            # checkdmarc raises its base class for a failed lookup, and subclasses for records
            # that exist but are wrong (several, misplaced, with whitespace in front).
            state = DmarcState.ERROR if type(exc) is checkdmarc.dmarc.DMARCError else None
            return DmarcFacts(domain, state or DmarcState.INVALID, error=str(exc))
        except Exception as exc:  # as for SPF: one unreadable answer, not a lost report
            return DmarcFacts(domain, DmarcState.ERROR, error=f"{type(exc).__name__}: {exc}")
        record, location = str(query["record"]), str(query["location"])
        try:
            parsed = checkdmarc.dmarc.parse_dmarc_record(
                record, location, resolver=self._resolver, timeout=self._resolver.lifetime
            )
        except checkdmarc.dmarc.DMARCError as exc:
            return DmarcFacts(
                domain, DmarcState.INVALID, record=record, location=location, error=str(exc)
            )
        except Exception as exc:
            return DmarcFacts(domain, DmarcState.ERROR, error=f"{type(exc).__name__}: {exc}")
        tags = parsed["tags"]

        def tag(name: str, default: str = "") -> str:
            value = tags.get(name, {}).get("value", default)
            return str(value) if value is not None else default

        rua = tuple(
            f"{uri.get('scheme', 'mailto')}:{uri.get('address', '')}"
            for uri in tags.get("rua", {}).get("value", []) or []
        )
        return DmarcFacts(
            domain,
            DmarcState.FOUND,
            record=record,
            location=location,
            policy=tag("p"),
            subdomain_policy=tag("sp"),
            adkim=tag("adkim", "r"),
            aspf=tag("aspf", "r"),
            rua=rua,
            warnings=tuple(str(w) for w in list(query.get("warnings", [])) + parsed["warnings"]),
        )

    # everything a plan needs ---------------------------------------------------------------

    def gather(self, plan: Plan) -> DnsFacts:
        dkim = tuple(self.cname(f"{token}._domainkey.{plan.domain}") for token in plan.dkim_tokens)
        mail_from_mx = self.mx(plan.mail_from) if plan.mail_from else None
        mail_from_txt = self.txt(plan.mail_from) if plan.mail_from else None
        domain_txt = self.txt(plan.domain)
        spf_records = [r for r in domain_txt.records if is_spf(r)]
        spf = self.spf(plan.domain, spf_records[0]) if len(spf_records) == 1 else None
        return DnsFacts(
            dkim=dkim,
            mail_from_mx=mail_from_mx,
            mail_from_txt=mail_from_txt,
            domain_txt=domain_txt,
            spf=spf,
            dmarc=self.dmarc(plan.from_domain),
        )
