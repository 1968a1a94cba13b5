"""The ``toiawase forms`` and ``toiawase openapi`` commands (wired in ``toiawase.cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from toiawase.core.errors import ConfigError


def forms_check(args: argparse.Namespace) -> int:
    from toiawase.forms.check import check_file

    _, problems = check_file(Path(args.file))
    for problem in problems:
        print(problem.format(args.file), file=sys.stderr)
    if problems:
        print(f"{args.file}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{args.file}: ok")
    return 0


def forms_compile(args: argparse.Namespace) -> int:
    from toiawase.forms.check import check_file, compiled_json

    doc, problems = check_file(Path(args.file))
    for problem in problems:
        print(problem.format(args.file), file=sys.stderr)
    if problems or doc is None:
        return 1
    Path(args.output).write_text(compiled_json(doc), encoding="utf-8")
    print(f"{args.file} -> {args.output}")
    return 0


def openapi(args: argparse.Namespace) -> int:
    from toiawase.forms.check import check_file, placeholder_settings
    from toiawase.forms.openapi import openapi_document

    doc, problems = check_file(Path(args.forms))
    for problem in problems:
        print(problem.format(args.forms), file=sys.stderr)
    if problems or doc is None:
        return 1
    from toiawase.core.forms.load import forms_from_document

    try:
        config = forms_from_document(doc.data, placeholder_settings())
    except ConfigError as exc:  # pragma: no cover - check_file ran the same loader
        print(f"{args.forms}: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(openapi_document(config), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    forms = commands.add_parser("forms", help="check or compile the forms file (forms.yaml)")
    actions = forms.add_subparsers(dest="forms_command", required=True)
    check = actions.add_parser(
        "check",
        help="validate the forms file; print every problem with its line and column",
        description="Exit 0 when the file is valid, 1 when it has problems.",
    )
    check.add_argument("file", nargs="?", default="forms.yaml", help="default: forms.yaml")
    check.set_defaults(func=forms_check)
    build = actions.add_parser("compile", help="check, then write the JSON the function reads")
    build.add_argument("file", help="the forms file (YAML or JSON)")
    build.add_argument("output", help="where to write the compiled JSON (FORMS_FILE)")
    build.set_defaults(func=forms_compile)
    spec = commands.add_parser(
        "openapi", help="write an OpenAPI 3.1 document generated from the forms file"
    )
    spec.add_argument("--forms", default="forms.yaml", help="default: forms.yaml")
    spec.add_argument("--output", help="default: standard output")
    spec.set_defaults(func=openapi)
