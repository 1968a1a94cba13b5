"""Just enough Markdown for the documentation tests: fenced blocks, links and GitHub's heading
anchors.

Hand-written on purpose: the tests need only the link targets outside code and the anchors
GitHub derives from headings, and a full Markdown parser would still leave GitHub's slug rule
(lower case, punctuation dropped, spaces to hyphens, ``-1``, ``-2``… for repeats) to us.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_FENCE = re.compile(r"^(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_INLINE_CODE = re.compile(r"`[^`]*`")


@dataclass(frozen=True)
class Block:
    info: str
    text: str
    line: int


def documents() -> list[Path]:
    """README.md, CHANGELOG.md and every page under docs/."""
    pages = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [page for page in pages if page.is_file()]


def prose_lines(text: str) -> list[tuple[int, str]]:
    """The lines outside fenced code blocks, numbered from 1."""
    lines, fenced = [], False
    for number, line in enumerate(text.split("\n"), start=1):
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def fenced_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    info, start, body = "", 0, list[str]()
    fenced = False
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if _FENCE.match(stripped):
            if not fenced:
                fenced, info, start, body = True, stripped[3:].strip(), number, []
            else:
                fenced = False
                blocks.append(Block(info, "\n".join(body), start))
            continue
        if fenced:
            body.append(line)
    return blocks


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text (before de-duplication)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in prose_lines(text):
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    # Explicit anchors: <a id="…"> / <a name="…">
    found.update(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", text))
    return found


def links(text: str) -> list[tuple[int, str]]:
    """Every Markdown link or image target outside code, with its line number."""
    found = []
    for number, line in prose_lines(text):
        for match in _LINK.finditer(_INLINE_CODE.sub("", line)):
            found.append((number, match.group(1)))
    return found
