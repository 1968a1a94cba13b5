"""The Lambda artifact holds only what runs, compiled, and every handler imports from it alone.

Two artifacts are inspected: one built here by ``infra/build_function.py`` with the running
interpreter (always), and the one ``sam build`` left in ``.aws-sam/build`` (``make test`` runs
``sam build`` first when Python 3.13 is found; without it that test is skipped, saying why).

The import test runs a fresh interpreter with ``-I -S`` (no site-packages, no user paths) whose
``sys.path`` is the artifact plus a directory holding only what Lambda provides besides it: the
runtime's boto3 (and its dependencies) and the Powertools layer (with the X-Ray SDK).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra import build_function

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = [
    "toiawase.handlers.submit",
    "toiawase.handlers.retry",
    "toiawase.handlers.feedback",
    "toiawase.handlers.scan_result",
]
FUNCTIONS = ["SubmitFunction", "RetryFunction", "FeedbackFunction", "ScanResultFunction"]
# What the python3.13 runtime and the Powertools layer put on sys.path (top-level names).
PROVIDED = [
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "urllib3",
    "six",
    "aws_lambda_powertools",
    "aws_xray_sdk",
    "wrapt",
    "typing_extensions",
]
FORBIDDEN_TOP = {"dns", "tests", "bench", "moto", "pytest", "hypothesis", "checkdmarc", "bin"}
FORBIDDEN_PACKAGES = {"local", "doctor", "ops", "forms_cli"}
ZIP_LIMIT = 1024 * 1024
SAM_BUILD = ROOT / ".aws-sam" / "build"


@pytest.fixture(scope="module")
def artifact(tmp_path_factory) -> Path:
    target: Path = tmp_path_factory.mktemp("artifact")
    build_function.build(target)
    return target


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> Path:
    """A directory with only Lambda's own packages, linked from this environment."""
    target: Path = tmp_path_factory.mktemp("runtime")
    for name in PROVIDED:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (target / source.name).symlink_to(source)
    return target


def zipped_size(directory: Path, into: Path) -> int:
    with zipfile.ZipFile(into, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(directory.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(directory))
    return into.stat().st_size


def inspect(directory: Path, tmp_path: Path) -> dict[str, int]:
    """Assert what the artifact holds; return its figures."""
    top = {path.name for path in directory.iterdir()}
    assert not top & FORBIDDEN_TOP, top & FORBIDDEN_TOP
    assert not any(name.startswith("dnspython") for name in top), top
    assert "requirements.txt" not in top and "Makefile" not in top, top
    package = directory / "toiawase"
    subpackages = {p.name for p in package.iterdir() if p.is_dir() and p.name != "__pycache__"}
    # The runtime code, and the message catalogues compiled to .mo (never the .po sources).
    assert subpackages == {*build_function.RUNTIME_PACKAGES, "locales"}, subpackages
    catalogues = sorted(p.relative_to(package).as_posix() for p in (package / "locales").rglob("*"))
    assert [c for c in catalogues if c.endswith((".mo", ".po"))] == [
        "locales/en/LC_MESSAGES/toiawase.mo",
        "locales/ja/LC_MESSAGES/toiawase.mo",
    ], catalogues
    assert not subpackages & FORBIDDEN_PACKAGES
    assert not list(package.glob("cli.py*")), "the CLI is tooling"
    allowed = (".py", ".pyc", ".mo")  # .mo: the catalogues, checked above
    stray = [p for p in package.rglob("*") if p.is_file() and p.suffix not in allowed]
    assert not stray, stray
    # The forms file, compiled: what FORMS_FILE (template default forms.json) names.
    compiled = json.loads((directory / "forms.json").read_text("utf-8"))
    assert set(compiled["forms"]) == set(yaml.safe_load(FORMS_YAML.read_text("utf-8"))["forms"])
    modules = [p for p in directory.rglob("*.py")]
    missing = [
        m for m in modules if not list((m.parent / "__pycache__").glob(f"{m.stem}.cpython-*.pyc"))
    ]
    assert modules and not missing, missing
    size = zipped_size(directory, tmp_path / "artifact.zip")
    assert size <= ZIP_LIMIT, size
    return {"modules": len(modules), "zip_bytes": size}


FORMS_YAML = ROOT / "forms.yaml"


def test_a_broken_forms_file_stops_the_build(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".venv").symlink_to(ROOT / ".venv")
    (repo / "forms.yaml").write_text("forms:\n  Bad Id:\n    fields: {}\n", "utf-8")
    with pytest.raises(SystemExit, match=r"forms\.yaml has problems"):
        build_function.compile_forms(tmp_path, repo)
    assert not (tmp_path / "forms.json").exists()
    (repo / "forms.yaml").unlink()
    assert build_function.compile_forms(tmp_path, repo) is None


def pyc_header(path: Path) -> tuple[bytes, int]:
    data = path.read_bytes()[:8]
    return data[:4], int.from_bytes(data[4:8], "little")


def test_built_artifact_holds_only_what_runs(artifact, tmp_path):
    figures = inspect(artifact, tmp_path)
    assert figures["modules"] > 40


def test_bytecode_is_unchecked_hash_with_lambda_paths(artifact):
    pycs = list(artifact.rglob("*.pyc"))
    assert pycs
    for pyc in pycs:
        _magic, flags = pyc_header(pyc)
        # PEP 552: bit 0 = hash-based, bit 1 = check_source. Unchecked: 0b01.
        assert flags == 0b01, (pyc, flags)
    # This interpreter wrote them: its magic number and tag.
    sample = next(artifact.glob("toiawase/__pycache__/__init__.*.pyc"))
    assert pyc_header(sample)[0] == importlib.util.MAGIC_NUMBER
    assert sys.implementation.cache_tag in sample.name
    code = sample.read_bytes()
    assert b"/var/task/toiawase/__init__.py" in code


def test_leaving_out_a_distribution_removes_its_files_and_metadata(artifact):
    assert not list(artifact.glob("dns")) and not list(artifact.glob("dnspython*"))
    # What email-validator still needs is there.
    assert (artifact / "idna").is_dir() and (artifact / "email_validator").is_dir()


def import_handlers(python: str, artifact: Path, runtime: Path) -> dict[str, Any]:
    script = f"""
import importlib, json, sys
sys.path[:0] = [{str(artifact)!r}, {str(runtime)!r}]
out = {{}}
for name in {HANDLERS!r}:
    module = importlib.import_module(name)
    out[name] = [module.__file__, callable(getattr(module, "lambda_handler", None))]
try:
    import dns
    out["dns"] = dns.__file__
except ImportError:
    out["dns"] = None
tooling = (["local"], ["doctor"], ["ops"], ["cli"])
out["tooling"] = sorted(m for m in sys.modules if m.split(".")[1:2] in tooling)
print(json.dumps(out))
"""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_SERVICE_NAME": "toiawase",
        "POWERTOOLS_METRICS_NAMESPACE": "toiawase",
    }
    result = subprocess.run(
        [python, "-I", "-S", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=str(runtime),
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_every_handler_imports_from_the_artifact_with_only_lambdas_packages(artifact, runtime):
    found = import_handlers(sys.executable, artifact, runtime)
    for name in HANDLERS:
        file, has_handler = found[name]
        assert str(file).startswith(str(artifact)) and has_handler, (name, file)
    assert found["dns"] is None, "dnspython must be neither shipped nor reachable"
    assert found["tooling"] == []


def python3_13() -> str | None:
    """A working Python 3.13 (pyenv's first: its shims may answer for a version not selected)."""
    candidates = [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13"))]
    candidates.append(shutil.which("python3.13") or "")
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "pass"], capture_output=True, check=False)
        if probe.returncode == 0:
            return candidate
    return None


def test_sam_build_artifact(tmp_path, runtime):
    """What ``sam build`` (BuildMethod: makefile) produced: same checks, pycs for python3.13."""
    if not (SAM_BUILD / "template.yaml").exists():
        reason = "no .aws-sam/build: `make test` runs `sam build` when Python 3.13 is found"
        if os.environ.get("CI") == "true" and python3_13():
            pytest.fail(reason)
        pytest.skip(reason)
    built = (SAM_BUILD / "template.yaml").read_text(encoding="utf-8")
    source_mtime = max(p.stat().st_mtime for p in (ROOT / "functions").rglob("*.py"))
    for function in FUNCTIONS:
        directory = SAM_BUILD / function
        assert directory.is_dir() and function in built, function
        assert directory.stat().st_mtime >= source_mtime - 1, "stale: run `make sam-build`"
        inspect(directory, tmp_path)
        tags = {p.name.split(".")[-2] for p in directory.rglob("*.pyc")}
        assert tags == {"cpython-313"}, tags
    python313 = python3_13()
    if python313 is None:
        pytest.skip("no python3.13 here to import the sam build artifact with")
    found = import_handlers(str(python313), SAM_BUILD / "SubmitFunction", runtime)
    assert found["dns"] is None
