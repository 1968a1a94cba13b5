"""Field ``pattern``s: compiled once, and refused when they could backtrack catastrophically.

Python's ``re`` is a backtracking engine with no time limit, and the Lambda has no bounded engine
(RE2 is a native wheel we do not ship), so a pattern like ``(a+)+$`` would let one visitor pin a
container for minutes. Two defences, both needed:

1. **Structure, at build time** (``toiawase forms check``, and again when the Lambda loads the
   compiled file): :func:`pattern_problem` walks the parsed pattern and refuses the constructs that
   make backtracking exponential or high-polynomial — an unbounded quantifier inside another
   (``(a+)+``, ``(a*b?)*``), an unbounded quantifier over alternatives that can start with the same
   character (``(a|a?b)*``, ``(.|a)*``), two adjacent unbounded quantifiers over overlapping
   characters (``\\d+\\d+``, ``.*.*``), and back-references (not regular at all).
2. **Length, at run time**: the value is checked against the field's ``max_length`` (every text
   type has a default) *before* the pattern runs, so what remains (at worst quadratic, from one
   quantifier scanning under another's single retry) runs over a few thousand characters at most.

The walk uses ``re._parser`` — the standard library's own parser of ``re`` syntax (``sre_parse``
before 3.11, still importable under that name with a deprecation warning). It is private, but it
is the only way to see the pattern exactly as ``re`` will run it; a hand-written tokenizer would
disagree with ``re`` on some corner of the syntax. A test pins the behaviour on 3.11 to 3.13.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _constants as C  # type: ignore[attr-defined]  # noqa: N812
from re import _parser as P  # type: ignore[attr-defined]  # noqa: N812
from typing import Any

# re._parser's nodes: (opcode, argument) pairs whose argument's shape depends on the opcode.
Item = tuple[Any, Any]
Items = list[Item]

# Characters used to decide whether two character sets overlap. A set is the subset of this
# sample it matches; categories and negations that cannot be sampled count as "anything".
_SAMPLE = "".join(chr(c) for c in range(32, 127)) + "\t\n\u00e9\u0663\uff10\u3042\u3000\u4e00\u00a0"
_ANY = frozenset(_SAMPLE)
_EMPTY: frozenset[str] = frozenset()
_CATEGORY_SETS: dict[object, frozenset[str]] = {}


def _category(cat: object) -> frozenset[str]:
    """The sample characters a ``\\d``/``\\w``/``\\s`` (or their negation) matches."""
    if cat not in _CATEGORY_SETS:
        probe = {
            C.CATEGORY_DIGIT: r"\d",
            C.CATEGORY_NOT_DIGIT: r"\D",
            C.CATEGORY_SPACE: r"\s",
            C.CATEGORY_NOT_SPACE: r"\S",
            C.CATEGORY_WORD: r"\w",
            C.CATEGORY_NOT_WORD: r"\W",
        }.get(cat)
        if probe is None:
            _CATEGORY_SETS[cat] = _ANY
        else:
            compiled = re.compile(probe)
            _CATEGORY_SETS[cat] = frozenset(ch for ch in _SAMPLE if compiled.fullmatch(ch))
    return _CATEGORY_SETS[cat]


def _in_set(items: list[tuple[Any, Any]]) -> frozenset[str]:
    chars: set[str] = set()
    negate = False
    for op, arg in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            chars.add(chr(arg))
        elif op is C.RANGE:
            low, high = arg
            chars.update(ch for ch in _SAMPLE if low <= ord(ch) <= high)
            if high - low > 0x2000:
                chars.update(_ANY)
        elif op is C.CATEGORY:
            chars.update(_category(arg))
        else:
            return _ANY
    return _ANY - frozenset(chars) if negate else frozenset(chars)


def _first(items: Items) -> tuple[frozenset[str], bool]:
    """The characters a sequence can start with, and whether it can match the empty string."""
    result: set[str] = set()
    for op, arg in items:
        first, nullable = _first_item((op, arg))
        result |= first
        if not nullable:
            return frozenset(result), False
    return frozenset(result), True


def _first_item(item: Item) -> tuple[frozenset[str], bool]:
    op, arg = item
    if op is C.LITERAL:
        return frozenset({chr(arg)}), False
    if op in (C.NOT_LITERAL, C.ANY):
        return _ANY, False
    if op is C.IN:
        return _in_set(arg), False
    if op is C.SUBPATTERN:
        return _first(arg[-1])
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, *_POSSESSIVE):
        low, _high, body = arg
        first, nullable = _first(body)
        return first, nullable or low == 0
    if op is C.BRANCH:
        firsts = [_first(alt) for alt in arg[1]]
        return (
            frozenset().union(*(f for f, _ in firsts)),
            any(n for _, n in firsts),
        )
    if op is C.ATOMIC_GROUP if hasattr(C, "ATOMIC_GROUP") else False:
        return _first(arg)
    # AT (anchors), ASSERT, ASSERT_NOT, GROUPREF_EXISTS…: match no character themselves.
    return _EMPTY, True


_POSSESSIVE = tuple(c for c in (getattr(C, "POSSESSIVE_REPEAT", None),) if c is not None)


def _unbounded(item: Item) -> bool:
    op, arg = item
    return op in (C.MAX_REPEAT, C.MIN_REPEAT) and arg[1] == C.MAXREPEAT


def _contains_unbounded(items: Items) -> bool:
    for op, arg in items:
        if _unbounded((op, arg)):
            return True
        for child in _children((op, arg)):
            if _contains_unbounded(child):
                return True
    return False


def _children(item: Item) -> list[Items]:
    op, arg = item
    if op is C.SUBPATTERN:
        return [arg[-1]]
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, *_POSSESSIVE):
        return [arg[2]]
    if op is C.BRANCH:
        return list(arg[1])
    if op in (C.ASSERT, C.ASSERT_NOT):
        return [arg[1]]
    if op is C.GROUPREF_EXISTS:
        return [part for part in arg[1:] if part is not None]
    if hasattr(C, "ATOMIC_GROUP") and op is C.ATOMIC_GROUP:
        return [arg]
    return []


def _check(items: Items) -> str | None:
    previous: frozenset[str] | None = None  # first-set of the last unbounded item in reach
    for op, arg in items:
        if op in (C.GROUPREF, C.GROUPREF_EXISTS):
            return "back-references are not allowed in a pattern"
        if _unbounded((op, arg)):
            body = arg[2]
            if _contains_unbounded(body):
                return (
                    "a repeated part contains another unbounded repetition, like (a+)+; "
                    "this can take exponential time"
                )
            for sub_op, sub_arg in _flatten(body):
                if sub_op is C.BRANCH:
                    seen: frozenset[str] = frozenset()
                    for alt in sub_arg[1]:
                        first, _ = _first(alt)
                        if first & seen:
                            return (
                                "a repeated group has alternatives that can start with the same "
                                "character, like (a|a?b)*; this can take exponential time"
                            )
                        seen |= first
            first, body_nullable = _first(body)
            if previous is not None and previous & first:
                return (
                    "two unbounded repetitions next to each other can match the same "
                    "characters, like \\d+\\d+; write one repetition instead"
                )
            # An optional repetition (a*) does not separate its neighbours: a+b*a+ is a+a+.
            optional = arg[0] == 0 or body_nullable
            previous = (previous or _EMPTY) | first if optional else first
        else:
            first, nullable = _first_item((op, arg))
            if not nullable:
                previous = None
        for child in _children((op, arg)):
            problem = _check(child)
            if problem:
                return problem
    return None


def _flatten(items: Items) -> Items:
    """Items of a sequence, looking through plain groups (``(?:…)``, ``(…)``)."""
    flat: Items = []
    for op, arg in items:
        if op is C.SUBPATTERN:
            flat.extend(_flatten(arg[-1]))
        else:
            flat.append((op, arg))
    return flat


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is refused (it does not compile, or it risks catastrophic backtracking),
    in plain words; None when it is acceptable."""
    try:
        re.compile(pattern)
        parsed = P.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"the pattern does not compile ({exc})"
    try:
        return _check(parsed)
    except RecursionError:
        return "the pattern is nested too deeply"


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    """The compiled pattern (cached: a form's pattern is compiled once per container)."""
    return re.compile(pattern)
