"""The doctor keeps the package's layering: pure checks, small adapters, never in a Lambda."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_layers import imported_modules

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "toiawase"
DOCTOR = PACKAGE / "doctor"
PURE = ["__init__.py", "facts.py", "checks.py", "findings.py"]
ADAPTERS = ["dnsprobe.py", "sesprobe.py"]
OUTSIDE_WORLD = ("boto3", "botocore", "dns", "checkdmarc", "moto", "mypy_boto3_sesv2")
APP = ("aws_lambda_powertools", "toiawase.handlers", "toiawase.adapters", "toiawase.local")


def _hits(module: str, forbidden: tuple[str, ...]) -> bool:
    return any(module == f or module.startswith(f + ".") for f in forbidden)


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_import_no_dns_no_aws_no_adapter(name: str):
    forbidden = (
        *OUTSIDE_WORLD,
        *APP,
        "toiawase.doctor.dnsprobe",
        "toiawase.doctor.sesprobe",
        "toiawase.doctor.command",
    )
    for module in imported_modules(DOCTOR / name):
        assert not _hits(module, forbidden), f"doctor/{name} imports {module}"


@pytest.mark.parametrize("name", ADAPTERS)
def test_adapters_import_no_handler_and_not_each_other(name: str):
    other = next(a for a in ADAPTERS if a != name).removesuffix(".py")
    forbidden = (*APP, "toiawase.doctor.command", f"toiawase.doctor.{other}")
    for module in imported_modules(DOCTOR / name):
        assert not _hits(module, forbidden), f"doctor/{name} imports {module}"


@pytest.mark.parametrize("layer", ["core", "adapters", "handlers", "local"])
def test_nothing_the_lambda_loads_imports_the_doctor(layer: str):
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for module in imported_modules(path):
            assert not _hits(module, ("toiawase.doctor", "checkdmarc")), f"{path} imports {module}"


def test_cli_imports_the_doctor_only_inside_functions():
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    top_level = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    for node in top_level:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
        assert not any(n and n.startswith("toiawase.doctor") for n in names)


def test_at_run_time_neither_the_handler_nor_the_cli_parser_loads_dns_or_checkdmarc():
    probe = (
        "import json, sys\n"
        "import toiawase.handlers.submit\n"
        "after_handler = sorted(m for m in sys.modules if m.startswith(('toiawase.doctor', "
        "'checkdmarc', 'dns.')))\n"
        "import toiawase.cli\n"
        "toiawase.cli.build_parser()\n"
        "after_cli = sorted(m for m in sys.modules if m.startswith(('checkdmarc', 'dns.', "
        "'toiawase.doctor.checks', 'toiawase.doctor.dnsprobe', 'toiawase.doctor.sesprobe')))\n"
        "print(json.dumps([after_handler, after_cli]))\n"
    )
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "SENDER_ADDRESS": "forms@example.com",
        "RECIPIENT_ADDRESSES": "owner@example.com",
        "ALLOWED_ORIGINS": "https://example.com",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    after_handler, after_cli = json.loads(result.stdout.splitlines()[-1])
    assert [m for m in after_handler if not m.startswith("dns.")] == []
    assert after_cli == []
