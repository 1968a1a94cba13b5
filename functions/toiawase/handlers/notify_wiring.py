"""Building the delivery consumer's adapters, once per container, and finding a form's targets.

``WEBHOOK_ALLOWED_PORTS`` (default 443) and ``WEBHOOK_ALLOW_LOOPBACK`` (``make dev`` only; the
template never sets it) shape the URL policy. ``REPLY_HASH_KEY``, the stack's one HMAC key of
submitter addresses (the submit function's reply hashes use it too), keys the receipt ledger's
address hashes (locally a fixed development key). ``DELIVERY_LOCAL_RECEIVER`` (set by the dev
server only) sends every http target to the dev server's receiver instead of its URL.

``use_local_suppressions`` swaps SES's suppression list for a local one: the dev server calls it
from Python (moto has no ``GetSuppressedDestination``); no variable can, so no deployment does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cache

from toiawase.adapters import aws
from toiawase.core.config import Settings
from toiawase.core.forms.model import Form
from toiawase.core.notify.delivery import DeliveryDeps
from toiawase.core.notify.ports import DeliveryQueue, ReceiptLedger, Suppressions
from toiawase.core.notify.receipt import DEFAULT_DAILY_CAP
from toiawase.core.notify.urlpolicy import parse_policy
from toiawase.handlers import wiring

DELIVERY_QUEUE_URL = "DELIVERY_QUEUE_URL"
DELIVERY_MAX_ATTEMPTS = "DELIVERY_MAX_ATTEMPTS"
RECEIPT_DAILY_CAP = "RECEIPT_DAILY_CAP"
LOCAL_RECEIVER = "DELIVERY_LOCAL_RECEIVER"
DEV_HASH_KEY = "toiawase-local-development-key"
FORMS_FILE = "FORMS_FILE"

# The dev server's suppression list (``toiawase.local.suppressions``); None everywhere else.
_local_suppressions: list[Suppressions] = []

# Forms by id for the consumer; the forms loader replaces the env-only default when present.
FormLookup = Callable[[Mapping[str, str], Settings, str], Form | None]


def env_form(settings: Settings) -> Form:
    """The one form the variables describe (no forms file): email only, no receipt."""
    return Form(id="default", title=settings.site_name, recipients=settings.recipient_addresses)


def form_for(env: Mapping[str, str], settings: Settings, form_id: str) -> Form | None:
    path = env.get(FORMS_FILE, "").strip()
    if path:
        from toiawase.core.forms.load import load_forms_file

        config = load_forms_file(path, settings)
        form: Form | None = config.get(form_id)
    else:
        form = env_form(settings) if form_id == "default" else None
    receiver = env.get(LOCAL_RECEIVER, "").strip()
    if form is not None and receiver:
        form = _to_local_receiver(form, receiver)
    return form


def _to_local_receiver(form: Form, receiver: str) -> Form:
    targets = tuple(
        replace(t, url=f"{receiver.rstrip('/')}/{t.type}/{t.name}") if t.url else t
        for t in form.notify
    )
    return replace(form, notify=targets)


def max_attempts(env: Mapping[str, str]) -> int:
    return int(env.get(DELIVERY_MAX_ATTEMPTS, "") or "12")


@cache
def _deps(
    table: str, counters: str, ports: str, loopback: str, key: str, cap: int
) -> tuple[DeliveryDeps, list[Callable[[str, str], None] | None]]:
    from toiawase.adapters.delivery_store import (
        DynamoReceiptLedger,
        DynamoTargetStates,
        SesSuppressions,
    )
    from toiawase.adapters.ses import SesSender
    from toiawase.adapters.webhook_http import SafeHttpClient
    from toiawase.adapters.webhook_sign import ParameterSecrets, StandardWebhooksSigner

    hook: list[Callable[[str, str], None] | None] = [None]

    def on_refused(reason: str, where: str) -> None:
        if hook[0] is not None:
            hook[0](reason, where)

    dynamodb = aws.client("dynamodb")
    deps = DeliveryDeps(
        states=DynamoTargetStates(dynamodb, table),
        poster=SafeHttpClient(parse_policy(ports, loopback), on_refused=on_refused),
        signer=StandardWebhooksSigner(),
        secrets=ParameterSecrets(),
        sender=SesSender(aws.client("sesv2")),
        ledger=DynamoReceiptLedger(dynamodb, counters) if counters else None,
        suppressions=SesSuppressions(aws.client("sesv2")),
        address_key=key.encode("utf-8"),
        receipt_cap=cap,
    )
    return deps, hook


def delivery_deps(
    env: Mapping[str, str], on_refused: Callable[[str, str], None] | None = None
) -> DeliveryDeps:
    table = env.get(wiring.SUBMISSIONS_TABLE, "").strip()
    if not table:
        raise RuntimeError("SUBMISSIONS_TABLE is not set: deliveries are kept with submissions")
    deps, hook = _deps(
        table,
        env.get(wiring.RATE_LIMIT_TABLE, "").strip(),
        env.get("WEBHOOK_ALLOWED_PORTS", "443"),
        env.get("WEBHOOK_ALLOW_LOOPBACK", ""),
        _hash_key(env),
        int(env.get(RECEIPT_DAILY_CAP, "") or DEFAULT_DAILY_CAP),
    )
    hook[0] = on_refused
    if _local_suppressions:
        return replace(deps, suppressions=_local_suppressions[0])
    return deps


def use_local_suppressions(suppressions: Suppressions) -> None:
    """Decide receipts against ``suppressions`` instead of SES (``toiawase dev`` only)."""
    _local_suppressions[:] = [suppressions]


def _hash_key(env: Mapping[str, str]) -> str:
    """``REPLY_HASH_KEY``: a literal locally; in AWS a Secrets Manager ARN (the template's
    ``ReplyHashKey``), read through Powertools Parameters and kept, as the submit function
    reads it (``wiring.secret_or_literal``)."""
    value = env.get(wiring.REPLY_HASH_KEY, "").strip()
    return wiring.secret_or_literal(value) if value else DEV_HASH_KEY


def address_hash_key(env: Mapping[str, str]) -> bytes:
    return _hash_key(env).encode("utf-8")


@cache
def _ledger(table: str) -> ReceiptLedger:
    from toiawase.adapters.delivery_store import DynamoReceiptLedger

    return DynamoReceiptLedger(aws.client("dynamodb"), table)


def receipt_ledger(env: Mapping[str, str]) -> ReceiptLedger | None:
    """The receipt ledger in the counters table (``RATE_LIMIT_TABLE``), for the feedback
    function's bounce list; None when not configured."""
    table = env.get(wiring.RATE_LIMIT_TABLE, "").strip()
    return _ledger(table) if table else None


def delivery_queue(env: Mapping[str, str]) -> DeliveryQueue | None:
    return wiring.deliveries(env)


def delay(env: Mapping[str, str], receipt_handle: str, seconds: int) -> None:
    """The backoff: hide the message for ``seconds`` (at most 12 h, SQS's limit)."""
    url = env.get(DELIVERY_QUEUE_URL, "").strip()
    if not url:
        return
    # On failure the message comes back after the queue's own visibility timeout instead.
    with contextlib.suppress(Exception):
        aws.client("sqs").change_message_visibility(
            QueueUrl=url, ReceiptHandle=receipt_handle, VisibilityTimeout=min(seconds, 43200)
        )
