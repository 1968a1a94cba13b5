"""The function's configuration: the public contract's environment variables, read once and checked.

Every name here is part of the stable contract in the brief; see the README's parameter table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from toiawase.core.address import AddressError, parse_owner_address
from toiawase.core.errors import ConfigError

ENV_NAMES = (
    "SENDER_ADDRESS",
    "RECIPIENT_ADDRESSES",
    "FEEDBACK_ADDRESS",
    "ALLOWED_ORIGINS",
    "REDIRECT_URL",
    "SITE_NAME",
    "SES_CONFIGURATION_SET",
)


@dataclass(frozen=True)
class Limits:
    """Input limits. Generous for a person, small enough that abuse stays cheap to refuse."""

    max_body_bytes: int = 128 * 1024
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


def normalize_origin(value: str) -> str | None:
    """``scheme://host[:port]`` in lower case, or None when ``value`` is not an http(s) origin."""
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
    )
