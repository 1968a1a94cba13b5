"""Text hygiene for submitted values.

Two levels: ``clean_body_text`` for text that goes into a MIME body (line breaks kept,
normalised to ``\\n``), and ``clean_header_text`` for the few submitted strings that reach a
header (the display name and the subject suffix): everything that could end, fold or re-encode a
header is removed *before* the ``email`` package sees it, because Python 3.11.7's serializer has
known header-injection bugs (CVE-2024-6923 and friends) and must not be trusted with hostile text.
"""

from __future__ import annotations

import re
import unicodedata

from toiawase.core.i18n import t

# C0 controls except TAB and LF, DEL, and the C1 block. CR is handled before this runs.
_BODY_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE_RUN = re.compile(r"\s+")
# Categories never allowed in a header value: controls (Cc), format characters (Cf: bidi
# overrides, zero-width joiners, BOM), line and paragraph separators (Zl, Zp), surrogates (Cs),
# private use (Co) and unassigned code points (Cn).
_HEADER_FORBIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


class InvalidText(ValueError):
    """The text cannot be represented as UTF-8 (lone surrogates)."""


def ensure_encodable(value: str) -> str:
    """Refuse strings with lone surrogates (JSON ``"\\ud800"``): they cannot be sent as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidText(t("text.lone_surrogate")) from exc
    return value


def clean_body_text(value: str) -> str:
    """Normalise line breaks to ``\\n`` and drop control characters a mail body must not carry."""
    ensure_encodable(value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _BODY_CONTROLS.sub("", value)


def _one_line(value: str) -> str:
    """``value`` without forbidden characters (``_HEADER_FORBIDDEN``), white space collapsed."""
    if value.isprintable():
        # Fast path, same result: every forbidden category is non-printable to Python, and the
        # only printable white space is the ASCII space, so there is nothing to drop or replace.
        kept = value
    else:
        kept = "".join(
            " " if ch.isspace() else ch
            for ch in value
            if unicodedata.category(ch) not in _HEADER_FORBIDDEN or ch in "\t\n\r"
        )
    return _WHITESPACE_RUN.sub(" ", kept).strip()


def clean_header_text(value: str, max_chars: int) -> str:
    """Make submitted text safe to place in a header, as one line of at most ``max_chars``.

    Removes every control, format, separator, surrogate and private-use character, collapses
    white space (so nothing can fold or end the header), and breaks up ``=?`` so no run of
    submitted text can form an RFC 2047 encoded word that a reader would decode.
    """
    kept = _one_line(value).replace("=?", "= ?").replace("?=", "? =")
    if len(kept) > max_chars:
        kept = kept[: max_chars - 1].rstrip() + "\u2026"
    return kept


def clean_shown_text(value: str | None, max_chars: int) -> str | None:
    """A request header (such as ``Referer``) made safe to show in the email or a terminal.

    Controls (terminal escapes such as ``ESC ] 0;`` and ``ESC [2J`` included), format, separator,
    surrogate and private-use characters are removed, white space collapsed, and the result cut
    to ``max_chars``. None when nothing is left.
    """
    if value is None:
        return None
    kept = _one_line(value)
    if len(kept) > max_chars:
        kept = kept[: max_chars - 1].rstrip() + "\u2026"
    return kept or None


# Zero-width and other invisible characters: category Cf (format) covers ZWSP, ZWNJ, ZWJ, the
# word joiner, soft hyphen, bidi controls and the BOM; the variation selectors are Mn.
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def fold_for_matching(value: str) -> str:
    """Text as a content rule compares it: NFKC, invisible characters removed, case-folded.

    Full-width ``viagra`` (U+FF56 …), ``v\u200biagra`` (a zero-width space) and ``VIAGRA`` all
    fold to ``viagra``; a full-width ``https://`` folds to ``https://`` so the link count sees it.
    """
    folded = unicodedata.normalize("NFKC", value)
    if not folded.replace("\n", "").replace("\t", "").isprintable():
        # Only text with a non-printable character can hold a Cf one (Python counts every
        # "Other" category as non-printable): most messages skip this per-character pass.
        folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    folded = _VARIATION_SELECTORS.sub("", folded)
    return unicodedata.normalize("NFKC", folded.casefold())
