"""``toiawase dev`` serves the forms file: compiled at start, ``FORMS_FILE`` for the function,
the OpenAPI document at ``/openapi.json``; a broken file stops it with line and column."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from openapi_spec_validator import validate

from tests.devserver import CLI, ROOT, DevServerProcess
from tests.integration.test_local import local_env
from toiawase.local.devforms import DEMO_FORM_ID


def get_json(server: DevServerProcess, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(server.url(path), timeout=10) as response:
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        data = json.loads(response.read())
        assert isinstance(data, dict)
        return data


@pytest.fixture(scope="module")
def dev_server() -> Iterator[DevServerProcess]:
    server = DevServerProcess()
    yield server
    server.stop()


def test_make_dev_serves_the_repository_forms_file(dev_server):
    assert any(str(ROOT / "forms.yaml") in line for line in dev_server.output)
    origin = dev_server.url("").rstrip("/")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "Origin": origin,
    }
    # The quote form's own rules: a missing select and an option that is not in the list.
    response = dev_server.post(
        urlencode({"email": "a@example.jp", "product": "gold"}).encode(), headers, "/f/quote"
    )
    body = json.loads(response.read())
    assert response.status == 422 and body["error"] == "invalid_fields"
    assert set(body["fields"]) == {"product", "consent"}
    # An unknown form is a 404 naming no text of the request.
    response = dev_server.post(b"email=a%40example.jp", headers, "/f/nope")
    assert response.status == 404 and json.loads(response.read())["error"] == "unknown_form"
    # /submit is the default form (contact), which keeps undeclared fields.
    sent = dev_server.mailbox.count()
    form = {"email": "a@example.jp", "message": "hello", "company": "ACME"}
    response = dev_server.post(urlencode(form).encode(), headers)
    answer = json.loads(response.read())
    assert response.status == 200 and answer["status"] == "sent", answer
    message = dev_server.mailbox.message(sent + 1)
    assert str(message["X-Toiawase-Form"]) == "contact"
    # Recipients come from the deployment's environment (the local default), not the file.
    assert [a.addr_spec for a in message["To"].addresses] == ["owner@example.com"]


def test_the_openapi_document_is_served_valid_and_names_the_dev_server(dev_server):
    document = get_json(dev_server, "/openapi.json")
    validate(document)
    assert document["servers"] == [{"url": dev_server.base_url}]
    forms = yaml.safe_load((ROOT / "forms.yaml").read_text("utf-8"))["forms"]
    paths = document["paths"]
    assert isinstance(paths, dict)
    with_files = {
        f"/f/{form_id}/uploads"
        for form_id, form in forms.items()
        if any(f.get("type") == "file" for f in form.get("fields", {}).values())
    }
    assert with_files == {"/f/jobs/uploads"}
    # The dev server's own demonstration form (toiawase.local.devforms.DEMO_FORM_ID) too.
    served = {f"/f/{form_id}" for form_id in [*forms, DEMO_FORM_ID]}
    assert served | with_files | {"/submit", "/submissions/{id}"} == set(paths)
    quote = paths["/f/quote"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert list(quote["properties"])[: len(forms["quote"]["fields"])] == list(
        forms["quote"]["fields"]
    )


def test_a_broken_forms_file_stops_dev_with_line_and_column(tmp_path):
    broken = tmp_path / "forms.yaml"
    broken.write_text(
        "forms:\n"
        "  contact:\n"
        "    fields:\n"
        "      email: {type: email, required: true}\n"
        "      plan: {type: select}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [CLI, "dev", "--port", "0", "--forms", str(broken)],
        capture_output=True,
        text=True,
        env=local_env(),
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"{broken}:5:7: forms.contact.fields.plan:" in result.stderr
    assert "options" in result.stderr
    assert "POST forms to" not in result.stdout


def test_no_forms_file_is_the_environment_form(tmp_path):
    server = DevServerProcess("--no-forms")
    try:
        assert any("from the environment" in line for line in server.output)
        document = get_json(server, "/openapi.json")
        validate(document)
        assert set(document["paths"]) == {"/f/default", "/submit", "/submissions/{id}"}
    finally:
        server.stop()


def test_the_compiled_file_is_removed_when_dev_stops(tmp_path):
    source = tmp_path / "one.yaml"
    source.write_text(
        "forms:\n  only:\n    fields:\n      email: {type: email, required: true}\n",
        encoding="utf-8",
    )
    # Its own temporary folder: other dev servers on this machine make theirs in the shared one.
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    server = DevServerProcess("--forms", str(source), env={"TMPDIR": str(own_tmp)})
    try:
        created = set(own_tmp.glob("toiawase-forms-*"))
        assert len(created) == 1
        folder = created.pop()
        assert json.loads((folder / "forms.json").read_text("utf-8"))["forms"]["only"]
        assert set(get_json(server, "/openapi.json")["paths"]) == {
            "/f/only",
            f"/f/{DEMO_FORM_ID}",  # the dev server's own, added to the compiled copy only
            "/submit",
            "/submissions/{id}",
        }
    finally:
        server.stop()
    assert not folder.exists()
