"""The forms file for ``toiawase dev``: compiled at start, as the build does for the artifact.

``toiawase dev`` serves ``./forms.yaml`` (or ``--forms FILE``): the file is checked with
``toiawase forms check``'s rules (every problem printed with its line and column, and the dev
server refuses to start), compiled to a temporary JSON file, and named by ``FORMS_FILE`` for the
embedded function — the same JSON the build puts in the artifact. Without a forms file the
environment describes one form, as before. The OpenAPI document served at ``/openapi.json`` is
generated from the forms the function actually loaded, with the dev server as its server URL.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FORMS = Path("forms.yaml")
OPENAPI_PATH = "/openapi.json"


class FormsFileError(Exception):
    """The forms file cannot be served: its problems, one printable line each."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class CompiledForms:
    """A forms file compiled for the dev server: the JSON ``FORMS_FILE`` names."""

    source: Path
    compiled: Path

    def cleanup(self) -> None:
        shutil.rmtree(self.compiled.parent, ignore_errors=True)


def chosen_forms_file(option: Path | None, *, disabled: bool, cwd: Path) -> Path | None:
    """``--forms FILE``, else ``./forms.yaml`` when it exists, else None (environment mode)."""
    if disabled:
        return None
    if option is not None:
        return option
    default = cwd / DEFAULT_FORMS
    return default if default.is_file() else None


def compile_forms(source: Path) -> CompiledForms:
    """Check ``source`` and write its compiled JSON to a temporary folder.

    Raises ``FormsFileError`` with ``file:line:column: where: what`` lines when it is broken.
    """
    try:
        from toiawase.forms.check import check_file, compiled_json
    except ImportError as exc:  # PyYAML or jsonschema missing: the [forms] extra
        raise FormsFileError(
            [
                f"{source}: reading a forms file needs the forms tooling ({exc.name} is missing):"
                " pip install 'toiawase[forms]'"
            ]
        ) from exc
    if not source.is_file():
        raise FormsFileError([f"{source}: no such file"])
    doc, problems = check_file(source)
    if problems or doc is None:
        lines = [problem.format(str(source)) for problem in problems]
        raise FormsFileError([*lines, f"{source}: {len(problems)} problem(s)"])
    folder = Path(tempfile.mkdtemp(prefix="toiawase-forms-"))
    compiled = folder / "forms.json"
    compiled.write_text(compiled_json(doc), encoding="utf-8")
    return CompiledForms(source=source, compiled=compiled)


def openapi_json(env: Mapping[str, str], server_url: str) -> bytes:
    """The OpenAPI document of the forms the function serves under ``env``, as JSON bytes.

    Built from the function's own loader over the same settings (so a form's defaults are the
    ones in force), whether the forms come from ``FORMS_FILE`` or from the environment.
    """
    from toiawase.core.config import load_settings
    from toiawase.core.forms.resolve import forms_for
    from toiawase.forms.openapi import openapi_document

    config = forms_for(env, load_settings(env))
    document = openapi_document(config, servers=(server_url,))
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def use_compiled(forms: CompiledForms) -> None:
    """Name the compiled file for the embedded function (read once, at its first request)."""
    os.environ["FORMS_FILE"] = str(forms.compiled)
