"""The visitor's language: message catalogues, the choice of language, and translation.

Every text a visitor (or the owner's email) can read has a stable id in the gettext catalogues
under ``toiawase/locales/<language>/LC_MESSAGES/toiawase.po`` (``field.required``,
``error.rate_limited`` …), with Japanese and English shipped. English is a real catalogue: the
ids are never shown.

The core builds texts with ``t(id, **params)``: a ``Text`` is a ``str`` (its English rendering,
so logs, tests and older callers keep reading English) that also remembers its id and
parameters, so an answer can be rendered again in the visitor's language by a ``Translator``
(``answers`` does it for ``message``, ``fields`` and the HTML page). Error codes never change.

Catalogues are read once per container, lazily (the first text rendered): the build compiles
each ``.po`` to a ``.mo`` that the standard library's ``gettext`` reads, so nothing beyond the
standard library ships. A source checkout has only the ``.po`` files; there they are read with
polib (a dev dependency), so ``make dev`` and the tests need no compile step.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "ja")
DEFAULT_LANGUAGE = "en"
DOMAIN = "toiawase"
LOCALES = Path(__file__).resolve().parent.parent / "locales"
# Accept-Language items read at most (the header itself is capped in core/http.HEADER_LIMITS).
MAX_LANGUAGE_RANGES = 32


class Text(str):
    """A visitor-facing text: its English rendering, with its catalogue id and parameters."""

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, params: Mapping[str, object] | None = None) -> Text:
        values = dict(params or {})
        self = super().__new__(cls, render(catalogue(DEFAULT_LANGUAGE), msgid, values, "en"))
        self.msgid = msgid
        self.params = values
        return self


def t(msgid: str, /, **params: object) -> Text:
    """The text with catalogue id ``msgid``; ``params`` fill its ``{named}`` placeholders."""
    return Text(msgid, params)


def mo_path(language: str, root: Path = LOCALES) -> Path:
    return root / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def po_path(language: str, root: Path = LOCALES) -> Path:
    return root / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """Message id → text for ``language``: the compiled ``.mo`` (the artifact), else the
    ``.po`` source read with polib (a checkout). Read once per container."""
    compiled = mo_path(language)
    if compiled.is_file():
        # Imported here: only an answer with words pays for it (a success answer has none).
        import gettext

        with compiled.open("rb") as handle:
            translations = gettext.GNUTranslations(handle)
        entries: dict[object, str] = translations._catalog  # type: ignore[attr-defined]
        return {str(k): v for k, v in entries.items() if k}
    import polib  # a dev dependency: only a source checkout gets here

    return {
        entry.msgid: entry.msgstr
        for entry in polib.pofile(str(po_path(language)))
        if entry.msgid and not entry.obsolete
    }


def placeholders(template: str) -> frozenset[str]:
    """The ``{named}`` placeholders of a catalogue text (format specs such as ``:,`` aside)."""
    return frozenset(
        name for _, name, _, _ in string.Formatter().parse(template) if name is not None
    )


def render(
    texts: Mapping[str, str],
    msgid: str,
    params: Mapping[str, object],
    language: str,
    overrides: Mapping[str, str] | None = None,
) -> str:
    """``msgid`` from ``overrides`` or ``texts``, its placeholders filled. A parameter that is
    itself a ``Text`` is rendered in the same language. A missing id renders as the English
    text (the completeness test makes that unreachable) rather than failing an answer."""
    template = (overrides or {}).get(msgid) or texts.get(msgid)
    if template is None:
        template = catalogue(DEFAULT_LANGUAGE).get(msgid, msgid)
    values = {
        key: render(texts, value.msgid, value.params, language, overrides)
        if isinstance(value, Text)
        else value
        for key, value in params.items()
    }
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError):
        # An owner override with a placeholder we do not have is refused by `forms check`;
        # this keeps an answer from failing if one slipped through.
        return catalogue(DEFAULT_LANGUAGE).get(msgid, msgid).format_map(values)


class Translator:
    """Renders texts in one language, with a form's overrides (``messages`` in the forms file)."""

    def __init__(self, language: str, overrides: Mapping[str, str] | None = None) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.overrides: Mapping[str, str] = overrides or {}
        self._texts = catalogue(self.language)

    def __call__(self, text: str) -> str:
        """``text`` in this language: a ``Text`` is rendered again, anything else kept."""
        if isinstance(text, Text):
            return render(self._texts, text.msgid, text.params, self.language, self.overrides)
        return text

    def get(self, msgid: str, /, **params: object) -> str:
        return render(self._texts, msgid, params, self.language, self.overrides)


@cache
def _translator(language: str, overrides: tuple[tuple[str, str], ...]) -> Translator:
    return Translator(language, dict(overrides))


def translator(
    language: str, messages: Iterable[tuple[str, Iterable[tuple[str, str]]]] = ()
) -> Translator:
    """The translator for ``language`` with a form's ``messages`` ({language: {id: text}})."""
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    overrides = next((tuple(texts) for lang, texts in messages if lang == chosen), ())
    return _translator(chosen, overrides)


def _ranges(header: str) -> list[tuple[str, float]]:
    """``Accept-Language`` as (range, q) pairs, lower case; malformed items are skipped.

    Parsed here (RFC 9110 §12.5.4 and RFC 4647 basic ranges, a dozen lines) for the same
    reason ``negotiate`` parses ``Accept``: the maintained parsers live inside web frameworks.
    """
    ranges: list[tuple[str, float]] = []
    for item in header.split(",")[:MAX_LANGUAGE_RANGES]:
        tag, _, params = item.partition(";")
        tag = tag.strip().lower()
        wellformed = tag == "*" or (
            bool(tag)
            and all(
                part.isascii() and part.isalnum() and 0 < len(part) <= 8 for part in tag.split("-")
            )
        )
        if not wellformed:
            continue
        quality = 1.0
        if params:
            key, _, value = params.partition("=")
            if key.strip().lower() != "q":
                continue
            try:
                quality = float(value.strip())
            except ValueError:
                continue
            if not 0.0 <= quality <= 1.0:
                continue
        ranges.append((tag, quality))
    return ranges


def choose_language(accept_language: str | None, default: str | None = None) -> str:
    """The language of an answer: the visitor's ``Accept-Language`` when it names a shipped
    language (highest ``q`` first, the first listed among equals; ``ja-JP`` counts as ``ja``;
    ``*`` means the form's language), else the form's ``language``, else English. A language
    the header excludes with ``q=0`` is not chosen when another one is available."""
    fallback = default if default in LANGUAGES else DEFAULT_LANGUAGE
    if not accept_language:
        return fallback
    best: tuple[float, str] | None = None
    excluded: set[str] = set()
    for tag, quality in _ranges(accept_language):
        language = fallback if tag == "*" else tag.split("-")[0]
        if language not in LANGUAGES:
            continue
        if quality == 0.0:
            if tag != "*":
                excluded.add(language)
            continue
        if language in excluded:
            continue
        if best is None or quality > best[0]:
            best = (quality, language)
    if best is not None:
        return best[1]
    if fallback in excluded:
        return next((lang for lang in LANGUAGES if lang not in excluded), fallback)
    return fallback
