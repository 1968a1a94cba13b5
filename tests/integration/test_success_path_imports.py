"""What a container imports to serve a plain submission, with the template's defaults.

Every module a cold start imports is time the first visitor waits (``make bench``, cold rows).
The code that only some requests need is imported when one needs it: the notify code (forms
with webhooks, Slack, Discord or a receipt), the S3 adapter (forms with file fields and the
upload routes), boto3 (never: plain botocore). (The retry queue's small adapter is built, its
SQS client only at a failed send: ``aws.lazy_client``.) This test runs
one successful contact-form post in a fresh interpreter, with the network stubbed under
botocore as ``make bench`` does, and checks that none of them was loaded on the way; then it
posts to a form with a webhook and checks the notify code does load there, so the first check
cannot pass by never reaching the code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.template_env import function_environment, load_template

ROOT = Path(__file__).resolve().parents[2]

OFF_THE_SUCCESS_PATH = (
    "boto3",
    "aws_lambda_powertools.utilities.typing",  # type hints only
    "toiawase.core.notify",
    "toiawase.adapters.delivery_store",
    "toiawase.adapters.s3_files",
    "toiawase.local",
    "toiawase.cli",
)

SCRIPT = """
import json, os, sys
from bench import child
child.install_network_stub()  # before any client exists, as in make bench
import botocore.session
made = []  # the services of the botocore clients created, in order
create_client = botocore.session.Session.create_client
def counted(self, service_name, *args, **kwargs):
    made.append(service_name)
    return create_client(self, service_name, *args, **kwargs)
botocore.session.Session.create_client = counted
import toiawase.handlers.submit as submit
at_init = {"clients": list(made), "calls": list(child.CALLS), "parser": "multipart" in sys.modules}
with open(sys.argv[1], encoding="utf-8") as source:
    event = json.load(source)
null = os.open(os.devnull, os.O_WRONLY)
saved = os.dup(1)
os.dup2(null, 1)  # Powertools logs to stdout
result = submit.lambda_handler(event, child.BenchContext("imports"))
os.dup2(saved, 1)
print(json.dumps({
    "status": result["statusCode"], "modules": sorted(sys.modules), "calls": list(child.CALLS),
    "init": at_init, "clients": made,
}))
"""


def compiled_forms(tmp_path: Path, extra: str = "") -> Path:
    """The repository's forms file (plus ``extra`` forms), compiled where the build puts it."""
    from toiawase.forms.check import check_file, compiled_json

    source = tmp_path / "forms.yaml"
    source.write_text((ROOT / "forms.yaml").read_text("utf-8") + extra, "utf-8")
    doc, problems = check_file(source)
    assert doc is not None and not problems, problems
    (tmp_path / "forms.json").write_text(compiled_json(doc), "utf-8")
    return tmp_path


def run_post(task_root: Path, form: str | None = None, *, in_lambda: bool = True) -> dict[str, Any]:
    """One post in a fresh interpreter: the bench's urlencoded event (to ``/f/<form>``).

    ``in_lambda``: with the variable Lambda's runtime sets (``AWS_EXECUTION_ENV``), as a
    container; without it, as a test run or ``make dev`` imports the handler."""
    from bench.samples import events

    event = events()["urlencoded"]
    if form is not None:
        event = dict(
            event,
            rawPath=f"/f/{form}",
            routeKey="POST /f/{form}",
            pathParameters={"form": form},
        )
    (task_root / "event.json").write_text(json.dumps(event), "utf-8")
    env = function_environment(load_template(ROOT / "template.yaml"), "SubmitFunction")
    env.update(
        {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
            "LAMBDA_TASK_ROOT": str(task_root),
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "toiawase",
            "POWERTOOLS_METRICS_NAMESPACE": "toiawase",
        }
    )
    if in_lambda:
        env["AWS_EXECUTION_ENV"] = "AWS_Lambda_python3.13"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(task_root / "event.json")],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(task_root),
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_a_plain_submission_imports_nothing_it_does_not_use(tmp_path):
    found = run_post(compiled_forms(tmp_path))
    assert found["status"] == 303  # sent: the whole success path ran
    assert found["calls"][-2:] == ["sesv2.SendEmail", "dynamodb.UpdateItem"], found["calls"]
    modules = set(found["modules"])
    loaded = [
        m for m in modules if any(m == o or m.startswith(o + ".") for o in OFF_THE_SUCCESS_PATH)
    ]
    assert loaded == [], loaded


WEBHOOK_FORM = """
  hooked:
    title: Hooked
    undeclared_fields: keep
    fields:
      email:   {type: email, label: Email, required: true, reply_to: true}
      message: {type: textarea, label: Message, required: true}
    notify:
      - {type: email}
      - type: webhook
        url: "https://hooks.example.com/toiawase"
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
"""


def test_a_form_with_a_webhook_does_load_the_notify_code(tmp_path):
    found = run_post(compiled_forms(tmp_path, WEBHOOK_FORM), form="hooked")
    assert found["status"] == 303
    assert "toiawase.core.notify.delivery" in found["modules"]
    assert "sqs.SendMessageBatch" in found["calls"], found["calls"]


def test_init_makes_the_success_paths_clients_and_no_call(tmp_path):
    """In a container, INIT (the import) creates every client a plain submission uses (Lambda
    runs INIT on a full vCPU; an invocation gets 256/1769 of one), without calling AWS; the
    first request then creates none and makes the success path's calls."""
    found = run_post(compiled_forms(tmp_path))
    assert found["status"] == 303
    assert found["init"]["calls"] == []  # no network during INIT: a slow AWS cannot fail it
    assert sorted(found["init"]["clients"]) == ["dynamodb", "secretsmanager", "sesv2"]
    assert found["clients"] == found["init"]["clients"]  # the first request made none
    assert found["init"]["parser"]  # core.service.prepare: the Content-Type parser's module
    # the reply-hash key is read at the first stored submission, not at INIT
    assert found["calls"] == [
        "secrets-manager.GetSecretValue",
        "dynamodb.TransactWriteItems",
        "sesv2.SendEmail",
        "dynamodb.UpdateItem",
    ]


def test_outside_lambda_the_import_makes_only_the_ses_client(tmp_path):
    """A test run or ``make dev`` imports the handler before its environment is final: only
    the SES client is made then, the others at first use, as before."""
    found = run_post(compiled_forms(tmp_path), in_lambda=False)
    assert found["status"] == 303
    assert found["init"]["clients"] == ["sesv2"]
    assert not found["init"]["parser"]
    assert sorted(found["clients"]) == ["dynamodb", "secretsmanager", "sesv2"]
