"""Signing per the Standard Webhooks specification, with the ``standardwebhooks`` library.

Imported by the delivery consumer only (it is stdlib-only and ~4 KB, but the API function has no
use for it). Secrets: ``whsec_…`` is used as given (local development); ``ssm:/path`` is read
as a SecureString and anything starting ``arn:aws:secretsmanager:`` from Secrets Manager, both
through Powertools Parameters, cached for five minutes.
"""

from __future__ import annotations

from datetime import datetime

from standardwebhooks import Webhook

from toiawase.core.notify.ports import SecretUnavailable

CACHE_SECONDS = 300


class StandardWebhooksSigner:
    """Implements ``toiawase.core.notify.ports.WebhookSigner``."""

    def signature(self, secret: str, msg_id: str, timestamp: datetime, body: str) -> str:
        try:
            return str(Webhook(secret).sign(msg_id, timestamp, body))
        except Exception as exc:  # an empty or non-base64 secret: the owner must fix it
            raise SecretUnavailable("bad_secret", transient=False) from exc


class ParameterSecrets:
    """Implements ``toiawase.core.notify.ports.SecretSource``."""

    def get(self, reference: str) -> str:
        if reference.startswith("whsec_"):
            return reference
        try:
            if reference.startswith("ssm:"):
                from aws_lambda_powertools.utilities.parameters import get_parameter

                value = get_parameter(reference[4:], decrypt=True, max_age=CACHE_SECONDS)
            elif reference.startswith("arn:aws:secretsmanager:"):
                from aws_lambda_powertools.utilities.parameters import get_secret

                value = get_secret(reference, max_age=CACHE_SECONDS)
            else:
                raise SecretUnavailable("unknown_secret_kind", transient=False)
        except SecretUnavailable:
            raise
        except Exception as exc:  # GetParameterError, throttling, permissions
            raise SecretUnavailable("secret_unavailable", transient=True) from exc
        if not isinstance(value, str) or not value:
            raise SecretUnavailable("secret_empty", transient=False)
        return value
