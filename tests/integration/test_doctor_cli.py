"""``toiawase doctor`` end to end: the real CLI entry, a real DNS server on 127.0.0.1 and moto's
SES server reached through ``AWS_ENDPOINT_URL``, one zone per way a domain goes wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from moto.ses.models import ses_backends

from tests.integration.localdns import LocalDns, local_dns
from toiawase.cli import main
from toiawase.local.sesbox import MOTO_ACCOUNT_ID

REGION = "us-east-1"
CONFIGURATION_SET = "toiawase-identity"
TOIAWASE = str(Path(sys.executable).with_name("toiawase"))

# What the rest of the internet would answer, served locally: SES's own SPF, and a chain of
# includes that takes a domain's SPF past the 10-lookup limit.
SHARED = [
    'amazonses.com. 300 IN TXT "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 -all"',
    *(f'inc{n}.lookups.example. 300 IN TXT "v=spf1 a mx -all"' for n in range(6)),
    *(f"inc{n}.lookups.example. 300 IN A 192.0.2.{n + 1}" for n in range(6)),
    *(f"inc{n}.lookups.example. 300 IN MX 10 inc{n}.lookups.example." for n in range(6)),
]


def tokens_for(domain: str) -> list[str]:
    return [hashlib.sha256(f"{domain}{n}".encode()).hexdigest()[:32] for n in range(3)]


def zone_for(
    domain: str,
    *,
    missing_dkim: int | None = None,
    mail_from_mx: bool = True,
    mail_from_spf: bool = True,
    spf: tuple[str, ...] = ("v=spf1 include:amazonses.com -all",),
    dmarc: str | None = "v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain}",
) -> list[str]:
    """A domain's records as its owner would publish them, with the chosen mistakes."""
    lines = [f"{domain}. 300 IN MX 10 mx.{domain}.", f"mx.{domain}. 300 IN A 192.0.2.10"]
    for number, token in enumerate(tokens_for(domain)):
        if number != missing_dkim:
            lines.append(f"{token}._domainkey.{domain}. 300 IN CNAME {token}.dkim.amazonses.com.")
    if mail_from_mx:
        lines.append(f"mail.{domain}. 300 IN MX 10 feedback-smtp.{REGION}.amazonses.com.")
    if mail_from_spf:
        lines.append(f'mail.{domain}. 300 IN TXT "v=spf1 include:amazonses.com ~all"')
    lines.extend(f'{domain}. 300 IN TXT "{record}"' for record in spf)
    if dmarc:
        lines.append(f'_dmarc.{domain}. 300 IN TXT "{dmarc.format(domain=domain)}"')
    return lines


SCENARIOS: dict[str, list[str]] = {
    "good.example": zone_for("good.example"),
    "nodkim.example": zone_for("nodkim.example", missing_dkim=1),
    "twospf.example": zone_for(
        "twospf.example",
        spf=("v=spf1 include:amazonses.com -all", "v=spf1 include:_spf.google.com ~all"),
    ),
    "lookups.example": zone_for(
        "lookups.example",
        spf=("v=spf1 " + " ".join(f"include:inc{n}.lookups.example" for n in range(6)) + " -all",),
    ),
    "nodmarc.example": zone_for("nodmarc.example", dmarc=None),
    "nomx.example": zone_for("nomx.example", mail_from_mx=False),
    "defaultmf.example": zone_for("defaultmf.example", mail_from_mx=False, mail_from_spf=False),
}


@pytest.fixture(scope="module")
def dns() -> Iterator[LocalDns]:
    lines = SHARED + [line for zone in SCENARIOS.values() for line in zone]
    with local_dns("\n".join(lines)) as server:
        yield server


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("sesv2", region_name=REGION, endpoint_url=endpoint)
    backend = ses_backends[MOTO_ACCOUNT_ID][REGION]
    for domain in [*SCENARIOS, "profile.example"]:
        client.create_email_identity(
            EmailIdentity=domain, DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"}
        )
        # What real SES reports once it has found the DKIM CNAMEs: moto never looks at DNS,
        # never marks an identity verified and hands out no tokens, so set that state.
        identity = backend.email_identities[domain]
        identity.verified_for_sending_status = True
        identity.dkim_attributes.update(Tokens=tokens_for(domain), Status="SUCCESS")
    client.create_configuration_set(
        ConfigurationSetName=CONFIGURATION_SET,
        SendingOptions={"SendingEnabled": True},
        ReputationOptions={"ReputationMetricsEnabled": True},
    )
    # moto stores the SendingOptions dict where SES v2 answers its boolean.
    backend.config_sets[CONFIGURATION_SET].enabled = True  # type: ignore[assignment]
    yield endpoint
    server.stop()


@pytest.fixture
def doctor(dns: LocalDns, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys):
    """Run ``toiawase doctor DOMAIN --json`` in process; return (exit code, report)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)

    def run(domain: str, *extra: str) -> tuple[int, dict[str, Any]]:
        argv = ["doctor", domain, "--nameserver", dns.address, "--json", *extra]
        code = main([*argv, "--configuration-set", CONFIGURATION_SET])
        report = json.loads(capsys.readouterr().out)
        assert report["exit_code"] == code
        return code, report

    return run


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {finding["id"]: finding["status"] for finding in report["findings"]}


def finding(report: dict[str, Any], id_: str) -> dict[str, Any]:
    return next(f for f in report["findings"] if f["id"] == id_)


# moto implements neither GetAccount nor GetConfigurationSetEventDestinations, and reports no
# MAIL FROM attributes: those three are "not checked" in every scenario, never a crash.
MOTO_GAPS = {"ses.mail-from": "not checked", "ses.account": "not checked"}
MOTO_GAPS["ses.event-destination"] = "not checked"


def test_a_correct_domain_passes(doctor):
    code, report = doctor("good.example", "--sender", "forms@good.example")
    assert code == 0
    assert statuses(report) == {
        "ses.identity": "pass",
        "ses.dkim": "pass",
        **MOTO_GAPS,
        "ses.configuration-set": "pass",
        "dns.dkim.1": "pass",
        "dns.dkim.2": "pass",
        "dns.dkim.3": "pass",
        "dns.mail-from.mx": "pass",
        "dns.mail-from.spf": "pass",
        "dns.spf": "pass",
        "dns.dmarc": "pass",
        "verdict.alignment": "pass",
    }
    assert "GetAccount" in finding(report, "ses.account")["detail"]
    assert finding(report, "verdict.alignment")["detail"] == (
        "DMARC passes via DKIM (d=good.example) and via SPF (MAIL FROM mail.good.example, relaxed "
        "alignment)"
    )


def test_a_missing_dkim_record(doctor):
    code, report = doctor("nodkim.example")
    assert code == 1
    found = statuses(report)
    assert (found["dns.dkim.1"], found["dns.dkim.2"], found["dns.dkim.3"]) == (
        "pass",
        "fail",
        "pass",
    )
    token = tokens_for("nodkim.example")[1]
    assert finding(report, "dns.dkim.2")["fix"] == [
        f"{token}._domainkey.nodkim.example. 3600 IN CNAME {token}.dkim.amazonses.com."
    ]
    assert found["verdict.alignment"] == "warn"  # SPF still aligns; DKIM does not
    assert "passes via SPF" in finding(report, "verdict.alignment")["detail"]


def test_two_spf_records(doctor):
    code, report = doctor("twospf.example")
    assert code == 1
    assert statuses(report)["dns.spf"] == "fail"
    assert "2 SPF records" in finding(report, "dns.spf")["detail"]
    assert statuses(report)["verdict.alignment"] == "pass"  # SES mail itself is unaffected


def test_an_spf_over_the_lookup_limit(doctor):
    code, report = doctor("lookups.example")
    assert code == 1
    spf = finding(report, "dns.spf")
    assert spf["status"] == "fail"
    counted = re.search(r"requires (\d+)/10 maximum DNS lookups", spf["detail"])
    assert counted and int(counted.group(1)) > 10, spf["detail"]
    assert "at most 10 DNS-querying terms" in " ".join(spf["fix"])


def test_dmarc_missing(doctor):
    code, report = doctor("nodmarc.example")
    assert code == 0
    dmarc = finding(report, "dns.dmarc")
    assert dmarc["status"] == "warn"
    assert dmarc["fix"][0] == (
        "_dmarc.nodmarc.example. 3600 IN TXT "
        '"v=DMARC1; p=none; rua=mailto:dmarc-reports@nodmarc.example"'
    )
    assert statuses(report)["verdict.alignment"] == "pass"
    assert "no DMARC record yet" in finding(report, "verdict.alignment")["detail"]


def test_mail_from_without_mx(doctor):
    code, report = doctor("nomx.example")
    assert code == 1
    found = statuses(report)
    assert (found["dns.mail-from.mx"], found["dns.mail-from.spf"]) == ("fail", "pass")
    assert finding(report, "dns.mail-from.mx")["fix"] == [
        "mail.nomx.example. 3600 IN MX 10 feedback-smtp.us-east-1.amazonses.com."
    ]
    verdict = finding(report, "verdict.alignment")
    assert verdict["status"] == "warn"
    assert "passes via DKIM (d=nomx.example) only; not via SPF" in verdict["detail"]


def test_the_default_mail_from_never_aligns_spf(doctor):
    code, report = doctor("defaultmf.example")
    assert code == 0
    found = statuses(report)
    assert found["dns.mail-from"] == "warn"
    assert "dns.mail-from.mx" not in found
    verdict = finding(report, "verdict.alignment")
    assert verdict["status"] == "warn"
    assert "not via SPF" in verdict["detail"] and "amazonses.com" in verdict["detail"]


def test_an_unknown_domain_fails_at_ses(doctor):
    code, report = doctor("unknown.example")
    assert code == 1
    identity = finding(report, "ses.identity")
    assert identity["status"] == "fail" and "no identity unknown.example" in identity["detail"]
    assert statuses(report)["dns.dkim"] == "not checked"


def test_the_terminal_report_is_readable(dns: LocalDns, moto_endpoint: str, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("COLUMNS", "100")
    code = main(["doctor", "nomx.example", "--nameserver", dns.address])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("toiawase doctor nomx.example\n")
    lines = out.splitlines()
    assert max(len(line) for line in lines if not line.lstrip().startswith("fix:")) <= 100
    assert "  FAIL  MAIL FROM MX" in out
    assert (
        "        fix: mail.nomx.example. 3600 IN MX 10 feedback-smtp.us-east-1.amazonses.com."
        in out
    )
    assert "\nSES\n" in out and "\nDNS\n" in out and "\nVerdict\n" in out
    assert lines[-1].endswith("→ exit 1")


# --- usage errors, exit code 2 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["forms@good.example"], "is an address"),
        (["localhost"], "no dot"),
        (["good.example", "--nameserver", "127.0.0.1:99999"], "port must be a number"),
        (["good.example", "--sender", "forms@elsewhere.example"], "is not on good.example"),
        (["good.example", "--sender", "not an address"], "--sender"),
        (["good.example", "--region", "moon"], "not an AWS region"),
        (["good.example", "--dkim-token", "a.b"], "--dkim-token"),
        (["good.example", "--mail-from", "mail.other.example"], "subdomain of good.example"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys):
    assert main(["doctor", *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_no_region_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys):
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert main(["doctor", "good.example"]) == 2
    assert "no SES region" in capsys.readouterr().err


def test_an_unknown_option_is_argparse_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["doctor", "good.example", "--frobnicate"])
    assert exited.value.code == 2


def test_without_the_doctor_extra_it_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "checkdmarc", None)
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert main(["doctor", "good.example"]) == 2
    assert "pip install 'toiawase[doctor]'" in capsys.readouterr().err


# --- the installed command, and the standard AWS settings --------------------------------------


def run_command(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TOIAWASE, *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_installed_command_honours_aws_endpoint_url(dns: LocalDns, moto_endpoint: str):
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_endpoint}
    result = run_command("doctor", "good.example", "--nameserver", dns.address, "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # only moto's server knows good.example, so a passing identity proves where SES was asked
    assert statuses(report)["ses.identity"] == "pass"


def test_the_installed_command_honours_aws_profile(dns: LocalDns, moto_endpoint: str, tmp_path):
    config = tmp_path / "config"
    config.write_text(
        f"[profile doctor-test]\nregion = {REGION}\nendpoint_url = {moto_endpoint}\n"
        "aws_access_key_id = profile-key\naws_secret_access_key = profile-secret\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_PROFILE="doctor-test",
        AWS_EC2_METADATA_DISABLED="true",
    )
    result = run_command(
        "doctor", "profile.example", "--nameserver", dns.address, "--json", env=env
    )
    report = json.loads(result.stdout)
    assert report["region"] == REGION  # from the profile: no AWS_REGION is set
    assert statuses(report)["ses.identity"] == "pass"


def test_the_installed_command_exits_2_for_usage_errors():
    result = run_command("doctor", "not a domain", env=dict(os.environ))
    assert result.returncode == 2
    assert "not a domain name" in result.stderr
