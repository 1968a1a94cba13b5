"""Malformed multipart/form-data: broken framing, odd part headers, files, odd charsets.

Broken framing is 400, a file upload or a part that is not UTF-8 text is 415, an empty,
unselected file input is ignored (browsers always send one). A part's own headers never
become the email's.
"""

from __future__ import annotations

from tests.corpus.model import BASE, BOUNDARY, MULTIPART, VICTIM, Case, multipart

GOOD = multipart(BASE)


def part(name: str, value: str, extra: str = "", disposition: str | None = None) -> str:
    line = disposition or f'Content-Disposition: form-data; name="{name}"'
    return f"{line}{extra}\r\n\r\n{value}"


CASES = [
    Case("well-formed", GOOD, "sent", MULTIPART),
    Case("no-closing-delimiter", multipart(BASE, close=False), 400, MULTIPART),
    Case("truncated-in-headers", GOOD[:60], 400, MULTIPART),
    Case("truncated-in-value", GOOD[: len(GOOD) - 30], 400, MULTIPART),
    Case("lf-line-ends", GOOD.replace(b"\r\n", b"\n"), 400, MULTIPART),
    Case("other-boundary-in-body", multipart(BASE, "somethingElse"), 400, MULTIPART),
    Case("empty-body", b"", 400, MULTIPART),
    Case("only-closing", f"--{BOUNDARY}--\r\n", 422, MULTIPART),
    Case(
        "preamble-and-epilogue", b"preamble junk\r\n" + GOOD + b"epilogue junk", "sent", MULTIPART
    ),
    Case(
        "no-content-disposition",
        multipart([*BASE, "Content-Type: text/plain\r\n\r\nx"]),
        400,
        MULTIPART,
    ),
    Case(
        "disposition-without-name",
        multipart([*BASE, part("", "x", disposition="Content-Disposition: form-data")]),
        400,
        MULTIPART,
    ),
    Case(
        "attachment-disposition",
        multipart([*BASE, part("", "x", disposition='Content-Disposition: attachment; name="x"')]),
        400,
        MULTIPART,
    ),
    Case("empty-name", multipart([*BASE, ("", "x")]), 400, MULTIPART),
    Case(
        "file-upload",
        multipart([*BASE, part("f", "MZ\x90\x00", '; filename="evil.exe"')]),
        415,
        MULTIPART,
    ),
    Case(
        "file-upload-text",
        multipart([*BASE, part("f", "hello", '; filename="a.txt"')]),
        415,
        MULTIPART,
    ),
    Case("empty-file-input", multipart([*BASE, part("f", "", '; filename=""')]), "sent", MULTIPART),
    Case(
        "part-type-html",
        multipart([*BASE, part("x", "<b>x</b>", "\r\nContent-Type: text/html")]),
        415,
        MULTIPART,
    ),
    Case(
        "part-type-image",
        multipart([*BASE, part("x", "GIF89a", "\r\nContent-Type: image/gif")]),
        415,
        MULTIPART,
    ),
    Case(
        "part-type-nested-multipart",
        multipart(
            [*BASE, part("x", "--inner--", "\r\nContent-Type: multipart/mixed; boundary=inner")]
        ),
        415,
        MULTIPART,
    ),
    Case(
        "part-charset-latin1",
        multipart(
            [*BASE, part("x", "caf\u00e9", "\r\nContent-Type: text/plain; charset=iso-8859-1")]
        ),
        415,
        MULTIPART,
    ),
    Case(
        "part-charset-utf8",
        multipart([*BASE, part("x", "caf\u00e9", '\r\nContent-Type: text/plain; charset="utf-8"')]),
        "sent",
        MULTIPART,
    ),
    Case("part-not-utf8", GOOD.replace(b"Hello", b"H\xffllo"), 400, MULTIPART),
    Case(
        "part-header-injection",
        multipart([*BASE, part("company", "x", f"\r\nBcc: {VICTIM}\r\nTo: {VICTIM}")]),
        "sent",
        MULTIPART,
    ),
    Case(
        "name-with-crlf-raw",
        multipart([*BASE, f'Content-Disposition: form-data; name="a\r\nBcc: {VICTIM}"\r\n\r\nx']),
        400,
        MULTIPART,
    ),
    Case(
        # The parser decodes the %0D%0A browsers write for CR LF: a name with a line break.
        "name-percent-encoded-crlf",
        multipart([*BASE, ("a%0D%0ABcc: x", "x")]),
        400,
        MULTIPART,
    ),
    Case("name-encoded-word", multipart([*BASE, ("=?utf-8?q?Bcc?=", VICTIM)]), "sent", MULTIPART),
    Case(
        "name-rfc2231",
        multipart(
            [
                *BASE,
                part("", "x", disposition="Content-Disposition: form-data; name*=utf-8''%0D%0ABcc"),
            ]
        ),
        400,
        MULTIPART,
    ),
    Case("duplicate-email-different", multipart([*BASE, ("email", VICTIM)]), 422, MULTIPART),
    Case(
        "transfer-encoding-base64",
        multipart([*BASE, part("company", "ZXZpbA==", "\r\nContent-Transfer-Encoding: base64")]),
        "sent",
        MULTIPART,
    ),
    Case(
        "overlong-part-header",
        multipart([*BASE, part("x", "y", "\r\nX-Long: " + "h" * 10_000)]),
        413,
        MULTIPART,
    ),
    Case("boundary-quoted", GOOD, "sent", f'multipart/form-data; boundary="{BOUNDARY}"'),
    Case(
        "boundary-with-specials",
        multipart(BASE, "a'()+_,-./:=?b"),
        "sent",
        'multipart/form-data; boundary="a\'()+_,-./:=?b"',
    ),
    Case(
        "boundary-unquoted-specials",
        multipart(BASE, "a=b"),
        "refused",
        "multipart/form-data; boundary=a=b",
    ),
    Case(
        # RFC 2046 allows 70 characters; a longer boundary is still unambiguous: accepted.
        "boundary-too-long",
        multipart(BASE, "b" * 200),
        "sent",
        "multipart/form-data; boundary=" + "b" * 200,
    ),
]
