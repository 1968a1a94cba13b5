"""How many AWS calls one successful submission makes with the template's default configuration.

Every call is a network round trip the visitor waits for (they run one after another), so the
number is a contract of its own: this test pins the calls the code makes, call by call, and a
change to the request path must update it on purpose. Issue 15's target is 3 or fewer; it was 9
(4 rate-limit counters, Powertools' idempotency claim and answer, the row, SES, the status).
Now: one transaction (the 4 counters, the claim, the row), SES, the status. ``make bench``
reports the same count (``bench/calls.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bench.template_env import features, function_environment, load_template
from toiawase.adapters import aws
from toiawase.local.events import LocalContext, build_event

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
SUCCESS_PATH = [
    # The admission, all or nothing: the client's and the form's counters (minute, day), each
    # on hits < limit; the idempotency claim; the submission's row ("received").
    "dynamodb.TransactWriteItems",
    "sesv2.SendEmail",
    "dynamodb.UpdateItem",  # the row: status "sent"
]


@pytest.fixture
def deployed(submit_module, monkeypatch, request, tmp_path):
    """The template's default environment, its tables and queue created in moto, and the
    repository's forms file compiled where the build puts it (the task root)."""
    from toiawase.forms.check import check_file, compiled_json
    from toiawase.local.stack import create_local_stack

    doc, problems = check_file(ROOT / "forms.yaml")
    assert doc is not None and not problems
    (tmp_path / "forms.json").write_text(compiled_json(doc), "utf-8")
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))

    env = function_environment(load_template(TEMPLATE), "SubmitFunction")
    assert set(features(env)) >= {"store", "idempotency", "rate limits", "retry queue"}
    stack = create_local_stack("calls" + str(abs(hash(request.node.nodeid)))[:8])
    env.update(stack.env())
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return submit_module


def count_calls(handler, event):
    """The AWS calls one invocation makes, in order, with the parameters of each."""
    made: list[tuple[str, dict[str, object]]] = []

    def count(model, params, **_):
        made.append((f"{model.service_model.service_name}.{model.name}", dict(params)))

    clients = [aws.client(name) for name in ("dynamodb", "sesv2", "sqs")]
    for client in clients:
        client.meta.events.register("before-parameter-build", count)
    try:
        result = handler(event, LocalContext())
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", count)
    return result, made


def test_one_successful_submission_makes_three_calls(deployed):
    made: list[str] = []

    def count(model, **_):
        made.append(f"{model.service_model.service_name}.{model.name}")

    clients = [aws.client(name) for name in ("dynamodb", "sesv2", "sqs")]
    for client in clients:
        client.meta.events.register("before-call", count)
    try:
        fields = [("email", "taro@example.jp"), ("name", "山田 太郎"), ("message", "在庫は?")]
        headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
            ("Origin", "https://www.example.com"),
        ]
        event = build_event(
            "POST", "/submit", headers, urlencode(fields).encode(), source_ip="198.51.100.9"
        )
        result = deployed.lambda_handler(event, LocalContext())
    finally:
        for client in clients:
            client.meta.events.unregister("before-call", count)
    body = json.loads(result["body"])
    assert result["statusCode"] == 200 and body["status"] == "sent"
    assert made == SUCCESS_PATH and len(made) <= 3  # issue 15's target


def submission_event(fields, source_ip="198.51.100.9"):
    headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
        ("Origin", "https://www.example.com"),
    ]
    return build_event("POST", "/submit", headers, urlencode(fields).encode(), source_ip=source_ip)


def test_the_transaction_counts_claims_and_stores(deployed):
    """What the one transaction holds with the defaults: four counters, the claim, the row."""
    fields = [("email", "taro@example.jp"), ("message", "在庫は?")]
    result, made = count_calls(deployed.lambda_handler, submission_event(fields))
    assert result["statusCode"] == 200
    items = made[0][1]["TransactItems"]
    tables = [next(iter(item.values()))["TableName"] for item in items]
    env = os.environ
    assert tables == [env["RATE_LIMIT_TABLE"]] * 4 + [
        env["IDEMPOTENCY_TABLE"],
        env["SUBMISSIONS_TABLE"],
    ]
    counters = [item["Update"] for item in items[:4]]
    assert [c["Key"]["id"]["S"].split("#")[1] for c in counters] == ["client"] * 2 + ["form"] * 2
    assert all(
        c["ConditionExpression"] == "attribute_not_exists(hits) OR hits < :limit" for c in counters
    )
    assert items[4]["Put"]["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert items[5]["Put"]["Item"]["status"] == {"S": "received"}


def test_a_repeat_reads_the_first_row_and_an_invalid_post_counts_its_client_once(deployed):
    fields = [("email", "taro@example.jp"), ("message", "二度押し")]
    first, _ = count_calls(deployed.lambda_handler, submission_event(fields))
    again, made = count_calls(deployed.lambda_handler, submission_event(fields))
    assert json.loads(again["body"])["id"] == json.loads(first["body"])["id"]
    assert [name for name, _ in made] == ["dynamodb.TransactWriteItems", "dynamodb.GetItem"]
    invalid, made = count_calls(deployed.lambda_handler, submission_event([("message", "")]))
    assert invalid["statusCode"] == 422
    assert [name for name, _ in made] == ["dynamodb.TransactWriteItems"]
    items = made[0][1]["TransactItems"]
    assert [item["Update"]["Key"]["id"]["S"].split("#")[1] for item in items] == ["client"] * 2


def test_a_honeypot_post_makes_the_same_calls_but_sends_nothing(deployed):
    fields = [("email", "taro@example.jp"), ("message", "spam"), ("_gotcha", "x")]
    result, made = count_calls(deployed.lambda_handler, submission_event(fields))
    assert result["statusCode"] == 200 and json.loads(result["body"])["status"] == "sent"
    assert [name for name, _ in made] == ["dynamodb.TransactWriteItems", "dynamodb.UpdateItem"]
    items = made[0][1]["TransactItems"]
    assert [item["Update"]["Key"]["id"]["S"].split("#")[1] for item in items[:2]] == ["client"] * 2
    assert items[-1]["Put"]["Item"]["status"] == {"S": "spam"} and len(items) == 4


def test_a_containers_first_stored_submission_reads_the_reply_hash_key_once(deployed, monkeypatch):
    """As deployed, REPLY_HASH_KEY is the ARN of the stack's secret: the first submission a
    container stores reads it (one ``GetSecretValue``, before the admission: four sequential
    calls), and every later one uses the kept key (three)."""
    import boto3

    from toiawase.handlers import wiring

    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="toiawase-ReplyHashKey", SecretString="a-generated-key"
    )["ARN"]
    monkeypatch.setenv("REPLY_HASH_KEY", arn)
    wiring._hasher.cache_clear()  # a new container
    made: list[str] = []

    def count(model, **_):
        made.append(f"{model.service_model.service_name}.{model.name}")

    clients = [aws.client(name) for name in ("dynamodb", "sesv2", "sqs", "secretsmanager")]
    for client in clients:
        client.meta.events.register("before-call", count)
    try:
        first = deployed.lambda_handler(
            submission_event([("email", "a@example.jp"), ("message", "one")]), LocalContext()
        )
        calls_of_first, made[:] = list(made), []
        second = deployed.lambda_handler(
            submission_event([("email", "b@example.jp"), ("message", "two")], "198.51.100.10"),
            LocalContext(),
        )
    finally:
        for client in clients:
            client.meta.events.unregister("before-call", count)
        wiring._hasher.cache_clear()
    assert first["statusCode"] == second["statusCode"] == 200
    assert calls_of_first == ["secretsmanager.GetSecretValue", *SUCCESS_PATH]
    assert made == SUCCESS_PATH
