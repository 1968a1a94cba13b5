"""Header injection: line breaks and their look-alikes in every field that could reach a header.

A name, a subject, a message or any other field carrying them is safely accepted: the text is
cleaned into one line for the header (display name, subject) and kept, line breaks and all,
only in the body. An address carrying them is refused (422). A field *name* with a control
character is refused (400).
"""

from __future__ import annotations

from tests.corpus.model import BASE, JSON, MULTIPART, VICTIM, Case, form, json_body, multipart

PAYLOADS = {
    "crlf-bcc": f"Mallory\r\nBcc: {VICTIM}",
    "lf-to": f"Mallory\nTo: {VICTIM}",
    "cr-cc": f"Mallory\rCc: {VICTIM}",
    "crlf-crlf-body": "Mallory\r\n\r\n<html>injected body</html>",
    "crlf-space-fold": f"Mallory\r\n Bcc: {VICTIM}",
    "crlf-tab-fold": f"Mallory\r\n\tBcc: {VICTIM}",
    "crlf-from": "Mallory\r\nFrom: ceo@evil.example",
    "crlf-reply-to": f"Mallory\r\nReply-To: {VICTIM}",
    "crlf-content-type": "Mallory\r\nContent-Type: text/html; charset=utf-7",
    "crlf-boundary": "x\r\n--===============0000000000000000000==\r\n"
    "Content-Type: text/html\r\n\r\n<b>second part</b>",
    "nul-bcc": f"Mallory\x00Bcc: {VICTIM}",
    "nul-crlf": f"Mallory\x00\r\nBcc: {VICTIM}",
    "u2028-bcc": f"Mallory\u2028Bcc: {VICTIM}",
    "u2029-bcc": f"Mallory\u2029Bcc: {VICTIM}",
    "u0085-bcc": f"Mallory\u0085Bcc: {VICTIM}",
    "vt-ff-bcc": f"Mallory\x0b\x0cBcc: {VICTIM}",
    "fs-gs-rs-bcc": f"\x1c\x1d\x1eBcc: {VICTIM}",
    "percent-text": f"Mallory%0d%0aBcc:%20{VICTIM}",
    "smtp-dot": "Mallory\r\n.\r\nMAIL FROM:<victim@evil.example>\r\nRCPT TO:<x@evil.example>",
    "long-then-crlf": "x" * 70 + f"\r\nBcc: {VICTIM}",
}
TARGETS = ["name", "_subject", "message", "company"]

CASES = [
    Case(f"{target}-{key}", form((target, value)))
    for key, value in PAYLOADS.items()
    for target in TARGETS
]
CASES += [
    Case(f"email-{key}", form(("email", f"visitor@example.org{value}")), 422)
    for key, value in PAYLOADS.items()
    if key != "percent-text"
]
CASES += [
    Case("email-percent-text", form(("email", f"visitor@example.org%0d%0aBcc:{VICTIM}")), 422),
    Case("field-name-crlf", form((f"company\r\nBcc: {VICTIM}", "x")), 400),
    Case("field-name-lf", form(("company\nTo", VICTIM)), 400),
    Case("field-name-nul", form(("company\x00", "x")), 400),
    Case("field-name-u2028", form(("company\u2028Bcc", VICTIM)), 400),
    Case(
        "raw-percent-encoded-crlf",
        "email=visitor%40example.org&message=hi&name=Mallory%0D%0ABcc%3A%20victim%40evil.example",
    ),
    Case(
        "raw-percent-encoded-crlf-subject",
        "email=visitor%40example.org&message=hi&_subject=%0D%0ABcc:victim@evil.example%0D%0A",
    ),
    Case(
        "json-escaped-crlf",
        json_body(
            email="visitor@example.org",
            message="hi",
            name=f"Mallory\r\nBcc: {VICTIM}",
            _subject=f"x\u2028Cc: {VICTIM}",
        ),
        content_type=JSON,
    ),
    Case(
        "multipart-value-crlf",
        multipart([*BASE, ("name", f"Mallory\r\nBcc: {VICTIM}"), ("_subject", "a\r\nb")]),
        content_type=MULTIPART,
    ),
]
