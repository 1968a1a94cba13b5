"""Content negotiation: does this client get JSON, or HTML and redirects?

The contract: JSON when ``Accept`` ranks ``application/json`` above ``text/html``, when
``X-Requested-With: XMLHttpRequest``, or when the body is JSON and ``Accept`` does not prefer
HTML. Everything else (a plain HTML form) gets a 303 or an HTML page.

``Accept`` is parsed here rather than with a library: the only maintained parsers live inside
web frameworks (werkzeug, starlette) that would cost the Lambda megabytes and cold-start time for
twenty lines of RFC 9110 §12.5.1 (media ranges, ``q`` weights, most specific range wins).
"""

from __future__ import annotations

from collections.abc import Mapping

from toiawase.core.parse import JSON


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    ranges: list[tuple[str, str, float]] = []
    for item in accept.split(","):
        media, _, params = item.partition(";")
        kind, _, sub = media.strip().lower().partition("/")
        if not kind or not sub:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((kind, sub, quality))
    return ranges


def preference(accept: str | None, media_type: str) -> tuple[float, int]:
    """``(q, specificity)`` that ``accept`` gives ``media_type``; the most specific range wins.

    Specificity (2 exact, 1 ``type/*``, 0 ``*/*``, -1 no match) breaks ties between equal
    weights: ``application/json, */*`` names JSON and only tolerates the rest.
    """
    if accept is None or not accept.strip():
        return (1.0, 0)
    kind, _, sub = media_type.partition("/")
    best_specificity, best_q = -1, 0.0
    for r_kind, r_sub, q in _ranges(accept):
        if (r_kind, r_sub) == (kind, sub):
            specificity = 2
        elif r_kind == kind and r_sub == "*":
            specificity = 1
        elif (r_kind, r_sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, best_q = specificity, q
    return (best_q, best_specificity)


def quality(accept: str | None, media_type: str) -> float:
    """The weight ``accept`` gives ``media_type``."""
    return preference(accept, media_type)[0]


def wants_json(headers: Mapping[str, str], body_media_type: str) -> bool:
    """True when the client should be answered with JSON rather than HTML."""
    if headers.get("x-requested-with", "").strip().lower() == "xmlhttprequest":
        return True
    accept = headers.get("accept")
    json_pref, html_pref = preference(accept, JSON), preference(accept, "text/html")
    if json_pref > html_pref:
        return True
    return body_media_type == JSON and html_pref <= json_pref
