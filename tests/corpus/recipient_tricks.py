"""Recipient tricks: fields that try to choose, or add to, who receives the email.

The form has no field for a recipient: ``to``, ``cc``, ``_to``, ``bcc`` … are just more fields,
listed in the body. The submitter's address is validated and goes only into ``Reply-To``; one
that holds several addresses, a display name or a header is refused. Mail goes to the
configured recipients, and nowhere else, whatever is sent.
"""

from __future__ import annotations

from tests.corpus.model import JSON, VICTIM, Case, form, json_body

FIELDS = [
    "to",
    "_to",
    "cc",
    "_cc",
    "bcc",
    "_bcc",
    "from",
    "_from",
    "sender",
    "_sender",
    "reply-to",
    "_reply_to",
    "return-path",
    "recipient",
    "_recipient",
    "recipients",
    "destination",
    "mailto",
    "To",
    "BCC",
]
VALUES = {
    "single": VICTIM,
    "list": f"{VICTIM}, second@evil.example",
    "angle": f"Mallory <{VICTIM}>",
}

CASES = [
    Case(f"field-{name}-{key}", form((name, value)))
    for name in FIELDS
    for key, value in VALUES.items()
    if key == "single" or name in ("_to", "_cc", "_bcc", "to", "bcc")
]
CASES += [
    Case("email-list-comma", form(("email", f"visitor@example.org, {VICTIM}")), 422),
    Case("email-list-semicolon", form(("email", f"visitor@example.org;{VICTIM}")), 422),
    Case("email-angle", form(("email", f"Mallory <{VICTIM}>")), 422),
    Case("email-angle-only", form(("email", f"<{VICTIM}>")), 422),
    Case("email-two-at", form(("email", f"visitor@example.org@{VICTIM}")), 422),
    Case("email-double-at", form(("email", "visitor@@example.org")), 422),
    Case("email-quoted-local", form(("email", f'"{VICTIM}"@example.org')), 422),
    Case("email-quoted-space", form(("email", '"a b"@example.org')), 422),
    Case("email-domain-literal", form(("email", "visitor@[127.0.0.1]")), 422),
    Case("email-percent-hack", form(("email", "victim%evil.example@example.org"))),
    Case("email-source-route", form(("email", f"@example.org:{VICTIM}")), 422),
    Case("email-uucp-bang", form(("email", "evil.example!victim@example.org"))),
    Case("email-comment", form(("email", "visitor(comment)@example.org")), 422),
    Case("email-trailing-dot", form(("email", "visitor.@example.org")), 422),
    Case("email-localhost", form(("email", "root@localhost")), 422),
    Case("email-victim-itself", form(("email", VICTIM))),  # only Reply-To; never a recipient
    Case("replyto-alias", [("_replyto", "alias@example.org"), ("message", "hi")]),
    Case("email-and-alias", form(("_replyto", VICTIM))),
    Case(
        "email-repeated-different", form(("email", VICTIM), ("email", "visitor@example.org")), 422
    ),
    Case(
        "email-repeated-same",
        form(("email", "visitor@example.org"), ("email", "visitor@example.org")),
    ),
    Case(
        "json-email-array",
        json_body(email=["visitor@example.org", VICTIM], message="hi"),
        422,
        JSON,
    ),
    Case(
        "json-to-array",
        json_body(email="visitor@example.org", message="hi", _to=[VICTIM] * 5),
        "sent",
        JSON,
    ),
    Case("json-email-object", json_body(email={"to": VICTIM}, message="hi"), 400, JSON),
    Case("many-victims", form(*[(f"to{i}", f"v{i}@evil.example") for i in range(30)])),
]
