"""Slack, Discord and webhook payloads against the documented formats, with hostile text."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from toiawase.core.address import SubmitterAddress
from toiawase.core.compose import SubmissionMeta
from toiawase.core.forms.model import FieldSpec, Form
from toiawase.core.notify import payloads
from toiawase.core.notify.payloads import (
    Attachment,
    content_of,
    discord_payload,
    embed_length,
    slack_payload,
    webhook_payload,
)
from toiawase.core.submission import Submission

HOSTILE = [
    "<!channel> <!here> <!everyone> <@U123ABC> <#C999|general>",
    "<https://evil.example/login|Your bank> [click](https://evil.example) **bold** _it_",
    "@everyone @here <@&123456789012345678> <@123456789012345678>",
    "& &amp; &lt; > < ` ``` code ``` > quote # heading || spoiler ||",
    "山田太郎です。お問い合わせありがとうございます。🙂",
    "x" * 10_000,
    "あ" * 10_000,
    "&" * 5000,
]
FORM = Form(
    id="contact",
    title="Contact <!channel> @everyone",
    recipients=("owner@example.com",),
    fields=(
        FieldSpec("name", label="お名前"),
        FieldSpec("email", type="email", label="Email", reply_to=True),
        FieldSpec("message", type="textarea", label="Message"),
        FieldSpec("topics", type="checkboxes", label="Topics", options=("a", "b")),
    ),
)
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def content(text: str, extra_fields: int = 0, files: int = 0):
    fields = [
        ("name", (text,)),
        ("email", ("a@example.com",)),
        ("message", (text,)),
        ("topics", ("a", "b")),
    ]
    fields += [(f"extra{i}", (text,)) for i in range(extra_fields)]
    submission = Submission(
        email=SubmitterAddress("a@example.com", "a@example.com"),
        name=text,
        message=text,
        subject=None,
        next_url=None,
        honeypot_filled=False,
        fields=tuple(fields),
    )
    meta = SubmissionMeta("0123abcd" * 4, WHEN, None, None, "198.51.100.4")
    attachments = [
        Attachment(
            "file", f"f{i}<!channel>.pdf", f"https://files.example/{i}", "application/pdf", 9
        )
        for i in range(files)
    ]
    return content_of(FORM, submission, meta, attachments)


def slack_texts(message) -> list[str]:
    found = [message["text"]]

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message["blocks"])
    return found


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize(("extra", "files"), [(0, 0), (3, 2), (60, 5)])
def test_slack_never_pings_links_or_exceeds_limits(text, extra, files):
    message = slack_payload(content(text, extra, files))
    assert message["unfurl_links"] is False and message["unfurl_media"] is False
    blocks = message["blocks"]
    assert len(blocks) <= 50
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        assert block["type"] in ("header", "section", "context")
        if block["type"] == "section":
            assert block["text"]["type"] == "plain_text"  # never mrkdwn
            assert 1 <= len(block["text"]["text"]) <= 3000
    for shown in slack_texts(message):
        # No raw control character survives: <!channel>, <@U…>, <url|x> are all inert text.
        assert "<" not in shown and ">" not in shown
        # Every & starts an entity (nothing half-cut at a limit).
        assert re.fullmatch(r"([^&]|&amp;|&lt;|&gt;)*…?", shown, re.DOTALL), shown[:80]
    if extra >= 60:
        assert "more fields" in json.dumps(blocks[-1], ensure_ascii=False)


def test_slack_keeps_japanese_and_escapes_exactly():
    message = slack_payload(content("<@U1> 山田 & co"))
    texts = slack_texts(message)
    assert any("&lt;@U1&gt; 山田 &amp; co" in t for t in texts)
    assert message["blocks"][0]["text"]["text"] == "Contact &lt;!channel&gt; @everyone"


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize(("extra", "files"), [(0, 0), (3, 2), (40, 5)])
def test_discord_mentions_off_and_within_embed_limits(text, extra, files):
    message = discord_payload(content(text, extra, files))
    assert message["allowed_mentions"] == {"parse": []}
    assert message["content"] == ""
    (embed,) = message["embeds"]
    assert len(embed["title"]) <= 256
    assert len(embed.get("description", "")) <= 4096
    assert len(embed["fields"]) <= 25
    for field in embed["fields"]:
        assert 1 <= len(field["name"]) <= 256
        assert 1 <= len(field["value"]) <= 1024
    assert embed_length(embed) <= 6000
    # Markdown is escaped: no unescaped [ ( @ < can form a link or a mention.
    for value in [embed["title"], embed.get("description", "")] + [
        f["value"] for f in embed["fields"]
    ]:
        assert not re.search(r"(?<!\\)[\[\]()@<*_`]", value), value[:80]


def test_discord_long_message_goes_to_the_description_cut_at_4096():
    embed = discord_payload(content("お" * 10_000))["embeds"][0]
    assert len(embed["description"]) == 4096 and embed["description"].endswith("…")


def test_webhook_payload_fields_by_name_with_labels_and_attachments():
    body = webhook_payload(content("<b>hi</b> @everyone", files=1))
    assert body["type"] == "form.submitted"
    data = body["data"]
    assert data["form"] == "contact" and data["submission_id"] == "0123abcd" * 4
    assert data["received_at"] == "2026-03-01T12:00:00Z"
    assert data["fields"]["name"] == {"label": "お名前", "value": "<b>hi</b> @everyone"}
    assert data["fields"]["topics"] == {"label": "Topics", "value": ["a", "b"]}
    assert data["attachments"][0]["url"] == "https://files.example/0"
    assert "attachments" not in webhook_payload(content("x"))["data"]


def test_escape_functions():
    assert payloads.slack_escape("<&>") == "&lt;&amp;&gt;"
    assert payloads.discord_escape("[a](b) @x") == r"\[a\]\(b\) \@x"
