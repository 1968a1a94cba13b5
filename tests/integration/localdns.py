"""A real DNS server on 127.0.0.1 (dnslib), answering from zone-file text, for the doctor's tests.

dnslib's own ``ZoneResolver`` answers NXDOMAIN for a name that exists without the asked type;
real servers answer NOERROR with no records (NODATA), and the doctor tells the two apart. This
resolver does it properly, and follows CNAMEs inside the zone as a recursive resolver would.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dnslib import QTYPE, RCODE, RR, DNSLabel
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class ZoneAnswers(BaseResolver):  # type: ignore[misc]
    def __init__(self, zone: str) -> None:
        self.records: list[Any] = RR.fromZone(textwrap.dedent(zone))
        self.queries: list[tuple[str, str]] = []

    def _at(self, name: DNSLabel) -> list[Any]:
        return [rr for rr in self.records if rr.rname == name]

    def _exists(self, name: DNSLabel) -> bool:
        # A name exists when it holds records or has a descendant that does (RFC 8020).
        return any(rr.rname == name or rr.rname.matchSuffix(name) for rr in self.records)

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name, qtype = request.q.qname, request.q.qtype
        self.queries.append((str(name).rstrip("."), QTYPE[qtype]))
        for _ in range(8):  # CNAME chain inside the zone
            here = self._at(name)
            cnames = [rr for rr in here if rr.rtype == QTYPE.CNAME]
            if cnames and qtype != QTYPE.CNAME:
                reply.add_answer(cnames[0])
                name = cnames[0].rdata.label
                continue
            for rr in here:
                if rr.rtype == qtype:
                    reply.add_answer(rr)
            if not here and not self._exists(name) and not reply.rr:
                reply.header.rcode = RCODE.NXDOMAIN
            break
        return reply


class LocalDns:
    """A running server: ``address`` is "127.0.0.1:PORT" for ``--nameserver``."""

    def __init__(self, server: Any, answers: ZoneAnswers) -> None:
        self._server = server
        self.answers = answers
        self.host = "127.0.0.1"
        self.port = int(server.server.server_address[1])

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@contextmanager
def local_dns(zone: str) -> Iterator[LocalDns]:
    """Serve ``zone`` over UDP on 127.0.0.1 at a free port until the block ends."""
    answers = ZoneAnswers(zone)
    quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
    server = DNSServer(answers, port=0, address="127.0.0.1", logger=quiet)
    server.start_thread()
    try:
        yield LocalDns(server, answers)
    finally:
        server.stop()
        server.server.server_close()
