"""The doctor's verdicts: facts from SES and DNS in, findings with exact fixes out (pure).

Nothing here performs I/O; ``dnsprobe`` and ``sesprobe`` gather the facts. Every fix is a
zone-file line or a command that can be pasted as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from toiawase.doctor.facts import (
    AccountFacts,
    ConfigurationSetFacts,
    DmarcFacts,
    DmarcState,
    DnsAnswer,
    DnsFacts,
    IdentityFacts,
    MxRecord,
    NotChecked,
    Outcome,
    Plan,
    SesFacts,
    SpfAnalysis,
)
from toiawase.doctor.findings import Finding, Section, Status

TTL = 3600
SPF_LOOKUP_LIMIT = 10
MAIL_FROM_SPF = '"v=spf1 include:amazonses.com ~all"'
WANTED_EVENTS = ("BOUNCE", "COMPLAINT", "REJECT", "DELIVERY", "DELIVERY_DELAY")
EVENT_NAMES = {
    "BOUNCE": "Bounce",
    "COMPLAINT": "Complaint",
    "REJECT": "Reject",
    "DELIVERY": "Delivery",
    "DELIVERY_DELAY": "DeliveryDelay",
}
IDENTITY_STACK = "deploy infra/identity.yaml (see docs/deliverability.md)"


# --- small helpers -------------------------------------------------------------------------


def zone_line(name: str, rtype: str, value: str) -> str:
    """One record as a zone-file line, names fully qualified."""
    return f"{name.rstrip('.')}. {TTL} IN {rtype} {value}"


def dkim_target(token: str) -> str:
    return f"{token}.dkim.amazonses.com"


def feedback_endpoint(region: str) -> str:
    """SES's bounce endpoint in ``region``: the MAIL FROM domain's one MX."""
    return f"feedback-smtp.{region}.amazonses.com"


def is_within(name: str, domain: str) -> bool:
    """``name`` is ``domain`` or one of its subdomains."""
    return name == domain or name.endswith("." + domain)


def is_spf(text: str) -> bool:
    """A TXT string is an SPF record when it starts with the version term (RFC 7208 §4.5)."""
    lowered = text.lower()
    return lowered == "v=spf1" or lowered.startswith("v=spf1 ")


def authorizes_amazonses(record: str) -> bool:
    """Whether an SPF record passes SES's servers through ``include:amazonses.com``.

    SPF terms are separated by spaces (RFC 7208 §4.6.1), so finding one term needs no parser;
    full validation of the domain's own record is checkdmarc's job in ``dnsprobe``. Terms after
    ``all`` are never evaluated, and only a pass qualifier (``+`` or none) authorises.
    """
    for term in record.split()[1:]:
        lowered = term.lower()
        qualifier = lowered[0] if lowered[:1] in ("+", "-", "~", "?") else "+"
        mechanism = lowered[1:] if lowered[:1] in ("+", "-", "~", "?") else lowered
        if mechanism == "all":
            return False
        if mechanism == "include:amazonses.com" and qualifier == "+":
            return True
        if mechanism == "redirect=amazonses.com":
            return True
    return False


def _ses_dkim_target(target: str, token: str) -> bool:
    # Easy DKIM keys live at <token>.dkim.amazonses.com; a few regions (and DEED replicas of
    # their identities) use <token>.dkim.<region>.amazonses.com.
    pattern = rf"{re.escape(token.lower())}\.dkim(\.[a-z0-9-]+)?\.amazonses\.com"
    return re.fullmatch(pattern, target.lower().rstrip(".")) is not None


def _spf_records(answer: DnsAnswer[str]) -> list[str]:
    return [record for record in answer.records if is_spf(record)]


def _skip(id_: str, section: Section, title: str, reason: str) -> Finding:
    return Finding(id_, section, title, Status.SKIP, f"not checked: {reason}")


def _worst(statuses: Iterable[Status]) -> Status:
    order = [Status.FAIL, Status.WARN, Status.PASS, Status.SKIP]
    present = set(statuses)
    return next((status for status in order if status in present), Status.SKIP)


# --- the plan: what to look for in DNS ---------------------------------------------------


def make_plan(
    *,
    domain: str,
    region: str,
    ses: SesFacts,
    sender: str = "",
    mail_from: str = "",
    dkim_tokens: Sequence[str] = (),
) -> Plan:
    """Decide the DKIM tokens and MAIL FROM domain to check, preferring what SES says."""
    from_domain = sender.rpartition("@")[2].lower() if sender else domain
    identity = ses.domain_identity
    tokens = tuple(token.lower() for token in dkim_tokens)
    unavailable = ""
    if not tokens:
        if isinstance(identity, NotChecked):
            unavailable = (
                f"the DKIM tokens come from SES, which could not be asked ({identity.reason})"
            )
        elif not identity.exists:
            unavailable = f"SES has no identity {domain} in {region}, so there are no DKIM tokens"
        elif identity.dkim_origin == "EXTERNAL":
            unavailable = (
                "the identity uses BYODKIM (your own key): SES looks for a TXT record at "
                "<selector>._domainkey instead of CNAMEs"
            )
        elif not identity.dkim_tokens:
            unavailable = f"SES did not report DKIM tokens for {domain}"
        else:
            tokens = identity.dkim_tokens

    if mail_from:
        chosen, source, note = mail_from.lower(), "option", ""
    elif isinstance(identity, IdentityFacts) and identity.mail_from is not None:
        chosen, source, note = identity.mail_from.domain.lower(), "ses", ""
    else:
        if isinstance(identity, NotChecked):
            why = identity.reason
        elif identity.exists:
            why = "SES did not report MAIL FROM attributes"
        else:
            why = f"SES has no identity {domain}"
        chosen, source = f"mail.{domain}", "assumed"
        note = f"MAIL FROM assumed to be mail.{domain} ({why}); --mail-from names another"
    return Plan(
        domain=domain,
        from_domain=from_domain,
        region=region,
        sender=sender,
        dkim_tokens=tokens,
        dkim_unavailable=unavailable,
        mail_from=chosen,
        mail_from_source=source,
        mail_from_note=note,
    )


# --- SES --------------------------------------------------------------------------------------


def check_ses_identity(plan: Plan, ses: SesFacts) -> list[Finding]:
    identity = ses.domain_identity
    title = "identity"
    if isinstance(identity, NotChecked):
        return [_skip("ses.identity", Section.SES, title, identity.reason)]
    fix = (
        f"{IDENTITY_STACK} with DomainName={plan.domain}, or:",
        f"aws sesv2 create-email-identity --email-identity {plan.domain} --region {plan.region}",
    )
    if not identity.exists:
        sender = ses.sender_identity
        if isinstance(sender, IdentityFacts) and sender.exists and sender.verified:
            return [
                Finding(
                    "ses.identity",
                    Section.SES,
                    title,
                    Status.WARN,
                    f"{plan.domain} is not an SES identity in {plan.region}, but the address "
                    f"{sender.name} is: SES sends, but signs with its own DKIM key "
                    f"(amazonses.com), which does not align with {plan.from_domain}.",
                    fix,
                )
            ]
        return [
            Finding(
                "ses.identity",
                Section.SES,
                title,
                Status.FAIL,
                f"SES in {plan.region} has no identity {plan.domain}: it refuses every message "
                f"from @{plan.domain}.",
                fix,
            )
        ]
    if identity.verified:
        covers = f" (it covers {plan.sender})" if plan.sender else ""
        return [
            Finding(
                "ses.identity",
                Section.SES,
                title,
                Status.PASS,
                f"{plan.domain} is verified for sending in {plan.region}{covers}.",
            )
        ]
    status = identity.verification_status or "not verified"
    return [
        Finding(
            "ses.identity",
            Section.SES,
            title,
            Status.FAIL,
            f"{plan.domain} is not verified yet ({status}): SES refuses to send from it until "
            "it finds the DKIM CNAME records.",
            ("publish the DKIM records listed under DNS",),
        )
    ]


def check_ses_dkim(plan: Plan, ses: SesFacts) -> list[Finding]:
    identity = ses.domain_identity
    title = "DKIM signing"
    if isinstance(identity, NotChecked):
        return [_skip("ses.dkim", Section.SES, title, identity.reason)]
    if not identity.exists:
        return []
    origin = identity.dkim_origin
    if origin == "EXTERNAL":
        kind = "BYODKIM"
    elif origin.startswith("AWS_SES_"):
        kind = f"Easy DKIM replicated from {origin.removeprefix('AWS_SES_').lower()} (DEED)"
    else:
        kind = "Easy DKIM"
    key = identity.dkim_key_length
    described = f"{kind}{', ' + key if key else ''}"
    if not identity.dkim_signing_enabled:
        return [
            Finding(
                "ses.dkim",
                Section.SES,
                title,
                Status.FAIL,
                f"DKIM signing is off for {plan.domain}: messages are not signed by your "
                "domain, so DMARC can pass only through SPF.",
                (
                    f"aws sesv2 put-email-identity-dkim-attributes --email-identity "
                    f"{plan.domain} --signing-enabled --region {plan.region}",
                ),
            )
        ]
    status = identity.dkim_status
    if status == "SUCCESS":
        weak = " (1024-bit: consider 2048)" if key == "RSA_1024_BIT" else ""
        return [
            Finding(
                "ses.dkim",
                Section.SES,
                title,
                Status.PASS,
                f"{described}: SES found the records and signs as d={plan.domain}{weak}.",
            )
        ]
    publish = ("publish the DKIM records listed under DNS",)
    if status == "PENDING":
        return [
            Finding(
                "ses.dkim",
                Section.SES,
                title,
                Status.WARN,
                f"{described}: SES has not found the DKIM records yet (it keeps looking for "
                "72 hours after they are published).",
                publish,
            )
        ]
    if status == "TEMPORARY_FAILURE":
        return [
            Finding(
                "ses.dkim",
                Section.SES,
                title,
                Status.WARN,
                f"{described}: SES can no longer find the DKIM records (removed, or DNS "
                "trouble); it stops signing if they stay away.",
                publish,
            )
        ]
    return [
        Finding(
            "ses.dkim",
            Section.SES,
            title,
            Status.FAIL,
            f"{described}: DKIM status is {status or 'unknown'}; SES does not sign as "
            f"{plan.domain}.",
            (
                *publish,
                "then restart DKIM verification for the identity in the SES console",
            ),
        )
    ]


def _mail_from_consequence(behavior: str) -> str:
    if behavior == "REJECT_MESSAGE":
        return "SES refuses to send from this identity (BehaviorOnMxFailure REJECT_MESSAGE)"
    return (
        "SES sends with its default MAIL FROM instead, so SPF does not align "
        "(BehaviorOnMxFailure USE_DEFAULT_VALUE)"
    )


def check_ses_mail_from(plan: Plan, ses: SesFacts) -> list[Finding]:
    identity = ses.domain_identity
    title = "MAIL FROM"
    if isinstance(identity, NotChecked):
        return [_skip("ses.mail-from", Section.SES, title, identity.reason)]
    if not identity.exists:
        return []
    if identity.mail_from is None:
        return [
            _skip(
                "ses.mail-from",
                Section.SES,
                title,
                "SES did not report MAIL FROM attributes for the identity",
            )
        ]
    mail_from = identity.mail_from
    if not mail_from.domain:
        return []  # SES's default MAIL FROM: the DNS section says what that means
    consequence = _mail_from_consequence(mail_from.behavior_on_mx_failure)
    behavior = mail_from.behavior_on_mx_failure or "USE_DEFAULT_VALUE"
    mx = zone_line(mail_from.domain, "MX", f"10 {feedback_endpoint(plan.region)}.")
    if mail_from.status == "SUCCESS":
        return [
            Finding(
                "ses.mail-from",
                Section.SES,
                title,
                Status.PASS,
                f"{mail_from.domain}: SES found its MX (on MX failure: "
                f"{mail_from.behavior_on_mx_failure or 'unknown'}).",
            )
        ]
    if mail_from.status in ("PENDING", "TEMPORARY_FAILURE"):
        seen = "has not found" if mail_from.status == "PENDING" else "can no longer find"
        return [
            Finding(
                "ses.mail-from",
                Section.SES,
                title,
                Status.WARN,
                f"SES {seen} the MX record of {mail_from.domain}; until it does, {consequence}.",
                (mx,),
            )
        ]
    return [
        Finding(
            "ses.mail-from",
            Section.SES,
            title,
            Status.FAIL,
            f"SES gave up looking for the MX record of {mail_from.domain} "
            f"({mail_from.status or 'unknown'}): {consequence}.",
            (
                mx,
                "then set the MAIL FROM again so SES looks anew:",
                f"aws sesv2 put-email-identity-mail-from-attributes --email-identity "
                f"{plan.domain} --mail-from-domain {mail_from.domain} "
                f"--behavior-on-mx-failure {behavior} --region {plan.region}",
            ),
        )
    ]


def check_ses_account(plan: Plan, ses: SesFacts) -> list[Finding]:
    account = ses.account
    if isinstance(account, NotChecked):
        return [_skip("ses.account", Section.SES, "account", account.reason)]
    return [_sandbox(plan, account), _quota(plan, account)]


def _sandbox(plan: Plan, account: AccountFacts) -> Finding:
    title = "sandbox"
    if account.production_access is None:
        return _skip("ses.sandbox", Section.SES, title, "SES did not say")
    if account.production_access:
        return Finding(
            "ses.sandbox",
            Section.SES,
            title,
            Status.PASS,
            f"production access in {plan.region}: SES delivers to any address.",
        )
    return Finding(
        "ses.sandbox",
        Section.SES,
        title,
        Status.WARN,
        f"the account is in the SES sandbox in {plan.region}: SES delivers only to verified "
        "addresses, so every RECIPIENT_ADDRESSES inbox must be a verified identity (and at "
        "most 200 messages a day, 1 a second).",
        (
            f"aws sesv2 create-email-identity --email-identity YOUR-INBOX --region {plan.region}",
            "or request production access: SES console, Account dashboard",
        ),
    )


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


def _quota(plan: Plan, account: AccountFacts) -> Finding:
    title = "sending quota"
    parts: list[tuple[Status, str]] = []
    if account.sending_enabled is False:
        parts.append((Status.FAIL, f"sending is paused for the whole account in {plan.region}"))
    enforcement = account.enforcement_status.upper()
    if enforcement == "SHUTDOWN":
        parts.append((Status.FAIL, "the account's sending was shut down (enforcement SHUTDOWN)"))
    elif enforcement == "PROBATION":
        parts.append(
            (Status.WARN, "the account is on probation: bounce or complaint rates are too high")
        )
    maximum, sent = account.max_24_hour_send, account.sent_last_24_hours
    if maximum is not None and maximum < 0:
        parts.append((Status.PASS, "no daily sending limit"))
    elif maximum is not None and sent is not None:
        status = Status.WARN if maximum > 0 and sent >= 0.8 * maximum else Status.PASS
        rate = f", at most {_number(account.max_send_rate)} a second"
        parts.append((status, f"{_number(sent)} of {_number(maximum)} sent in 24 hours{rate}"))
    if not parts:
        return _skip("ses.quota", Section.SES, title, "SES reported no quota")
    status = _worst(s for s, _ in parts)
    fix = (
        ("see the SES console's Account dashboard (reputation and sending status)",)
        if status is not Status.PASS
        else ()
    )
    return Finding(
        "ses.quota", Section.SES, title, status, "; ".join(t for _, t in parts) + ".", fix
    )


def check_ses_configuration_set(plan: Plan, ses: SesFacts) -> list[Finding]:
    config = ses.configuration_set
    title = "configuration set"
    if config is None:
        return [
            _skip(
                "ses.configuration-set",
                Section.SES,
                title,
                "no name to look up: pass --configuration-set NAME (the identity stack's "
                "ConfigurationSetName output, the form stacks' SesConfigurationSet)",
            )
        ]
    if isinstance(config, NotChecked):
        return [_skip("ses.configuration-set", Section.SES, title, config.reason)]
    if not config.exists:
        return [
            Finding(
                "ses.configuration-set",
                Section.SES,
                title,
                Status.FAIL,
                f"SES in {plan.region} has no configuration set {config.name}: every send "
                "that names it is refused.",
                (
                    f"{IDENTITY_STACK}, and pass its ConfigurationSetName output as "
                    "SesConfigurationSet",
                    "or clear the form stack's SesConfigurationSet parameter",
                ),
            )
        ]
    findings = [_configuration_set(plan, config), _event_destinations(plan, config)]
    return findings


def _configuration_set(plan: Plan, config: ConfigurationSetFacts) -> Finding:
    title = "configuration set"
    if config.sending_enabled is False:
        return Finding(
            "ses.configuration-set",
            Section.SES,
            title,
            Status.FAIL,
            f"sending is disabled for configuration set {config.name}: SES refuses every send "
            "that names it.",
            (
                f"aws sesv2 put-configuration-set-sending-options --configuration-set-name "
                f"{config.name} --sending-enabled --region {plan.region}",
            ),
        )
    reputation = {True: "on", False: "off", None: "unknown"}[config.reputation_metrics]
    return Finding(
        "ses.configuration-set",
        Section.SES,
        title,
        Status.PASS,
        f"{config.name} exists, sending enabled, reputation metrics {reputation}.",
    )


def _event_destinations(plan: Plan, config: ConfigurationSetFacts) -> Finding:
    title = "event destination"
    destinations = config.destinations
    if isinstance(destinations, NotChecked):
        return _skip("ses.event-destination", Section.SES, title, destinations.reason)
    enabled = [d for d in destinations if d.enabled]
    fix = (f"{IDENTITY_STACK}: its configuration set publishes them to SNS",)
    if not enabled:
        return Finding(
            "ses.event-destination",
            Section.SES,
            title,
            Status.WARN,
            f"{config.name} publishes no events: bounces and complaints reach you only by "
            "email (FEEDBACK_ADDRESS), and nothing records deliveries.",
            fix,
        )
    covered = frozenset().union(*(d.event_types for d in enabled))
    missing = [EVENT_NAMES[e] for e in WANTED_EVENTS if e not in covered]
    where = ", ".join(f"{d.kind} {d.target or d.name}".strip() for d in enabled)
    if missing:
        return Finding(
            "ses.event-destination",
            Section.SES,
            title,
            Status.WARN,
            f"{config.name} publishes to {where}, but not these events: {', '.join(missing)}.",
            fix,
        )
    return Finding(
        "ses.event-destination",
        Section.SES,
        title,
        Status.PASS,
        f"Bounce, Complaint, Reject, Delivery and DeliveryDelay go to {where}.",
    )


# --- DNS --------------------------------------------------------------------------------------


def check_dkim_records(plan: Plan, answers: Sequence[DnsAnswer[str]]) -> list[Finding]:
    if not plan.dkim_tokens:
        return [
            _skip(
                "dns.dkim",
                Section.DNS,
                "DKIM records",
                f"{plan.dkim_unavailable}. --dkim-token TOKEN (three times, from the identity "
                "stack's DnsDkim outputs) checks them anyway",
            )
        ]
    findings = []
    count = len(plan.dkim_tokens)
    for number, (token, answer) in enumerate(zip(plan.dkim_tokens, answers, strict=True), 1):
        id_, title = f"dns.dkim.{number}", f"DKIM {number}/{count}"
        name = f"{token}._domainkey.{plan.domain}"
        fix = (zone_line(name, "CNAME", dkim_target(token) + "."),)
        if answer.outcome is Outcome.ERROR:
            findings.append(_skip(id_, Section.DNS, title, answer.absence()))
        elif not answer.records:
            findings.append(
                Finding(
                    id_,
                    Section.DNS,
                    title,
                    Status.FAIL,
                    f"{answer.absence()}: receivers cannot verify signatures made with this "
                    "key, and SES cannot verify the domain.",
                    fix,
                )
            )
        elif len(answer.records) == 1 and _ses_dkim_target(answer.records[0], token):
            findings.append(
                Finding(id_, Section.DNS, title, Status.PASS, f"{name} → {answer.records[0]}")
            )
        else:
            targets = ", ".join(answer.records)
            findings.append(
                Finding(
                    id_,
                    Section.DNS,
                    title,
                    Status.FAIL,
                    f"{name} points to {targets}, not to SES's key at {dkim_target(token)}.",
                    fix,
                )
            )
    return findings


def check_mail_from(
    plan: Plan, mx: DnsAnswer[MxRecord] | None, txt: DnsAnswer[str] | None
) -> list[Finding]:
    mail_from = plan.mail_from or f"mail.{plan.domain}"
    mx_line = zone_line(mail_from, "MX", f"10 {feedback_endpoint(plan.region)}.")
    spf_line = zone_line(mail_from, "TXT", MAIL_FROM_SPF)
    set_it = (
        f"{IDENTITY_STACK} (MAIL FROM mail.{plan.domain}), or:",
        f"aws sesv2 put-email-identity-mail-from-attributes --email-identity {plan.domain} "
        f"--mail-from-domain {mail_from} --behavior-on-mx-failure USE_DEFAULT_VALUE "
        f"--region {plan.region}",
        mx_line,
        spf_line,
    )
    default_means = (
        f"SPF passes for amazonses.com but can never align with {plan.from_domain}, so DMARC "
        "rests on DKIM alone."
    )
    if not plan.mail_from:
        return [
            Finding(
                "dns.mail-from",
                Section.DNS,
                "MAIL FROM",
                Status.WARN,
                "SES sends with its default MAIL FROM (a subdomain of amazonses.com): "
                + default_means,
                set_it,
            )
        ]
    if mx is None or txt is None:
        return []
    if plan.mail_from_source == "assumed" and mx.absent and txt.absent:
        return [
            Finding(
                "dns.mail-from",
                Section.DNS,
                "MAIL FROM",
                Status.WARN,
                f"no custom MAIL FROM in DNS ({mail_from} has neither MX nor TXT records), so "
                "SES presumably uses its default MAIL FROM (amazonses.com): " + default_means,
                set_it,
            )
        ]
    return [_mail_from_mx(plan, mx, mx_line), _mail_from_spf(plan, txt, spf_line)]


def _mail_from_mx(plan: Plan, mx: DnsAnswer[MxRecord], mx_line: str) -> Finding:
    id_, title = "dns.mail-from.mx", "MAIL FROM MX"
    expected = feedback_endpoint(plan.region)
    if mx.outcome is Outcome.ERROR:
        return _skip(id_, Section.DNS, title, mx.absence())
    if not mx.records:
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.FAIL,
            f"{mx.absence()}: SES cannot use {plan.mail_from} as MAIL FROM, and bounces to it "
            "go nowhere.",
            (mx_line,),
        )
    shown = ", ".join(f"{r.preference} {r.exchange}" for r in mx.records)
    if len(mx.records) > 1:
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.FAIL,
            f"{plan.mail_from} has {len(mx.records)} MX records ({shown}); it needs exactly "
            f"one, to {expected}.",
            ("keep only:", mx_line),
        )
    exchange = mx.records[0].exchange
    if exchange == expected:
        return Finding(id_, Section.DNS, title, Status.PASS, f"{plan.mail_from} MX {shown}")
    other = re.fullmatch(r"feedback-smtp\.([a-z0-9-]+)\.amazonses\.com", exchange)
    why = (
        f"the feedback endpoint of {other.group(1)}, but SES sends from {plan.region}"
        if other
        else f"{exchange}, not SES's feedback endpoint {expected}"
    )
    return Finding(
        id_,
        Section.DNS,
        title,
        Status.FAIL,
        f"{plan.mail_from} MX points to {why}.",
        ("replace it with:", mx_line),
    )


def _mail_from_spf(plan: Plan, txt: DnsAnswer[str], spf_line: str) -> Finding:
    id_, title = "dns.mail-from.spf", "MAIL FROM SPF"
    if txt.outcome is Outcome.ERROR:
        return _skip(id_, Section.DNS, title, txt.absence())
    records = _spf_records(txt)
    if not records:
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.FAIL,
            f"{plan.mail_from} has no SPF record: receivers cannot tell that SES may send with "
            "it as envelope sender, so SPF fails.",
            (spf_line,),
        )
    if len(records) > 1:
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.FAIL,
            f"{plan.mail_from} has {len(records)} SPF records; SPF needs exactly one (more is "
            "a permanent error, RFC 7208 §4.5).",
            ("replace them with:", spf_line),
        )
    record = records[0]
    if authorizes_amazonses(record):
        return Finding(id_, Section.DNS, title, Status.PASS, f'{plan.mail_from} TXT "{record}"')
    return Finding(
        id_,
        Section.DNS,
        title,
        Status.FAIL,
        f'{plan.mail_from} TXT "{record}" does not include amazonses.com, so SES\'s servers '
        "fail SPF.",
        ("replace it with:", spf_line),
    )


def check_domain_spf(plan: Plan, txt: DnsAnswer[str], spf: SpfAnalysis | None) -> Finding:
    id_, title = "dns.spf", "SPF (domain)"
    if txt.outcome is Outcome.ERROR:
        return _skip(id_, Section.DNS, title, txt.absence())
    records = _spf_records(txt)
    envelope = plan.mail_from or "amazonses.com"
    if not records:
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.PASS,
            f"{plan.domain} has no SPF record. SES mail does not need one: its envelope sender "
            f"is {envelope}, never {plan.domain}.",
        )
    if len(records) > 1:
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.FAIL,
            f"{plan.domain} has {len(records)} SPF records; SPF allows exactly one, and "
            "receivers treat more as a permanent error (RFC 7208 §4.5) for all mail with "
            f"{plan.domain} as envelope sender.",
            (
                "merge them into one TXT record; now:",
                *(zone_line(plan.domain, "TXT", f'"{r}"') for r in records),
            ),
        )
    if spf is None or spf.unanalysed:
        why = spf.unanalysed if spf else "not analysed"
        return _skip(id_, Section.DNS, title, f'"{records[0]}" could not be analysed ({why})')
    lookups = spf.lookups
    if spf.error:
        if lookups is not None and lookups > SPF_LOOKUP_LIMIT:
            fix: tuple[str, ...] = (
                "SPF allows at most 10 DNS-querying terms (include, a, mx, ptr, exists, "
                "redirect), counted through every include:",
                "remove includes you no longer use, or replace a/mx terms with ip4:/ip6:",
            )
        else:
            fix = (f'correct the record: "{spf.record}"',)
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.FAIL,
            f"{plan.domain}: {spf.error}. Receivers treat the record as a permanent error.",
            fix,
        )
    shown = f'"{spf.record}" ({_number(lookups)}/{SPF_LOOKUP_LIMIT} DNS lookups)'
    if spf.record.lower().split()[-1] in ("+all", "all"):
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.WARN,
            f"{shown} ends in +all: it lets any server on the internet pass SPF as {plan.domain}.",
            ("end the record with ~all or -all",),
        )
    return Finding(id_, Section.DNS, title, Status.PASS, shown)


def check_dmarc(plan: Plan, dmarc: DmarcFacts) -> Finding:
    id_, title = "dns.dmarc", "DMARC"
    recommended = zone_line(
        f"_dmarc.{plan.domain}",
        "TXT",
        f'"v=DMARC1; p=none; rua=mailto:dmarc-reports@{plan.domain}"',
    )
    if dmarc.state is DmarcState.ERROR:
        return _skip(id_, Section.DNS, title, f"the DMARC lookup failed ({dmarc.error})")
    if dmarc.state is DmarcState.MISSING:
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.WARN,
            f"no DMARC record for {dmarc.domain}"
            + (f" ({dmarc.error})" if dmarc.error else "")
            + ": receivers apply no policy and send you no reports, and large mailbox "
            "providers expect one.",
            (recommended, "(or the identity stack's DnsDmarc output)"),
        )
    if dmarc.state is DmarcState.INVALID:
        found = f' "{dmarc.record}"' if dmarc.record else ""
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.FAIL,
            f"the DMARC record{found} is unusable ({dmarc.error}); receivers ignore it.",
            ("replace it with, for example:", recommended),
        )
    meaning = {
        "none": "monitoring only, failing mail is still delivered",
        "quarantine": "failing mail goes to spam",
        "reject": "failing mail is refused",
    }.get(dmarc.policy, "unknown policy")
    inherited = (
        f", inherited from {dmarc.location}"
        if dmarc.location and dmarc.location != dmarc.domain
        else ""
    )
    described = f'"{dmarc.record}": p={dmarc.policy} ({meaning}{inherited})'
    if not dmarc.rua:
        return Finding(
            id_,
            Section.DNS,
            title,
            Status.WARN,
            f"{described}; no rua= tag, so nobody receives the reports that show what fails.",
            ("add rua=mailto:ADDRESS, for example:", recommended),
        )
    return Finding(
        id_,
        Section.DNS,
        title,
        Status.PASS,
        f"{described}; reports go to {', '.join(dmarc.rua)}.",
    )


# --- the verdict ------------------------------------------------------------------------------


def _aligned(from_domain: str, other: str, mode: str, domain: str) -> bool:
    """DMARC identifier alignment (RFC 7489 §3.1).

    Strict: the domains are equal. Relaxed: they share an organisational domain; both being
    ``domain`` or under it is enough, since ``domain`` (an SES identity the owner registered)
    is at or below its organisational domain.
    """
    if mode == "s":
        return from_domain == other
    return (is_within(from_domain, domain) and is_within(other, domain)) or (
        is_within(from_domain, other) or is_within(other, from_domain)
    )


def _path(statuses: Sequence[Status]) -> bool | None:
    if not statuses:
        return None
    if Status.FAIL in statuses:
        return False
    if all(status is Status.PASS for status in statuses):
        return True
    return None


def verdict_alignment(
    plan: Plan, ses: SesFacts, dmarc: DmarcFacts, findings: Sequence[Finding]
) -> Finding:
    """Will DMARC pass for mail from ``plan.from_domain``, via DKIM, via SPF, or not at all?"""
    by_id = {f.id: f for f in findings}
    identity = ses.domain_identity
    known_identity = isinstance(identity, IdentityFacts) and identity.exists
    adkim = dmarc.adkim if dmarc.state is DmarcState.FOUND else "r"
    aspf = dmarc.aspf if dmarc.state is DmarcState.FOUND else "r"

    # DKIM: SES signs as d=<identity domain> once the CNAMEs are in place.
    dkim_dns = _path([f.status for i, f in by_id.items() if i.startswith("dns.dkim.")])
    dkim_ses: bool | None = None
    if isinstance(identity, IdentityFacts) and identity.exists:
        if not identity.dkim_signing_enabled or identity.dkim_status in ("FAILED", "NOT_STARTED"):
            dkim_ses = False
        elif identity.dkim_status == "SUCCESS":
            dkim_ses = True
    elif isinstance(identity, IdentityFacts):
        dkim_ses = False
    dkim_works = False if False in (dkim_dns, dkim_ses) else (dkim_dns or dkim_ses)
    dkim_aligned = _aligned(plan.from_domain, plan.domain, adkim, plan.domain)
    if dkim_works is None:
        dkim: bool | None = None
        dkim_words = "DKIM could not be checked"
    elif not dkim_works:
        dkim, dkim_words = False, f"DKIM does not pass (see the DKIM findings for {plan.domain})"
    elif not dkim_aligned:
        dkim = False
        dkim_words = f"DKIM (d={plan.domain}) does not align with {plan.from_domain} (adkim=s)"
    else:
        dkim, dkim_words = True, f"via DKIM (d={plan.domain})"

    # SPF: receivers check the MAIL FROM domain, which must share the From's domain.
    mail_from_fallback = (
        known_identity
        and isinstance(identity, IdentityFacts)
        and identity.mail_from is not None
        and identity.mail_from.domain != ""
        and identity.mail_from.status == "FAILED"
        and identity.mail_from.behavior_on_mx_failure != "REJECT_MESSAGE"
    )
    spf: bool | None
    if not plan.mail_from or "dns.mail-from" in by_id or mail_from_fallback:
        spf = False
        spf_words = (
            "not via SPF: the MAIL FROM is SES's default (amazonses.com), never aligned with "
            + plan.from_domain
        )
    else:
        spf_dns = _path(
            [by_id[i].status for i in ("dns.mail-from.mx", "dns.mail-from.spf") if i in by_id]
        )
        spf_aligned = _aligned(plan.from_domain, plan.mail_from, aspf, plan.domain)
        if spf_dns is None:
            spf, spf_words = None, "SPF could not be checked"
        elif not spf_dns:
            spf = False
            spf_words = f"not via SPF: the MAIL FROM records of {plan.mail_from} are wrong"
        elif not spf_aligned:
            spf = False
            spf_words = (
                f"not via SPF: MAIL FROM {plan.mail_from} cannot align with "
                f"{plan.from_domain} under aspf=s"
            )
        else:
            spf, spf_words = True, f"via SPF (MAIL FROM {plan.mail_from}, relaxed alignment)"

    if not dkim_words.startswith("via") and dkim is not None:
        dkim_words = "not via DKIM: " + dkim_words
    caveat = {
        DmarcState.MISSING: " (there is no DMARC record yet; this is what receivers will find "
        "once there is)",
        DmarcState.INVALID: " (receivers ignore the unusable DMARC record; this is what they "
        "will find once it is fixed)",
    }.get(dmarc.state, "")
    if dkim and spf:
        status, words = Status.PASS, f"DMARC passes {dkim_words} and {spf_words}"
    elif dkim:
        status = Status.PASS if spf is None else Status.WARN
        words = f"DMARC passes {dkim_words} only; {spf_words}"
    elif spf:
        status = Status.WARN
        words = (
            f"DMARC passes {spf_words} only; {dkim_words}. SPF breaks when mail is "
            "forwarded, so fix DKIM"
        )
    elif dkim is False and spf is False:
        status = Status.FAIL
        words = (
            f"DMARC fails for mail from {plan.from_domain}: {dkim_words}; {spf_words}. Under "
            "p=quarantine or p=reject it is junked or refused"
        )
    else:
        status = Status.SKIP
        words = f"not determined: {dkim_words}; {spf_words}"
    return Finding("verdict.alignment", Section.VERDICT, "DMARC alignment", status, words + caveat)


# --- everything ---------------------------------------------------------------------------


def evaluate(plan: Plan, ses: SesFacts, dns: DnsFacts) -> tuple[Finding, ...]:
    """Every finding, SES first, then DNS, then the alignment verdict."""
    findings: list[Finding] = []
    findings += check_ses_identity(plan, ses)
    findings += check_ses_dkim(plan, ses)
    findings += check_ses_mail_from(plan, ses)
    findings += check_ses_account(plan, ses)
    findings += check_ses_configuration_set(plan, ses)
    findings += check_dkim_records(plan, dns.dkim)
    findings += check_mail_from(plan, dns.mail_from_mx, dns.mail_from_txt)
    findings.append(check_domain_spf(plan, dns.domain_txt, dns.spf))
    findings.append(check_dmarc(plan, dns.dmarc))
    findings.append(verdict_alignment(plan, ses, dns.dmarc, findings))
    return tuple(findings)
