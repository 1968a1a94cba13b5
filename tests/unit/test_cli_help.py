"""The command line reads like one: plain-text help with examples and exit codes, the same
flags spelled the same way, and a version from the installed package."""

from __future__ import annotations

import argparse
import re
from importlib.metadata import version

import pytest

from toiawase.cli import build_parser, main

COMMANDS = (
    "dev",
    "invoke",
    "doctor",
    "redrive",
    "spam",
    "forms",
    "openapi",
    "submissions",
    "forget",
    "deliveries",
)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


NESTED = {
    "forms": ("check", "compile"),
    "submissions": ("export", "list", "show"),
}
EVERY = [[], *([c] for c in COMMANDS), *([c, n] for c, names in NESTED.items() for n in names)]


def test_every_command_is_listed_and_has_its_own_help():
    commands = _subparsers(build_parser())
    assert set(commands) == set(COMMANDS)
    assert {c: tuple(_subparsers(commands[c])) for c in NESTED} == NESTED


@pytest.mark.parametrize("argv", EVERY, ids=[" ".join(a) or "toiawase" for a in EVERY])
def test_help_is_plain_text_with_examples_and_exit_codes(argv, capsys):
    text = _help(argv, capsys)
    assert "\nexamples:\n" in text and "\nexit codes:\n" in text
    examples = text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert examples and all(line.startswith("  toiawase ") for line in examples), examples
    if argv:
        assert all(line.split()[1 : 1 + len(argv)] == argv for line in examples), examples
    codes = text.split("\nexit codes:\n", 1)[1]
    assert re.search(r"^  0  ", codes, re.M) and re.search(r"^  2  usage error", codes, re.M)
    # No reStructuredText or Markdown markup: ``code``, `code`, :role:, directives.
    assert "`" not in text and "::" not in text and not re.search(r":\w+:`", text)


def _options(argv: list[str]) -> dict[str, argparse.Action]:
    parser = build_parser()
    for name in argv:
        parser = _subparsers(parser)[name]
    return {option: action for action in parser._actions for option in action.option_strings}


# Every command that talks to AWS takes --region; those whose output is a table or a report
# take --json (export writes CSV/JSONL by --format, show prints JSON already).
AWS_COMMANDS = [
    ["doctor"],
    ["redrive"],
    ["spam"],
    ["deliveries"],
    ["submissions", "export"],
    ["submissions", "list"],
    ["submissions", "show"],
    ["forget"],
]
JSON_COMMANDS = [
    ["doctor"],
    ["redrive"],
    ["spam"],
    ["deliveries"],
    ["submissions", "list"],
    ["forget"],
]


@pytest.mark.parametrize("argv", AWS_COMMANDS, ids=" ".join)
def test_aws_commands_share_region(argv):
    options = _options(argv)
    assert "--region" in options and options["--region"].metavar == "REGION"
    assert "--stack" in options or argv == ["doctor"]


@pytest.mark.parametrize("argv", JSON_COMMANDS, ids=" ".join)
def test_report_commands_share_json(argv):
    options = _options(argv)
    assert "--json" in options and options["--json"].nargs == 0


@pytest.mark.parametrize("command", ["redrive", "spam"])
def test_stack_commands_take_the_stack_by_the_same_flag(command):
    parser = _subparsers(build_parser())[command]
    action = ["list"] if command == "spam" else []
    args = parser.parse_args(["--stack", "toiawase", "--region", "eu-west-1", "--json", *action])
    assert (args.stack, args.region, args.json) == ("toiawase", "eu-west-1", True)


def test_version_is_the_packages(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"toiawase {version('toiawase')}"


def test_a_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["spam", "purge"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_invoke_of_a_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["invoke", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
