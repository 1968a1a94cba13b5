"""template.yaml: the contract's parameters, CORS never '*', least-privilege SES sending."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from tests.contract import CONTRACT_NAMES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE: dict[str, Any] = cfn_yaml.load(str(ROOT / "template.yaml"))
RESOURCES = TEMPLATE["Resources"]


def functions() -> dict[str, Any]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}


def statements() -> list[dict[str, Any]]:
    found = []
    for function in functions().values():
        for policy in function["Properties"].get("Policies", []):
            assert isinstance(policy, dict) and "Statement" in policy, (
                "only inline statements, no managed or SAM policy templates"
            )
            found.extend(_unwrap(policy["Statement"]))
    return found


def _unwrap(items: list[Any]) -> list[dict[str, Any]]:
    """Statements, with each ``Fn::If`` replaced by its branches (``AWS::NoValue`` dropped)."""
    out: list[dict[str, Any]] = []
    for item in items:
        if "Fn::If" in item:
            branches = item["Fn::If"][1:]
            out.extend(b for b in branches if b != {"Ref": "AWS::NoValue"})
        else:
            out.append(item)
    return out


def test_cfn_lint_is_clean():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_contract_variable_is_a_function_variable_from_a_parameter():
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    for name in CONTRACT_NAMES:
        ref = variables[name]
        assert "Ref" in ref and ref["Ref"] in TEMPLATE["Parameters"], name


def test_function_runtime_architecture_layer_and_handler():
    globals_ = TEMPLATE["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13" and globals_["Architectures"] == ["arm64"]
    layer = json.dumps(globals_["Layers"])
    assert "017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64" in layer
    submit = RESOURCES["SubmitFunction"]["Properties"]
    assert submit["Handler"] == "toiawase.handlers.submit.lambda_handler"
    assert globals_["CodeUri"] == "functions/"
    route = submit["Events"]["Submit"]
    assert route["Type"] == "HttpApi"
    assert (route["Properties"]["Method"], route["Properties"]["Path"]) == ("POST", "/submit")


def test_every_route_the_function_serves_is_routed_by_the_http_api():
    """core/service.py serves these; the HTTP API must send each of them to the function."""
    routed = {
        (event["Properties"]["Method"], event["Properties"]["Path"])
        for event in RESOURCES["SubmitFunction"]["Properties"]["Events"].values()
        if event["Type"] == "HttpApi"
    }
    assert {("POST", "/submit"), ("POST", "/f/{form}"), ("GET", "/submissions/{id}")} <= routed


def test_http_api_cors_is_the_allowed_origins_never_star_and_throttled():
    api = RESOURCES["HttpApi"]["Properties"]
    cors = api["CorsConfiguration"]
    assert cors["AllowOrigins"] == {"Fn::Split": [",", {"Ref": "AllowedOrigins"}]}
    assert "*" not in json.dumps(cors)
    throttle = api["DefaultRouteSettings"]
    assert throttle["ThrottlingRateLimit"] and throttle["ThrottlingBurstLimit"]


def test_http_api_cors_is_the_one_in_toiawase_core_cors():
    """API Gateway answers preflights from this; the dev server and the function from cors.py."""
    from toiawase.core import cors as source

    cors = RESOURCES["HttpApi"]["Properties"]["CorsConfiguration"]
    assert cors["AllowMethods"] == list(source.ALLOW_METHODS)
    assert [h.lower() for h in cors["AllowHeaders"]] == list(source.ALLOW_HEADERS)
    assert cors["MaxAge"] == source.MAX_AGE_SECONDS
    assert "idempotency-key" in cors["AllowHeaders"] and "GET" in cors["AllowMethods"]


def test_no_managed_or_sam_template_policies():
    for function in functions().values():
        for policy in function["Properties"].get("Policies", []):
            assert isinstance(policy, dict) and set(policy) == {"Version", "Statement"}
            assert "SES" not in "".join(k for k in policy if k.endswith("Policy"))


# The one action with no resource-level permissions (SES's service authorization reference):
# a read of the account's suppression list before a receipt. It may use "*", alone.
RESOURCELESS = {"ses:GetSuppressedDestination"}


def _resourceless(statement: dict[str, Any]) -> bool:
    return set(_list(statement["Action"])) <= RESOURCELESS


def test_ses_statements_are_least_privilege():
    ses = [
        s
        for s in statements()
        if any(str(a).startswith("ses:") for a in _list(s["Action"])) and not _resourceless(s)
    ]
    assert ses, "the submit function must be allowed to send"
    for statement in ses:
        assert statement["Effect"] == "Allow"
        assert set(_list(statement["Action"])) <= {"ses:SendEmail", "ses:SendRawEmail"}
        resources = _list(statement["Resource"])
        assert "*" not in json.dumps(resources)
        for resource in resources:
            arn = json.dumps(resource)
            assert ":identity/" in arn or ":configuration-set/" in arn or "AWS::NoValue" in arn, arn
        assert statement["Condition"] == {
            "StringEquals": {"ses:FromAddress": {"Ref": "SenderAddress"}}
        }


@pytest.mark.parametrize("output", ["ApiEndpoint", "FormAction"])
def test_outputs(output: str):
    assert output in TEMPLATE["Outputs"]
    assert "/submit" in json.dumps(TEMPLATE["Outputs"]["FormAction"])


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_submissions_table_is_on_demand_with_pitr_and_ttl():
    table = RESOURCES["SubmissionsTable"]
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["DeletionPolicy"] == "Retain"
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["RETENTION_DAYS"] == {"Ref": "RetentionDays"}


def test_local_stack_mirrors_the_template_tables():
    from toiawase.adapters.dynamo_store import DynamoStore  # noqa: F401 - same key the adapter uses
    from toiawase.local.stack import IDEMPOTENCY_KEY, SUBMISSIONS_KEY

    for name, key, ttl in (
        ("SubmissionsTable", SUBMISSIONS_KEY, "expires_at"),
        ("IdempotencyTable", IDEMPOTENCY_KEY, "expiration"),
    ):
        props = RESOURCES[name]["Properties"]
        assert props["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]
        assert props["TimeToLiveSpecification"]["AttributeName"] == ttl


def test_retry_queue_dead_letters_and_retry_function_reports_partial_failures():
    queue = RESOURCES["RetryQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["RetryDeadLetterQueue", "Arn"]
    }
    assert queue["RedrivePolicy"]["maxReceiveCount"] == {"Ref": "RetryMaxAttempts"}
    retry = RESOURCES["RetryFunction"]["Properties"]
    trigger = RESOURCES["RetryQueueTrigger"]["Properties"]
    assert trigger["EventSourceArn"] == {"Fn::GetAtt": ["RetryQueue", "Arn"]}
    assert trigger["FunctionName"] == {"Ref": "RetryFunction"}
    assert trigger["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "ReservedConcurrentExecutions" in retry
    assert queue["VisibilityTimeout"] >= 6 * retry["Timeout"]


def test_alarms_notify_the_alert_topic():
    alarms = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    assert {"DeadLetterAlarm", "HeldAlarm", "SendFailureAlarm", "StorageAlarm"} <= set(alarms)
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlertTopic"}]
    assert RESOURCES["AlertEmailSubscription"]["Properties"]["Endpoint"] == {"Ref": "AlertEmail"}


def test_status_route_and_least_privilege_per_function():
    submit = RESOURCES["SubmitFunction"]["Properties"]
    assert submit["Events"]["Status"]["Properties"]["Path"] == "/submissions/{id}"
    for function in functions().values():
        for policy in function["Properties"].get("Policies", []):
            for statement in _unwrap(policy["Statement"]):
                if _resourceless(statement):
                    assert statement["Resource"] == "*" and statement["Effect"] == "Allow"
                    continue
                assert statement["Resource"] != "*" and "*" not in _list(statement["Resource"])
                for action in _list(statement["Action"]):
                    assert "*" not in action, action
    feedback = _unwrap(RESOURCES["FeedbackFunction"]["Properties"]["Policies"][0]["Statement"])
    assert {a for s in feedback for a in _list(s["Action"])} == {
        "dynamodb:UpdateItem",
        "sns:Publish",
        "dynamodb:PutItem",  # a bounced receipt's address (HMAC) on the bounce list
        "secretsmanager:GetSecretValue",  # the key of that HMAC
    }
    by_sid = {s["Sid"]: s for s in feedback}
    assert by_sid["BlockReceiptAddresses"]["Resource"] == {"Fn::GetAtt": ["RateLimitTable", "Arn"]}
    # The one address-hash key (the reply hash of forget, and the ledger's hashes).
    assert by_sid["ReadReplyHashKey"]["Resource"] == {"Ref": "ReplyHashKey"}
    assert "AddressHashKey" not in RESOURCES


def test_captcha_secret_access_is_scoped_and_only_when_configured():
    submit = _unwrap(RESOURCES["SubmitFunction"]["Properties"]["Policies"][0]["Statement"])
    by_sid = {s["Sid"]: s for s in submit}
    assert by_sid["ReadCaptchaSecretParameter"]["Action"] == "ssm:GetParameter"
    assert "CaptchaSecretParameter" in json.dumps(by_sid["ReadCaptchaSecretParameter"]["Resource"])
    assert by_sid["ReadCaptchaSecret"]["Resource"] == {"Ref": "CaptchaSecretArn"}
    assert by_sid["CountForRateLimits"]["Resource"] == {"Fn::GetAtt": ["RateLimitTable", "Arn"]}
    raw = RESOURCES["SubmitFunction"]["Properties"]["Policies"][0]["Statement"]
    conditions = {item["Fn::If"][0] for item in raw if "Fn::If" in item}
    assert conditions == {"HasCaptchaParameter", "HasCaptchaSecret"}


def test_delivery_queue_dead_letters_and_alarms_and_never_allows_loopback():
    queue = RESOURCES["DeliveryQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == {"Ref": "DeliveryMaxAttempts"}
    alarm = RESOURCES["DeliveryDeadLetterAlarm"]["Properties"]
    (visible,) = [m for m in alarm["Metrics"] if "MetricStat" in m]
    assert visible["MetricStat"]["Metric"]["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": ["DeliveryDeadLetterQueue", "QueueName"]
    }
    assert alarm["AlarmActions"] == [{"Ref": "AlertTopic"}]
    deliver = RESOURCES["DeliverFunction"]["Properties"]
    assert deliver["Handler"] == "toiawase.handlers.deliver.lambda_handler"
    assert "Events" not in deliver  # a SAM SQS event would attach SQS actions on "*"
    trigger = RESOURCES["DeliveryQueueTrigger"]["Properties"]
    assert trigger["FunctionName"] == {"Ref": "DeliverFunction"}
    assert trigger["EventSourceArn"] == {"Fn::GetAtt": ["DeliveryQueue", "Arn"]}
    assert trigger["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "WEBHOOK_ALLOW_LOOPBACK" not in json.dumps(TEMPLATE["Resources"])
    assert "WEBHOOK_ALLOW_LOOPBACK" not in json.dumps(TEMPLATE.get("Globals", {}))
