"""Unicode tricks: bidi overrides, separators, zero-width and format characters, odd planes,
invalid UTF-8 and lone surrogates.

Text that is valid Unicode is accepted: the body keeps it, and the header text (display name,
subject) drops control, format and separator characters. Bytes that are not UTF-8, and lone
surrogates (which cannot be sent as UTF-8), are refused with 400.
"""

from __future__ import annotations

from tests.corpus.model import JSON, Case, as_base64, form

TEXT = {
    "rlo": "\u202eexe.txt",
    "lro": "abc\u202ddef",
    "isolates": "\u2066a\u2067b\u2068c\u2069",
    "arabic-mark": "\u061cx",
    "rlm-lrm": "\u200fx\u200e",
    "zero-width": "a\u200bb\u200cc\u200dd\u2060e",
    "bom": "\ufeffBOM",
    "mongolian-vs": "a\u180eb",
    "soft-hyphen": "ad\u00admin",
    "line-separator": "a\u2028b",
    "paragraph-separator": "a\u2029b",
    "next-line": "a\u0085b",
    "nbsp": "a\u00a0b",
    "ideographic-space": "山田\u3000太郎",
    "ogham-space": "a\u1680b",
    "zalgo": "Z\u0351\u0354\u0356\u0317\u0300" * 12,
    "emoji-zwj": "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f44d\U0001f3fd",
    "astral-math": "\U0001d518\U0001d52b\U0001d526",
    "last-code-point": "\U0010ffff",
    "private-use": "\ue000\U000f0000",
    "noncharacters": "\ufffe\uffff\ufdd0",
    "unassigned": "\u0378\u0379",
    "replacement": "\ufffd",
    "decomposed": "e\u0301 vs \u00e9",
    "ligature-dotted": "\ufb01 \u0130 \u00df \u212b",
    "japanese": "山田 太郎\uff08ヤマダ タロウ\uff09",
    "halfwidth": "ｶﾀｶﾅ",
    "c1-controls": "a\x80\x9bb\x9f",
    "del": "a\x7fb",
    "escape-sequence": "\x1b[31mred\x1b[0m",
}

CASES = [
    Case(f"{target}-{key}", form((target, value)))
    for key, value in TEXT.items()
    for target in ("name", "_subject")
]
CASES += [
    Case(f"message-{key}", form(("message", "x" + value)))
    for key in list(TEXT)[:10]
    for value in [TEXT[key]]
]
CASES += [
    # Bytes that are not UTF-8, percent-encoded or raw.
    Case("overlong-slash", "email=visitor%40example.org&message=%C0%AF", 400),
    Case("encoded-surrogate", "email=visitor%40example.org&message=%ED%A0%80", 400),
    Case("five-byte", "email=visitor%40example.org&message=%F8%88%80%80%80", 400),
    Case("truncated-sequence", "email=visitor%40example.org&message=%E3%81", 400),
    Case("lone-ff", "email=visitor%40example.org&message=%FF", 400),
    Case("raw-ff", b"email=visitor%40example.org&message=\xff", 400),
    Case("raw-overlong", b"email=visitor%40example.org&message=\xc0\xaf", 400),
    Case("raw-latin1", b"email=visitor%40example.org&message=caf\xe9", 400),
    Case("raw-surrogate-bytes", b"email=visitor%40example.org&message=\xed\xa0\x80", 400),
    Case("bom-before-name", "\ufeffemail=visitor%40example.org&message=hi", 400),
    Case("name-percent-bom", "%EF%BB%BFemail=visitor%40example.org&message=hi", 400),
    # Lone surrogates as JSON escapes.
    Case("json-lone-high", '{"email":"visitor@example.org","message":"\\ud800"}', 400, JSON),
    Case("json-lone-low", '{"email":"visitor@example.org","message":"\\udc00"}', 400, JSON),
    Case(
        "json-reversed-pair",
        '{"email":"visitor@example.org","message":"\\udc00\\ud800"}',
        400,
        JSON,
    ),
    Case(
        "json-surrogate-key",
        '{"email":"visitor@example.org","message":"x","\\ud800":"y"}',
        400,
        JSON,
    ),
    Case(
        "json-surrogate-name",
        '{"email":"visitor@example.org","message":"x","name":"\\udbff"}',
        400,
        JSON,
    ),
    Case(
        "json-valid-pair",
        '{"email":"visitor@example.org","message":"\\ud83d\\ude00"}',
        "sent",
        JSON,
    ),
    Case(
        "json-raw-surrogate-bytes",
        b"",
        400,
        JSON,
        event=as_base64(b'{"email":"visitor@example.org","message":"\xed\xa0\x80"}'),
    ),
    Case(
        "json-raw-latin1",
        b"",
        400,
        JSON,
        event=as_base64(b'{"email":"visitor@example.org","message":"caf\xe9"}'),
    ),
    # Addresses.
    Case("email-homoglyph-domain", form(("email", "visitor@ex\u0430mple.org"))),
    Case("email-fullwidth-at", form(("email", "visitor\uff20example.org")), 422),
    Case("email-rlo", form(("email", "\u202evisitor@example.org")), 422),
    Case("email-zero-width", form(("email", "visi\u200btor@example.org")), 422),
    Case("email-japanese-local", form(("email", "山田@example.jp"))),
    Case("email-idn", form(("email", "info@例え.jp"))),
]
