"""Composing the notification email as MIME, with the ``email`` package.

The rules of the product live here: ``From`` is the owner's fixed, verified ``SENDER_ADDRESS``
(only its display name mentions the submitter); the submitter is only ever in ``Reply-To``;
``To`` is ``RECIPIENT_ADDRESSES``. Submitted text reaches a header only through
``clean_header_text`` (display name, subject suffix) or email-validator (``Reply-To``), and
the serialized header block is checked afterwards, so a serializer bug cannot add a header.

The two headers that carry submitted text, ``From`` (its display name) and ``Subject``, are
encoded and folded here rather than by the ``email`` package: Python 3.11.7's folder drops the
quotes of a long display name (CPython gh-80222, fixed only in later releases), so a name like
``"ab: cd; …"`` or ``"evil@example.net, …"`` turned ``From`` into a group or a second mailbox.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import lru_cache

from toiawase.core.answers import LABELLED_FIELDS
from toiawase.core.attachments import DEFAULT_LINK_DAYS, DeliveredFile, file_lines
from toiawase.core.config import Settings
from toiawase.core.i18n import Translator, translator
from toiawase.core.submission import Submission
from toiawase.core.text import clean_header_text

SUBMISSION_HEADER = "X-Toiawase-Submission-Id"
# The form's id ([a-z0-9][a-z0-9_-]{0,63}, from the forms file, never from the request).
FORM_HEADER = "X-Toiawase-Form"

# Headers stored as finished text (``_encoded_header``) are written out exactly as given;
# every other header is still a header object, folded by the policy as usual.
_POLICY = SMTP.clone(refold_source="none")
_LINE = 78  # RFC 5322 §2.1.1: lines SHOULD be at most 78 characters
_WORD = 66  # a longer plain word is encoded, so that it can be split across lines
_ENCODED_WORD = 70  # RFC 2047 allows 75; shorter leaves room for "From: " on the first line
# RFC 5322 atext: a display-name word made only of these needs no quoting.
_ATEXT = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~")
# RFC 2047 §5(3): what a "Q" encoded word in a phrase may carry unencoded (space becomes "_").
_Q_LITERAL = frozenset(string.ascii_letters + string.digits + "!*+-/")
# RFC 5322 dot-atom local part @ an ASCII (punycode) domain: the only Reply-To ever written.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_REPLY_TO = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


@dataclass(frozen=True)
class SubmissionMeta:
    """What the endpoint knows about a submission besides its fields."""

    submission_id: str
    received_at: datetime
    page_url: str | None
    origin: str | None
    client_ip: str


@dataclass(frozen=True)
class OutgoingEmail:
    """A message ready for SES: the raw MIME plus the API parameters that travel beside it."""

    submission_id: str
    from_address: str
    to_addresses: tuple[str, ...]
    feedback_address: str
    configuration_set: str | None
    raw: bytes
    # ``receipt`` for a receipt to the submitter (tagged, so SES events about it never touch the
    # submission's status); the owner's notification is ``submission``.
    kind: str = "submission"


class CompositionError(RuntimeError):
    """The serialized message does not have exactly the headers composed: a bug, never sent."""


def from_display_name(submission: Submission, settings: Settings) -> str:
    """``"山田 太郎 via Example Co"``, or the site name alone when no name was given.

    For a form of the forms file, the site name is the form's ``sender_name`` when it has one,
    and without a submitted name the form's title follows it.
    """
    tr = mail_translator(settings)
    site = clean_header_text(settings.site_name, 80)
    if submission.name:
        name = clean_header_text(submission.name, settings.limits.header_name_chars)
        if name:
            return tr.get("mail.from_via", name=name, site=site)
    if settings.form_title:
        return f"{site} {clean_header_text(settings.form_title, 80)}"
    return tr.get("mail.from_site", site=site)


def subject_line(submission: Submission, settings: Settings) -> str:
    """The fixed subject with the site name, plus a sanitized ``_subject`` when one was sent.

    A form's own ``subject`` (the owner's text) replaces the fixed one.
    """
    tr = mail_translator(settings)
    if settings.form_subject:
        base = clean_header_text(settings.form_subject, 120)
    elif settings.form_title:
        site = clean_header_text(settings.site_name, 80)
        title = clean_header_text(settings.form_title, 80)
        base = tr.get("mail.subject_titled", site=site, title=title)
    else:
        base = tr.get("mail.subject", site=clean_header_text(settings.site_name, 80))
    if submission.subject:
        extra = clean_header_text(submission.subject, settings.limits.header_subject_chars)
        if extra:
            return f"{base}: {extra}"
    return base


def _encoded_words(text: str) -> list[str]:
    """``text`` as RFC 2047 encoded words in UTF-8, split between characters, never inside one.

    "Q" when ``text`` is ASCII (still readable, and no spam-filter penalty for base64 that was
    not needed), "B" otherwise. A reader joins adjacent encoded words, dropping the white space
    between them, so the split points add nothing.
    """
    if text.isascii():
        head = "=?utf-8?q?"
        pieces = [
            ch if ch in _Q_LITERAL else "_" if ch == " " else f"={ord(ch):02X}" for ch in text
        ]
        room = _ENCODED_WORD - len(head) - 2
        words: list[str] = []
        chunk = ""
        for piece in pieces:
            if chunk and len(chunk) + len(piece) > room:
                words.append(f"{head}{chunk}?=")
                chunk = ""
            chunk += piece
        return [*words, f"{head}{chunk}?="]
    head = "=?utf-8?b?"
    room = (_ENCODED_WORD - len(head) - 2) // 4 * 3  # bytes per word
    words, chunk_bytes = [], b""
    for ch in text:
        data = ch.encode("utf-8")
        if chunk_bytes and len(chunk_bytes) + len(data) > room:
            words.append(f"{head}{base64.b64encode(chunk_bytes).decode('ascii')}?=")
            chunk_bytes = b""
        chunk_bytes += data
    return [*words, f"{head}{base64.b64encode(chunk_bytes).decode('ascii')}?="]


def _phrase_word(word: str) -> bool:
    """A display-name word that can be written as it is (an RFC 5322 atom)."""
    return 0 < len(word) <= _WORD and set(word) <= _ATEXT and "=?" not in word


def _text_word(word: str) -> bool:
    """A word of unstructured text (``Subject``) that can be written as it is."""
    return (
        0 < len(word) <= _WORD
        and word.isascii()
        and word.isprintable()
        and " " not in word
        and "=?" not in word
        and "?=" not in word
    )


def _tokens(text: str, plain: Callable[[str], bool]) -> list[str]:
    """``text`` (one line, single spaces) as words to be joined by white space.

    Plain words stay readable; each run of other words becomes encoded words, the spaces inside
    the run encoded with it, so that decoding the whole gives back exactly ``text``.
    """
    tokens: list[str] = []
    run: list[str] = []
    for word in text.split(" "):
        if plain(word):
            if run:
                tokens += _encoded_words(" ".join(run))
                run = []
            tokens.append(word)
        else:
            run.append(word)
    if run:
        tokens += _encoded_words(" ".join(run))
    return tokens


def _folded(name: str, tokens: list[str]) -> str:
    """The header value, folded before a token wherever a line would pass 78 characters."""
    lines: list[str] = []
    line = ""
    width = len(name) + 2  # "Name: " precedes the first line
    for token in tokens:
        if line and width + len(line) + 1 + len(token) > _LINE:
            lines.append(line)
            line, width = token, 1  # a continuation line starts with one space
        else:
            line = f"{line} {token}" if line else token
    lines.append(line)
    return "\n ".join(lines)


def mail_translator(settings: Settings) -> Translator:
    """The owner's email in the form's ``email_language`` (English by default)."""
    return translator(settings.email_language)


def reply_to_address(submission: Submission) -> tuple[str | None, str]:
    """The submitter's address for ``Reply-To``, or None and why it cannot go there.

    email-validator has checked the syntax; this only refuses what is valid yet unsafe in a
    header: a non-ASCII local part (SES has no SMTPUTF8), and a local part with ``=?`` or
    ``?=``, which some readers would decode as an RFC 2047 encoded word (and which Python's
    own address parser raised on).
    """
    if submission.email is None:
        return None, ""
    header = submission.email.header
    if header is None:
        return None, "mail.note_non_ascii"
    if "=?" in header or "?=" in header or not _REPLY_TO.fullmatch(header):
        return None, "mail.note_encoded_word"
    return header, ""


def _meta_rows(
    submission: Submission, meta: SubmissionMeta, settings: Settings
) -> list[tuple[str, str]]:
    tr = mail_translator(settings)
    not_sent = tr.get("mail.not_sent_by_browser")
    reply = submission.email.normalized if submission.email else tr.get("mail.no_reply_field")
    rows = [(tr.get("mail.reply_to"), reply)]
    if settings.form_title:
        rows.append((tr.get("mail.form"), f"{settings.form_title} ({submission.form_id})"))
    return [
        *rows,
        (tr.get("mail.reference"), meta.submission_id),
        (tr.get("mail.received"), meta.received_at.isoformat(timespec="seconds")),
        (tr.get("mail.page"), meta.page_url or not_sent),
        (tr.get("mail.origin"), meta.origin or not_sent),
        (tr.get("mail.client_ip"), meta.client_ip or tr.get("mail.unknown")),
    ]


def _intro(settings: Settings) -> str:
    """ "A visitor sent this through the Example Co form "Request a quote"." """
    tr = mail_translator(settings)
    if settings.form_title:
        return tr.get("mail.intro_titled", site=settings.site_name, title=settings.form_title)
    return tr.get("mail.intro", site=settings.site_name)


def _label(submission: Submission, name: str, tr: Translator) -> str:
    """A field's label: the form's, else (in a language other than English) the catalogue's
    for the contract's ``email``, ``name`` and ``message``, else the field's name."""
    label = submission.label(name)
    if label == name and tr.language != "en" and name in LABELLED_FIELDS:
        return tr.get(LABELLED_FIELDS[name])
    return label


def _note(why_not: str, tr: Translator) -> str:
    return tr.get(why_not) + " " + tr.get("mail.note_reply_directly")


def text_body(
    submission: Submission,
    meta: SubmissionMeta,
    settings: Settings,
    files: Sequence[DeliveredFile] = (),
    link_days: int = DEFAULT_LINK_DAYS,
) -> str:
    """Plain text: every field in submission order, the files, then the submission's details."""
    tr = mail_translator(settings)
    lines = [_intro(settings), ""]
    for name, values in submission.fields:
        lines.append(tr.get("mail.field_heading", label=_label(submission, name, tr)))
        for value in values or (tr.get("mail.not_given"),):
            lines.extend(f"  {line}" for line in (value.split("\n") or [""]))
        lines.append("")
    lines += file_lines(files, link_days, tr)
    reply_to, why_not = reply_to_address(submission)
    if reply_to is None and why_not:
        lines += [tr.get("mail.note", note=_note(why_not, tr)), ""]
    lines.append("-- ")
    lines.extend(f"{label}: {value}" for label, value in _meta_rows(submission, meta, settings))
    return "\n".join(lines) + "\n"


def html_body(
    submission: Submission,
    meta: SubmissionMeta,
    settings: Settings,
    files: Sequence[DeliveredFile] = (),
    link_days: int = DEFAULT_LINK_DAYS,
) -> str:
    """HTML: the same content, every submitted character escaped."""
    esc = html.escape
    tr = mail_translator(settings)
    file_rows = "".join(
        f"<li>{esc(f.filename)} ({esc(f.content_type)}, "
        f"{esc(tr.get('mail.file_bytes', size=f.size))}): "
        + (
            esc(tr.get("mail.file_attached"))
            if f.url is None
            else f'<a href="{esc(f.url)}">{esc(tr.get("mail.file_download"))}</a> '
            + esc(tr.get("mail.file_within", days=link_days))
        )
        + "</li>"
        for f in files
    )
    files_html = f"<p>{esc(tr.get('mail.files'))}</p><ul>{file_rows}</ul>" if files else ""
    not_given = esc(tr.get("mail.not_given"))
    rows = "".join(
        '<tr><th style="text-align:left;vertical-align:top;padding:4px 12px 4px 0">'
        f"{esc(_label(submission, name, tr))}"
        '</th><td style="white-space:pre-wrap;padding:4px 0">'
        + ("<br>".join(esc(v) for v in values) if values else f"<i>{not_given}</i>")
        + "</td></tr>"
        for name, values in submission.fields
    )
    meta_rows = "".join(
        f'<tr><th style="text-align:left;padding:2px 12px 2px 0">{esc(label)}</th>'
        f"<td>{esc(value)}</td></tr>"
        for label, value in _meta_rows(submission, meta, settings)
    )
    reply_to, why_not = reply_to_address(submission)
    note = (
        f"<p>{esc(tr.get('mail.note', note=_note(why_not, tr)))}</p>"
        if reply_to is None and why_not
        else ""
    )
    return (
        f'<!DOCTYPE html><html lang="{tr.language}"><head><meta charset="utf-8"></head>'
        '<body style="font-family:sans-serif">'
        f"<p>{esc(_intro(settings))}</p>"
        f"<table>{rows}</table>{files_html}{note}"
        f'<hr><table style="color:#555;font-size:90%">{meta_rows}</table>'
        "</body></html>\n"
    )


def compose(
    submission: Submission,
    meta: SubmissionMeta,
    settings: Settings,
    files: Sequence[DeliveredFile] = (),
    link_days: int = DEFAULT_LINK_DAYS,
) -> OutgoingEmail:
    """Build the MIME message (text and HTML alternatives, UTF-8) and its SES parameters.

    ``files`` with ``data`` are attached, those with ``url`` linked (``core/attachments.py``).
    Without attachments the message is written by ``_alternative_bytes`` (the same bytes the
    ``email`` package writes, at a tenth of the cost; docs/performance.md); with attachments the
    ``email`` package builds it. Either way the serialized header block is checked afterwards.
    """
    text = text_body(submission, meta, settings, files, link_days)
    html_text = html_body(submission, meta, settings, files, link_days)
    if any(f.data is not None for f in files):
        # Imported here: only submissions with attachments pay for it.
        from toiawase.core.attachments import attach, check_parts

        message, expected = email_message(submission, meta, settings, text, html_text)
        inner = new_boundary()
        message.set_boundary(inner)
        boundary = new_boundary()
        # multipart/mixed: the alternatives (boundary ``inner``), then the files.
        raw, attached = attach(message, files, boundary)
        check_parts(raw, boundary.encode("ascii"), attached)
        _check_boundary(raw, inner, 3)
        _check_boundary(raw, boundary, attached + 2)
    else:
        headers = _headers(submission, meta, settings)
        boundary = new_boundary()
        raw = _alternative_bytes(headers, text, html_text, boundary)
        _check_boundary(raw, boundary)
        expected = [name for name, _ in headers]
    _check_header_block(raw, [*expected, "MIME-Version", "Content-Type"])
    return OutgoingEmail(
        submission_id=meta.submission_id,
        from_address=settings.sender_address,
        to_addresses=settings.recipient_addresses,
        feedback_address=settings.feedback_address,
        configuration_set=settings.configuration_set,
        raw=raw,
    )


# A header as composed: its name, and its whole text as written ("Name: value\r\n", folded).
Header = tuple[str, str]


def _headers(submission: Submission, meta: SubmissionMeta, settings: Settings) -> list[Header]:
    """The top-level headers, in order, as the ``email`` package writes them.

    ``From`` and ``Subject`` are encoded and folded here (see the module's docstring);
    ``Reply-To`` is the validated address as it is; ``To`` (configuration) is rendered by the
    package's header registry once per container; ``Date`` and the ids are one short token
    or date each, which the registry writes as given (``_short``; else it renders them).
    """
    display_name = _tokens(from_display_name(submission, settings), _phrase_word)
    headers = [
        _raw("From", _folded("From", [*display_name, _angle_addr(settings.sender_address)])),
        ("To", _registry_text("To", settings.recipient_addresses)),
    ]
    reply_to, _ = reply_to_address(submission)
    if reply_to is not None:
        # Written as it is: Python's parser would decode (or raise on) text in the address.
        headers.append(_raw("Reply-To", reply_to))
    return [
        *headers,
        _raw(
            "Subject", _folded("Subject", _tokens(subject_line(submission, settings), _text_word))
        ),
        _short("Date", format_datetime(meta.received_at), _DATE),
        _short(SUBMISSION_HEADER, meta.submission_id, _TOKEN),
        _short(FORM_HEADER, submission.form_id, _TOKEN),
    ]


def _raw(name: str, value: str) -> Header:
    """A finished value (lines joined by ``\n ``), written as ``set_raw`` writes it."""
    return name, f"{name}: {value}\r\n".replace("\n ", "\r\n ")


_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")


def _short(name: str, value: str, shape: re.Pattern[str]) -> Header:
    """A value of a fixed, plain shape that fits on one line: the header registry writes such a
    value unchanged, so it is written directly; anything else goes through the registry."""
    if shape.fullmatch(value) and len(name) + 2 + len(value) <= _LINE:
        return name, f"{name}: {value}\r\n"
    return name, str(_POLICY.fold(name, _POLICY.header_store_parse(name, value)[1]))


@lru_cache(maxsize=64)
def _angle_addr(address: str) -> str:
    """``<sender>`` as the ``email`` package quotes an addr-spec (configuration: cached)."""
    return f"<{Address(addr_spec=address)}>"


@lru_cache(maxsize=64)
def _registry_text(name: str, addresses: tuple[str, ...]) -> str:
    """An address-list header (configuration, never submitted text) as the ``email`` package
    writes it, computed once per container and value."""
    value = [Address(addr_spec=a) for a in addresses]
    return str(_POLICY.fold(name, _POLICY.header_store_parse(name, value)[1]))


def email_message(
    submission: Submission, meta: SubmissionMeta, settings: Settings, text: str, html_text: str
) -> tuple[EmailMessage, list[str]]:
    """The text and HTML alternatives as an ``email`` package message (no boundary yet), and
    the names of its top-level headers before the MIME ones.

    Used for messages with attachments (``core/attachments.py`` adds the files), and by the
    tests as the reference that ``_alternative_bytes`` must equal byte for byte.
    """
    message = EmailMessage(policy=_POLICY)
    display_name = _tokens(from_display_name(submission, settings), _phrase_word)
    message.set_raw(
        "From", _folded("From", [*display_name, f"<{Address(addr_spec=settings.sender_address)}>"])
    )
    message["To"] = [Address(addr_spec=a) for a in settings.recipient_addresses]
    expected = ["From", "To"]
    reply_to, _ = reply_to_address(submission)
    if reply_to is not None:
        # Written as it is: Python's parser would decode (or raise on) text in the address.
        message.set_raw("Reply-To", reply_to)
        expected.append("Reply-To")
    message.set_raw(
        "Subject", _folded("Subject", _tokens(subject_line(submission, settings), _text_word))
    )
    message["Date"] = format_datetime(meta.received_at)
    message[SUBMISSION_HEADER] = meta.submission_id
    message[FORM_HEADER] = submission.form_id
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html_text, subtype="html", charset="utf-8")
    return message, [*expected, "Subject", "Date", SUBMISSION_HEADER, FORM_HEADER]


# What ``multipart/alternative`` needs, as the ``email`` package writes it: the top-level
# headers, then each part with its own; the HTML part repeats MIME-Version (add_alternative
# adds it to the part it creates), kept so that the bytes stay identical.
_NEWLINES = re.compile(r"\r\n|\r|\n")


def _alternative_bytes(
    headers: Sequence[Header], text: str, html_text: str, boundary: str
) -> bytes:
    """The message ``email_message(...).as_bytes()`` writes with ``boundary``, built directly.

    Why by hand: the ``email`` package spent ~1.7 ms per message here (header registry objects,
    policy folding, a generator over a tree of parts) for nine headers and two text parts
    (docs/performance.md). Every header value is already final text (``_headers``), the body
    encodings are the package's own choice and encoders (``_body``), and the result is checked
    by ``_check_header_block`` and ``_check_boundary`` like any other; tests/unit/
    test_compose_bytes.py compares it with the package's output byte for byte, Hypothesis
    choosing the submissions.
    """
    out = [text for _, text in headers]
    out.append("MIME-Version: 1.0\r\n")
    out.append(f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n')
    plain_cte, plain = _body(text)
    html_cte, html_data = _body(html_text)
    out.append(f"--{boundary}\r\n")
    out.append('Content-Type: text/plain; charset="utf-8"\r\n')
    out.append(f"Content-Transfer-Encoding: {plain_cte}\r\n\r\n")
    out.append(plain)
    out.append(f"\r\n--{boundary}\r\n")
    out.append(
        f'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: {html_cte}\r\n'
        "MIME-Version: 1.0\r\n\r\n"
    )
    out.append(html_data)
    out.append(f"\r\n--{boundary}--\r\n")
    return "".join(out).encode("utf-8")


def _body(text: str) -> tuple[str, str]:
    """``text`` in UTF-8 as a part's body: (Content-Transfer-Encoding, CRLF lines).

    The choice the ``email`` package makes (``contentmanager``'s text handler under the SMTP
    policy, whose line limit is 78): lines of at most 78 octets go as they are (``7bit`` or
    ``8bit``); otherwise, judged on the first ten lines, base64 or quoted-printable, whichever
    is shorter. Quoted-printable is the package's own encoder (``email.quoprimime``).
    """
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) <= _LINE:
        data = b"\r\n".join(lines) + b"\r\n"
        return ("7bit" if data.isascii() else "8bit"), data.decode("utf-8")
    sniff = b"\r\n".join(lines[:10]) + b"\r\n"
    sniff_b64 = len(binascii.b2a_base64(sniff))
    # Japanese text: most bytes need "=XX", so quoted-printable cannot be the shorter one and
    # the package's (pure Python) encoder need not run to find that out: each escaped byte
    # costs three characters, each line break at least one (``_qp_length_at_least``).
    if _qp_length_at_least(lines[:10]) > sniff_b64:
        sniff_qp = ""
    else:
        sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), _LINE)
    if not sniff_qp or len(sniff_qp) > sniff_b64:
        data = b"\r\n".join(lines) + b"\r\n"
        per_line = _LINE // 4 * 3
        encoded = [
            binascii.b2a_base64(data[i : i + per_line]).decode("ascii")
            for i in range(0, len(data), per_line)
        ]
        return "base64", _NEWLINES.sub("\r\n", "".join(encoded))
    if len(lines) <= 10:
        return "quoted-printable", _NEWLINES.sub("\r\n", sniff_qp)
    whole = (b"\n".join(lines) + b"\n").decode("latin-1")
    return "quoted-printable", _NEWLINES.sub("\r\n", quoprimime.body_encode(whole, _LINE))


# The bytes ``quoprimime.body_encode`` writes as they are (RFC 2045 §6.7: printable ASCII but
# "=", and space and tab); every other byte of a line becomes three characters, "=XX".
_QP_LITERAL = bytes(range(33, 127)).replace(b"=", b"") + b" \t"


# Bytes that ``str.splitlines`` (which ``body_encode`` uses on the Latin-1 text) takes for a
# line break besides CR and LF: they leave no character of their own, only an end of line.
_SPLITS_LINES = b"\x0b\x0c\x1c\x1d\x1e\x85"


def _qp_length_at_least(lines: list[bytes]) -> int:
    """A lower bound of ``len(quoprimime.body_encode(...))`` for these lines (CRLF-joined):
    one character per byte, two more for each byte that must be escaped, one end of line per
    line; a byte ``splitlines`` breaks at counts nothing. Soft line breaks, escaped trailing
    white space and the extra ends of line only add to it."""
    total = 0
    for line in lines:
        breaks = len(line) - len(line.translate(None, _SPLITS_LINES))
        escaped = len(line.translate(None, _QP_LITERAL)) - breaks
        total += len(line) - breaks + 2 * escaped + 1
    return total


def new_boundary() -> str:
    """A MIME boundary no body can contain: ``=_`` and 128 random bits.

    Chosen here rather than by the generator, which picks a random number and then compiles a
    new regular expression per message to check that no line of the body equals it (a per-call
    ``re.compile`` on the warm path, and a pattern that pushes useful ones out of ``re``'s
    cache). ``=_`` cannot occur in base64 or quoted-printable text (RFC 2045 §6.7's advice), and
    nobody can guess 128 random bits into a plain-text field; ``_check_boundary`` still verifies.
    """
    return "=_" + secrets.token_hex(16)


def header_names(raw: bytes) -> list[str]:
    """The names of the top-level headers of a serialized message, in order.

    Read by hand on purpose: this is a check *of* the ``email`` package's output, so it must not
    rely on the same package's parser. RFC 5322 §2.2: a header starts at a line that does not
    begin with white space; the block ends at the first empty line.
    """
    head = _head(raw)
    return [
        line.split(b":", 1)[0].decode("ascii", "replace")
        for line in head.split(b"\r\n")
        if line and line[:1] not in (b" ", b"\t")
    ]


def _head(raw: bytes) -> bytes:
    """The header block, sliced without copying the body (which may hold attachments)."""
    end = raw.find(b"\r\n\r\n")
    return raw[:end] if end >= 0 else raw


_NOT_7BIT = re.compile(rb"[\x7f-\xff]")  # DEL and every 8-bit byte


def _check_header_block(raw: bytes, expected: list[str]) -> None:
    head = _head(raw)
    bare = head.replace(b"\r\n", b"")
    if _NOT_7BIT.search(head) or b"\r" in bare or b"\n" in bare:
        raise CompositionError("the header block is not 7-bit CRLF text")
    if sorted(header_names(raw)) != sorted(expected):
        raise CompositionError("the serialized headers differ from the composed ones")


def _check_boundary(raw: bytes, boundary: str, expected: int = 3) -> None:
    """The delimiter appears exactly where composed: before each part, and closing (two text
    alternatives: three times)."""
    if raw.count(b"--" + boundary.encode("ascii")) != expected:
        raise CompositionError("the MIME boundary occurs inside a part")
