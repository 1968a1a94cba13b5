"""Email addresses, checked with email-validator (syntax only: no DNS on the request path)."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from toiawase.core.i18n import Text, t


class AddressError(ValueError):
    """An address that email-validator refuses; the message (a catalogue ``Text``, one of the
    ``email.*`` ids) is safe to show to the submitter in their language."""

    @property
    def text(self) -> Text:
        return self.args[0]  # type: ignore[no-any-return]


# The full-width and small commercial at signs a Japanese input method types for "@".
_OTHER_AT_SIGNS = ("\uff20", "\ufe6b")
_MAX_ADDRESS = 254
_MAX_LOCAL_PART = 64


def _is_valid(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return False
    return True


def address_problem(value: str) -> Text:
    """What is wrong with an address email-validator refused, as our own per-case text.

    email-validator raises one class (``EmailSyntaxError``) with English sentences for every
    case, so the case is found from the address's structure, never from the library's words
    (which are not passed on): a display name, a full-width at sign, no at sign, nothing before
    or after it, too long, spaces, misplaced dots, then the domain checked on its own.
    """
    text = value.strip()
    if "<" in text or ">" in text:
        return t("email.display_name")
    if "@" not in text and any(sign in text for sign in _OTHER_AT_SIGNS):
        return t("email.fullwidth_at")
    if "@" not in text:
        return t("email.no_at")
    local, _, domain = text.rpartition("@")
    if not local:
        return t("email.no_local_part")
    if not domain:
        return t("email.no_domain")
    if len(text.encode("utf-8")) > _MAX_ADDRESS or len(local.encode("utf-8")) > _MAX_LOCAL_PART:
        return t("email.too_long")
    if any(ch.isspace() for ch in text):
        return t("email.spaces")
    if not _is_valid(f"a@{domain}"):
        return t("email.no_dot_in_domain") if "." not in domain else t("email.bad_domain")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return t("email.dots")
    if not _is_valid(f"{local}@example.com"):
        return t("email.bad_local_part")
    return t("email.invalid")


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


# The last address validated, by its normalised form. A submission's address is validated once
# as typed; the reply-to header and the privacy hash then ask again about the normalised form,
# which this answers without running email-validator twice more (~0.1 ms of a warm request).
# One entry, replaced by the next valid address: nothing accumulates in a container.
_last: dict[str, SubmitterAddress] = {}


def parse_submitter_address(value: str) -> SubmitterAddress:
    """Validate a submitted address; internationalised addresses are accepted."""
    known = _last.get(value)
    if known is not None:
        return known
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise AddressError(address_problem(value)) from exc
    parsed = SubmitterAddress(normalized=result.normalized, header=result.ascii_email)
    _last.clear()
    _last[parsed.normalized] = parsed
    return parsed


def parse_owner_address(value: str) -> str:
    """Validate a configured (owner's) address and return its ASCII form for SES."""
    try:
        result = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise AddressError(f"not a valid address ({exc})") from exc  # owner-facing
    assert result.ascii_email is not None  # allow_smtputf8=False guarantees an ASCII form
    return result.ascii_email
