"""What the doctor learnt from DNS and SES, as plain values (pure: no I/O, no AWS, no DNS)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Outcome(StrEnum):
    """How a DNS question was answered."""

    ANSWER = "answer"  # records of the asked type exist
    NODATA = "nodata"  # the name exists, but has no records of that type
    NXDOMAIN = "nxdomain"  # the name does not exist
    ERROR = "error"  # no usable answer (timeout, SERVFAIL, refused): we do not know


@dataclass(frozen=True)
class DnsAnswer(Generic[T]):
    """The records of one type at one name, or why there are none."""

    name: str
    rtype: str
    outcome: Outcome
    records: tuple[T, ...] = ()
    error: str = ""

    @property
    def absent(self) -> bool:
        """DNS said authoritatively that there is nothing (as opposed to not answering)."""
        return self.outcome in (Outcome.NODATA, Outcome.NXDOMAIN)

    def absence(self) -> str:
        """Plain words for an answer without records."""
        if self.outcome is Outcome.NXDOMAIN:
            return f"{self.name} does not exist in DNS"
        if self.outcome is Outcome.ERROR:
            return f"the {self.rtype} lookup of {self.name} failed ({self.error})"
        return f"{self.name} has no {self.rtype} record"


@dataclass(frozen=True)
class MxRecord:
    preference: int
    exchange: str  # lower case, without the final dot


@dataclass(frozen=True)
class SpfAnalysis:
    """checkdmarc's reading of one SPF record (lookups counted through every include)."""

    record: str
    lookups: int | None
    void_lookups: int | None
    error: str = ""  # empty when the record is valid
    warnings: tuple[str, ...] = ()
    unanalysed: str = ""  # why the record could not be analysed at all (not its fault)


class DmarcState(StrEnum):
    FOUND = "found"
    MISSING = "missing"
    INVALID = "invalid"
    ERROR = "error"  # the lookup failed


@dataclass(frozen=True)
class DmarcFacts:
    """The DMARC policy that applies to mail whose From is on ``domain``."""

    domain: str
    state: DmarcState
    record: str = ""
    location: str = ""  # where it was found: the domain itself or its organisational domain
    policy: str = ""  # none / quarantine / reject
    subdomain_policy: str = ""
    adkim: str = "r"  # r (relaxed, the default) or s (strict)
    aspf: str = "r"
    rua: tuple[str, ...] = ()
    error: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DnsFacts:
    """Every DNS answer the checks need, gathered for one ``Plan``."""

    dkim: tuple[DnsAnswer[str], ...]  # CNAME answers, one per DKIM token, in token order
    mail_from_mx: DnsAnswer[MxRecord] | None  # None: no custom MAIL FROM to look at
    mail_from_txt: DnsAnswer[str] | None
    domain_txt: DnsAnswer[str]
    spf: SpfAnalysis | None  # the domain's own SPF, when it has exactly one record
    dmarc: DmarcFacts


@dataclass(frozen=True)
class NotChecked:
    """An SES question that could not be asked or answered, and why."""

    reason: str


@dataclass(frozen=True)
class MailFromFacts:
    domain: str  # empty: SES's default MAIL FROM (a subdomain of amazonses.com)
    status: str  # PENDING / SUCCESS / FAILED / TEMPORARY_FAILURE
    behavior_on_mx_failure: str  # USE_DEFAULT_VALUE / REJECT_MESSAGE


@dataclass(frozen=True)
class IdentityFacts:
    """What SES ``GetEmailIdentity`` said about one identity (a domain or an address)."""

    name: str
    exists: bool
    verified: bool = False
    identity_type: str = ""
    verification_status: str = ""
    dkim_signing_enabled: bool = False
    dkim_status: str = ""
    dkim_origin: str = ""  # AWS_SES (Easy DKIM), EXTERNAL (BYODKIM), AWS_SES_<REGION> (DEED)
    dkim_key_length: str = ""
    dkim_tokens: tuple[str, ...] = ()
    mail_from: MailFromFacts | None = None  # None: SES did not report MAIL FROM attributes
    configuration_set: str = ""  # the identity's default configuration set


@dataclass(frozen=True)
class AccountFacts:
    """What SES ``GetAccount`` said about the account in this region."""

    production_access: bool | None
    sending_enabled: bool | None
    enforcement_status: str = ""
    max_24_hour_send: float | None = None
    max_send_rate: float | None = None
    sent_last_24_hours: float | None = None


@dataclass(frozen=True)
class EventDestinationFacts:
    name: str
    enabled: bool
    event_types: frozenset[str]  # SES v2 names: BOUNCE, COMPLAINT, DELIVERY_DELAY, ...
    kind: str  # sns, cloudwatch, firehose, eventbridge, pinpoint
    target: str = ""  # the SNS topic ARN, for an SNS destination


@dataclass(frozen=True)
class ConfigurationSetFacts:
    name: str
    exists: bool
    sending_enabled: bool | None = None
    reputation_metrics: bool | None = None
    destinations: tuple[EventDestinationFacts, ...] | NotChecked = ()


@dataclass(frozen=True)
class SesFacts:
    region: str
    domain_identity: IdentityFacts | NotChecked
    account: AccountFacts | NotChecked
    configuration_set: ConfigurationSetFacts | NotChecked | None  # None: no name to look up
    sender_identity: IdentityFacts | NotChecked | None = None  # looked up only when needed


@dataclass(frozen=True)
class Plan:
    """What to look for in DNS, decided from the options and what SES said."""

    domain: str
    from_domain: str  # the domain of the From address (the sender's, else ``domain``)
    region: str
    sender: str = ""  # the From address, when given
    dkim_tokens: tuple[str, ...] = ()
    dkim_unavailable: str = ""  # why there are no tokens to check, when there are none
    mail_from: str = ""  # the custom MAIL FROM domain; empty: SES's default
    mail_from_source: str = "ses"  # ses / option / assumed
    mail_from_note: str = ""
