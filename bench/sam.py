"""``sam build``, as the README tells users to run it: the artifact the benchmark measures.

The bench runs the real ``sam build`` (aws-sam-cli from ``.venv-sam``, the Python of the
function's runtime first on ``PATH``, since aws-lambda-builders needs ``python3.13`` to install
the requirements) and reads ``.aws-sam/build/<Function>``. Whatever build method the template
names (``python_pip`` today, a ``Makefile`` method that ships ``.pyc`` later) is what gets
measured: the bench only calls ``sam build``.

When ``sam build`` cannot run (no aws-sam-cli, no python3.13, no package index), the caller
gets the reason and the table says so on its own row; the bench then measures its emulation
of the same build (``bench.size``), labelled as such, never silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SAM_TIMEOUT_S = 900


@dataclass(frozen=True)
class SamBuild:
    """Where ``sam build`` put each function, or why it did not run."""

    build_dir: Path | None
    reason: str = ""
    command: str = ""

    def function_root(self, logical_id: str) -> Path | None:
        if self.build_dir is None:
            return None
        root = self.build_dir / logical_id
        return root if root.is_dir() else None


def find_sam(repo: Path) -> Path | None:
    for candidate in (repo / ".venv-sam" / "bin" / "sam", shutil.which("sam")):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


def find_python(version: str) -> Path | None:
    """``pythonX.Y`` for the runtime: pyenv's first, then ``PATH``."""
    pyenv = Path.home() / ".pyenv" / "versions"
    if pyenv.is_dir():
        for candidate in sorted(pyenv.glob(f"{version}*/bin/python{version}"), reverse=True):
            return candidate
    found = shutil.which(f"python{version}")
    return Path(found) if found else None


def sam_build(repo: Path, runtime: str = "python3.13") -> SamBuild:
    """Run ``sam build`` in ``repo``; ``.aws-sam/build`` on success, else the reason."""
    sam = find_sam(repo)
    if sam is None:
        return SamBuild(None, "aws-sam-cli not found (run `make sam-validate` to create .venv-sam)")
    version = runtime.removeprefix("python")
    python = find_python(version)
    if python is None:
        return SamBuild(None, f"no python{version} on this machine (sam build needs the runtime's)")
    env = {
        **os.environ,
        "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SAM_CLI_TELEMETRY": "0",
    }
    build_dir = repo / ".aws-sam" / "build"
    command = [str(sam), "build", "--template", "template.yaml", "--build-dir", str(build_dir)]
    try:
        completed = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
            command,
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=SAM_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SamBuild(None, f"sam build did not finish: {type(exc).__name__}")
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        return SamBuild(None, "sam build failed: " + " | ".join(tail))
    return SamBuild(build_dir, "", " ".join(["sam", *command[1:]]))
