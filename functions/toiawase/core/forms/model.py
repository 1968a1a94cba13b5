"""The forms file, as typed values: what every use case reads about a form.

This module is the contract between the forms file (``forms.yaml`` → JSON, see
``docs/forms.md``) and the code that serves, screens, composes, notifies and stores. It holds
types only; reading and checking a document into these types is ``toiawase.core.forms.load``.

Key names follow the brief's public contract: ``defaults`` and ``forms.<id>`` with ``title``,
``recipients``, ``subject``, ``redirect``, ``allowed_origins``, ``undeclared_fields``,
``fields.<name>`` (``type``, ``required``, ``label``, ``max_length``, ``min_length``, ``pattern``,
``options``, ``min``, ``max``, ``integer``, ``reply_to``, and for files ``accept``, ``max_size``,
``max_files``), ``notify``, ``receipt``. The rest are additions users of a form backend expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toiawase.core.config import Defences
from toiawase.core.i18n import LANGUAGES as LANGUAGES  # re-exported for the loader

FIELD_TYPES = (
    "text",
    "textarea",
    "email",
    "tel",
    "url",
    "number",
    "date",
    "select",
    "radio",
    "checkbox",
    "checkboxes",
    "hidden",
    "file",
)
# Types whose value must be one of ``options``.
CHOICE_TYPES = frozenset({"select", "radio", "checkboxes"})
# Types that may carry several values.
MULTI_VALUE_TYPES = frozenset({"checkboxes", "file"})
NOTIFY_TYPES = ("email", "webhook", "slack", "discord")
FORM_ID_PATTERN = r"[a-z0-9][a-z0-9_-]{0,63}"


@dataclass(frozen=True)
class FieldSpec:
    """One declared field. ``label`` defaults to the name; ``max_length`` to the type's default."""

    name: str
    type: str = "text"
    label: str = ""
    required: bool = False
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None
    options: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    integer: bool = False
    reply_to: bool = False
    # Files (issue 12): MIME types or wildcards such as ``image/*``, checked against content.
    accept: tuple[str, ...] = ()
    max_size: int | None = None  # bytes per file
    max_files: int = 1

    @property
    def shown_label(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class NotifyTarget:
    """Where a submission is delivered besides (or instead of) the owner's inbox.

    ``type`` is one of ``NOTIFY_TYPES``. ``url`` is the webhook, Slack or Discord URL (never
    logged with its query). ``secret`` (webhooks) is a ``whsec_…`` value for local use, or
    ``ssm:/path`` or a Secrets Manager ARN in a deployment. ``name`` names the target in the
    CLI and the stored delivery state (default: ``type`` plus its position, e.g. ``webhook-1``).
    """

    type: str
    name: str
    url: str | None = None
    secret: str | None = None


@dataclass(frozen=True)
class Receipt:
    """The owner-written acknowledgement sent to the submitter (off unless declared)."""

    subject: str
    text: str


@dataclass(frozen=True)
class Form:
    """One form with the deployment defaults and the file's ``defaults`` already applied."""

    id: str
    title: str
    recipients: tuple[str, ...]
    subject: str | None = None
    redirect: str | None = None
    allowed_origins: tuple[str, ...] = ()
    undeclared_fields: str = "reject"  # or "keep"
    fields: tuple[FieldSpec, ...] = ()
    notify: tuple[NotifyTarget, ...] = (NotifyTarget(type="email", name="email"),)
    receipt: Receipt | None = None
    # The From display name (the address stays SENDER_ADDRESS, one identity per deployment).
    sender_name: str | None = None
    # The default language of the visitor's answers (their Accept-Language naming a shipped
    # language wins) and of the owner's email, unless ``email_language`` says otherwise.
    language: str | None = None
    # The language of the owner's email (headings, notices); default ``language``, then English.
    email_language: str | None = None
    defences: Defences = field(default_factory=Defences)
    # Per-form total of all files in one submission (bytes); None = the deployment default.
    max_total_size: int | None = None
    # Owner overrides of visitor-facing texts: {language: {message id: text}}.
    messages: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.name == name), None)

    @property
    def reply_to_field(self) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.reply_to), None)

    @property
    def delivers(self) -> bool:
        """Whether an accepted submission has anything for the delivery queue: a target other
        than the owner's email (which ``accept`` sends itself), or a receipt. Answered here so
        a form without them never imports the notify code (a cold start's ~12 ms)."""
        return self.receipt is not None or any(t.type != "email" for t in self.notify)


@dataclass(frozen=True)
class FormsConfig:
    """Every form of a deployment. ``default_form`` answers ``POST /submit`` (None: 404)."""

    forms: tuple[Form, ...]
    default_form: str | None = None

    def get(self, form_id: str) -> Form | None:
        return next((form for form in self.forms if form.id == form_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(form.id for form in self.forms)
