"""Content types: missing, wrong, odd parameters and charsets.

Forms (urlencoded or multipart) and JSON, in UTF-8, are read; anything else is 415; no body at
all is 400. A body that does not match its declared type is read as that type, and refused
when it cannot be (400) or when it lacks the fields (422).
"""

from __future__ import annotations

from urllib.parse import urlencode

from tests.corpus.model import BASE, JSON, MULTIPART, URLENCODED, Case, json_body, multipart

FORM = urlencode(BASE)
JSON_FORM = json_body(**dict(BASE))

CASES = [
    Case("missing-with-body", FORM, 415, None),
    Case("missing-without-body", b"", 400, None),
    Case("empty-string", FORM, 415, ""),
    Case("blank", FORM, 415, "   "),
    Case("text-plain", FORM, 415, "text/plain"),
    Case("text-html", FORM, 415, "text/html"),
    Case("application-xml", "<email>a@example.org</email>", 415, "application/xml"),
    Case("octet-stream", FORM, 415, "application/octet-stream"),
    Case(
        "multipart-mixed",
        multipart(BASE),
        415,
        "multipart/mixed; boundary=----toiawaseCorpusBoundary",
    ),
    Case("wildcard", FORM, 415, "*/*"),
    Case("text-json", JSON_FORM, 415, "text/json"),
    Case("json-api", JSON_FORM, 415, "application/vnd.api+json"),
    Case("latin1-form", FORM, 415, f"{URLENCODED}; charset=iso-8859-1"),
    Case("utf7-form", FORM, 415, f"{URLENCODED}; charset=utf-7"),
    Case("utf16-json", JSON_FORM.encode("utf-16"), 415, f"{JSON}; charset=utf-16"),
    Case("shift-jis-json", JSON_FORM, 415, f"{JSON}; charset=shift_jis"),
    # An empty parameter value is no parameter (the body is still read as strict UTF-8).
    Case("empty-charset", FORM, "sent", f"{URLENCODED}; charset="),
    Case("charset-quoted", FORM, "sent", f'{URLENCODED}; charset="UTF-8"'),
    Case("charset-utf8-alias", JSON_FORM, "sent", f"{JSON}; charset=utf8"),
    Case("upper-case-type", FORM, "sent", "APPLICATION/X-WWW-FORM-URLENCODED"),
    Case("trailing-semicolon", FORM, "sent", f"{URLENCODED};"),
    Case("extra-parameter", FORM, "sent", f"{URLENCODED}; foo=bar"),
    Case("crlf-in-type", FORM, 415, f"{URLENCODED}\r\nBcc: victim@evil.example"),
    Case("nul-in-type", FORM, 415, f"{URLENCODED}\x00"),
    Case("two-types", FORM, 415, f"{URLENCODED}, {JSON}"),
    Case("no-subtype", FORM, 415, "application"),
    Case("slash-only", FORM, 415, "/"),
    # Over the Content-Type cap (512 characters): refused before any parsing.
    Case("very-long-type", FORM, 431, "application/" + "x" * 5_000),
    Case("non-ascii-type", FORM, 415, "application/x-www-form-urlencoded\u00e9"),
    Case("json-declared-form-sent", FORM, 400, JSON),
    Case("form-declared-json-sent", JSON_FORM, 422, URLENCODED),
    Case("multipart-declared-form-sent", FORM, 400, MULTIPART),
    Case("multipart-without-boundary", multipart(BASE), 400, "multipart/form-data"),
    Case("multipart-empty-boundary", multipart(BASE), 400, "multipart/form-data; boundary="),
    Case("form-declared-multipart-sent", multipart(BASE), 400, URLENCODED),
]
