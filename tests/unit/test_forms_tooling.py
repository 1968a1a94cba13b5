"""toiawase forms check|compile and toiawase openapi: the tooling before deploy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from tests.unit.helpers import settings
from toiawase.cli import main
from toiawase.core.forms.load import load_forms_file
from toiawase.forms.check import check_file, schema

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "forms.yaml"

BAD = """\
defaults:
  recipients: [not-an-address]
default_form: nowhere
forms:
  contact:
    redirect: https://evil.example.net/x
    allowed_origins: [https://www.example.com]
    fields:
      email: {type: email, reply_to: true}
      other: {type: email, reply_to: true}
      code: {type: text, pattern: "(a+)+$"}
    notify:
      - {type: webhook, url: "https://user:pw@10.0.0.1/hook"}
  Bad:
    fields:
      x: {type: colour}
  dup:
    fields: {a: {}}
  dup:
    fields: {a: {}}
"""


def test_the_schema_copies_agree():
    assert json.loads((ROOT / "forms.schema.json").read_text(encoding="utf-8")) == schema()


def test_the_sample_forms_file_is_valid(capsys):
    assert main(["forms", "check", str(SAMPLE)]) == 0
    assert "ok" in capsys.readouterr().out
    first = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=./forms.schema.json"


def test_every_problem_with_its_line_and_column(tmp_path, capsys):
    path = tmp_path / "forms.yaml"
    path.write_text(BAD, encoding="utf-8")
    assert main(["forms", "check", str(path)]) == 1
    err = capsys.readouterr().err
    for expected in (
        ":2:16: defaults.recipients[0]: not a valid address",
        ":3:1: default_form: names no form ('nowhere')",
        ":6:5: forms.contact.redirect: is not on one of the form's allowed_origins",
        ":10:28: forms.contact.fields.other.reply_to: only one field per form can be reply_to",
        ":11:26: forms.contact.fields.code.pattern: a repeated part contains another unbounded",
        ":13:25: forms.contact.notify[0].url: must not carry a user name or password",
        ":13:25: forms.contact.notify[0].url: must not point at a private, loopback",
        ":14:3: forms.Bad: 'Bad' does not match",
        ":16:11: forms.Bad.fields.x.type: 'colour' is not one of",
        ":19:3: forms.dup: duplicate key (first on line 17)",
    ):
        assert expected in err, expected


def test_yaml_that_does_not_parse_has_a_position(tmp_path):
    path = tmp_path / "forms.yaml"
    path.write_text("forms:\n  a: [unclosed\n", encoding="utf-8")
    _, problems = check_file(path)
    assert len(problems) == 1 and problems[0].line >= 2 and "not valid YAML" in problems[0].what


def test_json_is_accepted(tmp_path):
    path = tmp_path / "forms.json"
    path.write_text(json.dumps({"forms": {"a": {"fields": {"q": {}}}}}), encoding="utf-8")
    assert main(["forms", "check", str(path)]) == 0


def test_compile_writes_what_the_lambda_loads(tmp_path):
    out = tmp_path / "forms.json"
    assert main(["forms", "compile", str(SAMPLE), str(out)]) == 0
    config = load_forms_file(str(out), settings())
    assert (
        config.ids == ("contact", "quote", "jobs", "toiawase") and config.default_form == "contact"
    )
    quote = config.get("quote")
    # The sample is a default deployment's file: recipients come from the environment.
    assert quote is not None and quote.recipients == settings().recipient_addresses
    contact = config.get("contact")
    assert contact is not None and contact.undeclared_fields == "keep"
    assert quote.undeclared_fields == "reject"
    assert {f.type for f in quote.fields} >= {
        "text",
        "textarea",
        "email",
        "tel",
        "url",
        "number",
        "date",
        "select",
        "radio",
        "checkbox",
        "checkboxes",
        "hidden",
    }
    assert [f.name for f in quote.fields][:3] == ["email", "name", "company"]


def test_compile_refuses_a_bad_file(tmp_path):
    path = tmp_path / "forms.yaml"
    path.write_text(BAD, encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["forms", "compile", str(path), str(out)]) == 1
    assert not out.exists()


def test_openapi_document_is_valid_and_covers_every_form(tmp_path):
    out = tmp_path / "openapi.json"
    assert main(["openapi", "--forms", str(SAMPLE), "--output", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate(doc)
    assert set(doc["paths"]) == {
        "/f/contact",
        "/f/quote",
        "/f/jobs",
        "/f/toiawase",
        "/f/jobs/uploads",
        "/submit",
        "/submissions/{id}",
    }
    quote = doc["paths"]["/f/quote"]["post"]
    assert set(quote["responses"]) == {
        "200", "202", "303", "400", "403", "404", "409", "413", "415", "422", "429", "431",
        "5XX",
    }  # fmt: skip
    body = quote["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["email", "product", "consent"]
    assert body["properties"]["product"]["enum"] == ["basic", "pro", "enterprise"]
    assert body["properties"]["topics"]["items"]["enum"] == ["billing", "support", "sales"]
    assert body["additionalProperties"] is False
    assert set(quote["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded", "multipart/form-data", "application/json"
    }  # fmt: skip
    submit = doc["paths"]["/submit"]["post"]["requestBody"]["content"]["application/json"]
    assert list(submit["schema"]["required"]) == ["email", "message"]
    assert "_upload" not in submit["schema"]["properties"]  # no file fields, no upload id


def test_openapi_describes_file_fields_and_the_uploads_route(tmp_path):
    """issue 12: multipart file parts (binary, accept list and size), the upload id of the
    JavaScript path in every encoding, and POST /f/{form}/uploads with its answers."""
    out = tmp_path / "openapi.json"
    assert main(["openapi", "--forms", str(SAMPLE), "--output", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate(doc)
    jobs_yaml = yaml.safe_load(SAMPLE.read_text("utf-8"))["forms"]["jobs"]["fields"]
    (name, spec), *_ = ((n, f) for n, f in jobs_yaml.items() if f.get("type") == "file")
    content = doc["paths"]["/f/jobs"]["post"]["requestBody"]["content"]
    part = content["multipart/form-data"]["schema"]["properties"][name]
    item = part["items"] if part.get("type") == "array" else part
    assert item["type"] == "string" and item["format"] == "binary"
    assert item["x-accept"] == list(spec["accept"])
    assert item["x-max-size"] > 0 and part["x-max-files"] == spec.get("max_files", 1)
    assert all(a in item["description"] for a in spec["accept"])
    for encoding in ("application/json", "application/x-www-form-urlencoded"):
        properties = content[encoding]["schema"]["properties"]
        assert name not in properties  # bytes only in multipart
        assert properties["_upload"]["pattern"] == "^[0-9a-f]{32}$"
    uploads = doc["paths"]["/f/jobs/uploads"]["post"]
    wanted = uploads["requestBody"]["content"]["application/json"]["schema"]
    assert wanted["properties"]["files"]["items"]["properties"]["field"]["enum"] == [name]
    assert set(uploads["responses"]) == {
        "200", "400", "403", "404", "413", "422", "429", "431", "5XX"
    }  # fmt: skip
    answer = uploads["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/Uploads"}
    issued = doc["components"]["schemas"]["Uploads"]
    assert issued["required"] == ["ok", "upload", "expires_in", "files"]
    assert doc["components"]["schemas"]["Queued"]["properties"]["status"]["enum"] == [
        "queued",
        "scanning",
    ]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://2130706433/hook", "must not point at a private, loopback or link-local"),
        ("https://0x7f.1/hook", "must not point at a private, loopback or link-local"),
        ("https://0177.0.0.1/hook", "must not point at a private, loopback or link-local"),
        ("https://[64:ff9b::a9fe:a9fe]/hook", "(embedded_link_local)"),
        ("https://[::ffff:10.0.0.1]/hook", "(embedded_private)"),
        ("https://[fd00:ec2::254]/hook", "must not point at a private, loopback or link-local"),
        ("https://100.64.0.1/hook", "(cgnat)"),
        ("https://hooks.example.com:8443/hook", "port 8443 is not allowed"),
        ("http://hooks.example.com/hook", "must be an https:// URL"),
        ("http://127.0.0.1:8080/hook", "must be an https:// URL"),
        ("https://api.localhost/hook", "must not point at a private, loopback or link-local"),
    ],
)
def test_forms_check_refuses_what_the_delivery_policy_refuses(tmp_path, capsys, url, problem):
    """The same check_url the delivery function applies, before deploy (no DNS here)."""
    path = tmp_path / "forms.yaml"
    path.write_text(
        f"forms:\n  contact:\n    fields: {{message: {{type: textarea}}}}\n"
        f'    notify:\n      - {{type: slack, url: "{url}"}}\n',
        encoding="utf-8",
    )
    assert main(["forms", "check", str(path)]) == 1
    assert problem in capsys.readouterr().err


def test_forms_check_accepts_a_public_https_url(tmp_path, capsys):
    path = tmp_path / "forms.yaml"
    url = "https://hooks.slack.com/services/T000/B000/XXXX"
    path.write_text(
        f"forms:\n  contact:\n    fields: {{message: {{type: textarea}}}}\n"
        f'    notify:\n      - {{type: slack, url: "{url}"}}\n',
        encoding="utf-8",
    )
    assert main(["forms", "check", str(path)]) == 0, capsys.readouterr().err
