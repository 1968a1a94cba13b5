"""The deployed mode of the end-to-end suite, shown here without AWS.

A separately started ``toiawase dev`` stands in for the deployed stack: the suite runs (in its
own pytest process, as ``make e2e-deployed`` runs it) with ``TOIAWASE_URL`` = that server's base
URL, so the browser tests serve ``examples/site`` themselves on ``TOIAWASE_SITE_PORT`` and post
across origins, and ``TOIAWASE_STACK`` names a CloudFormation stack created in the dev server's
embedded AWS (its moto server, ``AWS_ENDPOINT_URL``) whose ``SubmissionsTableName`` output names
the dev server's table, as a deployed stack's outputs do. The table check then runs the same
code as against AWS: the stack's outputs, then the submission's row.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.devserver import ROOT, DevServerProcess
from tests.e2e.conftest import browser_problem
from tests.e2e.site import DEV_ONLY, SITE_PORT
from tests.e2e.stacktable import StackTable
from tests.e2e.target import Target

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        bool(os.environ.get("TOIAWASE_URL", "").strip()),
        reason="it shows deployed mode against a stand-in; TOIAWASE_URL names the real target",
    ),
]

STACK = "toiawase-e2e-stand-in"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# A handful of the suite, each kind once: HTTP, browser with and without JavaScript, the
# honeypot's row in the table, and a dev-only test that must be skipped with its reason.
RUN = {
    "tests/e2e/test_http.py::test_a_json_client_is_told_sent_and_the_mail_arrives": "passed",
    "tests/e2e/test_http.py::test_another_site_is_refused_with_403": "passed",
    "tests/e2e/test_site.py::test_js_off_japanese_submission_lands_on_the_thank_you_page": (
        "browser"
    ),
    "tests/e2e/test_site.py::test_js_on_submission_shows_the_reference": "browser",
    "tests/e2e/test_site.py::test_a_bot_that_fills_the_honeypot_sends_nothing": "browser",
    "tests/e2e/test_preview.py::test_preview_lists_the_newest_first_and_shows_a_message": (
        "skipped"
    ),
}


@dataclass(frozen=True)
class StandIn:
    """The dev server playing a deployed stack, and how to reach its embedded AWS."""

    dev: DevServerProcess
    endpoint: str
    table: str
    site_port: int

    @property
    def aws(self) -> dict[str, str]:
        return {**FAKE_AWS, "AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    site_port = _free_port()
    dev = DevServerProcess(env={"ALLOWED_ORIGINS": f"http://127.0.0.1:{site_port}"})
    try:
        data = re.search(r"--endpoint-url (\S+) --table (\S+)", "".join(dev.output))
        assert data is not None, "".join(dev.output)
        endpoint, table = data.group(1), data.group(2)
        import boto3

        cloudformation = boto3.client(
            "cloudformation", endpoint_url=endpoint, region_name="us-east-1"
        )
        template = {
            "Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"SubmissionsTableName": {"Value": table}},
        }
        cloudformation.create_stack(StackName=STACK, TemplateBody=json.dumps(template))
        yield StandIn(dev, endpoint, table, site_port)
    finally:
        dev.stop()


def _outcomes(report: Path) -> dict[str, tuple[str, str]]:
    """Each test case of a JUnit report: ``path::name`` → (outcome, skip or failure text)."""
    found: dict[str, tuple[str, str]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        module = str(case.get("classname", "")).replace(".", "/") + ".py"
        name = f"{module}::{case.get('name')}"
        detail = next(iter(case), None)
        if detail is None:
            found[name] = ("passed", "")
        else:
            text = f"{detail.get('message', '')} {detail.text or ''}"
            found[name] = ("skipped" if detail.tag == "skipped" else detail.tag, text)
    return found


def test_the_suite_in_deployed_mode_passes_against_a_stand_in_stack(stand_in, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "TOIAWASE_", "POWERTOOLS_"))
    }
    env.update(stand_in.aws)
    env.update(
        {
            "TOIAWASE_URL": stand_in.dev.base_url,
            SITE_PORT: str(stand_in.site_port),
            "TOIAWASE_STACK": STACK,
            "TOIAWASE_REGION": "us-east-1",
        }
    )
    report = tmp_path / "deployed.xml"
    before = stand_in.dev.mailbox.count()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", *RUN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert f"the status endpoint and the submissions table of stack {STACK}" in run.stdout
    outcomes = _outcomes(report)
    no_browser = browser_problem()
    for test, expected in RUN.items():
        outcome, detail = outcomes[test]
        if expected == "browser":
            expected = "skipped" if no_browser else "passed"
        assert outcome == expected, f"{test}: {outcome} {detail}\n{run.stdout[-4000:]}"
        if outcome == "skipped" and expected != "browser":
            assert (no_browser or DEV_ONLY) in detail.replace("\n", " ")
    # The stand-in really was the target: it sent the JSON client's message and, with a
    # browser, the two from the pages (the honeypot's is kept as spam, never sent).
    assert stand_in.dev.mailbox.count() == before + (1 if no_browser else 3)


def test_the_table_check_reads_status_and_message_id_never_the_content(stand_in):
    target = Target(stand_in.dev.base_url, f"http://127.0.0.1:{stand_in.site_port}")
    table = StackTable(STACK, stand_in.aws, "us-east-1")
    text = f"秘密の本文 {uuid.uuid4().hex}"
    fields = {"email": "taro@example.jp", "message": text}
    answer = target.post_form(fields, Accept="application/json")
    assert answer.status == 200, answer
    sent = answer.json()["id"]
    row = table.assert_arrived(sent, timeout=10)
    assert table.table_name == stand_in.table  # found from the stack's outputs
    assert row["status"] == "sent" and row["ses_message_id"] is True
    assert text not in repr(row) and "taro" not in repr(row)

    # A honeypot hit: stored as spam, never sent, so the check fails, and says why without the
    # stored message.
    trap = target.post_form({**fields, "_gotcha": "x"}, Accept="application/json").json()["id"]
    with pytest.raises(AssertionError) as failed:
        table.assert_arrived(trap, timeout=0)
    assert "spam" in str(failed.value) and text not in str(failed.value)
    with pytest.raises(AssertionError, match="no row"):
        table.assert_arrived("0" * 32, timeout=0)


def test_make_e2e_deployed_says_why_it_does_nothing_without_a_url():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOIAWASE_")}
    run = subprocess.run(
        ["make", "--no-print-directory", "e2e-deployed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "e2e-deployed skipped: no TOIAWASE_URL given" in run.stdout
