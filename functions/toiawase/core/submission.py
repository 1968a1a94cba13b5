"""Turning parsed pairs into a validated ``Submission``: the contract's form fields, checked."""

from __future__ import annotations

from dataclasses import dataclass

from toiawase.core.address import AddressError, SubmitterAddress, parse_submitter_address
from toiawase.core.config import Limits
from toiawase.core.errors import invalid_fields
from toiawase.core.i18n import t
from toiawase.core.parse import Pairs
from toiawase.core.text import clean_body_text

EMAIL_FIELDS = ("email", "_replyto")
HONEYPOT_FIELD = "_gotcha"


@dataclass(frozen=True)
class Submission:
    """A valid submission.

    ``fields`` holds every field not starting with ``_`` (``email``, ``name`` and ``message``
    included), in order of first appearance, each with all of its values: that is what the
    email body lists. Control fields (``_subject``, ``_next``, ``_gotcha`` …) are never copied
    into the email.
    """

    email: SubmitterAddress | None  # None only for a form of the forms file with no reply_to
    name: str | None
    message: str
    subject: str | None
    next_url: str | None
    honeypot_filled: bool
    fields: tuple[tuple[str, tuple[str, ...]], ...]
    # The form it was sent to, and each declared field's label (the email shows labels).
    form_id: str = "default"
    labels: tuple[tuple[str, str], ...] = ()

    def label(self, name: str) -> str:
        return next((label for key, label in self.labels if key == name), name)


def _group(pairs: Pairs) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def validate_submission(
    pairs: Pairs,
    limits: Limits,
    honeypot_field: str = HONEYPOT_FIELD,
    control_fields: frozenset[str] = frozenset(),
) -> Submission:
    """Check the contract's fields and limits; raise a 422 ``InputError`` naming every problem.

    ``control_fields`` (the honeypot, captcha tokens) are never listed in the email.
    """
    grouped = _group(pairs)
    errors: dict[str, str] = {}

    def single(name: str) -> str | None:
        values = grouped.get(name)
        if not values:
            return None
        if len(values) > 1 and len(set(values)) > 1:
            errors[name] = t("field.sent_twice")
        return values[0]

    # email, with _replyto as its alias
    email_key = "email" if "email" in grouped else "_replyto"
    raw_email = (single(email_key) or "").strip()
    email: SubmitterAddress | None = None
    if not raw_email:
        errors["email"] = t("field.email_required")
    elif len(raw_email) > 254:
        errors["email"] = t("email.too_long")
    else:
        try:
            email = parse_submitter_address(raw_email)
        except AddressError as exc:
            errors["email"] = exc.text

    message = clean_body_text(single("message") or "").strip()
    if not message:
        errors["message"] = t("field.required")
    elif len(message) > limits.max_message_chars:
        errors["message"] = t("field.too_long", max=limits.max_message_chars)

    name = clean_body_text(single("name") or "").strip() or None
    if name is not None and len(name) > limits.max_name_chars:
        errors["name"] = t("field.too_long", max=limits.max_name_chars)

    subject = clean_body_text(single("_subject") or "").strip() or None
    if subject is not None and len(subject) > limits.max_subject_chars:
        errors["_subject"] = t("field.too_long", max=limits.max_subject_chars)

    next_url = (single("_next") or "").strip() or None
    honeypot = any(v.strip() for v in grouped.get(honeypot_field, []))

    fields: list[tuple[str, tuple[str, ...]]] = []
    total = 0
    for field_name, values in grouped.items():
        if field_name.startswith("_") or field_name in control_fields:
            continue
        cleaned = tuple(clean_body_text(v) for v in values)
        limit = limits.max_message_chars if field_name == "message" else limits.max_value_chars
        if field_name not in errors and any(len(v) > limit for v in cleaned):
            errors[field_name] = t("field.too_long", max=limit)
        total += sum(len(v) for v in cleaned)
        fields.append((field_name, cleaned))
    if total > limits.max_total_chars:
        errors.setdefault("message", t("field.form_too_long", max=limits.max_total_chars))

    if errors or email is None:
        raise invalid_fields(errors)
    return Submission(
        email=email,
        name=name,
        message=message,
        subject=subject,
        next_url=next_url,
        honeypot_filled=honeypot,
        fields=tuple(fields),
    )
