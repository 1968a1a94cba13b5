"""The submit function's environment as template.yaml deploys it with its default parameters.

``make bench`` must measure what a user gets from ``sam deploy`` without overrides, so the
variables come from the template itself: Globals' and the function's ``Environment``, with
``Ref`` to a parameter resolved to its ``Default``, ``Ref``/``GetAtt`` to a resource resolved to
a plausible physical id (a table name, a queue URL, a topic ARN), and ``Fn::If``/``Fn::Sub``/
``Fn::Equals``/``Fn::Not``/``Fn::And``/``Fn::Or`` evaluated. A parameter without a default
(``SenderAddress``, ``RecipientAddresses``, ``AllowedOrigins``) takes the contract's example
value from ``bench.lambda_env.CONTRACT``. Only what environments use is resolved; anything
else raises, so a new construct in the template breaks the bench loudly, never silently.

``features`` then names what the resolved environment turns on (store, idempotency, rate
limits, retry queue, alerts, captcha, Tracer), so the table states which configuration it
measured.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.lambda_env import CONTRACT

ACCOUNT = "123456789012"
REGION = "us-east-1"
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "toiawase",
}
# What every deployer fills in (the site's own addresses, origins, thank-you page and name):
# the contract's example values (bench.lambda_env). Every other parameter keeps its default.
REQUIRED_PARAMETER_VALUES = {
    "SenderAddress": CONTRACT["SENDER_ADDRESS"],
    "RecipientAddresses": CONTRACT["RECIPIENT_ADDRESSES"],
    "AllowedOrigins": CONTRACT["ALLOWED_ORIGINS"],
    "RedirectUrl": CONTRACT["REDIRECT_URL"],
    "SiteName": CONTRACT["SITE_NAME"],
}
NO_VALUE = object()


class Unresolvable(ValueError):
    """A construct the resolver does not know: extend it rather than guess."""


class Resolver:
    """Evaluates the intrinsic functions template environments use, with default parameters."""

    def __init__(self, template: dict[str, Any], overrides: dict[str, str] | None = None) -> None:
        self.template = template
        self.parameters: dict[str, str] = {}
        for name, spec in template.get("Parameters", {}).items():
            if name in REQUIRED_PARAMETER_VALUES:
                self.parameters[name] = REQUIRED_PARAMETER_VALUES[name]
            elif "Default" in spec:
                self.parameters[name] = str(spec["Default"])
        self.parameters.update(overrides or {})
        self.resources: dict[str, Any] = template.get("Resources", {})
        self.conditions: dict[str, Any] = template.get("Conditions", {})

    def condition(self, name: str) -> bool:
        return bool(self.value(self.conditions[name]))

    def physical(self, logical_id: str) -> str:
        """What ``Ref`` returns for a resource, shaped like the real thing."""
        kind = self.resources[logical_id]["Type"]
        name = f"toiawase-{logical_id}-BENCH"
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"
        if kind == "AWS::SecretsManager::Secret":  # Ref is the ARN, with its random suffix
            return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"
        return name

    def value(self, node: Any) -> Any:  # noqa: ANN401 - a template node
        if isinstance(node, str | int | float | bool):
            return node
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, dict) or len(node) != 1:
            raise Unresolvable(f"not an intrinsic: {node!r}")
        [(function, argument)] = node.items()
        if function == "Ref":
            if argument in PSEUDO:
                return PSEUDO[argument]
            if argument == "AWS::NoValue":
                return NO_VALUE
            if argument in self.parameters:
                return self.parameters[argument]
            if argument in self.resources:
                return self.physical(argument)
            raise Unresolvable(f"Ref {argument}")
        if function == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".")
            return f"{self.physical(logical_id)}.{attribute}"
        if function == "Fn::If":
            name, when_true, when_false = argument
            return self.value(when_true if self.condition(name) else when_false)
        if function == "Fn::Equals":
            left, right = (self.value(a) for a in argument)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not self.value(argument[0])
        if function == "Fn::And":
            return all(self.value(a) for a in argument)
        if function == "Fn::Or":
            return any(self.value(a) for a in argument)
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Sub":
            text, names = (argument, {}) if isinstance(argument, str) else argument
            local = {k: str(self.value(v)) for k, v in names.items()}

            def substitute(match: re.Match[str]) -> str:
                key = match.group(1)
                if key in local:
                    return local[key]
                return str(self.value({"Ref": key}))

            return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        raise Unresolvable(function)


def load_template(path: Path) -> dict[str, Any]:
    from cfnlint.decode import cfn_yaml

    template: dict[str, Any] = cfn_yaml.load(str(path))
    return template


def function_environment(
    template: dict[str, Any], logical_id: str, overrides: dict[str, str] | None = None
) -> dict[str, str]:
    """Globals' variables, then the function's own, every value resolved to a string."""
    resolver = Resolver(template, overrides)
    merged: dict[str, Any] = {
        **template.get("Globals", {})
        .get("Function", {})
        .get("Environment", {})
        .get("Variables", {}),
        **template["Resources"][logical_id]
        .get("Properties", {})
        .get("Environment", {})
        .get("Variables", {}),
    }
    env: dict[str, str] = {}
    for name, node in merged.items():
        value = resolver.value(node)
        if value is NO_VALUE:
            continue
        env[name] = str(value)
    return env


FEATURES = {
    "store": "SUBMISSIONS_TABLE",
    "idempotency": "IDEMPOTENCY_TABLE",
    "rate limits": "RATE_LIMIT_TABLE",
    "retry queue": "RETRY_QUEUE_URL",
    "alerts": "ALERT_TOPIC_ARN",
    "captcha": "CAPTCHA_PROVIDER",
}


def features(env: dict[str, str]) -> list[str]:
    """The optional features an environment turns on, by name."""
    on = [name for name, variable in FEATURES.items() if env.get(variable, "").strip()]
    limits = env.get("RATE_LIMITS", "")
    if (
        "rate limits" in on
        and limits
        and all(part.split("=")[-1].strip() == "0" for part in limits.split(","))
    ):
        on.remove("rate limits")
    if env.get("TOIAWASE_TRACER", "").strip().lower() == "enabled":
        on.append("Tracer")
    return on


def lightest(env: dict[str, str]) -> dict[str, str]:
    """The same environment with every optional feature off: the contract's variables only."""
    optional = set(FEATURES.values()) | {"TOIAWASE_TRACER"}
    return {k: v for k, v in env.items() if k not in optional}
