"""Oversize: overlong lines, huge bodies, thousands of fields, deep JSON, long names.

Over a byte or count limit is 413 (checked before parsing); a field over its length limit is
422 naming it; deep JSON is 400. Under the limits, long text is accepted and the message keeps
every line under 998 octets (quoted-printable or base64 takes care of it).
"""

from __future__ import annotations

from urllib.parse import urlencode

from tests.corpus.model import BASE, JSON, MULTIPART, Case, form, json_body, multipart

MB = 1024 * 1024
LIMIT = 128 * 1024  # Limits.max_body_bytes


def padded(size: int) -> str:
    """A valid urlencoded form of exactly ``size`` bytes: a message of percent-encoded "あ"."""
    head = "email=visitor%40example.org&message="
    count, rest = divmod(size - len(head), 9)
    return head + "%E3%81%82" * count + "x" * rest


CASES = [
    Case("long-line-message", form(("message", "x" * 19_000))),
    Case("long-line-japanese", form(("message", "長" * 14_000))),  # 126 KB percent-encoded
    Case("long-line-no-spaces-field", form(("company", "y" * 4_999))),
    Case("many-short-lines", form(("message", "a\n" * 9_000))),
    Case("long-name-for-header", form(("name", "N" * 199))),
    Case("long-subject-for-header", form(("_subject", "S" * 149))),
    Case("long-japanese-name", form(("name", "山" * 199))),
    Case("body-at-limit", padded(LIMIT)),
    Case("body-one-over-limit", padded(LIMIT + 1), 413),
    Case("body-1mb", padded(MB), 413),
    Case("body-1mb-json", json_body(email="a@example.org", message="m" * MB), 413, JSON),
    Case("message-over-limit", form(("message", "x" * 20_001)), 422),
    Case("value-over-limit", form(("company", "x" * 5_001)), 422),
    Case("name-over-limit", form(("name", "x" * 201)), 422),
    Case("subject-over-limit", form(("_subject", "x" * 151)), 422),
    Case("email-over-254", form(("email", "a" * 64 + "@" + "b" * 190 + ".example")), 422),
    Case(
        "total-over-limit",
        form(*[(f"f{i}", "x" * 5_000) for i in range(12)], ("message", "m")),
        422,
    ),
    Case("field-name-100", form(("n" * 100, "x"))),
    Case("field-name-101", form(("n" * 101, "x")), 400),
    Case("forty-fields", form(*[(f"f{i}", "x") for i in range(38)])),
    Case("forty-one-fields", form(*[(f"f{i}", "x") for i in range(39)]), 413),
    Case("thousands-of-fields", form(*[(f"f{i}", "x") for i in range(5_000)]), 413),
    Case("thousands-of-ampersands", urlencode(BASE) + "&" * 100_000, 413),
    Case("thousands-of-repeats", form(*[("company", "x")] * 3_000), 413),
    Case(
        "json-forty-one-keys",
        json_body(**dict(BASE), **{f"k{i}": "v" for i in range(39)}),
        413,
        JSON,
    ),
    Case("json-array-of-thousands", json_body(**dict(BASE), tags=["t"] * 3_000), 413, JSON),
    Case("json-deep-1000", '{"message":' + "[" * 1_000 + "]" * 1_000 + "}", 400, JSON),
    Case("json-deep-50000", '{"message":' + "[" * 50_000 + "]" * 50_000 + "}", 400, JSON),
    Case("json-deep-objects", '{"a":' * 20_000 + "1" + "}" * 20_000, 400, JSON),
    Case("json-deep-over-limit", "[" * 200_000 + "]" * 200_000, 413, JSON),
    Case("multipart-thousand-parts", multipart([*BASE] + [("f", "x")] * 1_000), 413, MULTIPART),
    Case("multipart-huge-part", multipart([*BASE, ("pad", "x" * (LIMIT + 10))]), 413, MULTIPART),
]
