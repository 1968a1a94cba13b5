"""Sending through Amazon SES v2 ``SendEmail`` with raw MIME content.

Raw content, because the core composes the exact message (UTF-8 text and HTML alternatives,
RFC 2047 display name, ``Reply-To``), and what SES receives is what the recipient reads.
``FromEmailAddress`` names the verified identity (and is what the IAM ``ses:FromAddress``
condition sees); ``FeedbackForwardingEmailAddress`` sends bounces and complaints to the owner;
the ``submission_id`` tag ties SES events back to the submission.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from toiawase.adapters.aws import OutOfTime
from toiawase.core.compose import OutgoingEmail
from toiawase.core.ports import SendFailed

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

# SES v2 error codes that mean "try again later"; everything else is a refusal of this message.
TRANSIENT_CODES = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "LimitExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
SUBMISSION_TAG = "submission_id"
KIND_TAG = "kind"  # toiawase.core.feedback.KIND_TAG: only on mail that is not the owner's


def send_email_params(email: OutgoingEmail) -> dict[str, Any]:
    """The ``SendEmail`` request for ``email``: exactly what SES is asked to do."""
    params: dict[str, Any] = {
        "FromEmailAddress": email.from_address,
        "Destination": {"ToAddresses": list(email.to_addresses)},
        "Content": {"Raw": {"Data": email.raw}},
        "FeedbackForwardingEmailAddress": email.feedback_address,
        "EmailTags": [{"Name": SUBMISSION_TAG, "Value": email.submission_id}],
    }
    if email.kind != "submission":
        params["EmailTags"].append({"Name": KIND_TAG, "Value": email.kind})
    if email.configuration_set:
        params["ConfigurationSetName"] = email.configuration_set
    return params


# Before the container has timed a send of its own: a typical SendEmail round trip in AWS.
TYPICAL_SEND_SECONDS = 0.06


class SesSender:
    """Implements ``toiawase.core.ports.Sender`` with one long-lived SES v2 client.

    It also keeps a moving average of how long its sends take, so ``imitate_send`` can make a
    honeypot answer take about as long as a real one (red-team finding 5).
    """

    def __init__(self, client: SESV2Client, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._sleep = sleep
        self._typical = TYPICAL_SEND_SECONDS

    def imitate_send(self) -> None:
        """Wait about as long as a send takes (the moving average, ±25 %, capped at 1 s)."""
        jitter = random.uniform(0.75, 1.25)  # noqa: S311 - timing noise, not a secret
        self._sleep(min(self._typical * jitter, 1.0))

    def send(self, email: OutgoingEmail) -> str:
        started = time.perf_counter()
        try:
            return self._send(email)
        finally:
            elapsed = time.perf_counter() - started
            self._typical = 0.8 * self._typical + 0.2 * elapsed

    def _send(self, email: OutgoingEmail) -> str:
        try:
            response = self._client.send_email(**send_email_params(email))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            raise SendFailed(code, transient=code in TRANSIENT_CODES or status >= 500) from exc
        except (ConnectionError, HTTPClientError) as exc:  # timeouts, resets, DNS
            raise SendFailed(type(exc).__name__, transient=True) from exc
        except OutOfTime as exc:  # no time left in this invocation to try: the queue will
            raise SendFailed("OutOfTime", transient=True) from exc
        except BotoCoreError as exc:  # no credentials, bad parameters: not fixed by waiting
            raise SendFailed(type(exc).__name__, transient=False) from exc
        return str(response["MessageId"])
