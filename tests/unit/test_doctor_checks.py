"""The doctor's verdicts from plain facts: no DNS, no AWS."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from toiawase.doctor import checks
from toiawase.doctor.facts import (
    AccountFacts,
    ConfigurationSetFacts,
    DmarcFacts,
    DmarcState,
    DnsAnswer,
    DnsFacts,
    EventDestinationFacts,
    IdentityFacts,
    MailFromFacts,
    MxRecord,
    NotChecked,
    Outcome,
    SesFacts,
    SpfAnalysis,
)
from toiawase.doctor.findings import Finding, Report, Section, Status

DOMAIN = "example.com"
REGION = "eu-west-1"
TOKENS = ("aaaa1111", "bbbb2222", "cccc3333")
ALL_EVENTS = frozenset({"BOUNCE", "COMPLAINT", "REJECT", "DELIVERY", "DELIVERY_DELAY"})


def identity(**changes) -> IdentityFacts:
    base = IdentityFacts(
        DOMAIN,
        exists=True,
        verified=True,
        identity_type="DOMAIN",
        verification_status="SUCCESS",
        dkim_signing_enabled=True,
        dkim_status="SUCCESS",
        dkim_origin="AWS_SES",
        dkim_key_length="RSA_2048_BIT",
        dkim_tokens=TOKENS,
        mail_from=MailFromFacts(f"mail.{DOMAIN}", "SUCCESS", "USE_DEFAULT_VALUE"),
    )
    return replace(base, **changes)


def ses(**changes) -> SesFacts:
    base = SesFacts(
        region=REGION,
        domain_identity=identity(),
        account=AccountFacts(
            production_access=True,
            sending_enabled=True,
            enforcement_status="HEALTHY",
            max_24_hour_send=50000,
            max_send_rate=14,
            sent_last_24_hours=12,
        ),
        configuration_set=ConfigurationSetFacts(
            "toiawase-identity",
            exists=True,
            sending_enabled=True,
            reputation_metrics=True,
            destinations=(
                EventDestinationFacts(
                    "sns-delivery-events",
                    True,
                    ALL_EVENTS,
                    "sns",
                    "arn:aws:sns:eu-west-1:123456789012:events",
                ),
            ),
        ),
    )
    return replace(base, **changes)


def answer(name: str, rtype: str, *records, outcome: Outcome | None = None) -> DnsAnswer[Any]:
    if outcome is None:
        outcome = Outcome.ANSWER if records else Outcome.NXDOMAIN
    return DnsAnswer(
        name, rtype, outcome, tuple(records), "timed out" if outcome == "error" else ""
    )


def dmarc(**changes) -> DmarcFacts:
    base = DmarcFacts(
        DOMAIN,
        DmarcState.FOUND,
        record="v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com",
        location=DOMAIN,
        policy="quarantine",
        rua=("mailto:dmarc@example.com",),
    )
    return replace(base, **changes)


def good_dns(**changes) -> DnsFacts:
    base = DnsFacts(
        dkim=tuple(
            answer(f"{t}._domainkey.{DOMAIN}", "CNAME", f"{t}.dkim.amazonses.com") for t in TOKENS
        ),
        mail_from_mx=answer(
            f"mail.{DOMAIN}", "MX", MxRecord(10, f"feedback-smtp.{REGION}.amazonses.com")
        ),
        mail_from_txt=answer(f"mail.{DOMAIN}", "TXT", "v=spf1 include:amazonses.com ~all"),
        domain_txt=answer(DOMAIN, "TXT", "v=spf1 include:_spf.google.com ~all", "site-verify=x"),
        spf=SpfAnalysis("v=spf1 include:_spf.google.com ~all", lookups=4, void_lookups=0),
        dmarc=dmarc(),
    )
    return replace(base, **changes)


def run(ses_facts: SesFacts | None = None, dns: DnsFacts | None = None, **plan_options):
    ses_facts = ses_facts or ses()
    plan = checks.make_plan(domain=DOMAIN, region=REGION, ses=ses_facts, **plan_options)
    findings = checks.evaluate(plan, ses_facts, dns or good_dns())
    return {f.id: f for f in findings}, plan


def statuses(found: dict[str, Finding]) -> dict[str, Status]:
    return {key: f.status for key, f in found.items()}


# --- the whole picture ----------------------------------------------------------------------


def test_a_correct_setup_passes_everything():
    found, _ = run()
    assert set(statuses(found).values()) == {Status.PASS}, statuses(found)
    assert found["verdict.alignment"].detail.startswith(
        "DMARC passes via DKIM (d=example.com) and via SPF (MAIL FROM mail.example.com"
    )
    assert list(found) == [
        "ses.identity",
        "ses.dkim",
        "ses.mail-from",
        "ses.sandbox",
        "ses.quota",
        "ses.configuration-set",
        "ses.event-destination",
        "dns.dkim.1",
        "dns.dkim.2",
        "dns.dkim.3",
        "dns.mail-from.mx",
        "dns.mail-from.spf",
        "dns.spf",
        "dns.dmarc",
        "verdict.alignment",
    ]


def test_nothing_from_ses_means_not_checked_never_a_failure():
    nothing = NotChecked("AccessDeniedException: no permission for ses:GetEmailIdentity")
    facts = SesFacts(REGION, domain_identity=nothing, account=nothing, configuration_set=None)
    found, plan = run(facts)
    for key in ("ses.identity", "ses.dkim", "ses.mail-from", "ses.account", "dns.dkim"):
        assert found[key].status is Status.SKIP, key
        assert found[key].detail.startswith("not checked: ")
    assert "AccessDeniedException" in found["dns.dkim"].detail
    assert "--dkim-token" in found["dns.dkim"].detail
    assert plan.mail_from == "mail.example.com" and plan.mail_from_source == "assumed"
    assert "AccessDenied" in plan.mail_from_note
    # the DNS side still checks what it can
    assert found["dns.mail-from.mx"].status is Status.PASS


def test_dkim_tokens_from_the_option_when_ses_cannot_say():
    facts = ses(domain_identity=NotChecked("no AWS credentials"))
    found, plan = run(facts, dkim_tokens=["AAAA1111", "bbbb2222", "cccc3333"])
    assert plan.dkim_tokens == TOKENS
    assert [found[f"dns.dkim.{n}"].status for n in (1, 2, 3)] == [Status.PASS] * 3


# --- DKIM ---------------------------------------------------------------------------------------


def test_a_missing_dkim_record_fails_with_the_exact_line():
    dns = good_dns(
        dkim=(
            answer(f"{TOKENS[0]}._domainkey.{DOMAIN}", "CNAME", f"{TOKENS[0]}.dkim.amazonses.com"),
            answer(f"{TOKENS[1]}._domainkey.{DOMAIN}", "CNAME"),
            answer(f"{TOKENS[2]}._domainkey.{DOMAIN}", "CNAME", f"{TOKENS[2]}.dkim.amazonses.com"),
        )
    )
    found, _ = run(dns=dns)
    assert found["dns.dkim.2"].status is Status.FAIL
    assert "bbbb2222._domainkey.example.com does not exist" in found["dns.dkim.2"].detail
    assert found["dns.dkim.2"].fix == (
        "bbbb2222._domainkey.example.com. 3600 IN CNAME bbbb2222.dkim.amazonses.com.",
    )
    verdict = found["verdict.alignment"]
    assert verdict.status is Status.WARN
    assert "passes via SPF" in verdict.detail and "not via DKIM" in verdict.detail


def test_a_dkim_cname_to_somewhere_else_fails():
    dns = good_dns(
        dkim=(
            answer(f"{TOKENS[0]}._domainkey.{DOMAIN}", "CNAME", "selector1.mailer.example.net"),
            *good_dns().dkim[1:],
        )
    )
    found, _ = run(dns=dns)
    assert found["dns.dkim.1"].status is Status.FAIL
    assert "points to selector1.mailer.example.net" in found["dns.dkim.1"].detail


def test_regional_dkim_targets_are_accepted():
    target = f"{TOKENS[0]}.dkim.af-south-1.amazonses.com"
    dns = good_dns(
        dkim=(answer(f"{TOKENS[0]}._domainkey.{DOMAIN}", "CNAME", target), *good_dns().dkim[1:])
    )
    found, _ = run(dns=dns)
    assert found["dns.dkim.1"].status is Status.PASS


def test_a_dns_timeout_is_not_checked():
    dns = good_dns(
        dkim=(
            answer(f"{TOKENS[0]}._domainkey.{DOMAIN}", "CNAME", outcome=Outcome.ERROR),
            *good_dns().dkim[1:],
        )
    )
    found, _ = run(dns=dns)
    assert found["dns.dkim.1"].status is Status.SKIP
    assert "lookup of" in found["dns.dkim.1"].detail and "failed" in found["dns.dkim.1"].detail


def test_byodkim_is_not_checked_as_cnames():
    found, _ = run(ses(domain_identity=identity(dkim_origin="EXTERNAL", dkim_tokens=())))
    assert found["dns.dkim"].status is Status.SKIP
    assert "BYODKIM" in found["dns.dkim"].detail
    assert "BYODKIM" in found["ses.dkim"].detail


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"dkim_status": "PENDING"}, Status.WARN, "not found the DKIM records yet"),
        ({"dkim_status": "TEMPORARY_FAILURE"}, Status.WARN, "can no longer find"),
        ({"dkim_status": "FAILED"}, Status.FAIL, "DKIM status is FAILED"),
        ({"dkim_signing_enabled": False}, Status.FAIL, "DKIM signing is off"),
        ({"dkim_key_length": "RSA_1024_BIT"}, Status.PASS, "1024-bit"),
    ],
)
def test_ses_dkim_status(changes, status, words):
    found, _ = run(ses(domain_identity=identity(**changes)))
    assert found["ses.dkim"].status is status
    assert words in found["ses.dkim"].detail


def test_dkim_signing_off_means_dmarc_cannot_pass_via_dkim():
    found, _ = run(ses(domain_identity=identity(dkim_signing_enabled=False)))
    assert found["verdict.alignment"].status is Status.WARN
    assert "not via DKIM" in found["verdict.alignment"].detail


# --- SES identity, account, configuration set --------------------------------------------------


def test_no_identity_fails_with_the_commands():
    found, _ = run(ses(domain_identity=IdentityFacts(DOMAIN, exists=False)))
    finding = found["ses.identity"]
    assert finding.status is Status.FAIL
    assert "no identity example.com" in finding.detail
    assert any("create-email-identity --email-identity example.com" in f for f in finding.fix)
    assert found["dns.dkim"].status is Status.SKIP
    assert found["verdict.alignment"].status is not Status.PASS


def test_only_the_address_verified_is_a_warning():
    facts = ses(
        domain_identity=IdentityFacts(DOMAIN, exists=False),
        sender_identity=IdentityFacts("forms@example.com", exists=True, verified=True),
    )
    found, _ = run(facts, sender="forms@example.com")
    assert found["ses.identity"].status is Status.WARN
    assert "amazonses.com" in found["ses.identity"].detail


def test_an_unverified_identity_fails():
    found, _ = run(ses(domain_identity=identity(verified=False, verification_status="PENDING")))
    assert found["ses.identity"].status is Status.FAIL
    assert "not verified yet (PENDING)" in found["ses.identity"].detail


def test_the_sandbox_is_a_warning_that_says_recipients_must_be_verified():
    account = ses().account
    assert isinstance(account, AccountFacts)
    found, _ = run(ses(account=replace(account, production_access=False)))
    assert found["ses.sandbox"].status is Status.WARN
    assert "RECIPIENT_ADDRESSES" in found["ses.sandbox"].detail


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({}, Status.PASS, "12 of 50,000 sent in 24 hours, at most 14 a second"),
        ({"sent_last_24_hours": 190, "max_24_hour_send": 200}, Status.WARN, "190 of 200"),
        ({"sending_enabled": False}, Status.FAIL, "sending is paused"),
        ({"enforcement_status": "PROBATION"}, Status.WARN, "probation"),
        ({"enforcement_status": "SHUTDOWN"}, Status.FAIL, "shut down"),
        ({"max_24_hour_send": -1}, Status.PASS, "no daily sending limit"),
    ],
)
def test_quota(changes, status, words):
    account = ses().account
    assert isinstance(account, AccountFacts)
    found, _ = run(ses(account=replace(account, **changes)))
    assert found["ses.quota"].status is status
    assert words in found["ses.quota"].detail


def test_a_missing_configuration_set_fails():
    facts = ses(configuration_set=ConfigurationSetFacts("toiawase-identity", exists=False))
    found, _ = run(facts)
    assert found["ses.configuration-set"].status is Status.FAIL
    assert "every send that names it is refused" in found["ses.configuration-set"].detail


def test_no_configuration_set_name_is_not_checked_and_says_how():
    found, _ = run(ses(configuration_set=None))
    assert found["ses.configuration-set"].status is Status.SKIP
    assert "--configuration-set" in found["ses.configuration-set"].detail


@pytest.mark.parametrize(
    ("destinations", "status", "words"),
    [
        ((), Status.WARN, "publishes no events"),
        (
            (EventDestinationFacts("d", True, frozenset({"BOUNCE", "COMPLAINT"}), "sns", "arn"),),
            Status.WARN,
            "not these events: Reject, Delivery, DeliveryDelay",
        ),
        ((EventDestinationFacts("d", False, ALL_EVENTS, "sns", "arn"),), Status.WARN, "no events"),
        (NotChecked("this SES endpoint does not implement X"), Status.SKIP, "not checked"),
    ],
)
def test_event_destinations(destinations, status, words):
    config = ses().configuration_set
    assert isinstance(config, ConfigurationSetFacts)
    found, _ = run(ses(configuration_set=replace(config, destinations=destinations)))
    assert found["ses.event-destination"].status is status
    assert words in found["ses.event-destination"].detail


# --- MAIL FROM ----------------------------------------------------------------------------------


def test_the_default_mail_from_warns_and_spf_never_aligns():
    facts = ses(domain_identity=identity(mail_from=MailFromFacts("", "", "USE_DEFAULT_VALUE")))
    found, plan = run(facts, dns=good_dns(mail_from_mx=None, mail_from_txt=None))
    assert plan.mail_from == ""
    assert "ses.mail-from" not in found and "dns.mail-from.mx" not in found
    assert found["dns.mail-from"].status is Status.WARN
    assert "default MAIL FROM" in found["dns.mail-from"].detail
    assert any("put-email-identity-mail-from-attributes" in f for f in found["dns.mail-from"].fix)
    verdict = found["verdict.alignment"]
    assert verdict.status is Status.WARN
    assert "passes via DKIM (d=example.com) only; not via SPF" in verdict.detail


def test_no_mail_from_records_with_an_assumed_domain_reads_as_the_default():
    facts = ses(domain_identity=identity(mail_from=None))
    dns = good_dns(
        mail_from_mx=answer(f"mail.{DOMAIN}", "MX"), mail_from_txt=answer(f"mail.{DOMAIN}", "TXT")
    )
    found, _ = run(facts, dns=dns)
    assert found["ses.mail-from"].status is Status.SKIP
    assert found["dns.mail-from"].status is Status.WARN
    assert "neither MX nor TXT" in found["dns.mail-from"].detail


def test_mail_from_without_mx_fails():
    dns = good_dns(mail_from_mx=answer(f"mail.{DOMAIN}", "MX", outcome=Outcome.NODATA))
    found, _ = run(dns=dns)
    finding = found["dns.mail-from.mx"]
    assert finding.status is Status.FAIL
    assert "mail.example.com has no MX record" in finding.detail
    assert finding.fix == (
        "mail.example.com. 3600 IN MX 10 feedback-smtp.eu-west-1.amazonses.com.",
    )
    assert "not via SPF" in found["verdict.alignment"].detail


@pytest.mark.parametrize(
    ("records", "words"),
    [
        (
            (MxRecord(10, "feedback-smtp.us-east-1.amazonses.com"),),
            "feedback endpoint of us-east-1, but SES sends from eu-west-1",
        ),
        ((MxRecord(10, "mx.example.com"),), "mx.example.com, not SES's feedback endpoint"),
        (
            (
                MxRecord(10, "feedback-smtp.eu-west-1.amazonses.com"),
                MxRecord(20, "mx.example.com"),
            ),
            "has 2 MX records",
        ),
    ],
)
def test_wrong_mail_from_mx_fails(records, words):
    found, _ = run(dns=good_dns(mail_from_mx=answer(f"mail.{DOMAIN}", "MX", *records)))
    assert found["dns.mail-from.mx"].status is Status.FAIL
    assert words in found["dns.mail-from.mx"].detail


@pytest.mark.parametrize(
    ("records", "status", "words"),
    [
        (("v=spf1 include:amazonses.com -all",), Status.PASS, "include:amazonses.com"),
        (("v=spf1 -all include:amazonses.com",), Status.FAIL, "does not include amazonses.com"),
        (("v=spf1 ~include:amazonses.com -all",), Status.FAIL, "does not include"),
        (("other text",), Status.FAIL, "has no SPF record"),
        (("v=spf1 include:amazonses.com ~all", "v=spf1 -all"), Status.FAIL, "2 SPF records"),
    ],
)
def test_mail_from_spf(records, status, words):
    found, _ = run(dns=good_dns(mail_from_txt=answer(f"mail.{DOMAIN}", "TXT", *records)))
    assert found["dns.mail-from.spf"].status is status
    assert words in found["dns.mail-from.spf"].detail


@pytest.mark.parametrize(
    ("status", "behavior", "expected", "words"),
    [
        ("PENDING", "USE_DEFAULT_VALUE", Status.WARN, "has not found the MX record"),
        ("FAILED", "USE_DEFAULT_VALUE", Status.FAIL, "SPF does not align"),
        ("FAILED", "REJECT_MESSAGE", Status.FAIL, "refuses to send"),
    ],
)
def test_ses_mail_from_status(status, behavior, expected, words):
    mail_from = MailFromFacts(f"mail.{DOMAIN}", status, behavior)
    found, _ = run(ses(domain_identity=identity(mail_from=mail_from)))
    assert found["ses.mail-from"].status is expected
    assert words in found["ses.mail-from"].detail


def test_a_failed_mail_from_with_fallback_means_no_spf_alignment():
    mail_from = MailFromFacts(f"mail.{DOMAIN}", "FAILED", "USE_DEFAULT_VALUE")
    found, _ = run(ses(domain_identity=identity(mail_from=mail_from)))
    assert "not via SPF" in found["verdict.alignment"].detail


def test_the_mail_from_option_wins():
    _, plan = run(mail_from="bounce.example.com")
    assert (plan.mail_from, plan.mail_from_source) == ("bounce.example.com", "option")


# --- the domain's own SPF -------------------------------------------------------------------


def test_no_spf_at_the_domain_is_fine_for_ses():
    found, _ = run(dns=good_dns(domain_txt=answer(DOMAIN, "TXT", outcome=Outcome.NODATA), spf=None))
    assert found["dns.spf"].status is Status.PASS
    assert "never example.com" in found["dns.spf"].detail


def test_two_spf_records_fail_and_list_both():
    two = ("v=spf1 include:_spf.google.com ~all", "v=spf1 include:amazonses.com -all")
    found, _ = run(dns=good_dns(domain_txt=answer(DOMAIN, "TXT", *two), spf=None))
    finding = found["dns.spf"]
    assert finding.status is Status.FAIL
    assert "2 SPF records" in finding.detail and "RFC 7208" in finding.detail
    assert 'example.com. 3600 IN TXT "v=spf1 include:amazonses.com -all"' in finding.fix


def test_an_spf_over_the_lookup_limit_fails():
    record = "v=spf1 include:a.example include:b.example ~all"
    spf = SpfAnalysis(
        record, 12, 0, "Parsing the SPF record requires 12/10 maximum DNS lookups (RFC 7208)"
    )
    found, _ = run(dns=good_dns(domain_txt=answer(DOMAIN, "TXT", record), spf=spf))
    finding = found["dns.spf"]
    assert finding.status is Status.FAIL and "12/10" in finding.detail
    assert any("at most 10 DNS-querying terms" in f for f in finding.fix)


def test_an_spf_record_that_could_not_be_analysed_is_not_checked():
    record = "v=spf1 include:x.example ~all"
    spf = SpfAnalysis(record, None, None, unanalysed="KeyError: 'x'")
    found, _ = run(dns=good_dns(domain_txt=answer(DOMAIN, "TXT", record), spf=spf))
    assert found["dns.spf"].status is Status.SKIP
    assert "could not be analysed (KeyError" in found["dns.spf"].detail


def test_plus_all_warns():
    record = "v=spf1 include:amazonses.com +all"
    found, _ = run(
        dns=good_dns(domain_txt=answer(DOMAIN, "TXT", record), spf=SpfAnalysis(record, 1, 0))
    )
    assert found["dns.spf"].status is Status.WARN


# --- DMARC --------------------------------------------------------------------------------------


def test_dmarc_missing_warns_with_the_recommended_record():
    found, _ = run(dns=good_dns(dmarc=DmarcFacts(DOMAIN, DmarcState.MISSING)))
    finding = found["dns.dmarc"]
    assert finding.status is Status.WARN
    assert finding.fix[0] == (
        '_dmarc.example.com. 3600 IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"'
    )
    assert "no DMARC record yet" in found["verdict.alignment"].detail


def test_dmarc_invalid_fails():
    broken = DmarcFacts(DOMAIN, DmarcState.INVALID, error="Multiple DMARC policy records")
    found, _ = run(dns=good_dns(dmarc=broken))
    assert found["dns.dmarc"].status is Status.FAIL
    assert "Multiple DMARC" in found["dns.dmarc"].detail
    assert "receivers ignore the unusable DMARC record" in found["verdict.alignment"].detail


def test_dmarc_without_rua_warns_and_inherited_policy_is_named():
    found, _ = run(
        dns=good_dns(dmarc=dmarc(rua=(), location="example.org", policy="none")),
        sender="forms@example.com",
    )
    assert found["dns.dmarc"].status is Status.WARN
    assert "inherited from example.org" in found["dns.dmarc"].detail
    assert "p=none (monitoring only" in found["dns.dmarc"].detail


# --- alignment ------------------------------------------------------------------------------


def test_strict_spf_alignment_can_never_pass_with_a_mail_from_subdomain():
    found, _ = run(dns=good_dns(dmarc=dmarc(aspf="s")))
    assert found["verdict.alignment"].status is Status.WARN
    assert "aspf=s" in found["verdict.alignment"].detail


def test_a_sender_on_a_subdomain_aligns_relaxed_but_not_strict():
    found, plan = run(sender="forms@shop.example.com")
    assert plan.from_domain == "shop.example.com"
    assert found["verdict.alignment"].status is Status.PASS
    found, _ = run(sender="forms@shop.example.com", dns=good_dns(dmarc=dmarc(adkim="s", aspf="s")))
    assert found["verdict.alignment"].status is Status.FAIL
    assert "adkim=s" in found["verdict.alignment"].detail


def test_neither_path_fails():
    dns = good_dns(
        dkim=tuple(answer(f"{t}._domainkey.{DOMAIN}", "CNAME") for t in TOKENS),
        mail_from_mx=answer(f"mail.{DOMAIN}", "MX", outcome=Outcome.NODATA),
    )
    found, _ = run(dns=dns)
    assert found["verdict.alignment"].status is Status.FAIL
    assert "DMARC fails for mail from example.com" in found["verdict.alignment"].detail


# --- the report -----------------------------------------------------------------------------


def test_report_exit_code_text_and_json():
    found, plan = run(dns=good_dns(mail_from_mx=answer(f"mail.{DOMAIN}", "MX")))
    report = Report(DOMAIN, plan.from_domain, REGION, "127.0.0.1:5353", tuple(found.values()))
    assert report.exit_code == 1
    text = report.to_text(100)
    assert "\nDNS\n" in text and "\nSES\n" in text and "\nVerdict\n" in text
    assert "  FAIL  MAIL FROM MX" in text
    assert "fix: mail.example.com. 3600 IN MX 10 feedback-smtp.eu-west-1.amazonses.com." in text
    assert text.rstrip().endswith("→ exit 1")
    document = json.loads(report.to_json())
    assert document["ok"] is False and document["exit_code"] == 1
    assert document["counts"]["fail"] == 1
    mx = next(f for f in document["findings"] if f["id"] == "dns.mail-from.mx")
    assert mx["status"] == "fail" and mx["section"] == "DNS" and mx["fix"]


def test_report_without_failures_exits_zero_even_with_skips():
    findings = (
        Finding("a", Section.DNS, "a", Status.PASS, "fine"),
        Finding("b", Section.SES, "b", Status.SKIP, "not checked: no permission"),
        Finding("c", Section.SES, "c", Status.WARN, "hm"),
    )
    report = Report(DOMAIN, DOMAIN, REGION, "system resolver", findings)
    assert report.exit_code == 0
    assert report.counts() == {"pass": 1, "warn": 1, "fail": 0, "not checked": 1}
    assert "SKIP  b" in report.to_text()


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ("v=spf1 include:amazonses.com ~all", True),
        ("V=SPF1 +INCLUDE:AmazonSES.com -all", True),
        ("v=spf1 redirect=amazonses.com", True),
        ("v=spf1 include:amazonses.com.evil.example ~all", False),
        ("v=spf1 ?include:amazonses.com ~all", False),
        ("v=spf1 all include:amazonses.com", False),
    ],
)
def test_authorizes_amazonses(record, expected):
    assert checks.authorizes_amazonses(record) is expected
