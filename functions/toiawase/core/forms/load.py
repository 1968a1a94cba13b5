"""Reading the compiled forms file (JSON) into ``FormsConfig``, over the deployment's settings.

Pure and standard-library only: this runs in the Lambda, which ships neither a YAML parser nor
jsonschema. The full checking (schema, line and column of every problem) happens before deploy in
``toiawase forms check``; the checks here are defensive — a hand-edited or stale JSON file must
still fail as one clear ``ConfigError`` listing every problem, never as a ``KeyError`` on the
first visitor.

Layering, lowest first: the deployment's environment (``Settings``: recipients, allowed origins,
thank-you page, site name, defences), then the file's ``defaults``, then each form's own keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from toiawase.core.address import AddressError, parse_owner_address
from toiawase.core.config import Defences, RateLimits, Settings, normalize_origin
from toiawase.core.errors import ConfigError
from toiawase.core.forms.model import (
    CHOICE_TYPES,
    FIELD_TYPES,
    FORM_ID_PATTERN,
    LANGUAGES,
    NOTIFY_TYPES,
    FieldSpec,
    Form,
    FormsConfig,
    NotifyTarget,
    Receipt,
)
from toiawase.core.forms.patterns import pattern_problem
from toiawase.core.i18n import DEFAULT_LANGUAGE, catalogue, placeholders

FORM_ID = re.compile(FORM_ID_PATTERN)
# A field's name: what a form's <input name> may be. Not starting with "_" (control fields).
FIELD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-\[\]]{0,99}")
FORM_KEYS = frozenset(
    {
        "title",
        "recipients",
        "subject",
        "redirect",
        "allowed_origins",
        "undeclared_fields",
        "fields",
        "notify",
        "receipt",
        "sender_name",
        "language",
        "email_language",
        "messages",
        "max_total_size",
        # Per-form defences over the deployment's (Defences)
        "honeypot",
        "captcha",
        "rate_limits",
        "max_links",
        "blocked_phrases",
    }
)
FIELD_KEYS = frozenset(
    {
        "type",
        "required",
        "label",
        "max_length",
        "min_length",
        "pattern",
        "options",
        "min",
        "max",
        "integer",
        "reply_to",
        "accept",
        "max_size",
        "max_files",
    }
)
TOP_KEYS = frozenset({"defaults", "forms", "default_form", "$schema"})
# Default max_length per type: generous for a person, bounded for the pattern check and the
# email. Types without one (number, date, choices, checkbox) have their own tighter rules.
DEFAULT_MAX_LENGTH = {
    "text": 5_000,
    "textarea": 20_000,
    "email": 254,
    "url": 2_000,
    "tel": 40,
    "hidden": 5_000,
}
# The highest max_length a form may declare: a value can never be longer than a body (128 KiB).
MAX_LENGTH_CEILING = 100_000
SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|KIB|MB|MIB|GB|GIB)?\s*", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}

# Why ``undeclared_fields`` defaults to ``reject``: a field the owner did not declare is one
# nobody reviewed. Keeping it copies attacker-chosen names and text into the owner's inbox
# (phishing text, links, fake "fields" that look like the owner's own), and it hides typos in the
# form's HTML (``emial``) behind a silent success. Rejecting makes a mismatch between the page
# and the file visible on the first test submission, with a 422 naming the field.
DEFAULT_UNDECLARED = "reject"


def parse_size(value: object) -> int:
    """Bytes from ``10MB``, ``512KB``, ``1.5 MiB`` or an integer (binary units: 1 KB = 1024)."""
    if isinstance(value, bool):
        raise ValueError("is not a size")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if not isinstance(value, str):
        raise ValueError("is not a size like 10MB, 512KB or a number of bytes")
    match = SIZE.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not a size like 10MB, 512KB or a number of bytes")
    unit = (match.group(2) or "B").upper().replace("IB", "B")
    return int(float(match.group(1)) * _UNITS[unit])


class _Problems:
    """Collects every problem, each prefixed with where it is (``forms.quote.fields.seats``)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")


def _str(value: object, where: str, problems: _Problems, *, empty: bool = False) -> str | None:
    if not isinstance(value, str) or (not empty and not value.strip()):
        problems.add(where, "must be a non-empty string" if not empty else "must be a string")
        return None
    return value


def _int(value: object, where: str, problems: _Problems, minimum: int = 0) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        problems.add(where, f"must be a whole number of at least {minimum}")
        return None
    return value


def _number(value: object, where: str, problems: _Problems) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        problems.add(where, "must be a number")
        return None
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        problems.add(where, "must be a finite number")
        return None
    return float(value)


def _bool(value: object, where: str, problems: _Problems) -> bool:
    if not isinstance(value, bool):
        problems.add(where, "must be true or false")
        return False
    return value


def _str_list(value: object, where: str, problems: _Problems) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.add(where, "must be a list of non-empty strings")
        return ()
    return tuple(value)


def _addresses(value: object, where: str, problems: _Problems) -> tuple[str, ...]:
    result: list[str] = []
    for item in _str_list(value, where, problems):
        try:
            result.append(parse_owner_address(item))
        except AddressError as exc:
            problems.add(where, str(exc))
    if not result:
        problems.add(where, "needs at least one address")
    if len(result) > 50:
        problems.add(where, "SES accepts at most 50 recipients per message")
    return tuple(result)


def _field(name: str, raw: object, where: str, problems: _Problems) -> FieldSpec | None:
    if not FIELD_NAME.fullmatch(name):
        problems.add(where, "a field name is letters, digits, _ . - [ ] and must not start with _")
        return None
    if not isinstance(raw, Mapping):
        problems.add(where, "must be a mapping of field keys")
        return None
    for key in sorted(set(raw) - FIELD_KEYS):
        problems.add(f"{where}.{key}", "is not a field key")
    kind = raw.get("type", "text")
    if kind not in FIELD_TYPES:
        problems.add(f"{where}.type", f"must be one of {', '.join(FIELD_TYPES)}")
        return None
    spec: dict[str, Any] = {"name": name, "type": kind}
    if "label" in raw:
        spec["label"] = _str(raw["label"], f"{where}.label", problems) or ""
    for key in ("required", "integer", "reply_to"):
        if key in raw:
            spec[key] = _bool(raw[key], f"{where}.{key}", problems)
    for key in ("max_length", "min_length"):
        if key in raw:
            spec[key] = _int(raw[key], f"{where}.{key}", problems)
    if spec.get("max_length") is None:
        spec["max_length"] = DEFAULT_MAX_LENGTH.get(kind)
    elif spec["max_length"] > MAX_LENGTH_CEILING:
        problems.add(f"{where}.max_length", f"must be at most {MAX_LENGTH_CEILING:,}")
    if (spec.get("min_length") or 0) > (spec.get("max_length") or MAX_LENGTH_CEILING):
        problems.add(f"{where}.min_length", "is more than max_length")
    for key in ("min", "max"):
        if key in raw:
            spec[key] = _number(raw[key], f"{where}.{key}", problems)
    if spec.get("min") is not None and spec.get("max") is not None and spec["min"] > spec["max"]:
        problems.add(f"{where}.min", "is more than max")
    if "pattern" in raw:
        pattern = _str(raw["pattern"], f"{where}.pattern", problems)
        problem = pattern_problem(pattern) if pattern is not None else None
        if problem:
            problems.add(f"{where}.pattern", problem)
        spec["pattern"] = pattern if not problem else None
    if "options" in raw:
        options = _str_list(raw["options"], f"{where}.options", problems)
        if len(set(options)) != len(options):
            problems.add(f"{where}.options", "lists the same option more than once")
        spec["options"] = options
    if kind in CHOICE_TYPES and not spec.get("options"):
        problems.add(f"{where}.options", f"a {kind} field needs options")
    if spec.get("reply_to") and kind != "email":
        problems.add(f"{where}.reply_to", "only an email field can be the reply-to address")
    if "accept" in raw:
        spec["accept"] = _str_list(raw["accept"], f"{where}.accept", problems)
    if "max_size" in raw:
        try:
            spec["max_size"] = parse_size(raw["max_size"])
        except ValueError as exc:
            problems.add(f"{where}.max_size", str(exc))
    if "max_files" in raw:
        spec["max_files"] = _int(raw["max_files"], f"{where}.max_files", problems, 1) or 1
    return FieldSpec(**spec)


def _notify(value: object, where: str, problems: _Problems) -> tuple[NotifyTarget, ...]:
    if not isinstance(value, list) or not value:
        problems.add(where, "must be a non-empty list of targets")
        return ()
    targets: list[NotifyTarget] = []
    counts: dict[str, int] = {}
    for index, raw in enumerate(value):
        here = f"{where}[{index}]"
        if not isinstance(raw, Mapping) or raw.get("type") not in NOTIFY_TYPES:
            problems.add(here, f"needs type: one of {', '.join(NOTIFY_TYPES)}")
            continue
        kind = str(raw["type"])
        allowed = {"type", "name"} | (
            {"url", "secret"} if kind == "webhook" else {"url"} if kind != "email" else set()
        )
        for key in sorted(set(raw) - allowed):
            problems.add(f"{here}.{key}", f"is not a key of a {kind} target")
        counts[kind] = counts.get(kind, 0) + 1
        # Default names: "email" for the first email target (as Form's default), else type-N.
        default = kind if kind == "email" and counts[kind] == 1 else f"{kind}-{counts[kind]}"
        name = raw.get("name", default)
        if not isinstance(name, str) or not FORM_ID.fullmatch(name):
            problems.add(f"{here}.name", f"must match {FORM_ID_PATTERN}")
            continue
        url = None
        if kind != "email":
            url = _str(raw.get("url"), f"{here}.url", problems)
            if url is not None and normalize_origin(url) is None:
                problems.add(f"{here}.url", "must be an absolute http(s) URL")
        secret = None
        if "secret" in raw:
            secret = _str(raw["secret"], f"{here}.secret", problems)
        targets.append(NotifyTarget(type=kind, name=name, url=url, secret=secret))
    names = [t.name for t in targets]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add(where, f"two targets are named {name!r}")
    return tuple(targets)


def _defences(raw: Mapping[str, Any], base: Defences, where: str, problems: _Problems) -> Defences:
    changes: dict[str, Any] = {}
    if "honeypot" in raw:
        value = raw["honeypot"]
        if value is False:
            changes["honeypot_field"] = ""  # off: no field name ever matches ""
        elif isinstance(value, str) and value.strip():
            changes["honeypot_field"] = value.strip()
        else:
            problems.add(f"{where}.honeypot", "must be a field name, or false to turn it off")
    if "captcha" in raw:
        if _bool(raw["captcha"], f"{where}.captcha", problems):
            if base.captcha_provider is None:
                problems.add(
                    f"{where}.captcha",
                    "needs the deployment's CAPTCHA_PROVIDER (and its secret) to be set",
                )
        else:
            changes["captcha_provider"] = None
    if "rate_limits" in raw:
        limits = raw["rate_limits"]
        if not isinstance(limits, Mapping):
            problems.add(f"{where}.rate_limits", "must be a mapping like {client_minute: 5}")
        else:
            known = {}
            for key, value in limits.items():
                if key not in RateLimits.__dataclass_fields__:
                    problems.add(f"{where}.rate_limits.{key}", "is not a rate limit")
                elif _int(value, f"{where}.rate_limits.{key}", problems) is not None:
                    known[key] = value
            changes["rate_limits"] = replace(base.rate_limits, **known)
    if "max_links" in raw:
        max_links = _int(raw["max_links"], f"{where}.max_links", problems)
        if max_links is not None:
            changes["max_links"] = max_links
    if "blocked_phrases" in raw:
        phrases = _str_list(raw["blocked_phrases"], f"{where}.blocked_phrases", problems)
        changes["blocked_phrases"] = tuple(p.casefold() for p in phrases)
    return replace(base, **changes) if changes else base


def _messages(
    value: object, where: str, problems: _Problems
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    if not isinstance(value, Mapping):
        problems.add(where, "must map a language (en, ja) to {message id: text}")
        return ()
    result = []
    for language, texts in value.items():
        if language not in LANGUAGES:
            problems.add(f"{where}.{language}", f"the language must be one of {LANGUAGES}")
            continue
        if not isinstance(texts, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in texts.items()
        ):
            problems.add(f"{where}.{language}", "must map message ids to texts")
            continue
        for msgid, text in texts.items():
            problem = override_problem(msgid, text)
            if problem:
                problems.add(f"{where}.{language}.{msgid}", problem)
        result.append((language, tuple(texts.items())))
    return tuple(result)


def override_problem(msgid: str, text: str) -> str | None:
    """Why an owner's text for ``msgid`` cannot replace the catalogue's, if it cannot: an id
    the catalogues do not have, a placeholder the catalogue's text does not fill, or braces
    that are not a placeholder (a literal brace is written ``{{`` or ``}}``)."""
    shipped = catalogue(DEFAULT_LANGUAGE)
    if msgid not in shipped:
        return "is not a message id of the catalogues (see docs/languages.md)"
    try:
        used = placeholders(text)
    except ValueError:
        return "has a { or } that is not a placeholder; write {{ or }} for a brace"
    unknown = sorted(used - placeholders(shipped[msgid]))
    if unknown:
        allowed = ", ".join(sorted(placeholders(shipped[msgid]))) or "none"
        return f"uses {{{unknown[0]}}}, which this message does not have (it has: {allowed})"
    return None


def _merged_messages(defaults: object, own: object) -> object:
    """``messages`` of ``defaults`` and of a form, merged by language (the form's text wins):
    a form that overrides one text keeps the deployment's other overrides."""
    if not isinstance(defaults, Mapping) or not isinstance(own, Mapping):
        return own
    merged = {
        language: dict(texts) for language, texts in defaults.items() if isinstance(texts, Mapping)
    }
    for language, texts in own.items():
        if not isinstance(texts, Mapping):
            return own
        merged[language] = {**merged.get(language, {}), **texts}
    return merged


def _form(
    form_id: str, raw: Mapping[str, Any], settings: Settings, problems: _Problems
) -> Form | None:
    where = f"forms.{form_id}"
    for key in sorted(set(raw) - FORM_KEYS):
        problems.add(f"{where}.{key}", "is not a form key")
    values: dict[str, Any] = {"id": form_id, "title": form_id}
    if "title" in raw:
        values["title"] = _str(raw["title"], f"{where}.title", problems) or form_id
    values["recipients"] = (
        _addresses(raw["recipients"], f"{where}.recipients", problems)
        if "recipients" in raw
        else settings.recipient_addresses
    )
    for key in ("subject", "sender_name"):
        if key in raw:
            values[key] = _str(raw[key], f"{where}.{key}", problems)
    origins = settings.allowed_origins
    if "allowed_origins" in raw:
        listed = []
        for item in _str_list(raw["allowed_origins"], f"{where}.allowed_origins", problems):
            origin = normalize_origin(item)
            if origin is None or origin != item.rstrip("/").lower():
                problems.add(f"{where}.allowed_origins", f"{item!r} is not an origin")
            else:
                listed.append(origin)
        origins = tuple(listed)
    values["allowed_origins"] = origins
    redirect = settings.redirect_url
    if "redirect" in raw:
        redirect = _str(raw["redirect"], f"{where}.redirect", problems)
        origin = normalize_origin(redirect) if redirect else None
        if redirect and origin is None:
            problems.add(f"{where}.redirect", "must be an absolute http(s) URL")
        elif origin is not None and origins and origin not in origins:
            problems.add(f"{where}.redirect", "is not on one of the form's allowed origins")
    values["redirect"] = redirect
    undeclared = raw.get("undeclared_fields", DEFAULT_UNDECLARED)
    if undeclared not in ("reject", "keep"):
        problems.add(f"{where}.undeclared_fields", "must be reject or keep")
    values["undeclared_fields"] = undeclared
    fields_raw = raw.get("fields")
    if not isinstance(fields_raw, Mapping) or not fields_raw:
        problems.add(f"{where}.fields", "needs at least one field")
        fields_raw = {}
    specs = [
        _field(str(name), spec, f"{where}.fields.{name}", problems)
        for name, spec in fields_raw.items()
    ]
    values["fields"] = tuple(spec for spec in specs if spec is not None)
    if sum(1 for spec in values["fields"] if spec.reply_to) > 1:
        problems.add(f"{where}.fields", "only one field can be reply_to")
    if "notify" in raw:
        values["notify"] = _notify(raw["notify"], f"{where}.notify", problems)
    if "receipt" in raw:
        receipt = raw["receipt"]
        if not isinstance(receipt, Mapping) or set(receipt) != {"subject", "text"}:
            problems.add(f"{where}.receipt", "needs exactly subject and text")
        else:
            subject = _str(receipt["subject"], f"{where}.receipt.subject", problems)
            text = _str(receipt["text"], f"{where}.receipt.text", problems)
            if subject and text:
                values["receipt"] = Receipt(subject=subject, text=text)
    for key in ("language", "email_language"):
        if key in raw:
            if raw[key] not in LANGUAGES:
                problems.add(f"{where}.{key}", f"must be one of {', '.join(LANGUAGES)}")
            else:
                values[key] = raw[key]
    if "max_total_size" in raw:
        try:
            values["max_total_size"] = parse_size(raw["max_total_size"])
        except ValueError as exc:
            problems.add(f"{where}.max_total_size", str(exc))
    if "messages" in raw:
        values["messages"] = _messages(raw["messages"], f"{where}.messages", problems)
    defences = _defences(raw, settings.defences, where, problems)
    values["defences"] = defences
    declared = {spec.name for spec in values["fields"]}
    for control in sorted(declared & (defences.control_fields - {""})):
        problems.add(f"{where}.fields.{control}", "is the honeypot or a captcha field's name")
    return Form(**values)


def forms_from_document(doc: Mapping[str, Any], settings: Settings) -> FormsConfig:
    """The forms of a (compiled) forms document; raise ``ConfigError`` listing every problem."""
    problems = _Problems()
    if not isinstance(doc, Mapping):
        raise ConfigError("forms file: the document must be a mapping with forms")
    for key in sorted(set(doc) - TOP_KEYS):
        problems.add(str(key), "is not a top-level key (defaults, forms, default_form)")
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, Mapping):
        problems.add("defaults", "must be a mapping of form keys")
        defaults = {}
    forms_raw = doc.get("forms")
    if not isinstance(forms_raw, Mapping) or not forms_raw:
        problems.add("forms", "needs at least one form")
        forms_raw = {}
    forms: list[Form] = []
    for form_id, raw in forms_raw.items():
        if not isinstance(form_id, str) or not FORM_ID.fullmatch(form_id):
            problems.add(f"forms.{form_id}", f"a form id must match {FORM_ID_PATTERN}")
            continue
        if not isinstance(raw, Mapping):
            problems.add(f"forms.{form_id}", "must be a mapping of form keys")
            continue
        merged = {**defaults, **raw}
        if "messages" in defaults and "messages" in raw:
            merged["messages"] = _merged_messages(defaults["messages"], raw["messages"])
        form = _form(form_id, merged, settings, problems)
        if form is not None:
            forms.append(form)
    default_form = doc.get("default_form")
    if default_form is None and len(forms_raw) == 1:
        default_form = next(iter(forms_raw))
    if default_form is not None and default_form not in forms_raw:
        problems.add("default_form", f"names no form ({default_form!r})")
    if problems.items:
        raise ConfigError("forms file: " + "; ".join(problems.items))
    return FormsConfig(forms=tuple(forms), default_form=default_form)


def load_forms_file(path: str, settings: Settings) -> FormsConfig:
    """The forms of the compiled JSON at ``path``, read and checked once per container.

    Cached on (path, settings): a warm container never reads the file again, while tests and
    the local runner that change the settings still see the change. A failure is not cached,
    so a fixed file is picked up without a cold start.
    """
    return _load_cached(path, settings)


@lru_cache(maxsize=8)
def _load_cached(path: str, settings: Settings) -> FormsConfig:
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise ConfigError(f"forms file {path}: cannot be read ({exc.strerror})") from exc
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"forms file {path}: not valid JSON ({exc})") from exc
    return forms_from_document(doc, settings)
