"""The function's configuration: the public contract's environment variables, read once and checked.

Every name here is part of the stable contract in the brief; see docs/deploying.md, "Parameters".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from toiawase.core.address import AddressError, parse_owner_address
from toiawase.core.errors import ConfigError
from toiawase.core.text import fold_for_matching

ENV_NAMES = (
    "SENDER_ADDRESS",
    "RECIPIENT_ADDRESSES",
    "FEEDBACK_ADDRESS",
    "ALLOWED_ORIGINS",
    "REDIRECT_URL",
    "SITE_NAME",
    "SES_CONFIGURATION_SET",
    # Abuse defences (docs/security.md); every one has a safe default.
    "MISSING_ORIGIN",
    "HONEYPOT_FIELD",
    "RATE_LIMITS",
    "MAX_LINKS",
    "BLOCKED_PHRASES",
    "CAPTCHA_PROVIDER",
    "CAPTCHA_MIN_SCORE",
    "CAPTCHA_ON_OUTAGE",
)
CAPTCHA_PROVIDERS = ("turnstile", "hcaptcha", "recaptcha-v2", "recaptcha-v3")
# The field each widget adds to the form it protects.
CAPTCHA_TOKEN_FIELDS = {
    "turnstile": "cf-turnstile-response",
    "hcaptcha": "h-captcha-response",
    "recaptcha-v2": "g-recaptcha-response",
    "recaptcha-v3": "g-recaptcha-response",
}


@dataclass(frozen=True)
class Limits:
    """Input limits. Generous for a person, small enough that abuse stays cheap to refuse."""

    max_body_bytes: int = 128 * 1024
    # A multipart body with files, through API Gateway and Lambda (see core/parse.py):
    # 6,291,456 bytes of event, base64 (4/3), less room for the event's headers and context.
    max_upload_body_bytes: int = 4_650_000
    max_fields: int = 40
    max_field_name_chars: int = 100
    max_value_chars: int = 5_000
    max_message_chars: int = 20_000
    max_name_chars: int = 200
    max_subject_chars: int = 150
    max_total_chars: int = 60_000
    # How much of a name or subject is shown in a header (the body keeps the whole value).
    header_name_chars: int = 64
    header_subject_chars: int = 120


@dataclass(frozen=True)
class RateLimits:
    """Submissions allowed per window; 0 switches a limit off. A person never meets these."""

    client_minute: int = 5
    client_day: int = 50
    form_minute: int = 60
    form_day: int = 1_000


@dataclass(frozen=True)
class Defences:
    """The abuse defences' configuration."""

    missing_origin: str = "reject"  # or "allow": requests with neither Origin nor Referer
    honeypot_field: str = "_gotcha"
    rate_limits: RateLimits = field(default_factory=RateLimits)
    max_links: int = 5
    blocked_phrases: tuple[str, ...] = ()
    captcha_provider: str | None = None
    captcha_min_score: float = 0.5
    captcha_on_outage: str = "reject"  # or "accept"

    @property
    def captcha_field(self) -> str | None:
        return CAPTCHA_TOKEN_FIELDS.get(self.captcha_provider or "")

    @property
    def control_fields(self) -> frozenset[str]:
        """Fields never copied into the email, besides those starting with ``_``."""
        names = {self.honeypot_field, *CAPTCHA_TOKEN_FIELDS.values()}
        return frozenset(names)


@dataclass(frozen=True)
class Settings:
    """Validated configuration. Addresses are ASCII (IDN domains in punycode), ready for SES."""

    sender_address: str
    recipient_addresses: tuple[str, ...]
    feedback_address: str
    allowed_origins: tuple[str, ...]
    redirect_url: str | None
    site_name: str
    configuration_set: str | None
    limits: Limits = field(default_factory=Limits)
    defences: Defences = field(default_factory=Defences)
    # Set for a form of the forms file (``core.forms.resolve.form_settings``); the defaults are
    # the one form the environment variables describe.
    form_id: str = "default"
    form_title: str | None = None
    form_subject: str | None = None
    # The language of the owner's email (the form's ``email_language``, else its ``language``).
    email_language: str = "en"


def normalize_origin(value: str) -> str | None:
    """``scheme://host[:port]`` in lower case, or None when ``value`` is not an http(s) origin.

    Control characters make it None: ``urlsplit`` would silently drop TAB, CR and LF.
    """
    if not value.isprintable():
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    suffix = "" if port in (None, default) else f":{port}"
    return f"{parts.scheme}://{host}{suffix}"


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def load_settings(env: Mapping[str, str]) -> Settings:
    """Read and check the configuration; raise ``ConfigError`` listing every problem found.

    Cached on the values of the contract's variables, so a warm container pays for the checks
    once while a changed environment (tests, the local runner) is still seen.
    """
    return _load(tuple(env.get(name, "") for name in ENV_NAMES))


@lru_cache(maxsize=8)
def _load(values: tuple[str, ...]) -> Settings:
    raw = dict(zip(ENV_NAMES, values, strict=True))
    problems: list[str] = []

    def owner_address(name: str, value: str) -> str:
        try:
            return parse_owner_address(value)
        except AddressError as exc:
            problems.append(f"{name}: {exc}")
            return ""

    sender = owner_address("SENDER_ADDRESS", raw["SENDER_ADDRESS"]) if raw["SENDER_ADDRESS"] else ""
    if not raw["SENDER_ADDRESS"]:
        problems.append("SENDER_ADDRESS is required (an address on a domain verified in SES)")
    recipients = tuple(
        owner_address("RECIPIENT_ADDRESSES", item) for item in _split(raw["RECIPIENT_ADDRESSES"])
    )
    if not recipients:
        problems.append("RECIPIENT_ADDRESSES is required (comma-separated inboxes)")
    if len(recipients) > 50:
        problems.append("RECIPIENT_ADDRESSES: SES accepts at most 50 recipients per message")
    feedback = (
        owner_address("FEEDBACK_ADDRESS", raw["FEEDBACK_ADDRESS"])
        if raw["FEEDBACK_ADDRESS"]
        else sender
    )
    origins: list[str] = []
    for item in _split(raw["ALLOWED_ORIGINS"]):
        origin = normalize_origin(item)
        if origin is None or origin.rstrip("/") != item.rstrip("/").lower():
            problems.append(f"ALLOWED_ORIGINS: {item!r} is not an origin like https://example.com")
        else:
            origins.append(origin)
    redirect = raw["REDIRECT_URL"].strip() or None
    if redirect is not None and normalize_origin(redirect) is None:
        problems.append("REDIRECT_URL must be an absolute http(s) URL")
    site_name = " ".join(raw["SITE_NAME"].split()) or "Website"
    defences = _defences(raw, problems)
    if problems:
        raise ConfigError("; ".join(problems))
    return Settings(
        sender_address=sender,
        recipient_addresses=recipients,
        feedback_address=feedback,
        allowed_origins=tuple(origins),
        redirect_url=redirect,
        site_name=site_name[:80],
        configuration_set=raw["SES_CONFIGURATION_SET"].strip() or None,
        defences=defences,
    )


def _choice(raw: dict[str, str], name: str, allowed: tuple[str, ...], problems: list[str]) -> str:
    value = raw[name].strip().lower() or allowed[0]
    if value not in allowed:
        problems.append(f"{name} must be one of {', '.join(allowed)}")
        return allowed[0]
    return value


def _defences(raw: dict[str, str], problems: list[str]) -> Defences:
    limits: dict[str, int] = {}
    for item in _split(raw["RATE_LIMITS"]):
        key, _, value = item.partition("=")
        key = key.strip()
        if key not in RateLimits.__dataclass_fields__ or not value.strip().isdigit():
            problems.append(
                "RATE_LIMITS: use client_minute=5,client_day=50,form_minute=60,form_day=1000"
            )
            continue
        limits[key] = int(value)
    max_links = raw["MAX_LINKS"].strip() or "5"
    if not max_links.isdigit():
        problems.append("MAX_LINKS must be a whole number (0 allows no links)")
        max_links = "5"
    provider = raw["CAPTCHA_PROVIDER"].strip().lower() or None
    if provider is not None and provider not in CAPTCHA_PROVIDERS:
        problems.append(f"CAPTCHA_PROVIDER must be one of {', '.join(CAPTCHA_PROVIDERS)}")
        provider = None
    try:
        min_score = float(raw["CAPTCHA_MIN_SCORE"].strip() or "0.5")
    except ValueError:
        problems.append("CAPTCHA_MIN_SCORE must be a number from 0 to 1")
        min_score = 0.5
    honeypot = raw["HONEYPOT_FIELD"].strip() or "_gotcha"
    return Defences(
        missing_origin=_choice(raw, "MISSING_ORIGIN", ("reject", "allow"), problems),
        honeypot_field=honeypot,
        rate_limits=RateLimits(**limits),
        max_links=int(max_links),
        blocked_phrases=tuple(
            folded for p in _split(raw["BLOCKED_PHRASES"]) if (folded := fold_for_matching(p))
        ),
        captcha_provider=provider,
        captcha_min_score=min(max(min_score, 0.0), 1.0),
        captcha_on_outage=_choice(raw, "CAPTCHA_ON_OUTAGE", ("reject", "accept"), problems),
    )
