"""infra/identity.yaml: the SES identity stack, and the DNS records it prints.

The outputs are rendered here the way CloudFormation would (``Fn::Sub`` with made-up DKIM
tokens), parsed as a zone file by dnspython, served by a DNS server on 127.0.0.1, and checked
by ``toiawase doctor``: what the stack tells the owner to publish is exactly what the doctor
accepts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import dns.rdatatype
import dns.zone
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws
from moto.ses.models import ses_backends

from tests.integration.localdns import local_dns
from toiawase.cli import main
from toiawase.local.sesbox import MOTO_ACCOUNT_ID

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE: dict[str, Any] = cfn_yaml.load(str(ROOT / "infra" / "identity.yaml"))
RESOURCES = TEMPLATE["Resources"]
OUTPUTS = TEMPLATE["Outputs"]
DOMAIN = "shop.example"
REGION = "eu-west-1"
TOKENS = ["k3j4h5g6f7d8s9a0q1w2e3r4t5y6u7i8", "z9x8c7v6b5n4m3l2k1j0h9g8f7d6s5a4", "p0o9i8u7"]
RECORD_OUTPUTS = ["DnsDkim1", "DnsDkim2", "DnsDkim3", "DnsMailFromMx", "DnsMailFromSpf", "DnsDmarc"]


def values() -> dict[str, str]:
    """What CloudFormation would substitute: parameters (defaults or given) and attributes."""
    found = {
        name: str(spec["Default"])
        for name, spec in TEMPLATE["Parameters"].items()
        if "Default" in spec
    }
    found.update(
        {
            "DomainName": DOMAIN,
            "DmarcReportAddress": f"dmarc@{DOMAIN}",
            "AWS::Region": REGION,
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::StackName": "toiawase-identity",
            "ConfigurationSet": "toiawase-identity",
        }
    )
    for number, token in enumerate(TOKENS, 1):
        # the attribute values as SES gives them: names and targets without the final dot
        found[f"Identity.DkimDNSTokenName{number}"] = f"{token}._domainkey.{DOMAIN}"
        found[f"Identity.DkimDNSTokenValue{number}"] = f"{token}.dkim.amazonses.com"
    return found


def render(value: Any) -> str:
    """Evaluate the intrinsic functions the outputs use (Fn::Sub and Ref)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return values()[value["Ref"]]
    template = value["Fn::Sub"]
    assert isinstance(template, str), "outputs use the one-argument form of Fn::Sub"
    known = values()

    def substitute(match: re.Match[str]) -> str:
        assert match.group(1) in known, f"unknown ${{{match.group(1)}}}"
        return known[match.group(1)]

    return re.sub(r"\$\{([^}!]+)\}", substitute, template)


def records() -> dict[str, str]:
    return {name: render(OUTPUTS[name]["Value"]) for name in RECORD_OUTPUTS}


def test_cfn_lint_is_clean():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(ROOT / "infra" / "identity.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_is_plain_cloudformation_in_its_own_stack():
    assert "Transform" not in TEMPLATE
    assert {r["Type"] for r in RESOURCES.values()} == {
        "AWS::SES::EmailIdentity",
        "AWS::SES::ConfigurationSet",
        "AWS::SES::ConfigurationSetEventDestination",
        "AWS::SNS::Topic",
        "AWS::SNS::TopicPolicy",
        "AWS::KMS::Key",  # the event topic's key (issue 16: encrypted by default)
    }


def test_identity_easy_dkim_2048_and_custom_mail_from():
    identity = RESOURCES["Identity"]["Properties"]
    assert identity["EmailIdentity"] == {"Ref": "DomainName"}
    assert identity["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert identity["DkimAttributes"] == {"SigningEnabled": True}
    mail_from = identity["MailFromAttributes"]
    assert mail_from["MailFromDomain"] == {"Fn::Sub": "${MailFromSubdomain}.${DomainName}"}
    assert mail_from["BehaviorOnMxFailure"] == {"Ref": "BehaviorOnMxFailure"}
    behaviour = TEMPLATE["Parameters"]["BehaviorOnMxFailure"]
    assert behaviour["Default"] == "USE_DEFAULT_VALUE"
    assert set(behaviour["AllowedValues"]) == {"USE_DEFAULT_VALUE", "REJECT_MESSAGE"}
    assert "DMARC still passes" in behaviour["Description"]  # the choice is explained
    assert TEMPLATE["Parameters"]["MailFromSubdomain"]["Default"] == "mail"


def test_configuration_set_and_its_event_destination():
    config = RESOURCES["ConfigurationSet"]["Properties"]
    assert config["ReputationOptions"] == {"ReputationMetricsEnabled": True}
    assert config["SendingOptions"] == {"SendingEnabled": True}
    destination = RESOURCES["EventDestination"]
    assert destination["DependsOn"] == "EventTopicPolicy"
    properties = destination["Properties"]
    assert properties["ConfigurationSetName"] == {"Ref": "ConfigurationSet"}
    event = properties["EventDestination"]
    assert event["Enabled"] is True
    assert set(event["MatchingEventTypes"]) == {
        "bounce",
        "complaint",
        "reject",
        "delivery",
        "deliveryDelay",
    }
    assert event["SnsDestination"] == {"TopicARN": {"Ref": "EventTopic"}}


def test_only_ses_for_this_configuration_set_may_publish_to_the_topic():
    policy = RESOURCES["EventTopicPolicy"]["Properties"]
    assert policy["Topics"] == [{"Ref": "EventTopic"}]
    allow = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    deny = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert [d["Condition"] for d in deny] == [{"Bool": {"aws:SecureTransport": "false"}}]
    (statement,) = allow
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == {"Ref": "EventTopic"}
    condition = statement["Condition"]["StringEquals"]
    assert condition["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert render(condition["aws:SourceArn"]) == (
        f"arn:aws:ses:{REGION}:123456789012:configuration-set/toiawase-identity"
    )


def test_outputs_for_the_form_stacks_and_the_feedback_handler():
    assert OUTPUTS["ConfigurationSetName"]["Value"] == {"Ref": "ConfigurationSet"}
    assert OUTPUTS["EventTopicArn"]["Value"] == {"Ref": "EventTopic"}
    for name in ("ConfigurationSetName", "EventTopicArn"):
        assert render(OUTPUTS[name]["Export"]["Name"]) == f"toiawase-identity-{name}"


def test_the_outputs_list_every_record_as_a_zone_file_line():
    rendered = records()
    dkim = [f"{t}._domainkey.{DOMAIN}. 3600 IN CNAME {t}.dkim.amazonses.com." for t in TOKENS]
    assert rendered == {
        "DnsDkim1": dkim[0],
        "DnsDkim2": dkim[1],
        "DnsDkim3": dkim[2],
        "DnsMailFromMx": f"mail.{DOMAIN}. 3600 IN MX 10 feedback-smtp.{REGION}.amazonses.com.",
        "DnsMailFromSpf": f'mail.{DOMAIN}. 3600 IN TXT "v=spf1 include:amazonses.com ~all"',
        "DnsDmarc": f'_dmarc.{DOMAIN}. 3600 IN TXT "v=DMARC1; p=none; rua=mailto:dmarc@{DOMAIN}"',
    }
    for name in ("DnsDkim1", "DnsDkim2", "DnsDkim3"):
        number = name[-1]
        assert json.dumps(OUTPUTS[name]["Value"]).count("DkimDNSToken") == 2
        assert f"Identity.DkimDNSTokenName{number}" in OUTPUTS[name]["Value"]["Fn::Sub"]
        assert f"Identity.DkimDNSTokenValue{number}" in OUTPUTS[name]["Value"]["Fn::Sub"]


def test_the_records_parse_as_a_zone_file():
    text = "\n".join(records().values()) + "\n"
    zone = dns.zone.from_text(text, origin=DOMAIN, check_origin=False)
    found = {
        (name.to_text(), dns.rdatatype.to_text(rdataset.rdtype))
        for name, rdataset in zone.iterate_rdatasets()
    }
    assert found == {
        *((f"{token}._domainkey", "CNAME") for token in TOKENS),
        ("mail", "MX"),
        ("mail", "TXT"),
        ("_dmarc", "TXT"),
    }


def test_the_doctor_accepts_exactly_what_the_stack_prints(monkeypatch, capsys):
    served = [*records().values(), f'{DOMAIN}. 300 IN TXT "v=spf1 include:amazonses.com -all"']
    served.append('amazonses.com. 300 IN TXT "v=spf1 ip4:199.255.192.0/22 -all"')
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with local_dns("\n".join(served)) as server, mock_aws():
        boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=DOMAIN)
        identity = ses_backends[MOTO_ACCOUNT_ID][REGION].email_identities[DOMAIN]
        # real SES: verified, signing, with the tokens the stack's outputs were rendered from
        identity.verified_for_sending_status = True
        identity.dkim_attributes.update(SigningEnabled=True, Status="SUCCESS", Tokens=TOKENS)
        code = main(
            ["doctor", DOMAIN, "--region", REGION, "--nameserver", server.address, "--json"]
        )
    report = json.loads(capsys.readouterr().out)
    dns_findings = {f["id"]: f["status"] for f in report["findings"] if f["section"] == "DNS"}
    assert dns_findings == {
        "dns.dkim.1": "pass",
        "dns.dkim.2": "pass",
        "dns.dkim.3": "pass",
        "dns.mail-from.mx": "pass",
        "dns.mail-from.spf": "pass",
        "dns.spf": "pass",
        "dns.dmarc": "pass",
    }
    assert report["findings"][-1]["status"] == "pass"  # DMARC aligns via DKIM and SPF
    assert code == 0


@pytest.mark.parametrize("name", RECORD_OUTPUTS)
def test_every_record_output_says_what_it_is(name: str):
    assert OUTPUTS[name]["Description"]
