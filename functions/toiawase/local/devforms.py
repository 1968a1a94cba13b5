"""The forms file for ``toiawase dev``: compiled at start, as the build does for the artifact.

``toiawase dev`` serves ``./forms.yaml`` (or ``--forms FILE``): the file is checked with
``toiawase forms check``'s rules (every problem printed with its line and column, and the dev
server refuses to start), compiled to a temporary JSON file, and named by ``FORMS_FILE`` for the
embedded function — the same JSON the build puts in the artifact. Without a forms file the
environment describes one form, as before. The OpenAPI document served at ``/openapi.json`` is
generated from the forms the function actually loaded, with the dev server as its server URL.

The dev server adds one form of its own to the compiled file, ``deliveries`` (unless the file
has a form of that id): the contract's fields, with webhook, Slack and Discord targets pointing
at the dev server's local receiver and a receipt, so a new user sees every delivery work in the
preview without the internet. It exists only in ``make dev``: a forms file cannot hold an
``http://127.0.0.1`` URL (``toiawase forms check`` refuses it; the template never allows it).
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
DEMO_FORM_ID = "deliveries"


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


def openapi_json(env: Mapping[str, str], server_url: str) -> bytes | None:
    """The OpenAPI document of the forms the function serves under ``env``, as JSON bytes.

    Built from the function's own loader over the same settings (so a form's defaults are the
    ones in force), whether the forms come from ``FORMS_FILE`` or from the environment. None
    when the configuration is broken: the dev server still runs, and the function answers
    every post with its ``misconfigured`` 500, as it would in AWS.
    """
    from toiawase.core.config import load_settings
    from toiawase.core.errors import ConfigError
    from toiawase.core.forms.resolve import forms_for
    from toiawase.forms.openapi import openapi_document

    try:
        config = forms_for(env, load_settings(env))
    except ConfigError:
        return None
    document = openapi_document(config, servers=(server_url,))
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def use_compiled(forms: CompiledForms) -> None:
    """Name the compiled file for the embedded function (read once, at its first request)."""
    os.environ["FORMS_FILE"] = str(forms.compiled)


def demo_form(receiver: str, secret: str) -> dict[str, object]:
    """The ``deliveries`` form: every kind of target, at the local receiver ``receiver``."""
    base = receiver.rstrip("/")
    return {
        "title": "Deliveries demo",
        "subject": "Deliveries demo",
        "undeclared_fields": "reject",
        "fields": {
            "name": {"type": "text", "label": "Name", "max_length": 200},
            "email": {"type": "email", "label": "Email", "required": True, "reply_to": True},
            "message": {"type": "textarea", "label": "Message", "required": True},
        },
        "notify": [
            {"type": "email"},
            {
                "type": "webhook",
                "name": "webhook",
                "url": f"{base}/webhook/webhook",
                "secret": secret,
            },
            {"type": "slack", "name": "slack", "url": f"{base}/slack/slack"},
            {"type": "discord", "name": "discord", "url": f"{base}/discord/discord"},
        ],
        "receipt": {
            "subject": "We received your message",
            "text": "Thank you for writing to us. This is an automatic receipt; we will answer"
            " soon.",
        },
    }


def add_demo_form(forms: CompiledForms, receiver: str, secret: str) -> str | None:
    """Add the ``deliveries`` form to the compiled file; its id, or None when the file has a
    form of that id already (the owner's wins)."""
    data = json.loads(forms.compiled.read_text(encoding="utf-8"))
    declared = data.setdefault("forms", {})
    if DEMO_FORM_ID in declared:
        return None
    declared[DEMO_FORM_ID] = demo_form(receiver, secret)
    forms.compiled.write_text(
        json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return DEMO_FORM_ID
