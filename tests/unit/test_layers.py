"""The arrows point inward: the core imports no AWS, handler or adapter; adapters no handler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "toiawase"
FORBIDDEN = {
    "core": (
        "boto3",
        "botocore",
        "aws_lambda_powertools",
        "toiawase.handlers",
        "toiawase.adapters",
        "toiawase.local",
        "moto",
        # The forms tooling (PyYAML, jsonschema) runs before deploy; the Lambda has neither.
        "toiawase.forms",
        "yaml",
        "jsonschema",
    ),
    "adapters": ("toiawase.handlers", "toiawase.local"),
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer: str):
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no modules found in {layer}"
    for path in files:
        for module in imported_modules(path):
            for forbidden in FORBIDDEN[layer]:
                assert not (module == forbidden or module.startswith(forbidden + ".")), (
                    f"{path.relative_to(PACKAGE)} imports {module}"
                )
