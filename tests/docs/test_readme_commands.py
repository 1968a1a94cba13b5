"""Every command in the README's ``sh`` blocks works as written, or is listed here as
deliberately not runnable on this machine, with the reason.

Runnable commands run in this checkout (``make`` has already built ``.venv`` when the tests
run). A new command in the README fails ``test_every_readme_command_is_accounted_for`` until it
is added below.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass

import pytest

from tests.docs.markdown import ROOT, fenced_blocks


@dataclass(frozen=True)
class Serves:
    """A long-running command: started, asked for ``path`` once ``ready`` appears, stopped."""

    ready: str
    path: str = "/"


@dataclass(frozen=True)
class NotHere:
    reason: str


Disposition = Serves | NotHere

COMMANDS: dict[str, Disposition] = {
    # TOIAWASE_DEV_PORT=0: the command as written, on a free port (the machine is shared).
    "make dev": Serves(ready=r"Ctrl-C stops", path="/"),
    "make test": NotHere("it is the suite that runs this test"),
    "sam build": NotHere(
        "needs the AWS SAM CLI and Python 3.13 (make sam-validate builds .venv-sam)"
    ),
    "sam deploy --guided": NotHere("deploys to an AWS account"),
    ".venv/bin/toiawase doctor example.com --sender forms@example.com": NotHere(
        "asks a real SES account and public DNS about example.com"
    ),
    ".venv/bin/toiawase submissions export --stack toiawase --form contact --since 2026-11-01"
    " --format csv --output november.csv": NotHere(
        "reads a deployed stack's table; tests/integration/test_data_commands.py runs export"
        " against moto"
    ),
    ".venv/bin/toiawase forget taro@example.jp --stack toiawase --dry-run": NotHere(
        "reads a deployed stack's table; tests/integration/test_data_commands.py runs forget"
        " against moto"
    ),
}


def readme_commands() -> list[str]:
    """Each command of the README's ``sh`` blocks: comments dropped, continuations joined."""
    commands = []
    text = (ROOT / "README.md").read_text("utf-8")
    for block in fenced_blocks(text):
        if block.info not in ("sh", "shell", "bash", "console"):
            continue
        joined = re.sub(r"\\\n\s*", " ", block.text)
        for line in joined.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(re.sub(r"\s+", " ", command))
    return commands


def test_every_readme_command_is_accounted_for():
    commands = readme_commands()
    assert commands, "the README has no sh block"
    unknown = [c for c in commands if c not in COMMANDS]
    assert unknown == [], "run it in this test, or list it as NotHere with the reason"
    gone = [c for c in COMMANDS if c not in commands]
    assert gone == [], "no longer in the README: drop it from COMMANDS"


def _serve(command: str, how: Serves) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(TOIAWASE_DEV_PORT="0", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        command,
        shell=True,  # the README's words, as a reader types them
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # make and its child stop together
    )
    output: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        for line in process.stdout:
            output.append(line)
            if re.search(how.ready, line) or time.monotonic() > deadline:
                break
        text = "".join(output)
        assert re.search(how.ready, text), text
        port = re.search(r"http://127\.0\.0\.1:(\d+)/", text)
        assert port is not None, text
        url = f"http://127.0.0.1:{port.group(1)}{how.path}"
        with urllib.request.urlopen(url, timeout=20) as response:
            assert response.status == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_readme_command(command):
    how = COMMANDS[command]
    if isinstance(how, NotHere):
        pytest.skip(f"deliberately not run here: {how.reason}")
    _serve(command, how)
