"""Build the Lambda artifact: only what runs in Lambda, compiled for the runtime's Python.

``sam build`` runs this through ``functions/Makefile`` (``BuildMethod: makefile`` on each function)
with the artifact directory as its argument; it can also be run by hand::

    python3.13 infra/build_function.py ARTIFACTS_DIR

What goes in, and why:

* **The runtime part of the package, by allow-list** (``RUNTIME_PACKAGES``):
  ``toiawase/__init__.py`` and the ``core``, ``adapters`` and ``handlers`` subpackages, ``.py``
  files only. The dev server (``local``), ``doctor``, ``ops``, the CLI and any tooling package
  added later stay out by default; a test imports every handler from the built artifact to
  prove nothing they need is left out.
* **``functions/requirements.txt``** (what the python3.13 runtime and the Powertools layer lack),
  installed as wheels for Lambda's platform, minus ``LEFT_OUT``: dnspython, which email-validator
  requires but imports only for deliverability checks the function never makes (it was 59 % of the
  zip).
* **Bytecode**: every module compiled to ``__pycache__/*.cpython-313.pyc`` with *unchecked-hash*
  invalidation, so Lambda never compiles at a cold start and a zip's missing or reset mtimes cannot
  invalidate the files. The sources stay beside them for readable tracebacks. Bytecode is specific
  to the interpreter that writes it: run this with Python 3.13 (``sam build`` with python3.13 first
  on ``PATH``). Another interpreter still gives a working artifact, but its ``.pyc`` files are
  ignored by Lambda's Python; the build says so on stderr.

* **The forms file** (``forms.yaml`` at the repository root, or ``forms.json``), checked and
  compiled to ``forms.json`` at the artifact's root (``FORMS_FILE``'s default) by the project's
  own ``toiawase forms compile`` from ``.venv`` (``make dev`` or ``make test`` creates it): the
  function reads JSON with the standard library, so no YAML parser or JSON Schema library ships.
  A broken file stops the build with every problem's line and column, before anything deploys.

* **The message catalogues** (``toiawase/locales/<language>/LC_MESSAGES/toiawase.po``),
  compiled to ``.mo`` files beside where the ``.po`` would be, by ``toiawase.forms.catalogues``
  from ``.venv`` (polib, never shipped): the function reads them with the standard library's
  ``gettext``, once per container, on the first text it renders.

The steps are in ``build()``; a step that adds files goes before ``compile_bytecode``.
"""

from __future__ import annotations

import argparse
import compileall
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FUNCTIONS = HERE.parent / "functions"
PACKAGE = "toiawase"
# Allow-list: what the Lambda handlers import. Anything else under toiawase/ is tooling.
RUNTIME_PACKAGES = ("core", "adapters", "handlers")
RUNTIME_PYTHON = (3, 13)
PLATFORM = "manylinux2014_aarch64"  # Architectures: [arm64]
# Distributions that requirements pull in but the function never imports.
LEFT_OUT = {
    "dnspython": "email-validator imports it only for deliverability checks (check_deliverability"
    "=False everywhere in the function); `toiawase doctor` needs it, and it is not in Lambda",
}
# Where Lambda unpacks the artifact: the path tracebacks show.
TASK_ROOT = "/var/task"


def copy_runtime_code(source: Path, artifacts: Path) -> list[Path]:
    """Copy ``toiawase/__init__.py`` and the runtime subpackages' ``.py`` files; return them."""
    package = source / PACKAGE
    copied = []
    files = [package / "__init__.py"]
    for name in RUNTIME_PACKAGES:
        files.extend(sorted((package / name).rglob("*.py")))
    for file in files:
        if "__pycache__" in file.parts:
            continue
        target = artifacts / file.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        copied.append(target)
    return copied


def install_requirements(requirements: Path, artifacts: Path) -> None:
    """Install the requirements as wheels for Lambda's Python and platform, without bytecode."""
    version = "".join(str(part) for part in RUNTIME_PYTHON)
    subprocess.run(  # noqa: S603  (pip of this interpreter, fixed arguments)
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--root-user-action=ignore",
            "--no-compile",
            "--target",
            str(artifacts),
            "--platform",
            PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            version,
            "--only-binary=:all:",
            "-r",
            str(requirements),
        ],
        check=True,
    )
    # Console scripts (email_validator's CLI) are of no use in Lambda.
    shutil.rmtree(artifacts / "bin", ignore_errors=True)
    for name in LEFT_OUT:
        remove_distribution(artifacts, name)


def remove_distribution(artifacts: Path, name: str) -> None:
    """Delete every file an installed distribution recorded (its RECORD), and its metadata."""
    normalized = name.replace("-", "_").lower()
    for info in artifacts.glob("*.dist-info"):
        if info.name.split("-")[0].lower() != normalized:
            continue
        record = info / "RECORD"
        for line in record.read_text(encoding="utf-8").splitlines():
            path = line.split(",")[0]
            if path:
                (artifacts / path).unlink(missing_ok=True)
        shutil.rmtree(info, ignore_errors=True)
    # The directories the files were in, now empty.
    for directory in sorted(artifacts.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()


REPO = HERE.parent
FORMS_SOURCES = ("forms.yaml", "forms.yml", "forms.json")
FORMS_TARGET = "forms.json"


def compile_forms(artifacts: Path, repo: Path = REPO) -> Path | None:
    """Check the repository's forms file and write it, compiled, as ``forms.json``.

    None when the repository has no forms file (deploy with ``FormsFile=none``). The checker
    needs PyYAML and jsonschema, which Lambda's Python lacks, so it runs from the project's
    virtualenv rather than from the interpreter building the artifact.
    """
    source = next((repo / name for name in FORMS_SOURCES if (repo / name).is_file()), None)
    if source is None:
        print("build_function: no forms.yaml: deploy with FormsFile=none", file=sys.stderr)
        return None
    tool = repo / ".venv" / "bin" / "toiawase"
    if not tool.exists():
        raise SystemExit(
            f"build_function: {source.name} needs `toiawase forms compile` from .venv: run "
            "`make dev` or `make test` once, then `sam build` again"
        )
    target = artifacts / FORMS_TARGET
    result = subprocess.run(  # noqa: S603 - the project's own CLI, fixed arguments
        [str(tool), "forms", "compile", str(source), str(target)], check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"build_function: {source.name} has problems (listed above)")
    return target


def compile_catalogues(artifacts: Path, repo: Path = REPO) -> list[Path]:
    """The ``.po`` catalogues compiled to ``.mo`` under ``toiawase/locales`` in the artifact."""
    python = repo / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit(
            "build_function: the message catalogues need polib from .venv: run `make dev` or "
            "`make test` once, then `sam build` again"
        )
    target = artifacts / PACKAGE / "locales"
    subprocess.run(  # noqa: S603 - the project's own module, fixed arguments
        [str(python), "-m", "toiawase.forms.catalogues", str(target)], check=True
    )
    return sorted(target.rglob("*.mo"))


def compile_bytecode(artifacts: Path) -> None:
    """Compile every module to unchecked-hash ``.pyc`` files, with Lambda's paths in them."""
    ok = compileall.compile_dir(
        str(artifacts),
        quiet=1,
        stripdir=str(artifacts),
        prependdir=TASK_ROOT,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        workers=1,
    )
    if not ok:
        raise SystemExit("build_function: a module did not compile")


def build(artifacts: Path, source: Path = FUNCTIONS) -> None:
    """Every step of the build, in order. Steps that add files go before ``compile_bytecode``."""
    if sys.version_info[:2] != RUNTIME_PYTHON:
        print(
            f"build_function: building with Python {sys.version.split()[0]}, not "
            f"{'.'.join(map(str, RUNTIME_PYTHON))} (Lambda's runtime): the .pyc files are for "
            "this interpreter and Lambda will ignore them and compile at every cold start. Run "
            "`sam build` with python3.13 first on PATH.",
            file=sys.stderr,
        )
    artifacts.mkdir(parents=True, exist_ok=True)
    copy_runtime_code(source, artifacts)
    install_requirements(source / "requirements.txt", artifacts)
    compile_forms(artifacts, source.parent)
    compile_catalogues(artifacts, source.parent)
    compile_bytecode(artifacts)


def main(argv: list[str] | None = None) -> None:
    """``build_function.py ARTIFACTS_DIR [--source DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("artifacts", type=Path, help="the directory to build into")
    parser.add_argument("--source", type=Path, default=FUNCTIONS, help="the functions/ directory")
    args = parser.parse_args(argv)
    build(args.artifacts.resolve(), args.source.resolve())


if __name__ == "__main__":
    main()
