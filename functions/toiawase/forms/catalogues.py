"""The message catalogues at build time: each ``.po`` source compiled to the ``.mo`` the
Lambda reads with the standard library's ``gettext`` (``toiawase.core.i18n``).

polib (a dev and build dependency, never shipped) reads and writes both formats; its ``.mo``
is the GNU format ``gettext.GNUTranslations`` reads. ``infra/build_function.py`` runs this from
the project's ``.venv``, like the forms file's compile step::

    .venv/bin/python -m toiawase.forms.catalogues ARTIFACTS/toiawase/locales
"""

from __future__ import annotations

import sys
from pathlib import Path

from toiawase.core.i18n import LANGUAGES, LOCALES, mo_path, po_path


def compile_catalogues(target: Path, source: Path = LOCALES) -> list[Path]:
    """Write ``<target>/<language>/LC_MESSAGES/toiawase.mo`` for every shipped language."""
    import polib

    written = []
    for language in LANGUAGES:
        catalogue = polib.pofile(str(po_path(language, source)))
        compiled = mo_path(language, target)
        compiled.parent.mkdir(parents=True, exist_ok=True)
        catalogue.save_as_mofile(str(compiled))
        written.append(compiled)
    return written


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m toiawase.forms.catalogues TARGET_LOCALES_DIR")
    for path in compile_catalogues(Path(args[0])):
        print(f"catalogues: wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
