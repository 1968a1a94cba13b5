"""What must hold for every answer to every generated request (the properties)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping

from email_validator import validate_email

from tests.mail_oracle import read_message
from tests.property.tally import TALLY
from tests.unit.helpers import WHEN, RecordingSender
from toiawase.core.compose import (
    FORM_HEADER,
    SUBMISSION_HEADER,
    OutgoingEmail,
    from_display_name,
    header_names,
    subject_line,
)
from toiawase.core.config import Settings, load_settings
from toiawase.core.errors import InputError
from toiawase.core.http import HttpRequest
from toiawase.core.parse import Pairs, parse_body
from toiawase.core.service import Dependencies, Outcome, handle
from toiawase.core.submission import EMAIL_FIELDS, validate_submission
from toiawase.core.text import clean_body_text

ORIGIN = "https://www.example.com"
_ids = itertools.count()
_LOCATION = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#\\]*)")


def new_id() -> str:
    return f"{next(_ids):032x}"


def make_request(
    body: bytes,
    content_type: str | None,
    *,
    accept: str | None = None,
    requested_with: bool = False,
    page_url: str | None = None,
    origin: str | None = ORIGIN,
) -> HttpRequest:
    headers: dict[str, str] = {}
    if content_type is not None:
        headers["content-type"] = content_type
    if accept is not None:
        headers["accept"] = accept
    if requested_with:
        headers["x-requested-with"] = "XMLHttpRequest"
    if page_url is not None:
        headers["referer"] = page_url
    if origin is not None:
        headers["origin"] = origin
    return HttpRequest("POST", "/submit", headers, body, "203.0.113.9", "req-p", WHEN)


def run(test: str, request: HttpRequest, env: Mapping[str, str]) -> tuple[Outcome, RecordingSender]:
    """One generated request through the pure core, every property checked, and counted."""
    sender = RecordingSender()
    outcome = handle(request, env, Dependencies(sender=sender, new_id=new_id))
    check_answer(request, outcome, sender, load_settings(env))
    TALLY.record(test, outcome.response.status, sent=bool(sender.sent))
    return outcome, sender


def check_answer(
    request: HttpRequest, outcome: Outcome, sender: RecordingSender, settings: Settings
) -> None:
    response = outcome.response
    status = response.status
    assert status in (200, 202, 303) or 400 <= status < 500, f"answered {status}"
    for name, value in response.headers.items():
        assert isinstance(value, str) and value.isascii() and value.isprintable(), (name, value)
    content_type = response.headers.get("Content-Type", "")
    if status == 303:
        assert response.body == ""
        check_location(response.headers["Location"], settings)
    elif content_type.startswith("application/json"):
        payload = json.loads(response.body)
        assert payload["ok"] is (status < 400)
        if status >= 400:
            assert isinstance(payload["error"], str) and payload["error"]
            assert isinstance(payload["message"], str) and payload["message"]
        else:
            assert payload["status"] in ("sent", "queued") and payload["id"]
    else:
        assert content_type.startswith("text/html"), content_type
        assert response.body.startswith("<!DOCTYPE html>")
    if request.header("x-requested-with") == "XMLHttpRequest" and status != 303:
        assert content_type.startswith("application/json")
    if status >= 400:
        assert sender.sent == [], "a refused request sent mail"
        return
    assert len(sender.sent) <= 1
    pairs = parse_body(request.header("content-type"), request.body, settings.limits)[1]
    if not sender.sent:  # only a filled honeypot gets a success without a message
        assert any(v.strip() for k, v in pairs if k == settings.defences.honeypot_field)
        return
    check_email(sender.sent[0], pairs, settings)


def expected_reply_to(pairs: Pairs) -> str | None:
    """Worked out independently of the composer, with email-validator itself.

    The ASCII form of the address, unless its local part is not ASCII (no SMTPUTF8 at SES) or
    it holds ``=?`` / ``?=`` (a reader might decode it as an encoded word).
    """
    grouped = dict(reversed(pairs))  # the first value of each name
    key = EMAIL_FIELDS[0] if EMAIL_FIELDS[0] in grouped else EMAIL_FIELDS[1]
    result = validate_email(grouped[key].strip(), check_deliverability=False, allow_smtputf8=True)
    address = result.ascii_email
    if address is None or "=?" in address or "?=" in address:
        return None
    return address


def check_email(email: OutgoingEmail, pairs: Pairs, settings: Settings) -> None:
    """Who it goes to, who it is from, and that no header carries submitted text unencoded."""
    assert email.from_address == settings.sender_address
    assert email.to_addresses == settings.recipient_addresses
    assert email.feedback_address == settings.feedback_address
    defences = settings.defences
    submission = validate_submission(
        pairs, settings.limits, defences.honeypot_field, defences.control_fields
    )
    reply_to = expected_reply_to(pairs)
    composed = ["From", "To", "Subject", "Date", SUBMISSION_HEADER, FORM_HEADER]
    composed += ["MIME-Version", "Content-Type"]
    composed += ["Reply-To"] if reply_to is not None else []
    assert sorted(header_names(email.raw)) == sorted(composed)  # the product's own reading too
    read = read_message(
        email.raw,
        sender=settings.sender_address,
        recipients=settings.recipient_addresses,
        reply_to=reply_to,
        submission_id=email.submission_id,
    )
    # Outside From and Subject (checked decoded above), no submitted value appears at all.
    rest = "\n".join(v for k, v in read.headers.items() if k not in ("From", "Subject"))
    for name, value in pairs:
        if len(value) >= 8 and not (name in EMAIL_FIELDS and value.strip() == reply_to):
            assert value not in rest, (name, value)
    assert read.display_name == from_display_name(submission, settings)
    assert read.subject == subject_line(submission, settings)
    text, html = read.text, read.html
    assert "<script" not in html.lower()
    for name in defences.control_fields | {k for k, _ in pairs if k.startswith("_")}:
        assert f"\n{name}:\n" not in f"\n{text}", f"control field {name!r} copied"
    for name, values in submission.fields:  # Unicode end to end: every line of every field
        assert f"{name}:" in text
        for value in values:
            for line in clean_body_text(value).split("\n"):
                assert f"  {line}" in text


def check_location(location: str, settings: Settings) -> None:
    """Read as a browser would: the authority ends at / ? # or \\; it must be an allowed origin."""
    assert location.isascii() and location.isprintable(), location
    assert not any(ch in location for ch in " \t\\"), location
    match = _LOCATION.match(location)
    assert match is not None, location
    scheme, authority = match["scheme"].lower(), match["authority"].lower()
    assert "@" not in authority, location
    host, colon, port = authority.rpartition(":") if "]" not in authority[-1:] else ("", "", "")
    if not colon:
        host, port = authority, ""
    if port == {"https": "443", "http": "80"}.get(scheme):
        port = ""
    origin = f"{scheme}://{host}" + (f":{port}" if port else "")
    assert origin in settings.allowed_origins, location


def parsed_pairs(request: HttpRequest, settings: Settings) -> Pairs | None:
    """The core parser's reading of a body, or None when it refuses it."""
    try:
        return parse_body(request.header("content-type"), request.body, settings.limits)[1]
    except InputError:
        return None
