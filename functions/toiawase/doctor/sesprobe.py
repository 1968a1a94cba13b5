"""The SES adapter: read-only SES v2 calls turned into facts, never an exception.

Five calls, each needing one read-only permission: ``ses:GetEmailIdentity``,
``ses:GetAccount``, ``ses:GetConfigurationSet`` and ``ses:GetConfigurationSetEventDestinations``.
A refused permission, missing credentials, an unreachable endpoint or an operation the endpoint
does not implement (moto implements only part of SES v2) becomes ``NotChecked`` with the reason,
so the rest of the report still appears.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
)

from toiawase.doctor.facts import (
    AccountFacts,
    ConfigurationSetFacts,
    EventDestinationFacts,
    IdentityFacts,
    MailFromFacts,
    NotChecked,
    SesFacts,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_sesv2 import SESV2Client

DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "NotAuthorized",
    }
)
BAD_CREDENTIALS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "MissingAuthenticationToken",
    }
)
DESTINATION_KINDS = {
    "SnsDestination": "sns",
    "CloudWatchDestination": "cloudwatch",
    "KinesisFirehoseDestination": "firehose",
    "EventBridgeDestination": "eventbridge",
    "PinpointDestination": "pinpoint",
}


R = TypeVar("R")


class _Missing(Exception):
    """SES answered NotFoundException: the thing does not exist (an answer, not a failure)."""


def make_client(region: str) -> SESV2Client:
    """An SES v2 client from the standard chain (AWS_PROFILE, AWS_ENDPOINT_URL, ...)."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=10
    )
    return boto3.session.Session().client("sesv2", region_name=region, config=config)


class SesProbe:
    def __init__(self, client: SESV2Client, region: str) -> None:
        self._client = client
        self._region = region
        self._broken: NotChecked | None = None  # credentials or endpoint failed: stop asking

    def _call(self, operation: str, call: Callable[[], R]) -> R | NotChecked:
        """Run one call; return its response, or a ``NotChecked``; raise ``_Missing``."""
        if self._broken is not None:
            return self._broken
        try:
            return call()
        except NotImplementedError:  # moto's in-process mock, for what it lacks
            return NotChecked(f"this SES endpoint does not implement {operation}")
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "") or "")
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code == "NotFoundException":
                raise _Missing from exc
            if code in DENIED:
                return NotChecked(f"{code}: no permission for ses:{operation}")
            if code in BAD_CREDENTIALS:
                self._broken = NotChecked(f"SES refused the credentials ({code})")
                return self._broken
            if status in (404, 501) and not code.endswith("Exception"):
                # An endpoint without the operation answers a bare HTTP 404 (moto's server).
                return NotChecked(f"this SES endpoint does not implement {operation}")
            return NotChecked(f"{code or status}: {error.get('Message', '')}".rstrip(": "))
        except (NoCredentialsError, PartialCredentialsError) as exc:
            self._broken = NotChecked(f"no AWS credentials ({exc}); set AWS_PROFILE or similar")
            return self._broken
        except (EndpointConnectionError, ConnectionError) as exc:
            self._broken = NotChecked(f"cannot reach SES ({exc})")
            return self._broken
        except BotoCoreError as exc:
            return NotChecked(f"{type(exc).__name__}: {exc}")

    def identity(self, name: str) -> IdentityFacts | NotChecked:
        try:
            response = self._call(
                "GetEmailIdentity", lambda: self._client.get_email_identity(EmailIdentity=name)
            )
        except _Missing:
            return IdentityFacts(name, exists=False)
        if isinstance(response, NotChecked):
            return response
        dkim = response.get("DkimAttributes", {})
        mail_from_attributes = response.get("MailFromAttributes")
        mail_from = (
            MailFromFacts(
                domain=str(mail_from_attributes.get("MailFromDomain", "") or ""),
                status=str(mail_from_attributes.get("MailFromDomainStatus", "") or ""),
                behavior_on_mx_failure=str(
                    mail_from_attributes.get("BehaviorOnMxFailure", "") or ""
                ),
            )
            if mail_from_attributes is not None
            else None
        )
        return IdentityFacts(
            name,
            exists=True,
            verified=bool(response.get("VerifiedForSendingStatus", False)),
            identity_type=str(response.get("IdentityType", "")),
            verification_status=str(response.get("VerificationStatus", "")),
            dkim_signing_enabled=bool(dkim.get("SigningEnabled", False)),
            dkim_status=str(dkim.get("Status", "")),
            dkim_origin=str(dkim.get("SigningAttributesOrigin", "")),
            dkim_key_length=str(
                dkim.get("CurrentSigningKeyLength") or dkim.get("NextSigningKeyLength") or ""
            ),
            dkim_tokens=tuple(str(t).lower() for t in dkim.get("Tokens", []) or []),
            mail_from=mail_from,
            configuration_set=str(response.get("ConfigurationSetName", "") or ""),
        )

    def account(self) -> AccountFacts | NotChecked:
        response = self._call("GetAccount", lambda: self._client.get_account())
        if isinstance(response, NotChecked):
            return response
        quota = response.get("SendQuota", {})
        return AccountFacts(
            production_access=response.get("ProductionAccessEnabled"),
            sending_enabled=response.get("SendingEnabled"),
            enforcement_status=str(response.get("EnforcementStatus", "") or ""),
            max_24_hour_send=quota.get("Max24HourSend"),
            max_send_rate=quota.get("MaxSendRate"),
            sent_last_24_hours=quota.get("SentLast24Hours"),
        )

    def configuration_set(self, name: str) -> ConfigurationSetFacts | NotChecked:
        try:
            response = self._call(
                "GetConfigurationSet",
                lambda: self._client.get_configuration_set(ConfigurationSetName=name),
            )
        except _Missing:
            return ConfigurationSetFacts(name, exists=False)
        if isinstance(response, NotChecked):
            return response
        sending = response.get("SendingOptions", {}).get("SendingEnabled")
        reputation = response.get("ReputationOptions", {}).get("ReputationMetricsEnabled")
        return ConfigurationSetFacts(
            name,
            exists=True,
            sending_enabled=sending,
            reputation_metrics=reputation,
            destinations=self._destinations(name),
        )

    def _destinations(self, name: str) -> tuple[EventDestinationFacts, ...] | NotChecked:
        try:
            response = self._call(
                "GetConfigurationSetEventDestinations",
                lambda: self._client.get_configuration_set_event_destinations(
                    ConfigurationSetName=name
                ),
            )
        except _Missing:
            return ()
        if isinstance(response, NotChecked):
            return response
        found = []
        for destination in response.get("EventDestinations", []):
            kind = next((k for key, k in DESTINATION_KINDS.items() if key in destination), "")
            target = str(destination.get("SnsDestination", {}).get("TopicArn", ""))
            found.append(
                EventDestinationFacts(
                    name=str(destination.get("Name", "")),
                    enabled=bool(destination.get("Enabled", False)),
                    event_types=frozenset(
                        str(t) for t in destination.get("MatchingEventTypes", [])
                    ),
                    kind=kind,
                    target=target,
                )
            )
        return tuple(found)

    def gather(self, domain: str, sender: str = "", configuration_set: str = "") -> SesFacts:
        """Everything SES can tell about sending from ``domain`` (and ``sender``)."""
        domain_identity = self.identity(domain)
        sender_identity: IdentityFacts | NotChecked | None = None
        if sender and isinstance(domain_identity, IdentityFacts) and not domain_identity.verified:
            sender_identity = self.identity(sender)
        name = configuration_set or (
            domain_identity.configuration_set if isinstance(domain_identity, IdentityFacts) else ""
        )
        return SesFacts(
            region=self._region,
            domain_identity=domain_identity,
            account=self.account(),
            configuration_set=self.configuration_set(name) if name else None,
            sender_identity=sender_identity,
        )
