"""The deployment artifact of each function, as ``sam build`` would zip it.

``sam build`` (aws-lambda-builders' python_pip workflow) copies the function's ``CodeUri`` without
caches and VCS files, installs ``requirements.txt`` next to it by unpacking wheels built for the
function's runtime and architecture, and zips the result with deflate. The runtime already has
boto3 and botocore, and the Powertools layer has Powertools and the X-Ray SDK, so those are not
in ``requirements.txt`` and not in the artifact; the check below says so if that ever changes.

Emulation: ``pip install --target … --platform manylinux2014_aarch64 --python-version 3.13
--only-binary=:all: --no-compile -r requirements.txt`` (wheels only, no ``.pyc``, like the
builder) and ``zipfile`` with ``ZIP_DEFLATED``. pip's generated ``bin/`` console scripts are
dropped: unpacking a wheel does not create them. When pip cannot reach a package index (or in
tiny mode), the same distributions are copied from the running interpreter instead
(``method: installed``); the requirements are pure Python, so the files are the same.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# From aws-lambda-builders' PythonPipWorkflow.EXCLUDED_FILES (a trimmed Python .gitignore).
EXCLUDED = (
    ".aws-sam",
    ".chalice",
    ".git",
    ".gitignore",
    "*.pyc",
    "__pycache__",
    "*.so",
    ".Python",
    "*.egg-info",
    "*.egg",
    "pip-log.txt",
    "pip-delete-this-directory.txt",
    "htmlcov",
    ".tox",
    ".nox",
    ".coverage",
    ".cache",
    ".pytest_cache",
    ".python-version",
    ".mypy_cache",
    ".dmypy.json",
    ".pyre",
    ".env",
    ".venv",
    "venv",
    "venv.bak",
    "env.bak",
    "ENV",
    "env",
    ".vscode",
    ".idea",
)
# What the python3.13 runtime and the Powertools layer provide (top-level import names).
PROVIDED = frozenset(
    {
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
    }
)
PLATFORM = "manylinux2014_aarch64"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class FunctionSpec:
    """A function of template.yaml, with what decides its artifact and its price."""

    logical_id: str
    code_uri: str
    handler: str
    runtime: str
    architectures: tuple[str, ...]
    memory_mb: int


def _ignored(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in EXCLUDED)


def read_template(path: Path) -> tuple[list[FunctionSpec], dict[str, Any]]:
    """The template's functions (with Globals applied) and its parameters."""
    from cfnlint.decode import cfn_yaml

    template: dict[str, Any] = cfn_yaml.load(str(path))
    parameters: dict[str, Any] = template.get("Parameters", {})
    defaults: dict[str, Any] = template.get("Globals", {}).get("Function", {})

    def memory(value: object) -> int:
        if isinstance(value, dict) and set(value) == {"Ref"}:
            value = parameters.get(value["Ref"], {}).get("Default")
        return 128 if value is None else int(str(value))  # 128: Lambda's default

    functions = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = {**defaults, **resource.get("Properties", {})}
        functions.append(
            FunctionSpec(
                logical_id=str(logical_id),
                code_uri=str(props.get("CodeUri", ".")),
                handler=str(props.get("Handler", "")),
                runtime=str(props.get("Runtime", "")),
                architectures=tuple(props.get("Architectures", ["x86_64"])),
                memory_mb=memory(props.get("MemorySize")),
            )
        )
    return functions, parameters


def requirement_names(requirements: Path) -> list[str]:
    """Distribution names listed in a requirements file (options and comments skipped)."""
    names = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        match = _NAME.match(line)
        if line and not line.startswith("-") and match:
            names.append(match.group(1))
    return names


def _copy_source(code_uri: Path, target: Path) -> None:
    shutil.copytree(code_uri, target, ignore=lambda _, names: [n for n in names if _ignored(n)])


def _pip_install(requirements: Path, target: Path, python_version: str) -> None:
    subprocess.run(  # noqa: S603  (pip of the running interpreter, fixed arguments)
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(target),
            "--platform",
            PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            python_version,
            "--only-binary=:all:",
            "-r",
            str(requirements),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    shutil.rmtree(target / "bin", ignore_errors=True)


def _dependency_closure(names: list[str]) -> list[importlib.metadata.Distribution]:
    seen: dict[str, importlib.metadata.Distribution] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        dist = importlib.metadata.distribution(name)
        seen[key] = dist
        for requirement in dist.requires or []:
            requirement_name, _, marker = requirement.partition(";")
            if "extra" in marker:
                continue  # optional extras are not installed by a plain requirement
            match = _NAME.match(requirement_name)
            if match:
                pending.append(match.group(1))
    return list(seen.values())


def _copy_installed(requirements: Path, target: Path) -> None:
    for dist in _dependency_closure(requirement_names(requirements)):
        for file in dist.files or []:
            parts = Path(str(file)).parts
            if not parts or parts[0] == ".." or any(_ignored(part) for part in parts):
                continue
            if parts[0].endswith(".dist-info") and parts[-1] in ("INSTALLER", "REQUESTED"):
                continue
            source = Path(str(dist.locate_file(file)))
            destination = target.joinpath(*parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def build_artifact(
    code_uri: Path, build_dir: Path, *, method: str, python_version: str = "3.13"
) -> tuple[Path, str]:
    """Lay out the artifact's files under ``build_dir``; return it and the method really used."""
    shutil.rmtree(build_dir, ignore_errors=True)
    _copy_source(code_uri, build_dir)
    requirements = code_uri / "requirements.txt"
    if requirements.exists():
        if method == "pip":
            try:
                _pip_install(requirements, build_dir, python_version)
            except subprocess.CalledProcessError:
                method = "installed"  # no index reachable: fall back, and say so
        if method == "installed":
            _copy_installed(requirements, build_dir)
    # The compiled forms file, where the build puts it (FORMS_FILE's default: forms.json).
    from infra.build_function import compile_forms

    compile_forms(build_dir, code_uri.resolve().parent)
    return build_dir, method


def zip_artifact(root: Path, zip_path: Path) -> dict[str, Any]:
    """Zip ``root`` with deflate, like ``sam build``; size and the biggest contributors."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    by_top: dict[str, int] = {}
    unzipped = 0
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            archive.write(path, relative)
            info = archive.getinfo(relative)
            top = relative.split("/", 1)[0]
            top = top.split("-", 1)[0] + " (metadata)" if top.endswith(".dist-info") else top
            by_top[top] = by_top.get(top, 0) + info.compress_size
            unzipped += info.file_size
    size = zip_path.stat().st_size
    contributors = sorted(by_top.items(), key=lambda kv: -kv[1])
    provided = sorted(top for top, _ in contributors if top.removesuffix(".py") in PROVIDED)
    return {
        "zip_bytes": size,
        "unzipped_bytes": unzipped,
        "top_contributors": [
            {"name": name, "compressed_bytes": nbytes} for name, nbytes in contributors[:6]
        ],
        "duplicates_runtime_or_layer": provided,
    }


def measure_sizes(
    repo: Path, build_root: Path, functions: list[FunctionSpec], *, method: str
) -> dict[str, Any]:
    """Every function's artifact (functions sharing a ``CodeUri`` share one build)."""
    built: dict[str, dict[str, Any]] = {}
    result: dict[str, Any] = {}
    for spec in functions:
        if spec.code_uri not in built:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", spec.code_uri).strip("-") or "root"
            version = spec.runtime.removeprefix("python") or "3.13"
            root, used = build_artifact(
                repo / spec.code_uri, build_root / slug, method=method, python_version=version
            )
            info = zip_artifact(root, build_root / f"{slug}.zip")
            info["method"] = used
            info["code_root"] = str(root)
            built[spec.code_uri] = info
        result[spec.logical_id] = {**built[spec.code_uri], "code_uri": spec.code_uri}
    return result


def measure_built(
    function_roots: dict[str, Path], functions: list[FunctionSpec], zip_dir: Path
) -> dict[str, Any]:
    """Every function's artifact from a real ``sam build`` (``.aws-sam/build/<Function>``)."""
    result: dict[str, Any] = {}
    for spec in functions:
        root = function_roots[spec.logical_id]
        info = zip_artifact(root, zip_dir / f"{spec.logical_id}.zip")
        info["method"] = "sam build"
        info["code_root"] = str(root)
        info["pyc_files"] = sum(1 for _ in root.rglob("*.pyc"))
        info["py_files"] = sum(1 for _ in root.rglob("*.py"))
        result[spec.logical_id] = {**info, "code_uri": spec.code_uri}
    return result
