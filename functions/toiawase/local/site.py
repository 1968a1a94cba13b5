"""Serving a static site from a folder, for the dev server (the example site by default).

Not ``http.server.SimpleHTTPRequestHandler``: it lists directories, guesses text types without
a charset and would have to be bent around the dev server's other routes; what a static site
needs (a file, ``index.html`` for a folder, nothing outside the folder) is a few lines here.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

# The repository's example site, when toiawase runs from a checkout (``pip install -e``).
EXAMPLE_SITE = Path(__file__).resolve().parents[3] / "examples" / "site"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}


def default_site_root() -> Path | None:
    """The example site of this checkout, or ``None`` when toiawase is installed without it."""
    return EXAMPLE_SITE if EXAMPLE_SITE.is_dir() else None


@dataclass(frozen=True)
class StaticFile:
    path: Path
    content_type: str


@dataclass(frozen=True)
class StaticRedirect:
    """A folder asked for without its trailing slash: relative links need the slash."""

    location: str


def content_type(path: Path) -> str:
    """The type to serve ``path`` as; text always says UTF-8."""
    known = _TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed and guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed or "application/octet-stream"


def resolve(root: Path, url_path: str) -> StaticFile | StaticRedirect | None:
    """The file ``url_path`` names under ``root``, or ``None`` when there is none to serve.

    Never anything outside ``root`` (``..``, encoded or not, and symlinks pointing out), and no
    dotfiles or dot-folders.
    """
    decoded = unquote(url_path)
    if "\x00" in decoded or "\\" in decoded:
        return None
    segments = [s for s in decoded.split("/") if s]
    if any(s.startswith(".") for s in segments):
        return None  # also refuses ".." and "."
    base = root.resolve()
    candidate = base.joinpath(*segments).resolve() if segments else base
    if candidate != base and not candidate.is_relative_to(base):
        return None
    if candidate.is_dir():
        if not url_path.endswith("/"):
            return StaticRedirect(url_path + "/")
        candidate = (candidate / "index.html").resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return StaticFile(candidate, content_type(candidate))
