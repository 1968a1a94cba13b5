"""Schemathesis, an outside fuzzer, against ``toiawase dev`` serving the repository's forms.yaml.

The fuzzer reads the OpenAPI document the dev server publishes (``/openapi.json``, generated
from the same forms file the function loaded), generates thousands of requests across every form
— valid bodies, invalid ones, every encoding, other methods — and checks each answer: no 5xx,
every status code documented, every body and header matching its schema. Two passes: a plain
browser (HTML answers, 303 redirects not followed) and a script asking for JSON.

The figures (requests per operation and status, from the dev server's own request log) are
written to ``test-artifacts/schemathesis.json``; docs/security.md quotes a run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.devserver import ROOT, DevServerProcess
from toiawase.local.devforms import DEMO_FORM_ID

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
ARTIFACTS = ROOT / "test-artifacts"
# Rate limits stay on but cannot be reached by one fuzzing run (every request is one client).
ROOMY_LIMITS = "client_minute=100000,client_day=1000000,form_minute=100000,form_day=1000000"
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)
# Test cases per operation and pass: about 3,000 requests in all, a few minutes on 2 cores.
MAX_EXAMPLES = 200
# The dev server's request line: "12:03:04  POST /submit  303  sent  id 9f1c…  12 ms".
REQUEST_LINE = re.compile(r"^\d\d:\d\d:\d\d  ([A-Z]+) (/\S*)  (\d{3})  ")


def run_schemathesis(
    server: DevServerProcess, workdir: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            server.url("/openapi.json"),
            "--checks",
            CHECKS,
            "--max-examples",
            str(MAX_EXAMPLES),
            "--max-redirects",
            "0",
            # One worker: the fuzzer's own code generation is not thread-safe on Python 3.11.
            "--workers",
            "1",
            "--header",
            f"Origin: {server.base_url}",
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=workdir,  # its cache (.schemathesis/) stays out of the repository
        timeout=900,
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
    )


def tally(output: list[str]) -> Counter[tuple[str, str, int]]:
    counts: Counter[tuple[str, str, int]] = Counter()
    for line in output:
        match = REQUEST_LINE.match(line.strip())
        if match is None:
            continue
        method, path, status = match.groups()
        if path.startswith("/submissions/"):
            path = "/submissions/{id}"
        elif path == "/openapi.json":
            continue
        counts[(method, path, int(status))] += 1
    return counts


@pytest.mark.fuzz
def test_schemathesis_finds_nothing_against_the_dev_server(tmp_path):
    server = DevServerProcess(env={"RATE_LIMITS": ROOMY_LIMITS})
    try:
        browser = run_schemathesis(server, tmp_path)
        script = run_schemathesis(
            server, tmp_path, "--header", "Accept: application/json", "--phases", "fuzzing"
        )
    finally:
        server.stop()
    counts = tally(server.output)
    total = sum(counts.values())
    ARTIFACTS.mkdir(exist_ok=True)
    figures = {
        "requests": total,
        "by_status": {
            str(s): n for s, n in sorted(Counter(k[2] for k in counts.elements()).items())
        },
        "by_operation": {f"{m} {p} {s}": n for (m, p, s), n in sorted(counts.items())},
        "summary": [
            line
            for run in (browser, script)
            for line in run.stdout.splitlines()
            if "generated" in line or "Seed:" in line
        ],
    }
    (ARTIFACTS / "schemathesis.json").write_text(json.dumps(figures, indent=2), "utf-8")
    for run in (browser, script):
        assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert not [key for key in counts if key[2] >= 500], counts
    assert total >= 2000, figures
    # Every form of the file was fuzzed, and the upload route of each form with file fields.
    fuzzed = {path for _, path, _ in counts if path.startswith("/f/")}
    forms = yaml.safe_load((ROOT / "forms.yaml").read_text("utf-8"))["forms"]
    uploads = {
        f"/f/{form_id}/uploads"
        for form_id, form in forms.items()
        if any(spec.get("type") == "file" for spec in (form.get("fields") or {}).values())
    }
    assert uploads, "forms.yaml has a form with file fields (jobs)"
    # ``toiawase dev`` adds its deliveries demo form (local/devforms.py) beside the file's.
    demo = set() if DEMO_FORM_ID in forms else {f"/f/{DEMO_FORM_ID}"}
    assert fuzzed == {f"/f/{form_id}" for form_id in forms} | uploads | demo
