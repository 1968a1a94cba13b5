"""Email addresses, checked with email-validator (syntax only: no DNS on the request path)."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


class AddressError(ValueError):
    """An address that email-validator refuses; the message is safe to show to the submitter."""


@dataclass(frozen=True)
class SubmitterAddress:
    """A submitter's address after validation.

    ``normalized`` is what the person typed, normalised (Unicode kept). ``header`` is the form
    that can go into ``Reply-To``: ASCII, with an internationalised domain in punycode. It is
    None when the local part itself is non-ASCII: that needs SMTPUTF8, which SES does not
    offer, so the address is shown in the body instead of being put in a header.
    """

    normalized: str
    header: str | None


def parse_submitter_address(value: str) -> SubmitterAddress:
    """Validate a submitted address; internationalised addresses are accepted."""
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise AddressError(str(exc)) from exc
    return SubmitterAddress(normalized=result.normalized, header=result.ascii_email)


def parse_owner_address(value: str) -> str:
    """Validate a configured (owner's) address and return its ASCII form for SES."""
    try:
        result = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise AddressError(f"not a valid address ({exc})") from exc
    assert result.ascii_email is not None  # allow_smtputf8=False guarantees an ASCII form
    return result.ascii_email
