"""What each notify target receives: a Standard Webhooks JSON event, a Slack Block Kit message,
a Discord embed. Built from the stored submission; pure.

Submitted text is hostile. Slack: ``&``, ``<`` and ``>`` are escaped in every text (Slack's
own rule), so ``<!channel>``, ``<@U123>`` and ``<https://…|x>`` arrive as text; values go in
``plain_text`` objects (no mrkdwn), and unfurling is off. Discord: ``allowed_mentions`` is
empty, so no ``@everyone``, role or user mention pings; markdown is escaped so a value cannot
render as a masked link; every length stays within Discord's documented embed limits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from toiawase.core.compose import SubmissionMeta
from toiawase.core.forms.model import MULTI_VALUE_TYPES, Form
from toiawase.core.submission import Submission

EVENT_TYPE = "form.submitted"
ELLIPSIS = "…"

# Slack (https://api.slack.com/reference/block-kit/blocks): header text 150, section text
# 3,000, 50 blocks per message.
SLACK_HEADER_MAX = 150
SLACK_TEXT_MAX = 3000
SLACK_BLOCKS_MAX = 50
# Discord (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
DISCORD_TITLE_MAX = 256
DISCORD_DESCRIPTION_MAX = 4096
DISCORD_FIELD_NAME_MAX = 256
DISCORD_FIELD_VALUE_MAX = 1024
DISCORD_FIELDS_MAX = 25
DISCORD_FOOTER_MAX = 2048
DISCORD_TOTAL_MAX = 6000


@dataclass(frozen=True)
class Attachment:
    """A stored file, linked (never attached) in notifications."""

    field: str
    filename: str
    url: str
    content_type: str
    size: int


@dataclass(frozen=True)
class FieldValue:
    name: str
    label: str
    values: tuple[str, ...]
    multi: bool  # a multi-value type: always shown as a list


@dataclass(frozen=True)
class NotifyContent:
    """Everything a target may be told about one submission."""

    form_id: str
    form_title: str
    submission_id: str
    received_at: datetime
    fields: tuple[FieldValue, ...]
    attachments: tuple[Attachment, ...] = ()


def content_of(
    form: Form,
    submission: Submission,
    meta: SubmissionMeta,
    attachments: Sequence[Attachment] = (),
) -> NotifyContent:
    """The submission's fields in submission order, each with its label from the forms file."""
    shown = []
    for name, values in submission.fields:
        spec = form.field(name)
        label = spec.shown_label if spec is not None else name
        multi = spec is not None and spec.type in MULTI_VALUE_TYPES
        shown.append(FieldValue(name, label, tuple(values), multi))
    return NotifyContent(
        form_id=form.id,
        form_title=form.title,
        submission_id=meta.submission_id,
        received_at=meta.received_at,
        fields=tuple(shown),
        attachments=tuple(attachments),
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def webhook_payload(content: NotifyContent) -> dict[str, Any]:
    """The Standard Webhooks event body: ``{type, timestamp, data}``.

    ``data.fields`` maps each field's name to its label and value (a string, or a list for a
    multi-value field or a repeated one), in submission order.
    """
    fields = {
        f.name: {
            "label": f.label,
            "value": list(f.values) if f.multi or len(f.values) != 1 else f.values[0],
        }
        for f in content.fields
    }
    data: dict[str, Any] = {
        "form": content.form_id,
        "form_title": content.form_title,
        "submission_id": content.submission_id,
        "received_at": _iso(content.received_at),
        "fields": fields,
    }
    if content.attachments:
        data["attachments"] = [
            {
                "field": a.field,
                "filename": a.filename,
                "url": a.url,
                "content_type": a.content_type,
                "size": a.size,
            }
            for a in content.attachments
        ]
    return {"type": EVENT_TYPE, "timestamp": _iso(content.received_at), "data": data}


# ---------------------------------------------------------------------------------------- Slack


def slack_escape(text: str) -> str:
    """Slack's three control characters as entities (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_text(text: str, limit: int) -> str:
    """Escaped and cut to ``limit`` characters without splitting an entity."""
    escaped = slack_escape(text) or "-"
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def _plain(text: str, limit: int = SLACK_TEXT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": _slack_text(text, limit), "emoji": False}


def _shown_value(field: FieldValue) -> str:
    return "\n".join(field.values) if field.values else ""


def slack_payload(content: NotifyContent) -> dict[str, Any]:
    """An incoming-webhook message: a header, the reference, one plain-text section per field."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(content.form_title, SLACK_HEADER_MAX)},
        {
            "type": "context",
            "elements": [
                _plain(f"Reference {content.submission_id} · {_iso(content.received_at)}")
            ],
        },
    ]
    rows: list[tuple[str, str]] = [(f.label, _shown_value(f)) for f in content.fields]
    rows += [(f"File: {a.filename}", a.url) for a in content.attachments]
    room = SLACK_BLOCKS_MAX - len(blocks) - 1  # one left for "… more fields"
    for label, value in rows[:room]:
        blocks.append({"type": "section", "text": _plain(f"{label}\n{value or '-'}")})
    if len(rows) > room:
        more = len(rows) - room
        blocks.append(
            {"type": "context", "elements": [_plain(f"{more} more fields: see the email")]}
        )
    fallback = f"New submission: {content.form_title} ({content.submission_id})"
    return {
        "text": _slack_text(fallback, SLACK_TEXT_MAX),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }


# -------------------------------------------------------------------------------------- Discord

_DISCORD_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()#<:@-])")


def discord_escape(text: str) -> str:
    """Backslash every markdown character, so no value renders as a link, heading or mention."""
    return _DISCORD_MARKDOWN.sub(r"\\\1", text)


def _discord_text(text: str, limit: int) -> str:
    escaped = discord_escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    if cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]
    return cut + ELLIPSIS


def discord_payload(content: NotifyContent) -> dict[str, Any]:
    """A channel-webhook message with one embed; the whole embed stays within 6,000 chars."""
    title = _discord_text(content.form_title, DISCORD_TITLE_MAX)
    footer = _discord_text(f"Reference {content.submission_id}", DISCORD_FOOTER_MAX)
    budget = DISCORD_TOTAL_MAX - len(title) - len(footer)
    message = next((f for f in content.fields if f.name == "message"), None)
    description = ""
    if message is not None:
        description = _discord_text(_shown_value(message), DISCORD_DESCRIPTION_MAX)
        budget -= len(description)
    rows = [(f.label, _shown_value(f)) for f in content.fields if f is not message]
    rows += [(f"File: {a.filename}", a.url) for a in content.attachments]
    fields: list[dict[str, Any]] = []
    reserve = 60  # room for the "more fields" note
    for index, (label, value) in enumerate(rows):
        if len(fields) == DISCORD_FIELDS_MAX - 1 and index < len(rows) - 1:
            break
        name = _discord_text(label, DISCORD_FIELD_NAME_MAX) or "-"
        room = min(DISCORD_FIELD_VALUE_MAX, budget - len(name) - reserve)
        if room < 16:
            break
        shown = _discord_text(value, room) or "-"
        fields.append({"name": name, "value": shown, "inline": False})
        budget -= len(name) + len(shown)
    if len(fields) < len(rows):
        note = f"{len(rows) - len(fields)} more fields: see the email"
        fields.append({"name": "…", "value": note, "inline": False})
    embed: dict[str, Any] = {
        "title": title,
        "fields": fields,
        "footer": {"text": footer},
        "timestamp": _iso(content.received_at),
    }
    if description:
        embed["description"] = description
    return {"content": "", "embeds": [embed], "allowed_mentions": {"parse": []}}


def embed_length(embed: dict[str, Any]) -> int:
    """Discord's count for the 6,000 limit: title, description, field names and values, footer
    text, author name."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    total += len(embed.get("footer", {}).get("text", ""))
    total += len(embed.get("author", {}).get("name", ""))
    return total
