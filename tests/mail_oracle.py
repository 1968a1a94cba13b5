"""An independent, strict reader of the messages toiawase composes, for the tests.

It does not use the ``email`` package to read headers: the composer is checked *against* that
package's bugs (Python 3.11.7 drops the quotes of long display names, and its parser keeps the
white space between adjacent RFC 2047 encoded words, which §6.2 says to drop). What it accepts
is deliberately narrow, the shape toiawase promises:

* the header block is 7-bit ASCII, CRLF line ends only, no line over 998 octets;
* exactly the composed headers, each once; ``To``, ``Reply-To``, ``Date``, the submission id,
  ``MIME-Version`` and ``Content-Type`` have fixed shapes that leave no room for submitted text;
* ``From`` is one mailbox: a phrase of atoms and encoded words, then ``<sender>``;
* ``Subject`` is plain words and encoded words; decoding gives one line.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import quopri
import re
import string
import unicodedata
from dataclasses import dataclass

from toiawase.core.compose import FORM_HEADER, SUBMISSION_HEADER

ATEXT = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~")
# RFC 2047 §5(3): the characters a "Q" encoded word may contain inside a phrase.
Q_IN_PHRASE = frozenset(string.ascii_letters + string.digits + "!*+-/=_")
ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
DATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}"
)
CONTENT_TYPE = re.compile(r'multipart/alternative; boundary="(=_[0-9a-f]{32})"')
FORM_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")
# Unicode categories that must never come out of a decoded header.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# The headers of a composed message, each once; without a submitter address there is no Reply-To.
COMPOSED_HEADERS = (
    "From",
    "To",
    "Reply-To",
    "Subject",
    "Date",
    SUBMISSION_HEADER,
    FORM_HEADER,
    "MIME-Version",
    "Content-Type",
)


class OracleError(AssertionError):
    """The message does not have the promised shape."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise OracleError(message)


def header_fields(raw: bytes) -> list[tuple[str, str]]:
    """The top-level header fields as (name, unfolded value), after checking the octets."""
    head, separator, _ = raw.partition(b"\r\n\r\n")
    _require(separator == b"\r\n\r\n", "no empty line ends the header block")
    _require(all(0x20 <= b <= 0x7E or b in (0x09, 0x0D, 0x0A) for b in head), "not 7-bit text")
    fields: list[tuple[str, str]] = []
    for line in head.split(b"\r\n"):
        _require(b"\r" not in line and b"\n" not in line, "bare CR or LF in the header block")
        _require(len(line) <= 998, "a header line is over 998 octets")
        text = line.decode("ascii")
        if text[:1] in (" ", "\t"):
            _require(bool(fields), "the header block starts with a continuation line")
            name, value = fields[-1]
            fields[-1] = (name, value + text)  # unfolding removes the CRLF only
            continue
        name, colon, value = text.partition(":")
        _require(bool(colon) and re.fullmatch(r"[!-9;-~]+", name) is not None, f"bad line {text!r}")
        fields.append((name, value))
    return [(name, value.strip(" \t")) for name, value in fields]


def _decode_word(charset: str, encoding: str, payload: str, *, in_phrase: bool) -> str:
    _require(charset.lower() == "utf-8", f"encoded word in charset {charset!r}")
    if encoding in "Bb":
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise OracleError(f"bad base64 in an encoded word: {payload!r}") from exc
    else:
        if in_phrase:
            _require(set(payload) <= Q_IN_PHRASE, f"character not allowed in a phrase: {payload!r}")
        _require(re.fullmatch(r"(?:[^=]|=[0-9A-F]{2})*", payload) is not None, "bad Q escape")
        data = re.sub(
            rb"=([0-9A-F]{2})",
            lambda m: bytes([int(m.group(1), 16)]),
            payload.replace("_", " ").encode("ascii"),
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OracleError("an encoded word is not whole UTF-8 characters") from exc


def decode_text(value: str, *, phrase: bool = False) -> str:
    """RFC 2047 decoding of an unfolded value (unstructured text, or a display-name phrase).

    An encoded word must be a whole white-space-delimited token, and the white space between two
    adjacent encoded words is dropped (§6.2). Anything that merely *looks* like part of an
    encoded word (``=?`` or ``?=`` inside a plain token) is refused: a lenient reader might
    decode it. In a phrase, a plain token must be an atom.
    """
    out: list[str] = []
    pending = ""
    previous_encoded = False
    for token in re.split(r"([ \t]+)", value):
        if not token:
            continue
        if token.isspace():
            pending += token
            continue
        match = ENCODED_WORD.fullmatch(token)
        if match:
            if not previous_encoded:
                out.append(pending)
            out.append(_decode_word(*match.groups(), in_phrase=phrase))
            previous_encoded = True
        else:
            _require("=?" not in token and "?=" not in token, f"stray encoded-word: {token!r}")
            if phrase:
                _require(set(token) <= ATEXT, f"not an atom in a phrase: {token!r}")
            out.append(pending)
            out.append(token)
            previous_encoded = False
        pending = ""
    return "".join(out)


def check_header_text(text: str) -> None:
    """Decoded header text is one line with no control, format or separator characters."""
    for ch in text:
        category = unicodedata.category(ch)
        _require(category not in FORBIDDEN_CATEGORIES, f"U+{ord(ch):04X} ({category}) decoded")
    _require(text == text.strip() and "  " not in text, "unnormalised white space")
    _require("=?" not in text, "decoded text would decode again")


def read_mailbox(value: str) -> tuple[str, str]:
    """``phrase <addr>``: exactly one mailbox with a display name. Returns (display, addr)."""
    _require(value.count("<") == 1 and value.count(">") == 1, f"not one mailbox: {value!r}")
    match = re.fullmatch(
        r"(?P<phrase>.+?)[ \t]+<(?P<addr>[^<>\s\"(),;:\\@]+@[^<>\s\"(),;:\\@]+)>", value
    )
    _require(match is not None, f"not 'phrase <address>': {value!r}")
    assert match is not None
    return decode_text(match["phrase"], phrase=True), match["addr"]


@dataclass(frozen=True)
class Composed:
    """What the oracle read from a message: its headers and its two bodies, decoded."""

    headers: dict[str, str]
    display_name: str
    subject: str
    reply_to: str | None
    text: str
    html: str


def read_message(
    raw: bytes,
    *,
    sender: str,
    recipients: tuple[str, ...],
    reply_to: str | None,
    submission_id: str | None = None,
) -> Composed:
    """Check every promise about a composed message; return what it says."""
    fields = header_fields(raw)
    names = [name for name, _ in fields]
    expected = [n for n in COMPOSED_HEADERS if n != "Reply-To" or reply_to is not None]
    _require(sorted(names) == sorted(expected), f"headers {names} are not {expected}")
    headers = dict(fields)
    display, address = read_mailbox(headers["From"])
    _require(address == sender, f"From address {address!r}")
    check_header_text(display)
    to = [item.strip() for item in headers["To"].split(",")]
    _require(tuple(to) == recipients, f"To is {headers['To']!r}")
    if reply_to is not None:
        _require(headers["Reply-To"] == reply_to, f"Reply-To is {headers['Reply-To']!r}")
    subject = decode_text(headers["Subject"])
    check_header_text(subject)
    _require(DATE.fullmatch(headers["Date"]) is not None, f"Date is {headers['Date']!r}")
    sid = headers[SUBMISSION_HEADER]
    _require(SUBMISSION_ID.fullmatch(sid) is not None, f"submission id {sid!r}")
    _require(submission_id is None or sid == submission_id, "another submission's id")
    form = headers[FORM_HEADER]
    _require(FORM_ID.fullmatch(form) is not None, f"form id {form!r}")
    _require(headers["MIME-Version"] == "1.0", "MIME-Version")
    content_type = CONTENT_TYPE.fullmatch(headers["Content-Type"])
    _require(content_type is not None, f"Content-Type is {headers['Content-Type']!r}")
    assert content_type is not None
    text, html = _bodies(raw, content_type.group(1).encode("ascii"))
    return Composed(headers, display, subject, headers.get("Reply-To"), text, html)


def _bodies(raw: bytes, boundary: bytes) -> tuple[str, str]:
    """CRLF everywhere, no line over 998 octets, exactly a UTF-8 text part and an HTML part."""
    _require(raw.endswith(b"\r\n"), "the message does not end with CRLF")
    lines = raw.split(b"\r\n")
    for line in lines:
        _require(b"\r" not in line and b"\n" not in line, "bare CR or LF in the body")
        _require(len(line) <= 998, "a body line is over 998 octets")
    delimiter, close = b"--" + boundary, b"--" + boundary + b"--"
    marks = [i for i, line in enumerate(lines) if line.startswith(delimiter)]
    _require(
        [lines[i] for i in marks] == [delimiter, delimiter, close],
        "the parts are not exactly text and HTML",
    )
    texts = [_part(lines[start + 1 : end]) for start, end in itertools.pairwise(marks)]
    _require([kind for kind, _ in texts] == ["text/plain", "text/html"], "part types")
    return texts[0][1], texts[1][1]


def _part(lines: list[bytes]) -> tuple[str, str]:
    """(media type, decoded text) of one body part, read by hand."""
    blank = lines.index(b"")
    headers = {}
    for line in b"\r\n".join(lines[:blank]).replace(b"\r\n ", b" ").split(b"\r\n"):
        name, _, value = line.decode("ascii").partition(":")
        headers[name.lower()] = value.strip()
    media, _, params = headers["content-type"].partition(";")
    _require(params.strip() == 'charset="utf-8"', f"part parameters {params!r}")
    body = b"\r\n".join(lines[blank + 1 :])
    encoding = headers.get("content-transfer-encoding", "7bit").lower()
    if encoding == "base64":
        data = base64.b64decode(body, validate=False)
    elif encoding == "quoted-printable":
        data = quopri.decodestring(body)
    else:
        _require(encoding in ("7bit", "8bit"), f"transfer encoding {encoding}")
        data = body
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OracleError("a part is not UTF-8") from exc
    return media.strip(), text.replace("\r\n", "\n")
