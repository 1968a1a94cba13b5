"""Hypothesis strategies for hostile form submissions: text, fields, bodies and headers."""

from __future__ import annotations

import base64
import json
import string
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, quote_plus, urlencode

from hypothesis import strategies as st

Pairs = list[tuple[str, str]]

# Pieces an attacker reaches for. Each is mixed with arbitrary Unicode below.
HOSTILE_SNIPPETS = [
    "\r\nBcc: victim@evil.example",
    "\nTo: victim@evil.example",
    "\rCc: victim@evil.example",
    "\r\n\r\n<html>injected body</html>",
    "\r\n From: ceo@evil.example",
    "\x00",
    "\x00Bcc: victim@evil.example",
    "\u2028Bcc: victim@evil.example",
    "\u2029",
    "\u0085Cc: victim@evil.example",
    "\x0b\x0c\x1c\x1d\x1e",
    "\u202e",  # right-to-left override
    "\u202d",
    "\u2066\u2067\u2068\u2069",  # bidi isolates
    "\u061c",
    "\u200b\u200c\u200d\u2060",  # zero width
    "\ufeff",
    "\u00ad",
    "\u180e",
    "=?utf-8?q?x=0D=0ABcc:_victim@evil.example?=",
    "=?utf-8?b?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=",
    "=?UTF-8?Q?=0A=0D?=",
    "=?iso-8859-1?q?=0ABcc=3A?=",
    "=?utf-8?q?",
    "=?",
    "?=",
    "= ?",
    '"',
    "\\",
    "<victim@evil.example>",
    '"ceo@evil.example" <ceo@evil.example>',
    ", victim@evil.example",
    ";",
    ":",
    "@",
    "(",
    ")",
    "[",
    "]",
    "%0d%0aBcc:%20victim@evil.example",
    "%00",
    "<script>alert(1)</script>",
    "\t",
    "   ",
    "\x1b[31m",
    "\x7f",
    "\x9b",
    "山田 太郎",
    "お問い合わせです。",
    "ｶﾀｶﾅ",
    "\U0001d518\U0001d52b\U0001d526",
    "😀👍🏽",
    "\U0010ffff",
    "\ue000",
    "\ufffd",
    "\ufffe",
    "\u0378",  # unassigned
    "İßﬁÅ",
    "\u3000",
    "x" * 200,
    "y" * 1200,  # a line over 998 octets, unless encoded
    "語" * 400,
]

HOSTILE_EMAILS = [
    "a@example.org\r\nBcc: victim@evil.example",
    "a@example.org\nCc: victim@evil.example",
    "a@example.org, victim@evil.example",
    "a@example.org;victim@evil.example",
    "<victim@evil.example>",
    "Mallory <victim@evil.example>",
    '"a b"@example.org',
    '"a\r\nb"@example.org',
    "a@b@example.org",
    "a@@example.org",
    "a@example.org\x00",
    "a@example.org\u2028",
    "=?utf-8?q?a?=@example.org",
    "a@[127.0.0.1]",
    "a@[IPv6:::1]",
    "a@localhost",
    "a@-example.org",
    "a..b@example.org",
    ".a@example.org",
    "a@example.org%0d%0abcc:victim@evil.example",
    "a" * 65 + "@example.org",
    "a@" + "b" * 64 + ".example",
    "\u202emoc.elpmaxe@a",
    "a\u200b@example.org",
    "",
    " ",
]

VALID_EMAILS = [
    "taro@example.jp",
    "a@example.org",
    "first.last+tag@sub.example.co.uk",
    "o'brien@example.ie",
    "user_name-1@example.museum",
    "info@例え.jp",
    "山田@example.jp",
    "üser@example.de",
    "x@xn--r8jz45g.jp",
    "  spaced@example.org  ",
    "a.b-c+d=e?f{g}h|i~j'k*l/m^n`o_p#q$r%s&t!u@example.org",
    "a" * 64 + "@example.com",
]

CONTROL_NAMES = ["_subject", "_next", "_gotcha", "_replyto"]
RECIPIENT_NAMES = ["to", "_to", "cc", "_cc", "bcc", "_bcc", "from", "sender", "reply-to"]
OTHER_NAMES = ["company", "phone", "会社名", "Subject", "X-Mailer", "Content-Type", "message[]"]
# Captcha widgets' token fields: controls, never copied into the email.
TOKEN_NAMES = ["cf-turnstile-response", "h-captcha-response", "g-recaptcha-response"]

ACCEPTS = [
    None,
    "",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/json",
    "application/json, text/html;q=0.1",
    "text/html;q=0.1, application/json;q=0.2",
    "*/*",
    "application/*",
    "text/*;q=0, */*;q=0",
    "application/json;q=nan",
    "application/json;q=1e999, text/html;q=-1",
    "text/html;level=1;q=0.5;q=0.9, application/json;;;",
    "\x00\r\n",
    ",,,;;;==",
    "application/json;q=0.5," * 50,
]

URLENCODED_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "APPLICATION/X-WWW-FORM-URLENCODED; Charset=utf8",
    'application/x-www-form-urlencoded; charset="utf-8"',
    "application/x-www-form-urlencoded; charset=iso-8859-1",
    "application/x-www-form-urlencoded; charset=utf-7",
    "application/x-www-form-urlencoded;;; charset=utf-8",
    "application/x-www-form-urlencoded\r\nBcc: victim@evil.example",
]
JSON_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON",
    "application/json; charset=utf-16",
    "application/json; charset=",
    "text/json",
    "application/vnd.api+json",
]
OTHER_TYPES = [
    None,
    "",
    "text/plain",
    "text/html",
    "application/xml",
    "application/octet-stream",
    "multipart/mixed; boundary=x",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "application/x-www-form-urlencoded; charset",
    "/",
    "a/b/c",
    "\x00",
    "\udcff",
    "application/json; charset=utf-8; charset=latin-1",
    "x" * 300,
]


@cache  # built once: a strategy is validated when first drawn from
def weighted(p: float) -> st.SearchStrategy[bool]:
    """True with probability about ``p`` (in steps of 1/20); shrinks towards False.

    Sampled from a list rather than compared with a drawn integer: Hypothesis favours small
    integers, which would make every "rare" branch common.
    """
    k = round(p * 20)
    return st.sampled_from([False] * (20 - k) + [True] * k)


def one_in(n: int, *rare: str) -> st.SearchStrategy[str]:
    """``"none"`` most of the time; each of ``rare`` about once in ``n`` draws."""
    return st.sampled_from(["none"] * (n - len(rare)) + list(rare))


@cache  # built once: a strategy is validated when first drawn from
def encoded_words() -> st.SearchStrategy[str]:
    """RFC 2047 encoded words, often carrying a line break or a header."""
    charset = st.sampled_from(["utf-8", "UTF-8", "iso-8859-1", "us-ascii", "x-unknown", ""])
    q_payload = st.lists(
        st.sampled_from(
            ["=0D", "=0A", "=00", "_", "Bcc:", "victim@evil.example", "=E2=80=A8", "?"]
        ),
        max_size=6,
    ).map("".join)
    b_payload = st.binary(max_size=30).map(
        lambda data: base64.b64encode(b"\r\nBcc: victim@evil.example\r\n" + data).decode()
    )
    return st.one_of(
        st.builds(lambda c, e, p: f"=?{c}?{e}?{p}?=", charset, st.sampled_from("qQ"), q_payload),
        st.builds(lambda c, e, p: f"=?{c}?{e}?{p}?=", charset, st.sampled_from("bB"), b_payload),
    )


@cache  # built once: a strategy is validated when first drawn from
def hostile_text(pieces: int = 3) -> st.SearchStrategy[str]:
    """Text from the whole Unicode range (no lone surrogates) mixed with attack snippets.

    A fixed number of pieces, each of which may be empty: Hypothesis spends far less per
    example on a tuple of text draws than on a list of small ones.
    """
    piece = st.one_of(
        st.sampled_from(HOSTILE_SNIPPETS),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=16),
        st.text(st.characters(max_codepoint=0x7F), max_size=16),
        st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs"]), max_size=3),
        encoded_words(),
    )
    return st.tuples(*[piece] * pieces).map("".join)


@cache  # built once: a strategy is validated when first drawn from
def email_value() -> st.SearchStrategy[str]:
    atext = string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~."
    domains = st.sampled_from(["example.org", "例え.jp", "evil.example", "sub.example.co.uk"])
    return st.one_of(
        st.sampled_from(VALID_EMAILS),
        st.sampled_from(HOSTILE_EMAILS),
        st.builds(lambda local, domain: f"{local}@{domain}", st.text(atext, max_size=20), domains),
        st.builds(
            lambda local, junk, domain: f"{local}{junk}@{domain}",
            st.sampled_from(["a", "taro", "x.y"]),
            hostile_text(1),
            domains,
        ),
    )


@cache  # built once: a strategy is validated when first drawn from
def field_name() -> st.SearchStrategy[str]:
    names = st.sampled_from(CONTROL_NAMES + RECIPIENT_NAMES + OTHER_NAMES + TOKEN_NAMES)
    plain = st.text(string.ascii_lowercase + "_-", min_size=1, max_size=12)
    return st.one_of(names, names, plain, plain, hostile_text(1))


@st.composite
def form_pairs(draw: st.DrawFn) -> Pairs:
    """A submission as ordered pairs: mostly plausible, with hostile values everywhere."""
    pairs: Pairs = []
    if draw(weighted(0.85)):
        pairs.append((draw(st.sampled_from(["email", "email", "_replyto"])), draw(email_value())))
    if draw(weighted(0.9)):
        pairs.append(("message", draw(hostile_text(4))))
    if draw(weighted(0.6)):
        pairs.append(("name", draw(hostile_text(3))))
    if draw(weighted(0.4)):
        pairs.append(("_subject", draw(hostile_text(3))))
    if draw(weighted(0.1)):
        pairs.append(("_gotcha", draw(hostile_text(2))))
    if draw(weighted(0.15)):
        pairs.append(("_next", draw(next_url())))
    for _ in range(draw(st.integers(0, 3))):
        pairs.append((draw(field_name()), draw(hostile_text(2))))
    if len(pairs) > 0 and draw(weighted(0.15)):  # a repeated field, same or different value
        name, value = draw(st.sampled_from(pairs))
        pairs.append((name, value if draw(st.booleans()) else draw(hostile_text(2))))
    if draw(weighted(0.3)):
        return list(draw(st.permutations(pairs)))
    return pairs


@dataclass(frozen=True)
class Body:
    """A generated body, what it was built from (when it has fields), and its Content-Type."""

    content_type: str | None
    data: bytes
    pairs: Pairs | None = None
    well_formed: bool = False


def _urlencode(pairs: Pairs, quoting: str) -> str:
    if quoting == "plus":
        return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)
    if quoting == "percent":
        return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in pairs)  # raw: "&", "=", "%" and "+" break it


@st.composite
def urlencoded_body(draw: st.DrawFn) -> Body:
    pairs = draw(form_pairs())
    quoting = draw(st.sampled_from(["plus", "plus", "percent", "percent", "raw"]))
    text = _urlencode(pairs, quoting)
    well_formed = quoting != "raw"
    if draw(weighted(0.1)):  # percent-encoded bytes that need not be UTF-8
        junk = draw(st.binary(min_size=1, max_size=8))
        text += "&junk=" + "".join(f"%{b:02X}" for b in junk)
        well_formed = False
    if draw(weighted(0.05)):
        text = text.replace("&", draw(st.sampled_from([";", "&&", "&=&", "\n"])))
        well_formed = False
    content_type = draw(
        st.sampled_from(URLENCODED_TYPES if draw(weighted(0.1)) else URLENCODED_TYPES[:4])
    )
    data = text.encode("utf-8")
    flood = draw(one_in(40, "repeat", "fields", "ampersands"))
    if flood == "repeat":  # a huge body
        data = data * 2000
    elif flood == "fields":
        data += b"&a=b" * 5000
    elif flood == "ampersands":
        data += b"&" * 200_000
    return Body(content_type, data, pairs, well_formed=well_formed and len(data) < 100_000)


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.just(10**400),
    hostile_text(4),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text(2), children),
    max_leaves=8,
)


def _json_member(key: str, value: object, ensure_ascii: bool) -> str:
    return (
        json.dumps(key, ensure_ascii=ensure_ascii)
        + ":"
        + json.dumps(value, ensure_ascii=ensure_ascii)
    )


@st.composite
def json_body(draw: st.DrawFn) -> Body:
    """A JSON object, as a script would send the form; sometimes not quite."""
    pairs = draw(form_pairs())
    ensure_ascii = draw(st.booleans())
    members: list[tuple[str, object]] = []
    if draw(weighted(0.1)):  # a repeated name as a repeated key
        members = list(pairs)
    else:  # a repeated name as an array, as scripts send it: read back grouped
        grouped: dict[str, list[str]] = {}
        for name, value in pairs:
            grouped.setdefault(name, []).append(value)
        members = [(k, v[0] if len(v) == 1 else v) for k, v in grouped.items()]
        pairs = [(k, value) for k, values in grouped.items() for value in values]
    plain = len(members) == len({k for k, _ in members})
    extra = draw(one_in(10, "scalar", "nested"))
    if extra != "none":  # numbers, nulls, arrays, nested objects
        extra_value = draw(json_scalars if extra == "scalar" else json_values)
        members.append((draw(field_name()), extra_value))
        plain = False
    text = "{" + ",".join(_json_member(k, v, ensure_ascii) for k, v in members) + "}"
    variant = draw(one_in(20, "surrogate", "not_object", "deep", "huge_number", "bom"))
    if variant == "surrogate":  # a lone surrogate as a JSON escape
        text = text.replace("}", ',"x":"\\ud800 \\udfff"}', 1)
    elif variant == "not_object":
        text = draw(st.sampled_from(["[]", "null", '"email"', "1", "[{}]", "", " ", "{", "\x00"]))
    elif variant == "deep":
        depth = draw(st.integers(10, 60_000))
        text = '{"message":' + "[" * depth + "]" * depth + "}"
    elif variant == "huge_number":
        text = '{"message":' + "9" * draw(st.integers(4000, 100_000)) + "}"
    elif variant == "bom":
        text = "\ufeff" + text
    plain = plain and variant == "none"
    content_type = draw(st.sampled_from(JSON_TYPES if draw(weighted(0.1)) else JSON_TYPES[:3]))
    data = text.encode("utf-8", "surrogatepass")
    return Body(content_type, data, pairs, well_formed=plain)


BOUNDARY_ALPHABET = string.ascii_letters + string.digits + "'()+_,-./:=?"


@st.composite
def multipart_body(draw: st.DrawFn) -> Body:
    """multipart/form-data as browsers send it; sometimes one part, or the whole, is damaged."""
    pairs = draw(form_pairs())
    boundary = draw(
        st.one_of(
            st.just("----WebKitFormBoundary7MA4YWxkTrZu0gW"),
            st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=70),
            st.text(BOUNDARY_ALPHABET, min_size=1, max_size=70),
            st.sampled_from(["a b", "=?utf-8?q?x?=", "x" * 200, "\u00e9", ""]),
        )
    )
    quoted = draw(st.booleans())
    well_formed = bool(boundary) and len(boundary) <= 70 and " " not in boundary
    if not quoted and set(boundary) & set("'()+,/:=? "):
        well_formed = False  # RFC 2046: such a boundary must be quoted
    odd_part = draw(st.integers(0, max(len(pairs) - 1, 0)))
    oddity = draw(one_in(10, "file", "type", "charset", "raw_name"))
    chunks: list[bytes] = []
    for index, (name, value) in enumerate(pairs):
        odd = oddity if index == odd_part else "none"
        if odd == "raw_name":
            shown = name
            well_formed = well_formed and not set(name) & set('"\r\n\\%')
        else:  # as browsers send it: ", CR and LF percent-encoded
            shown = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
            well_formed = well_formed and "%" not in name
        head = f'Content-Disposition: form-data; name="{shown}"'
        if odd == "file":
            head += draw(st.sampled_from(['; filename="evil.txt"', '; filename=""']))
            well_formed = False
        elif odd == "type":
            head += "\r\nContent-Type: " + draw(
                st.sampled_from(["text/html", "image/png", "x", 'text/plain; charset="utf-8"'])
            )
            well_formed = False
        elif odd == "charset":
            head += "\r\nContent-Type: text/plain; charset=iso-8859-1"
            well_formed = False
        encoded = value.encode("utf-8")
        if boundary.encode("utf-8", "replace") in encoded:
            well_formed = False
        chunks.append(
            b"--" + boundary.encode("utf-8") + b"\r\n" + head.encode("utf-8") + b"\r\n\r\n"
        )
        chunks.append(encoded + b"\r\n")
    chunks.append(b"--" + boundary.encode("utf-8") + b"--\r\n")
    data = b"".join(chunks)
    damage = draw(one_in(20, "truncated", "lf_only", "unclosed", "not_utf8"))
    if damage == "truncated":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "lf_only":
        data = data.replace(b"\r\n", b"\n")
    elif damage == "unclosed":
        data = data.rsplit(b"--" + boundary.encode("utf-8") + b"--", 1)[0]
    elif damage == "not_utf8":
        data = data.replace(b"\r\n\r\n", b"\r\n\r\n\xff\xfe", 1)
    param = f'"{boundary}"' if quoted else boundary
    content_type = f"multipart/form-data; boundary={param}"
    well_formed = well_formed and damage == "none" and len(pairs) <= 40
    return Body(content_type, data, pairs, well_formed=well_formed)


@st.composite
def arbitrary_body(draw: st.DrawFn) -> Body:
    content_type = draw(
        st.one_of(
            st.sampled_from(URLENCODED_TYPES + JSON_TYPES + OTHER_TYPES),
            st.text(max_size=60),
        )
    )
    data = draw(
        st.one_of(
            st.binary(max_size=600),
            st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
            st.builds(
                lambda b, n: b * n, st.binary(min_size=1, max_size=8), st.integers(0, 40_000)
            ),
        )
    )
    return Body(content_type, data)


@cache  # built once: a strategy is validated when first drawn from
def next_url() -> st.SearchStrategy[str]:
    """Redirect targets: allowed, foreign, and every trick for looking allowed."""
    host = st.sampled_from(
        [
            "www.example.com",
            "example.com",
            "WWW.EXAMPLE.COM",
            "www.example.com.",
            "evil.example",
            "www.example.com.evil.example",
            "www.example.com@evil.example",
            "evil.example@www.example.com",
            "www.example.com:443",
            "www.example.com:80",
            "www.example.com:8443",
            "www.example.com:99999",
            "[::1]",
            "[evil",
            "www.example.com\uff03@evil.example",
            "www\u3002example\u3002com",
            "xn--www-example-com",
            "",
        ]
    )
    scheme = st.sampled_from(
        [
            "https://",
            "http://",
            "//",
            "///",
            "https:",
            "https:/",
            "HTTPS://",
            "javascript:",
            "data:",
        ]
    )
    path = st.one_of(
        st.sampled_from(["/", "/thanks/", "/a?b=c#d", "/..//evil.example", "/%2F%2Fevil.example"]),
        hostile_text(2).map(lambda t: "/" + t),
    )
    absolute = st.builds(lambda s, h, p: s + h + p, scheme, host, path)
    relative = st.one_of(
        st.sampled_from(
            [
                "/merci/",
                "thanks.html",
                "../up",
                "?q=1",
                "#frag",
                "/\\evil.example",
                "\\\\evil.example",
                "/\tevil.example",
                " //evil.example",
                "\x00//evil.example",
                "/\u3042",
                "/a\r\nSet-Cookie: a=b",
                "%2F%2Fevil.example",
            ]
        ),
        hostile_text(3),
    )
    return st.one_of(absolute, absolute, relative)


PAGE_URLS = [
    None,
    "https://www.example.com/contact/",
    "https://example.com/ja/お問い合わせ/?x=1",
    "https://evil.example/contact/",
    "https://www.example.com\r\nX: y",
    "https://[www.example.com/",
    "null",
    "",
]


def encode_pairs(pairs: Pairs, encoding: str) -> Body:
    """``pairs`` encoded the ordinary way a browser or a script would."""
    if encoding == "urlencoded":
        return Body("application/x-www-form-urlencoded", urlencode(pairs).encode(), pairs, True)
    if encoding == "json":
        text = "{" + ",".join(_json_member(k, v, False) for k, v in pairs) + "}"
        return Body("application/json", text.encode("utf-8"), pairs, True)
    boundary = "----toiawaseBoundaryZ8qX"
    chunks = []
    for name, value in pairs:
        shown = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{shown}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return Body(f"multipart/form-data; boundary={boundary}", b"".join(chunks), pairs, True)
