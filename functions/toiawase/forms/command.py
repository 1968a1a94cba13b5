"""The ``toiawase forms`` and ``toiawase openapi`` commands (wired in ``toiawase.cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from toiawase.core.errors import ConfigError


def forms_check(args: argparse.Namespace) -> int:
    from toiawase.forms.check import check_file

    if args.nameserver and not args.resolve:
        print("toiawase forms check: --nameserver needs --resolve", file=sys.stderr)
        return 2
    doc, problems = check_file(Path(args.file))
    if args.resolve and doc is not None:
        from toiawase.doctor.command import UsageError, parse_nameserver
        from toiawase.forms.resolve import make_resolver, resolve_problems

        try:
            nameserver = parse_nameserver(args.nameserver) if args.nameserver else None
        except UsageError as exc:
            print(f"toiawase forms check: {exc}", file=sys.stderr)
            return 2
        try:
            resolver = make_resolver(nameserver)
        except Exception as exc:  # dns.resolver.NoResolverConfiguration: no /etc/resolv.conf
            print(f"toiawase forms check: --resolve: no DNS resolver ({exc})", file=sys.stderr)
            return 2
        problems = sorted(
            [*problems, *resolve_problems(doc, resolver)], key=lambda p: (p.line, p.column)
        )
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
        description=(
            "Exit 0 when the file is valid, 1 when it has problems. With --resolve, also look"
            " up every webhook, Slack and Discord host name and refuse one that resolves to a"
            " private, loopback, link-local or otherwise refused address (or does not"
            " resolve): off by default, since a build machine may have no DNS."
        ),
    )
    check.add_argument("file", nargs="?", default="forms.yaml", help="default: forms.yaml")
    check.add_argument(
        "--resolve",
        action="store_true",
        help="resolve webhook host names (DNS) and refuse refused addresses",
    )
    check.add_argument(
        "--nameserver",
        metavar="HOST[:PORT]",
        help="with --resolve: ask this DNS server instead of the system's",
    )
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
