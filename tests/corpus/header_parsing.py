"""Header parsing: long parameter lists, quotes, parentheses, backslashes, RFC 2231 continuations.

Red-team finding 3. The Content-Type was parsed with the ``email`` package's header registry
before routing and before the origin check: a 9.5 KB header of ``;`` or ``"`` cost 250-600 ms
(quadratic), a few hundred ``(`` raised ``RecursionError`` (a 500). Now every header the
endpoint reads has a length cap (431 beyond it) and the Content-Type goes through a linear,
bounded parser; anything it cannot read is a 415, never a 500. ``test_header_timing.py`` bounds
each entry's time as a ratio to a normal request measured in the same run.

API Gateway accepts at most 10 KB of headers in all, so 9,500 characters is the worst a client
can send in one header.
"""

from __future__ import annotations

from urllib.parse import urlencode

from tests.corpus.model import BASE, JSON, MULTIPART, URLENCODED, Case, json_body, multipart

FORM = urlencode(BASE)
BIG = 9_500  # near API Gateway's 10 KB header budget
CAPPED = 440  # with the media type, under the 512-character Content-Type cap
BOUNDARY = "----toiawaseCorpusBoundary"


def _ct(suffix: str, expect: int | str, case_id: str, body: bytes | str = FORM) -> Case:
    return Case(case_id, body, expect, URLENCODED + suffix)


CASES = [
    # Long runs of one character, at the cap and near API Gateway's limit.
    _ct(";" * CAPPED, "sent", "semicolons-440"),
    _ct(";" * BIG, 431, "semicolons-9500"),
    _ct('"' * CAPPED, 415, "quotes-440"),
    _ct('"' * BIG, 431, "quotes-9500"),
    _ct("; a=" + "(" * CAPPED, "sent", "open-parens-440"),
    _ct("; a=" + "(" * BIG, 431, "open-parens-9500"),
    _ct("(" * CAPPED, 415, "open-parens-in-type-440"),
    _ct(";(" + "(a" * (CAPPED // 2), "sent", "nested-comments-440"),
    _ct("; a=" + "\\" * CAPPED, "sent", "backslashes-440"),
    _ct('; a="' + "\\" * CAPPED, "sent", "backslashes-in-open-quote-440"),
    _ct('; a="' + '\\"' * (CAPPED // 2), "sent", "escaped-quotes-unterminated-440"),
    _ct(';"' * (CAPPED // 2), "sent", "semicolon-quote-pairs-440"),
    _ct('; a="x' * (CAPPED // 6), "sent", "many-open-quoted-params-440"),
    _ct(";" + " " * (CAPPED - 1), "sent", "spaces-440"),
    _ct(";\t" * (CAPPED // 2), "sent", "tabs-440"),
    # Long parameter lists.
    _ct("".join(f"; p{i}=v" for i in range(55)), "sent", "fifty-five-parameters"),
    _ct("".join(f"; p{i}=v" for i in range(1_500)), 431, "parameters-9500"),
    _ct("; charset=utf-8" * 30, "sent", "repeated-charset"),
    _ct("; charset=utf-8; charset=iso-8859-1", 415, "charset-repeated-last-wins"),
    # RFC 2231 continuations and extended values: ignored, never decoded into a charset.
    _ct("; charset*=utf-8''utf-8", "sent", "rfc2231-extended-charset"),
    _ct("".join(f"; x*{i}*=utf-8''%E2%82%AC" for i in range(18)), "sent", "rfc2231-continuations"),
    _ct("; charset*0=utf; charset*1=-8", "sent", "rfc2231-split-charset"),
    _ct("; charset*=iso-8859-1''latin1", "sent", "rfc2231-charset-not-honoured"),
    # Multipart boundaries in odd spellings.
    Case(
        "multipart-quoted-boundary",
        multipart(BASE),
        "sent",
        f'{MULTIPART}; boundary="{BOUNDARY}"',
    ),
    Case("multipart-boundary-9500", multipart(BASE), 431, f"{MULTIPART}; boundary=" + "b" * BIG),
    Case(
        "multipart-boundary-backslashes",
        multipart(BASE),
        400,
        f'{MULTIPART}; boundary="' + "\\" * 200 + '"',
    ),
    # Other headers the endpoint reads, over their caps: 431 before anything is parsed.
    Case("accept-9500", FORM, 431, URLENCODED, accept="application/json;q=0.9," * 400),
    Case("accept-many-params", FORM, "sent", URLENCODED, accept=JSON + ";a=b" * 200),
    Case("origin-9500", FORM, 431, headers=(("origin", "https://www.example.com" + "/" * BIG),)),
    Case(
        "referer-9500",
        FORM,
        431,
        headers=(("referer", "https://www.example.com/contact/?" + "a" * BIG),),
    ),
    Case("idempotency-key-300", FORM, 431, headers=(("idempotency-key", "k" * 300),)),
    Case("x-requested-with-9500", FORM, 431, headers=(("x-requested-with", "X" * BIG),)),
    Case("json-with-long-params", json_body(**dict(BASE)), "sent", JSON + "; a=b" * 60),
]
