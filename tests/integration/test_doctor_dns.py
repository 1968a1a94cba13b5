"""The doctor's DNS adapter against a real DNS server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.integration.localdns import LocalDns, local_dns
from toiawase.doctor.dnsprobe import DnsProbe, make_resolver
from toiawase.doctor.facts import DmarcState, MxRecord, Outcome

ZONE = r"""
a1._domainkey.probe.test. 300 IN CNAME a1.dkim.amazonses.com.
mail.probe.test.   300 IN MX  10 feedback-smtp.eu-west-1.amazonses.com.
mail.probe.test.   300 IN TXT "v=spf1 include:amazonses.com ~all"
split.probe.test.  300 IN TXT "v=spf1 include:amazonses.com " "include:_spf.probe.test ~all"
probe.test.        300 IN TXT "v=spf1 include:amazonses.com include:_spf.probe.test mx ~all"
probe.test.        300 IN MX  10 mx.probe.test.
mx.probe.test.     300 IN A   192.0.2.25
_spf.probe.test.   300 IN TXT "v=spf1 a:out.probe.test include:_spf2.probe.test -all"
_spf2.probe.test.  300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
out.probe.test.    300 IN A   192.0.2.26
shop.probe.test.   300 IN A   192.0.2.27
amazonses.com.     300 IN TXT "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 -all"
_dmarc.probe.test. 300 IN TXT "v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc@probe.test"
_dmarc.two.test.   300 IN TXT "v=DMARC1; p=none"
_dmarc.two.test.   300 IN TXT "v=DMARC1; p=reject"
_dmarc.bad.test.   300 IN TXT "v=DMARC1; p=maybe"
""" + "\n".join(f"h{n}.probe.test. 300 IN A 192.0.2.{n + 100}" for n in range(11))


@pytest.fixture(scope="module")
def server() -> Iterator[LocalDns]:
    with local_dns(ZONE) as dns:
        yield dns


@pytest.fixture
def probe(server: LocalDns) -> DnsProbe:
    return DnsProbe(make_resolver(server.host, server.port, timeout=2.0))


def test_cname_answer_nodata_and_nxdomain(probe: DnsProbe):
    found = probe.cname("a1._domainkey.probe.test")
    assert (found.outcome, found.records) == (Outcome.ANSWER, ("a1.dkim.amazonses.com",))
    assert probe.cname("mail.probe.test").outcome is Outcome.NODATA
    missing = probe.cname("a2._domainkey.probe.test")
    assert missing.outcome is Outcome.NXDOMAIN and missing.records == ()
    assert missing.absence() == "a2._domainkey.probe.test does not exist in DNS"


def test_mx_and_txt(probe: DnsProbe):
    mx = probe.mx("mail.probe.test")
    assert mx.records == (MxRecord(10, "feedback-smtp.eu-west-1.amazonses.com"),)
    txt = probe.txt("split.probe.test")
    # one record in two strings is one record, joined without a separator
    assert txt.records == ("v=spf1 include:amazonses.com include:_spf.probe.test ~all",)


def test_spf_lookups_are_counted_through_every_include(probe: DnsProbe):
    record = "v=spf1 include:amazonses.com include:_spf.probe.test mx ~all"
    spf = probe.spf("probe.test", record)
    # include:amazonses.com, include:_spf (+ its a: and include:_spf2), mx = 5
    assert (spf.lookups, spf.error) == (5, "")


def test_spf_over_the_limit_and_syntax_errors(probe: DnsProbe):
    many = "v=spf1 " + " ".join(f"a:h{n}.probe.test" for n in range(11)) + " ~all"
    over = probe.spf("probe.test", many)
    assert over.lookups == 11 and "11/10" in over.error
    broken = probe.spf("probe.test", "v=spf1 include: ~all")
    assert broken.error and broken.lookups is None


def test_dmarc_found_missing_multiple_invalid(probe: DnsProbe):
    found = probe.dmarc("probe.test")
    assert found.state is DmarcState.FOUND
    assert (found.policy, found.adkim, found.aspf) == ("reject", "s", "r")
    assert found.rua == ("mailto:dmarc@probe.test",)
    assert probe.dmarc("nothing.test").state is DmarcState.MISSING
    two = probe.dmarc("two.test")
    assert two.state is DmarcState.INVALID and "Multiple" in two.error
    assert probe.dmarc("bad.test").state is DmarcState.INVALID


def test_dmarc_of_a_subdomain_falls_back_to_the_organisational_domain(probe: DnsProbe):
    found = probe.dmarc("shop.probe.test")
    assert found.state is DmarcState.FOUND and found.location == "probe.test"
    ghost = probe.dmarc("ghost.probe.test")
    assert ghost.state is DmarcState.MISSING
    assert ghost.error == "ghost.probe.test does not exist in DNS"


def test_every_query_went_to_the_local_server(server: LocalDns, probe: DnsProbe):
    before = len(server.answers.queries)
    probe.spf("probe.test", "v=spf1 include:amazonses.com ~all")
    assert ("amazonses.com", "TXT") in server.answers.queries[before:]


def test_a_server_that_never_answers_is_an_error_not_an_exception():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        probe = DnsProbe(make_resolver("127.0.0.1", port, timeout=0.5))
        started = time.monotonic()
        answer = probe.txt("probe.test")
        assert answer.outcome is Outcome.ERROR and answer.error
        assert "lookup of probe.test failed" in answer.absence()
        assert probe.dmarc("probe.test").state is DmarcState.ERROR
        assert time.monotonic() - started < 5
    finally:
        silent.close()


def test_a_checkdmarc_crash_costs_one_finding_not_the_report(probe: DnsProbe, monkeypatch):
    import checkdmarc.dmarc
    import checkdmarc.spf

    def boom(*args, **kwargs):
        raise KeyError("unexpected")

    monkeypatch.setattr(checkdmarc.spf, "parse_spf_record", boom)
    monkeypatch.setattr(checkdmarc.dmarc, "parse_dmarc_record", boom)
    spf = probe.spf("probe.test", "v=spf1 -all")
    assert spf.unanalysed == "KeyError: 'unexpected'" and spf.error == ""
    dmarc = probe.dmarc("probe.test")
    assert dmarc.state is DmarcState.ERROR and "KeyError" in dmarc.error
