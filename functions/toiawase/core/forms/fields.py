"""Validating a submission against its form's declared fields (``FieldSpec``): pure rules.

Input is the parser's ordered (name, value) pairs (a JSON array arrives as repeated values).
Output is a ``ValidatedForm`` — each declared field in declared order with its cleaned values,
then the undeclared fields the form keeps — or one 422 ``invalid_fields`` whose ``fields`` maps
each wrong field's *name* to plain words a visitor understands.

Every text value goes through ``clean_body_text`` (line breaks normalised, control characters
dropped) before any rule runs, so the rules see what the email will show.

Files (``type: file``) are issue 12's: their content, size and count are checked where the
upload is read. Here a file field is only refused when it arrives as a text value (a form
without ``enctype="multipart/form-data"`` sends the file's *name* as text).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from toiawase.core.address import AddressError, SubmitterAddress, parse_submitter_address
from toiawase.core.config import Limits
from toiawase.core.errors import invalid_fields
from toiawase.core.forms.load import DEFAULT_MAX_LENGTH
from toiawase.core.forms.model import MULTI_VALUE_TYPES, FieldSpec, Form
from toiawase.core.forms.patterns import compiled
from toiawase.core.i18n import t
from toiawase.core.parse import Pairs
from toiawase.core.text import clean_body_text

REPLY_TO_ALIAS = "_replyto"
# The type given to undeclared fields a form keeps (``undeclared_fields: keep``).
UNDECLARED = "undeclared"
# A plain decimal number: optional sign, digits with an optional fraction, an optional exponent
# of at most two digits. No hex (0x10), no "inf"/"NaN", no 1e309; Decimal and float agree on it.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,2})?")
_NUMBER_MAX_CHARS = 40
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Phone numbers as people write them: digits, spaces, + - ( ) . / and an extension ("x12").
_TEL = re.compile(r"\+?[0-9 ().\-/]*[0-9][0-9 ().\-/]*(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?", re.I)


@dataclass(frozen=True)
class FieldValue:
    """One field of a valid submission. ``values`` is empty for an optional field left blank;
    a ``checkbox`` that was ticked has the value ``("yes",)``."""

    name: str
    label: str
    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ValidatedForm:
    """A submission that satisfies its form: what the email, receipts and notify targets read."""

    form_id: str
    fields: tuple[FieldValue, ...]
    reply_to: SubmitterAddress | None
    # The value of a field named ``name`` (declared or kept), for the From display name.
    name: str | None
    subject: str | None
    next_url: str | None
    honeypot_filled: bool

    def value(self, name: str) -> FieldValue | None:
        return next((item for item in self.fields if item.name == name), None)


class _Invalid(Exception):
    """One field's problem, in plain words (becomes ``fields[name]``)."""


def _group(pairs: Pairs) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _single(values: list[str]) -> str:
    distinct = {v.strip() for v in values}
    if len(distinct) > 1:
        raise _Invalid(t("field.sent_twice_send_one"))
    return values[0] if values else ""


def _length(value: str, spec: FieldSpec) -> None:
    limit = spec.max_length if spec.max_length is not None else DEFAULT_MAX_LENGTH.get(spec.type)
    if limit is not None and len(value) > limit:
        raise _Invalid(t("field.too_long", max=limit))
    if spec.min_length and len(value) < spec.min_length:
        raise _Invalid(t("field.too_short", min=spec.min_length))


def _pattern(value: str, spec: FieldSpec) -> None:
    # The pattern passed the structural ReDoS check when the file was checked and loaded
    # (patterns.pattern_problem); _length has already capped the value, so the match is bounded.
    if spec.pattern is not None and not compiled(spec.pattern).fullmatch(value):
        raise _Invalid(t("field.pattern"))


def _number(value: str, spec: FieldSpec) -> str:
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text) > _NUMBER_MAX_CHARS or not _NUMBER.fullmatch(text):
        raise _Invalid(t("field.number"))
    try:
        number = Decimal(text)
    except InvalidOperation as exc:  # not reached for what _NUMBER accepts
        raise _Invalid(t("field.number")) from exc
    if spec.integer and number != number.to_integral_value():
        raise _Invalid(t("field.integer"))
    if spec.min is not None and number < Decimal(repr(spec.min)):
        raise _Invalid(t("field.min", min=_shown_number(spec.min)))
    if spec.max is not None and number > Decimal(repr(spec.max)):
        raise _Invalid(t("field.max", max=_shown_number(spec.max)))
    return text


def _shown_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _date(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip()
    if not _DATE.fullmatch(text):
        raise _Invalid(t("field.date_format"))
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise _Invalid(t("field.date_real")) from exc
    return text


def _url(value: str) -> str:
    if any(ch.isspace() for ch in value) or not value.isprintable():
        raise _Invalid(t("field.url_spaces"))
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError as exc:
        raise _Invalid(t("field.url")) from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise _Invalid(t("field.url_scheme"))
    return value


def _tel(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip()
    if not _TEL.fullmatch(text):
        raise _Invalid(t("field.tel"))
    return text


def _scalar(spec: FieldSpec, raw: str) -> tuple[str, ...]:
    """The cleaned value of a single-value field; () when blank and optional."""
    value = clean_body_text(raw).strip()
    if spec.type == "checkbox":
        if value:
            return ("yes",)
        if spec.required:
            raise _Invalid(t("field.checkbox_required"))
        return ()
    if not value:
        if spec.required:
            raise _Invalid(t("field.required"))
        return ()
    _length(value, spec)
    if spec.type in ("select", "radio"):
        if value not in spec.options:
            raise _Invalid(t("field.not_a_choice"))
        return (value,)
    if spec.type == "number":
        return (_number(value, spec),)
    if spec.type == "date":
        return (_date(value),)
    if spec.type == "url":
        value = _url(value)
    elif spec.type == "tel":
        value = _tel(value)
    elif spec.type == "email":
        try:
            value = parse_submitter_address(value).normalized
        except AddressError as exc:
            raise _Invalid(exc.text) from exc
    _pattern(value, spec)
    return (value,)


def _checkboxes(spec: FieldSpec, raws: list[str]) -> tuple[str, ...]:
    chosen = [clean_body_text(raw).strip() for raw in raws]
    chosen = [value for value in chosen if value]
    for value in chosen:
        if value not in spec.options:
            raise _Invalid(t("field.includes_not_a_choice"))
    if len(set(chosen)) != len(chosen):
        raise _Invalid(t("field.same_choice_twice"))
    if spec.required and not chosen:
        raise _Invalid(t("field.choose_one"))
    # In the order the form declares them, whatever order the client sent.
    return tuple(option for option in spec.options if option in chosen)


def _field(spec: FieldSpec, raws: list[str]) -> tuple[str, ...]:
    if spec.type == "file":
        # Content, size and count are issue 12's (the upload path). A text value here means
        # the form was not sent as multipart/form-data, so the file itself never arrived.
        if any(raw.strip() for raw in raws):
            raise _Invalid(t("field.file_as_text"))
        return ()
    if spec.type in MULTI_VALUE_TYPES:
        return _checkboxes(spec, raws)
    return _scalar(spec, _single(raws))


def validate_form(form: Form, pairs: Pairs, limits: Limits) -> ValidatedForm:
    """Check ``pairs`` against ``form``; raise a 422 ``InputError`` naming every wrong field."""
    grouped = _group(pairs)
    errors: dict[str, str] = {}
    controls = form.defences.control_fields
    reply_field = form.reply_to_field
    if reply_field is not None and reply_field.name not in grouped and REPLY_TO_ALIAS in grouped:
        grouped[reply_field.name] = grouped[REPLY_TO_ALIAS]  # the contract's alias of email

    values: list[FieldValue] = []
    total = 0
    for spec in form.fields:
        try:
            cleaned = _field(spec, grouped.get(spec.name, []))
        except _Invalid as exc:
            errors[spec.name] = exc.args[0]
            continue
        total += sum(len(v) for v in cleaned)
        values.append(FieldValue(spec.name, spec.shown_label, spec.type, cleaned))

    declared = {spec.name for spec in form.fields}
    for name, raws in grouped.items():
        if name in declared or name.startswith("_") or name in controls:
            continue
        if form.undeclared_fields != "keep":
            errors[name] = t("field.undeclared")
            continue
        cleaned = tuple(clean_body_text(raw) for raw in raws)
        if any(len(v) > limits.max_value_chars for v in cleaned):
            errors[name] = t("field.too_long", max=limits.max_value_chars)
            continue
        total += sum(len(v) for v in cleaned)
        values.append(FieldValue(name, name, UNDECLARED, cleaned))

    subject: str | None = None
    try:
        subject = clean_body_text(_single(grouped.get("_subject", []))).strip() or None
    except _Invalid as exc:
        errors["_subject"] = exc.args[0]
    if subject is not None and len(subject) > limits.max_subject_chars:
        errors["_subject"] = t("field.too_long", max=limits.max_subject_chars)
    next_url: str | None = None
    try:
        next_url = _single(grouped.get("_next", [])).strip() or None
    except _Invalid as exc:
        errors["_next"] = exc.args[0]
    honeypot = bool(form.defences.honeypot_field) and any(
        v.strip() for v in grouped.get(form.defences.honeypot_field, [])
    )
    if total > limits.max_total_chars and not errors:
        longest = max(values, key=lambda item: sum(len(v) for v in item.values))
        errors[longest.name] = t("field.makes_form_too_long", max=limits.max_total_chars)
    if errors:
        raise invalid_fields(errors)

    reply_to: SubmitterAddress | None = None
    if reply_field is not None:
        chosen = next(item for item in values if item.name == reply_field.name)
        if chosen.values:
            reply_to = parse_submitter_address(chosen.values[0])
    name_value = next((item for item in values if item.name == "name"), None)
    return ValidatedForm(
        form_id=form.id,
        fields=tuple(values),
        reply_to=reply_to,
        name=name_value.values[0] if name_value and name_value.values else None,
        subject=subject,
        next_url=next_url,
        honeypot_filled=honeypot,
    )
