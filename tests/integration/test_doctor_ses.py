"""The doctor's SES adapter: moto for what it implements, botocore's Stubber for the rest.

moto's SES v2 lacks GetAccount and GetConfigurationSetEventDestinations and has no IAM for
it; the Stubber gives the real client AWS-shaped answers (validated against the service
model) and AWS's error codes, so the adapter is tested on what SES really sends.
"""

from __future__ import annotations

import datetime
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from toiawase.doctor.facts import (
    AccountFacts,
    ConfigurationSetFacts,
    EventDestinationFacts,
    IdentityFacts,
    MailFromFacts,
    NotChecked,
)
from toiawase.doctor.sesprobe import SesProbe, make_client

REGION = "us-east-1"


@pytest.fixture
def moto_ses() -> Iterator[SesProbe]:
    with mock_aws():
        yield SesProbe(make_client(REGION), REGION)


def test_moto_identity_missing_then_present(moto_ses: SesProbe):
    assert moto_ses.identity("nowhere.example") == IdentityFacts("nowhere.example", exists=False)
    boto3.client("sesv2", region_name=REGION).create_email_identity(
        EmailIdentity="moto.example",
        DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
    )
    found = moto_ses.identity("moto.example")
    assert isinstance(found, IdentityFacts)
    assert found.exists and found.identity_type == "DOMAIN"
    assert found.dkim_signing_enabled and found.dkim_origin == "AWS_SES"
    assert found.mail_from is None  # moto does not report MAIL FROM attributes


def test_moto_unimplemented_operations_are_not_checked(moto_ses: SesProbe):
    assert moto_ses.account() == NotChecked("this SES endpoint does not implement GetAccount")
    boto3.client("sesv2", region_name=REGION).create_configuration_set(ConfigurationSetName="cs")
    config = moto_ses.configuration_set("cs")
    assert isinstance(config, ConfigurationSetFacts) and config.exists
    assert config.destinations == NotChecked(
        "this SES endpoint does not implement GetConfigurationSetEventDestinations"
    )
    assert moto_ses.configuration_set("absent") == ConfigurationSetFacts("absent", exists=False)


def test_moto_gather_never_raises(moto_ses: SesProbe):
    facts = moto_ses.gather("nowhere.example", "forms@nowhere.example", "absent")
    assert facts.domain_identity == IdentityFacts("nowhere.example", exists=False)
    assert facts.sender_identity == IdentityFacts("forms@nowhere.example", exists=False)
    assert isinstance(facts.account, NotChecked)
    assert facts.configuration_set == ConfigurationSetFacts("absent", exists=False)


# --- real answers, through the Stubber ------------------------------------------------------


@pytest.fixture
def stubbed() -> Iterator[tuple[SesProbe, Stubber]]:
    client = boto3.client("sesv2", region_name=REGION)
    with Stubber(client) as stubber:
        yield SesProbe(client, REGION), stubber
        stubber.assert_no_pending_responses()


IDENTITY: dict[str, Any] = {
    "IdentityType": "DOMAIN",
    "FeedbackForwardingStatus": True,
    "VerifiedForSendingStatus": True,
    "VerificationStatus": "SUCCESS",
    "DkimAttributes": {
        "SigningEnabled": True,
        "Status": "SUCCESS",
        "Tokens": ["Aaaa1111", "bbbb2222", "cccc3333"],
        "SigningAttributesOrigin": "AWS_SES",
        "NextSigningKeyLength": "RSA_2048_BIT",
        "CurrentSigningKeyLength": "RSA_2048_BIT",
        "LastKeyGenerationTimestamp": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    },
    "MailFromAttributes": {
        "MailFromDomain": "mail.example.com",
        "MailFromDomainStatus": "PENDING",
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
    },
    "ConfigurationSetName": "toiawase-identity",
}


def test_a_real_identity_answer(stubbed: tuple[SesProbe, Stubber]):
    probe, stubber = stubbed
    stubber.add_response("get_email_identity", IDENTITY, {"EmailIdentity": "example.com"})
    found = probe.identity("example.com")
    assert found == IdentityFacts(
        "example.com",
        exists=True,
        verified=True,
        identity_type="DOMAIN",
        verification_status="SUCCESS",
        dkim_signing_enabled=True,
        dkim_status="SUCCESS",
        dkim_origin="AWS_SES",
        dkim_key_length="RSA_2048_BIT",
        dkim_tokens=("aaaa1111", "bbbb2222", "cccc3333"),
        mail_from=MailFromFacts("mail.example.com", "PENDING", "USE_DEFAULT_VALUE"),
        configuration_set="toiawase-identity",
    )


def test_the_default_mail_from_reads_as_an_empty_domain(stubbed: tuple[SesProbe, Stubber]):
    probe, stubber = stubbed
    answer = dict(IDENTITY)
    answer["MailFromAttributes"] = {
        "MailFromDomain": "",
        "MailFromDomainStatus": "SUCCESS",
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
    }
    stubber.add_response("get_email_identity", answer, {"EmailIdentity": "example.com"})
    found = probe.identity("example.com")
    assert isinstance(found, IdentityFacts) and found.mail_from is not None
    assert found.mail_from.domain == ""


def test_a_real_gather_uses_the_identitys_configuration_set(stubbed: tuple[SesProbe, Stubber]):
    probe, stubber = stubbed
    stubber.add_response("get_email_identity", IDENTITY, {"EmailIdentity": "example.com"})
    stubber.add_response(
        "get_account",
        {
            "ProductionAccessEnabled": False,
            "SendingEnabled": True,
            "EnforcementStatus": "HEALTHY",
            "DedicatedIpAutoWarmupEnabled": False,
            "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 3.0},
        },
        {},
    )
    stubber.add_response(
        "get_configuration_set",
        {
            "ConfigurationSetName": "toiawase-identity",
            "SendingOptions": {"SendingEnabled": True},
            "ReputationOptions": {"ReputationMetricsEnabled": True},
        },
        {"ConfigurationSetName": "toiawase-identity"},
    )
    stubber.add_response(
        "get_configuration_set_event_destinations",
        {
            "EventDestinations": [
                {
                    "Name": "sns-delivery-events",
                    "Enabled": True,
                    "MatchingEventTypes": [
                        "BOUNCE",
                        "COMPLAINT",
                        "REJECT",
                        "DELIVERY",
                        "DELIVERY_DELAY",
                    ],
                    "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"},
                }
            ]
        },
        {"ConfigurationSetName": "toiawase-identity"},
    )
    facts = probe.gather("example.com", "forms@example.com")
    assert facts.sender_identity is None  # the verified domain covers the address
    assert facts.account == AccountFacts(
        production_access=False,
        sending_enabled=True,
        enforcement_status="HEALTHY",
        max_24_hour_send=200.0,
        max_send_rate=1.0,
        sent_last_24_hours=3.0,
    )
    assert facts.configuration_set == ConfigurationSetFacts(
        "toiawase-identity",
        exists=True,
        sending_enabled=True,
        reputation_metrics=True,
        destinations=(
            EventDestinationFacts(
                "sns-delivery-events",
                True,
                frozenset({"BOUNCE", "COMPLAINT", "REJECT", "DELIVERY", "DELIVERY_DELAY"}),
                "sns",
                "arn:aws:sns:us-east-1:123456789012:t",
            ),
        ),
    )


@pytest.mark.parametrize(
    ("method", "operation", "args", "params"),
    [
        ("identity", "get_email_identity", ("example.com",), {"EmailIdentity": "example.com"}),
        ("account", "get_account", (), {}),
        ("configuration_set", "get_configuration_set", ("cs",), {"ConfigurationSetName": "cs"}),
    ],
)
def test_access_denied_is_not_checked_and_names_the_permission(
    stubbed: tuple[SesProbe, Stubber], method: str, operation: str, args: tuple[str, ...], params
):
    probe, stubber = stubbed
    stubber.add_client_error(
        operation,
        service_error_code="AccessDeniedException",
        service_message="User is not authorized",
        http_status_code=403,
        expected_params=params,
    )
    result = getattr(probe, method)(*args)
    action = "".join(part.title() for part in operation.split("_"))
    assert result == NotChecked(f"AccessDeniedException: no permission for ses:{action}")


def test_denied_event_destinations_leave_the_configuration_set_checked(
    stubbed: tuple[SesProbe, Stubber],
):
    probe, stubber = stubbed
    stubber.add_response(
        "get_configuration_set",
        {"ConfigurationSetName": "cs", "SendingOptions": {"SendingEnabled": True}},
        {"ConfigurationSetName": "cs"},
    )
    stubber.add_client_error(
        "get_configuration_set_event_destinations",
        service_error_code="AccessDeniedException",
        http_status_code=403,
    )
    config = probe.configuration_set("cs")
    assert isinstance(config, ConfigurationSetFacts) and config.sending_enabled is True
    assert config.destinations == NotChecked(
        "AccessDeniedException: no permission for ses:GetConfigurationSetEventDestinations"
    )


def test_rejected_credentials_stop_further_calls(stubbed: tuple[SesProbe, Stubber]):
    probe, stubber = stubbed
    stubber.add_client_error(
        "get_email_identity",
        service_error_code="UnrecognizedClientException",
        http_status_code=403,
    )
    facts = probe.gather("example.com", configuration_set="cs")
    reason = NotChecked("SES refused the credentials (UnrecognizedClientException)")
    # one call made; the Stubber would raise on any other
    assert facts.domain_identity == facts.account == facts.configuration_set == reason


def test_no_credentials_is_not_checked(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask an instance's IMDS
    facts = SesProbe(make_client(REGION), REGION).gather("example.com")
    assert isinstance(facts.domain_identity, NotChecked)
    assert facts.domain_identity.reason.startswith("no AWS credentials")
    assert facts.account == facts.domain_identity


def test_an_unreachable_endpoint_is_not_checked(monkeypatch: pytest.MonkeyPatch):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    facts = SesProbe(make_client(REGION), REGION).gather("example.com")
    assert isinstance(facts.domain_identity, NotChecked)
    assert facts.domain_identity.reason.startswith("cannot reach SES")
