"""docs/operations.md's alarm table names every alarm the template creates, and only those:
an alarm nobody can look up is an alarm nobody acts on."""

from __future__ import annotations

import re
from typing import Any

from cfnlint.decode import cfn_yaml

from tests.docs.markdown import ROOT


def _template_alarms() -> set[str]:
    template: dict[str, Any] = cfn_yaml.load(str(ROOT / "template.yaml"))
    return {
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def _documented_alarms() -> set[str]:
    text = (ROOT / "docs" / "operations.md").read_text("utf-8")
    table = text.split("## The alarms", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+Alarm)` \|", table, re.M))


def test_every_alarm_of_the_template_has_a_row_in_the_operations_page():
    alarms = _template_alarms()
    assert len(alarms) >= 10
    assert _documented_alarms() == alarms
