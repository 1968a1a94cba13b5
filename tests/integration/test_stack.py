"""The deployed stack, read after the SAM transform (aws-sam-translator), as CloudFormation sees it.

Alarms are evaluated, not just listed: ``evaluate`` implements what CloudWatch does with the
definitions used here (one statistic per period; metric math with ``FILL``, ``DIFF`` and ``+``),
fed with synthetic datapoints, or with the EMF metrics the real handler printed. Custom metric
names are checked against the names the code can emit (read from the source), never typed twice.
"""

from __future__ import annotations

import ast
import copy
import itertools
import json
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

from infra import powertools
from toiawase.adapters.aws import REQUEST_PATH_CONFIG, worst_call_seconds
from toiawase.core.retry import backoff_seconds as jittered_backoff

ROOT = Path(__file__).resolve().parents[2]
SOURCE: dict[str, Any] = cfn_yaml.load(str(ROOT / "template.yaml"))
MANAGED = {
    "AWSLambdaBasicExecutionRole": (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ),
    "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "AWSLambdaSQSQueueExecutionRole": (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
    ),
}
# Managed policies that may stay: they grant only logs and X-Ray.
ALLOWED_MANAGED = {MANAGED["AWSLambdaBasicExecutionRole"], MANAGED["AWSXrayWriteOnlyAccess"]}
NAMESPACE = "toiawase"
ALARM_TYPE = "AWS::CloudWatch::Alarm"


class _Policies:
    def load(self) -> dict[str, str]:
        return MANAGED


@pytest.fixture(scope="module")
def stack(monkeypatch_module) -> dict[str, Any]:
    monkeypatch_module.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = json.loads(json.dumps(SOURCE))
    template["Globals"]["Function"]["CodeUri"] = "s3://bucket/artifact.zip"
    translated: dict[str, Any] = transform(template, {}, _Policies())
    return translated


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def resources(stack: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in stack["Resources"].items() if v["Type"] == kind}


# ---------------------------------------------------------------- metric names from the code


def emitted_metric_names() -> set[str]:
    """Every custom metric name the functions can emit, read from their source.

    ``metrics.add_metric(name="X")``, ``_count_with_reason("X", …)`` (X and XByReason), outcome
    notes (``notes.append("X")``, counted by name in handlers/submit.py, ``Accepted`` renamed),
    and ``Ses<EventType>`` for each SES event type the feedback parser knows.
    """
    functions = ROOT / "functions" / "toiawase"
    names: set[str] = set()
    for path in [*(functions / "handlers").glob("*.py"), *(functions / "core").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            attr = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            literal = [a.value for a in node.args if isinstance(a, ast.Constant)]
            keyword = [
                k.value.value
                for k in node.keywords
                if k.arg == "name" and isinstance(k.value, ast.Constant)
            ]
            if attr == "add_metric":
                names.update(str(v) for v in keyword)
            elif attr == "_count_with_reason" and literal:
                names.update({str(literal[0]), str(literal[0]) + "ByReason"})
            elif attr == "append" and literal and "core" in path.parts:
                target = func.value if isinstance(func, ast.Attribute) else None
                if isinstance(target, ast.Name) and target.id == "notes":
                    names.add(str(literal[0]))
    names.add("SubmissionAccepted")
    return names


def test_metric_name_reader_finds_what_the_handlers_count():
    names = emitted_metric_names()
    # Spot checks that the reader works: one of each kind of call.
    assert {
        "SubmissionSent",
        "InternalError",
        "InternalErrorByReason",
        "CaptchaUnavailable",
    } <= names
    assert {"RateLimiterFailed", "StoreFailed", "QueueFailed", "SendFailed"} <= names


# ---------------------------------------------------------------- alarm evaluation

Series = Mapping[tuple[str, str, frozenset[tuple[str, str]]], Sequence[float | None]]


def _value(item: Any, params: Mapping[str, Any]) -> str:
    """A dimension value or threshold: Refs become the resource's logical id (or a default)."""
    if isinstance(item, dict) and "Ref" in item:
        ref = item["Ref"]
        return str(params[ref]["Default"]) if ref in params and "Default" in params[ref] else ref
    if isinstance(item, dict) and "Fn::GetAtt" in item:
        return str(item["Fn::GetAtt"][0])
    return str(item)


def _metric_key(metric: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[str, str, Any]:
    dims = frozenset((d["Name"], _value(d["Value"], params)) for d in metric.get("Dimensions", []))
    return (metric["Namespace"], metric["MetricName"], dims)


def _eval_expression(expression: str, values: Mapping[str, Sequence[float | None]]) -> list[float]:
    """CloudWatch metric math, the subset the template uses: FILL(m, 0), DIFF(x), a + b."""
    expression = expression.strip()
    terms = _split_top(expression, "+")
    if len(terms) > 1:
        parts = [_eval_expression(t, values) for t in terms]
        return [sum(column) for column in zip(*parts, strict=True)]
    match = re.fullmatch(r"(FILL|DIFF)\((.*)\)", expression)
    if match and match.group(1) == "FILL":
        inner, _, fill = match.group(2).rpartition(",")
        raw = values[inner.strip()]
        return [float(fill) if v is None else v for v in raw]
    if match and match.group(1) == "DIFF":
        series = _eval_expression(match.group(2), values)
        return [series[0], *(b - a for a, b in itertools.pairwise(series))]
    raise AssertionError(f"metric math not understood here: {expression}")


def _split_top(expression: str, operator: str) -> list[str]:
    depth, start, parts = 0, 0, []
    for index, char in enumerate(expression):
        depth += (char == "(") - (char == ")")
        if char == operator and depth == 0:
            parts.append(expression[start:index])
            start = index + 1
    parts.append(expression[start:])
    return parts


def evaluate(alarm: Mapping[str, Any], series: Series, params: Mapping[str, Any]) -> str:
    """ALARM or OK for the newest period (EvaluationPeriods 1, missing data not breaching)."""
    props = alarm["Properties"]
    assert props["EvaluationPeriods"] == 1 and props["TreatMissingData"] == "notBreaching"
    if "MetricName" in props:
        value = series.get(_metric_key(props, params), [None])[-1]
    else:
        raw = {
            m["Id"]: list(series.get(_metric_key(m["MetricStat"]["Metric"], params), [None]))
            for m in props["Metrics"]
            if "MetricStat" in m
        }
        length = max(len(v) for v in raw.values())
        values: dict[str, list[float | None]] = {}
        for k, v in raw.items():
            padding: list[float | None] = [None] * (length - len(v))
            values[k] = padding + v
        (returned,) = [m for m in props["Metrics"] if m.get("ReturnData", True)]
        value = _eval_expression(returned["Expression"], values)[-1]
    if value is None:
        return "OK"
    threshold = float(_value(props["Threshold"], params))
    compare: Callable[[float, float], bool] = {
        "GreaterThanOrEqualToThreshold": lambda a, b: a >= b,
        "GreaterThanThreshold": lambda a, b: a > b,
    }[props["ComparisonOperator"]]
    return "ALARM" if compare(value, threshold) else "OK"


def watched(alarm: Mapping[str, Any], params: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    props = alarm["Properties"]
    if "MetricName" in props:
        return [_metric_key(props, params)]
    return [
        _metric_key(m["MetricStat"]["Metric"], params)
        for m in props["Metrics"]
        if "MetricStat" in m
    ]


PARAMS = SOURCE["Parameters"]
ALARMS = {k: v for k, v in SOURCE["Resources"].items() if v["Type"] == ALARM_TYPE}
SERVICE_DIM = frozenset({("service", "toiawase")})


def custom(name: str) -> tuple[str, str, frozenset[tuple[str, str]]]:
    return (NAMESPACE, name, SERVICE_DIM)


def test_every_custom_metric_an_alarm_watches_is_one_the_code_emits():
    emitted = emitted_metric_names()
    for name, alarm in ALARMS.items():
        for namespace, metric, dims in watched(alarm, PARAMS):
            if namespace == NAMESPACE:
                assert metric in emitted, (name, metric)
                assert dims == SERVICE_DIM, (name, dims)  # Powertools' default dimension


@pytest.mark.parametrize(
    ("alarm", "metric"),
    [
        ("InternalErrorAlarm", "InternalError"),
        ("ScreeningOutageAlarm", "CaptchaUnavailable"),
        ("ScreeningOutageAlarm", "RateLimiterFailed"),
        ("SendFailureAlarm", "SendFailed"),
        ("HeldAlarm", "SubmissionHeld"),
        ("StorageAlarm", "StoreFailed"),
        ("StorageAlarm", "QueueFailed"),
        ("StorageAlarm", "DeliveryQueueFailed"),
    ],
)
def test_custom_metric_alarms_fire_on_one_occurrence_and_not_without(alarm: str, metric: str):
    assert evaluate(ALARMS[alarm], {custom(metric): [1.0]}, PARAMS) == "ALARM"
    assert evaluate(ALARMS[alarm], {custom(metric): [None]}, PARAMS) == "OK"
    assert evaluate(ALARMS[alarm], {custom("SubmissionSent"): [40.0]}, PARAMS) == "OK"


def _emf_series(text: str) -> dict[tuple[str, str, frozenset[tuple[str, str]]], list[float | None]]:
    """Sum the EMF documents Powertools printed into one datapoint per metric and dimensions."""
    totals: dict[tuple[str, str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        if not line.startswith("{") or "_aws" not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dims = frozenset((d, str(document[d])) for d in dimension_set)
                for metric in directive["Metrics"]:
                    key = (directive["Namespace"], metric["Name"], dims)
                    value = document[metric["Name"]]
                    value = sum(value) if isinstance(value, list) else value
                    totals[key] = totals.get(key, 0.0) + float(value)
    return {k: [v] for k, v in totals.items()}


def test_an_internal_error_answered_500_pages_the_owner(submit_module, monkeypatch, capsys):
    """The headline bug: the function answers 500 instead of raising, so Lambda's Errors metric
    stays 0. The real handler's EMF output must make InternalErrorAlarm fire."""
    from tests.integration.test_durability import submit_event
    from toiawase.local.events import LocalContext

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(submit_module, "handle", broken)
        result = submit_module.lambda_handler(submit_event(), LocalContext())
    assert result["statusCode"] == 500
    series = _emf_series(capsys.readouterr().out)
    assert evaluate(ALARMS["InternalErrorAlarm"], series, PARAMS) == "ALARM"
    healthy = submit_module.lambda_handler(submit_event(), LocalContext())
    assert healthy["statusCode"] in (200, 303)
    series = _emf_series(capsys.readouterr().out)
    assert custom("SubmissionSent") in series  # the capture works when nothing is wrong
    assert evaluate(ALARMS["InternalErrorAlarm"], series, PARAMS) == "OK"


def _by_function(metric: str) -> dict[str, set[str]]:
    return {
        name: {dict(dims)["FunctionName"] for ns, m, dims in watched(a, PARAMS) if m == metric}
        for name, a in ALARMS.items()
        if any(ns == "AWS/Lambda" and m == metric for ns, m, _ in watched(a, PARAMS))
    }


def test_throttles_and_errors_are_watched_on_every_function(stack):
    functions = set(resources(stack, "AWS::Lambda::Function"))
    assert _by_function("Throttles") == {"ThrottleAlarm": functions}
    assert _by_function("Errors") == {"FunctionErrorAlarm": functions}
    for function in functions:
        key = ("AWS/Lambda", "Throttles", frozenset({("FunctionName", function)}))
        assert evaluate(ALARMS["ThrottleAlarm"], {key: [1.0]}, PARAMS) == "ALARM"


def _api(metric: str) -> tuple[str, str, frozenset[tuple[str, str]]]:
    return ("AWS/ApiGateway", metric, frozenset({("ApiId", "HttpApi"), ("Stage", "$default")}))


def test_api_5xx_fires_at_once_and_4xx_on_a_surge():
    assert evaluate(ALARMS["ApiServerErrorAlarm"], {_api("5xx"): [1.0]}, PARAMS) == "ALARM"
    surge = float(PARAMS["ClientErrorAlarmThreshold"]["Default"])
    alarm = ALARMS["ClientErrorSurgeAlarm"]
    assert evaluate(alarm, {_api("4xx"): [surge - 1]}, PARAMS) == "OK"
    assert evaluate(alarm, {_api("4xx"): [surge]}, PARAMS) == "ALARM"


def _queue(metric: str, queue: str) -> tuple[str, str, frozenset[tuple[str, str]]]:
    return ("AWS/SQS", metric, frozenset({("QueueName", queue)}))


@pytest.mark.parametrize(
    ("alarm", "queue"),
    [
        ("DeadLetterAlarm", "RetryDeadLetterQueue"),
        ("FeedbackFailureAlarm", "FeedbackFailureQueue"),
        ("DeliveryDeadLetterAlarm", "DeliveryDeadLetterQueue"),
    ],
)
def test_dead_letter_alarms_notify_again_when_more_messages_arrive(alarm: str, queue: str):
    key = _queue("ApproximateNumberOfMessagesVisible", queue)
    definition = ALARMS[alarm]
    # Per five-minute period: empty, one arrives, still one, two more arrive, redriven.
    history = [0.0, 1.0, 1.0, 3.0, 0.0]
    states = [evaluate(definition, {key: history[: i + 1]}, PARAMS) for i in range(len(history))]
    assert states == ["OK", "ALARM", "OK", "ALARM", "OK"]
    # First message after a period with no datapoint at all (a queue idle for hours).
    assert evaluate(definition, {key: [None, 1.0]}, PARAMS) == "ALARM"


def backoff_seconds(receive_count: int) -> int:
    """The longest delay the jittered backoff can choose for ``receive_count``."""
    return jittered_backoff(receive_count, lambda: 1.0)


def test_retry_queue_age_alarm_is_beyond_every_backoff_but_fires_on_a_stuck_trigger():
    attempts = int(PARAMS["RetryMaxAttempts"]["Default"])
    longest_honest_wait = sum(backoff_seconds(n) for n in range(1, attempts + 1))
    alarm = ALARMS["RetryQueueAgeAlarm"]
    key = _queue("ApproximateAgeOfOldestMessage", "RetryQueue")
    assert evaluate(alarm, {key: [float(longest_honest_wait)]}, PARAMS) == "OK"
    assert evaluate(alarm, {key: [float(longest_honest_wait) * 2.5]}, PARAMS) == "ALARM"
    # The largest RetryMaxAttempts allowed still fits under the threshold.
    most = int(PARAMS["RetryMaxAttempts"]["MaxValue"])
    assert sum(backoff_seconds(n) for n in range(1, most + 1)) < alarm["Properties"]["Threshold"]


def test_ses_reputation_alarms_fire_well_before_aws_reviews_the_account():
    key = ("AWS/SES", "Reputation.BounceRate", frozenset({("ses:configuration-set", "")}))
    bounce, complaint = ALARMS["BounceRateAlarm"], ALARMS["ComplaintRateAlarm"]
    assert bounce["Condition"] == complaint["Condition"] == "HasConfigurationSet"
    assert bounce["Properties"]["Threshold"] <= 0.05 / 2
    assert complaint["Properties"]["Threshold"] <= 0.001 / 2
    assert evaluate(bounce, {key: [0.03]}, PARAMS) == "ALARM"
    assert evaluate(bounce, {key: [0.01]}, PARAMS) == "OK"
    complaint_key = ("AWS/SES", "Reputation.ComplaintRate", key[2])
    assert evaluate(complaint, {complaint_key: [0.0006]}, PARAMS) == "ALARM"


def test_every_alarm_notifies_the_alert_topic_and_an_empty_alert_email_is_loud(stack):
    alarms = resources(stack, ALARM_TYPE)
    assert set(alarms) == set(ALARMS)
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlertTopic"}]
    warning = stack["Outputs"]["AlertEmailWarning"]
    assert warning["Condition"] == "NoAlertEmail" and "WARNING" in warning["Value"]
    assert stack["Conditions"]["NoAlertEmail"] == {"Fn::Equals": [{"Ref": "AlertEmail"}, ""]}


# ---------------------------------------------------------------- IAM


def role_of(stack: dict[str, Any], function: str) -> dict[str, Any]:
    role = stack["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    props: dict[str, Any] = stack["Resources"][role]["Properties"]
    return props


def _statements(items: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if "Fn::If" in item:
            out.extend(b for b in item["Fn::If"][1:] if b != {"Ref": "AWS::NoValue"})
        else:
            out.append(item)
    return out


def permissions(stack: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Per function: (action, resource) pairs of its role's inline statements."""
    table: dict[str, list[tuple[str, str]]] = {}
    for function in sorted(resources(stack, "AWS::Lambda::Function")):
        pairs = []
        for policy in role_of(stack, function).get("Policies", []):
            for statement in _statements(policy["PolicyDocument"]["Statement"]):
                assert statement["Effect"] == "Allow"
                actions = statement["Action"]
                targets = statement["Resource"]
                for action in actions if isinstance(actions, list) else [actions]:
                    for target in targets if isinstance(targets, list) else [targets]:
                        pairs.append((action, _describe(target, action)))
        table[function] = sorted(set(pairs))
    return table


# Actions AWS grants only on "*" (no resource-level permission), each read-only.
ACCOUNT_LEVEL = {
    "ses:GetSuppressedDestination": "the account's SES suppression list (account-level)",
}


def _describe(resource: Any, action: str = "") -> str:
    text = json.dumps(resource)
    if text == '"*"' and action in ACCOUNT_LEVEL:
        return ACCOUNT_LEVEL[action]
    assert text != '"*"', "no statement on every resource"
    for marker, label in (
        ("WebhookSecretsPath", "webhook secret parameters (WebhookSecretsPath)"),
        (":secret:toiawase/", "webhook secrets (Secrets Manager toiawase/*)"),
        (":identity/", "SES identities of the sender (and feedback address)"),
        (":configuration-set/", "the SES configuration set"),
        ("parameter", "the captcha secret parameter"),
        ("CaptchaSecretArn", "the captcha secret"),
        ("FilesBucket.Arn}/uploads/*", "FilesBucket uploads/*"),
        ("FilesBucket.Arn}/submissions/*", "FilesBucket submissions/*"),
        ("SubmissionsTable.Arn}/index/by-scan-wait", "SubmissionsTable index by-scan-wait"),
    ):
        if marker in text:
            return label
    match = re.search(r'"(?:Ref|Fn::GetAtt)": \[?"(\w+)"', text)
    assert match, text
    return match.group(1)


def iam_markdown(stack: dict[str, Any]) -> str:
    lines = ["| function | may | on |", "| --- | --- | --- |"]
    for function, pairs in permissions(stack).items():
        grouped: dict[str, list[str]] = {}
        for action, target in pairs:
            grouped.setdefault(target, []).append(f"`{action}`")
        for target, actions in sorted(grouped.items()):
            lines.append(f"| {function} | {', '.join(sorted(actions))} | {target} |")
    return "\n".join(lines)


def test_roles_have_no_managed_policy_beyond_logs_and_xray(stack):
    for function in resources(stack, "AWS::Lambda::Function"):
        managed = set(role_of(stack, function).get("ManagedPolicyArns", []))
        assert managed <= ALLOWED_MANAGED, (function, managed - ALLOWED_MANAGED)


def test_retry_role_polls_only_its_queue(stack):
    pairs = permissions(stack)["RetryFunction"]
    polling = {a for a, r in pairs if a.startswith("sqs:") and r == "RetryQueue"}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} <= polling
    assert all(r != "RetryDeadLetterQueue" for _, r in pairs)


def test_feedback_failures_are_kept_on_a_queue(stack):
    configs = resources(stack, "AWS::Lambda::EventInvokeConfig")
    (config,) = configs.values()
    assert config["Properties"]["FunctionName"] == {"Ref": "FeedbackFunction"}
    on_failure = config["Properties"]["DestinationConfig"]["OnFailure"]
    assert on_failure["Destination"] == {"Fn::GetAtt": ["FeedbackFailureQueue", "Arn"]}
    assert ("sqs:SendMessage", "FeedbackFailureQueue") in permissions(stack)["FeedbackFunction"]


def test_docs_iam_section_is_what_the_template_grants(stack):
    page = (ROOT / "docs" / "deploying.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- iam:start -->\n(.*?)\n<!-- iam:end -->", page, re.S)
    assert match, "docs/deploying.md needs the IAM table between <!-- iam:start --> and end"
    expected = iam_markdown(stack)
    assert match.group(1).strip() == expected, "replace the docs' IAM table with:\n" + expected


# ---------------------------------------------------------------- logs, concurrency, transport


def test_every_function_has_a_log_group_with_retention(stack):
    groups = resources(stack, "AWS::Logs::LogGroup")
    named = {json.dumps(g["Properties"]["LogGroupName"]): g for g in groups.values()}
    for function in resources(stack, "AWS::Lambda::Function"):
        group = named[json.dumps({"Fn::Sub": f"/aws/lambda/${{{function}}}"})]
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_api_access_logs_are_on_by_default_without_ip_or_path(stack):
    assert PARAMS["ApiAccessLogs"]["Default"] == "enabled"
    assert PARAMS["ApiAccessLogClientIp"]["Default"] == "omit"
    (stage,) = resources(stack, "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["AccessLogSettings"]
    with_ip, without_ip = settings["Format"]["Fn::If"][1]["Fn::If"][1:]
    assert "sourceIp" in with_ip and "sourceIp" not in without_ip
    for line in (with_ip, without_ip):
        assert "$context.path" not in line and "integrationError" in line
        json.loads(line.replace("$context.", "context_"))  # one JSON object per line


def worst_ses_call_seconds() -> float:
    """One SES call with the request-path client and no deadline (the retry function sets
    none): every attempt times out, with standard mode's longest backoff between them."""
    return worst_call_seconds(REQUEST_PATH_CONFIG)


def _trigger_of(stack: dict[str, Any], function: str) -> dict[str, Any]:
    mappings: list[dict[str, Any]] = [
        m
        for m in resources(stack, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function}
    ]
    (mapping,) = mappings
    return mapping


def test_retry_concurrency_batch_and_timeout_agree(stack):
    function = stack["Resources"]["RetryFunction"]["Properties"]
    mapping = _trigger_of(stack, "RetryFunction")
    props = mapping["Properties"]
    assert props["FunctionName"] == {"Ref": "RetryFunction"}
    reserved = function["ReservedConcurrentExecutions"]
    assert reserved == props["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "RetryConcurrency"}
    assert PARAMS["RetryConcurrency"]["MinValue"] >= 2  # SQS's minimum maximum concurrency
    assert props["BatchSize"] * worst_ses_call_seconds() + 10 <= function["Timeout"]
    queue = stack["Resources"]["RetryQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]


def test_delivery_concurrency_batch_and_timeout_agree(stack):
    from toiawase.adapters.webhook_http import TIMEOUT_SECONDS

    function = stack["Resources"]["DeliverFunction"]["Properties"]
    props = _trigger_of(stack, "DeliverFunction")["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["DeliveryQueue", "Arn"]}
    reserved = function["ReservedConcurrentExecutions"]
    assert (
        reserved == props["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "DeliveryConcurrency"}
    )
    assert PARAMS["DeliveryConcurrency"]["MinValue"] >= 2
    # Each target is one bounded HTTP exchange (or one SES call, bounded the same way).
    assert (
        props["BatchSize"] * max(TIMEOUT_SECONDS, worst_ses_call_seconds()) + 10
        <= function["Timeout"]
    )
    queue = stack["Resources"]["DeliveryQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]


def test_delivery_role_polls_only_its_queue(stack):
    pairs = permissions(stack)["DeliverFunction"]
    polling = {a for a, r in pairs if a.startswith("sqs:") and r == "DeliveryQueue"}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} <= polling
    assert all(r != "DeliveryDeadLetterQueue" for _, r in pairs)


def _denies_plain_transport(statement: Mapping[str, Any]) -> bool:
    return statement["Effect"] == "Deny" and statement.get("Condition") == {
        "Bool": {"aws:SecureTransport": "false"}
    }


def test_every_queue_and_topic_refuses_plain_http(stack):
    queues = set(resources(stack, "AWS::SQS::Queue"))
    covered: set[str] = set()
    for policy in resources(stack, "AWS::SQS::QueuePolicy").values():
        if any(map(_denies_plain_transport, policy["Properties"]["PolicyDocument"]["Statement"])):
            covered |= {q["Ref"] for q in policy["Properties"]["Queues"]}
    assert covered == queues
    topics = set(resources(stack, "AWS::SNS::Topic"))
    covered = set()
    for policy in resources(stack, "AWS::SNS::TopicPolicy").values():
        if any(map(_denies_plain_transport, policy["Properties"]["PolicyDocument"]["Statement"])):
            covered |= {t["Ref"] for t in policy["Properties"]["Topics"]}
    assert covered == topics


def test_the_ses_event_topic_is_encrypted_by_default():
    identity: dict[str, Any] = cfn_yaml.load(str(ROOT / "infra" / "identity.yaml"))
    assert identity["Parameters"]["EventTopicKmsKeyArn"]["Default"] == ""
    assert identity["Conditions"]["CreateEventTopicKey"] == {
        "Fn::Equals": [{"Ref": "EventTopicKmsKeyArn"}, ""]
    }
    key_id = identity["Resources"]["EventTopic"]["Properties"]["KmsMasterKeyId"]["Fn::If"]
    assert key_id[:2] == ["CreateEventTopicKey", {"Ref": "EventTopicKey"}]
    key = identity["Resources"]["EventTopicKey"]["Properties"]
    ses = [
        s
        for s in key["KeyPolicy"]["Statement"]
        if s["Principal"] == {"Service": "ses.amazonaws.com"}
    ]
    assert ses and set(ses[0]["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}


# ---------------------------------------------------------------- guided deploy


def test_parameters_are_grouped_in_prompt_order_and_described():
    groups = SOURCE["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [name for group in groups for name in group["Parameters"]]
    assert grouped == list(PARAMS), "ParameterGroups and Parameters must list the same order"
    for name, parameter in PARAMS.items():
        assert len(parameter.get("Description", "")) > 20, name


def test_required_parameters_refuse_an_empty_answer_at_the_prompt():
    for name, parameter in PARAMS.items():
        if "Default" in parameter:
            continue
        pattern = parameter.get("AllowedPattern")
        assert pattern and re.fullmatch(pattern, "") is None, name


def test_samconfig_example_names_the_readme_stack_and_real_parameters():
    config = tomllib.loads((ROOT / "samconfig.toml.example").read_text(encoding="utf-8"))
    deploy = config["default"]["deploy"]["parameters"]
    assert deploy["stack_name"] == "toiawase"
    assert "--stack toiawase" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "CAPABILITY_IAM" in deploy["capabilities"]
    overrides = re.findall(r'(\w+)="', deploy["parameter_overrides"])
    assert overrides and set(overrides) <= set(PARAMS)
    required = {n for n, p in PARAMS.items() if "Default" not in p}
    assert required <= set(overrides)


# ---------------------------------------------------------------- Powertools


def test_powertools_layer_and_pins_agree():
    from importlib.metadata import version

    layer = json.dumps(SOURCE["Globals"]["Function"]["Layers"])
    match = re.search(rf"{powertools.LAYER_ACCOUNT}:layer:{powertools.LAYER_NAME}:(\d+)", layer)
    assert match, layer
    release = powertools.LAYER_RELEASES[int(match.group(1))]
    assert version("aws-lambda-powertools") == release, "tests run another Powertools than Lambda"
    pins = {
        "pyproject.toml": (ROOT / "pyproject.toml").read_text(encoding="utf-8"),
        "bench/runtime-requirements.txt": (ROOT / "bench" / "runtime-requirements.txt").read_text(
            encoding="utf-8"
        ),
    }
    for name, text in pins.items():
        found = re.findall(r"aws-lambda-powertools\[tracer\]([^\"\s]+)", text)
        assert found == [f"=={release}"], (name, found)


def test_translated_template_keeps_the_source_unchanged(stack):
    """The fixtures above translate a copy: the module-level SOURCE stays the template."""
    assert copy.deepcopy(SOURCE)["Globals"]["Function"]["CodeUri"] == "functions/"
