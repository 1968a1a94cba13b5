"""Admission in one DynamoDB ``TransactWriteItems``: the counters, the claim and the row.

Issue 15: the request path made nine sequential AWS calls (four counters, Powertools'
idempotency record and its answer, the row, SES, the status). The visitor waits for every one,
so everything that must happen before the send is one all-or-nothing transaction over the
three tables the template creates:

- one ``Update`` per rate-limit counter, ``ADD hits :one`` on the condition
  ``attribute_not_exists(hits) OR hits < :limit``: a refused request increments nothing, and
  the failing item's place in ``CancellationReasons`` says which limit (so the Retry-After);
- a ``Put`` of the idempotency claim on ``attribute_not_exists(id) OR expiration < :now`` with
  ``ReturnValuesOnConditionCheckFailure: ALL_OLD``, so a repeat learns the first submission's id
  from the refusal itself, without a read;
- a ``Put`` of the submission's row (``received``, or ``spam`` for a honeypot hit).

Transactions on a hot item (the form's counter under a burst) can be cancelled with
``TransactionConflict``; such a cancellation is retried twice after a short jittered pause,
each time with a new ``ClientRequestToken`` (botocore's own retries of one attempt reuse its
token, so a retried call that had in fact committed is not applied twice). Anything else that is
not a condition (throttling, 5xx, timeouts, permissions) is ``AdmissionUnavailable``; the core
decides what that means (``toiawase.core.submit``: store without counters, fail open).

Transactional writes cost two write units per item instead of one; at this traffic that is
cents per million submissions (docs/performance.md).
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from toiawase.adapters.dynamo_store import submission_item
from toiawase.core.ports import (
    AdmissionUnavailable,
    AlreadyClaimed,
    Claim,
    Counter,
    OverLimit,
)
from toiawase.core.records import StoredSubmission

# How long an unanswered claim blocks a repeat when no submissions table keeps the row (the
# request path's timeout is 20 s): after that, a repeat may run the work again.
CLAIM_LEASE_SECONDS = 30
CONFLICT_RETRIES = 2
_CONFLICTS = frozenset({"TransactionConflict", "TransactionConflictException"})


class DynamoAdmission:
    """Implements ``toiawase.core.ports.Admission`` over whichever tables are configured."""

    def __init__(
        self,
        client: Any,  # noqa: ANN401 - botocore clients are typed per service by stubs
        *,
        rate_table: str | None = None,
        claim_table: str | None = None,
        submissions_table: str | None = None,
        retention_days: int = 30,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._rate_table = rate_table or None
        self._claim_table = claim_table or None
        self._submissions_table = submissions_table or None
        self._retention = timedelta(days=retention_days)
        self._sleep = sleep

    def admit(
        self,
        counters: Sequence[Counter],
        claim: Claim | None = None,
        record: StoredSubmission | None = None,
    ) -> None:
        items: list[dict[str, Any]] = []
        if self._rate_table:
            items += [self._count(counter) for counter in counters]
        claim_at = None
        if claim is not None and self._claim_table:
            claim_at = len(items)
            items.append(self._claim(claim))
        if record is not None:
            if not self._submissions_table:
                raise AdmissionUnavailable("NoSubmissionsTable")
            items.append(
                {
                    "Put": {
                        "TableName": self._submissions_table,
                        "Item": submission_item(record, self._retention),
                        "ConditionExpression": "attribute_not_exists(id)",
                    }
                }
            )
        if not items:
            return
        for attempt in range(CONFLICT_RETRIES + 1):
            reasons = self._transact(items)
            if reasons is None:
                return
            codes = [str(reason.get("Code", "None")) for reason in reasons]
            if claim_at is not None and claim is not None and len(reasons) > claim_at:
                held = reasons[claim_at]
                if held.get("Code") == "ConditionalCheckFailed":
                    old = held.get("Item") or {}
                    first = old.get("submission_id", {}).get("S")
                    if first and first != claim.submission_id:
                        raise AlreadyClaimed(first, old.get("answer", {}).get("S"))
                    if first == claim.submission_id:
                        return  # this very admission, committed by an earlier attempt
            for index, code in enumerate(codes[: len(counters)] if self._rate_table else []):
                if code == "ConditionalCheckFailed":
                    raise OverLimit(index)
            if "ConditionalCheckFailed" in codes:  # the row: ids are 128 random bits, so a bug
                raise AdmissionUnavailable("DuplicateId")
            if attempt < CONFLICT_RETRIES and any(code in _CONFLICTS for code in codes):
                self._sleep(random.uniform(0.005, 0.030) * (attempt + 1))  # noqa: S311 - jitter
                continue
            raise AdmissionUnavailable(",".join(sorted(set(codes) - {"None"})) or "Cancelled")
        raise AdmissionUnavailable("TransactionConflict")  # pragma: no cover - loop returns

    def settle(self, claim: Claim, answer: str) -> None:
        if self._submissions_table or not self._claim_table:
            return  # the row answers repeats, or there are no repeats to answer
        try:
            self._client.update_item(
                TableName=self._claim_table,
                Key={"id": {"S": claim.key}},
                UpdateExpression="SET #answer = :answer",
                ConditionExpression="submission_id = :sid",
                ExpressionAttributeNames={"#answer": "answer"},
                ExpressionAttributeValues={
                    ":answer": {"S": answer},
                    ":sid": {"S": claim.submission_id},
                },
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise AdmissionUnavailable(_code(exc)) from exc
        except BotoCoreError as exc:
            raise AdmissionUnavailable(type(exc).__name__) from exc

    def release(self, claim: Claim | None, record: StoredSubmission | None) -> None:
        items: list[dict[str, Any]] = []
        if claim is not None and self._claim_table:
            items.append(
                {
                    "Delete": {
                        "TableName": self._claim_table,
                        "Key": {"id": {"S": claim.key}},
                        "ConditionExpression": "submission_id = :sid",
                        "ExpressionAttributeValues": {":sid": {"S": claim.submission_id}},
                    }
                }
            )
        if record is not None and self._submissions_table:
            items.append(
                {
                    "Delete": {
                        "TableName": self._submissions_table,
                        "Key": {"id": {"S": record.submission_id}},
                        # Still as admitted (``received``, or ``scanning`` for files waiting
                        # for their malware scan): a row that moved on is not ours to undo.
                        "ConditionExpression": "#s = :admitted",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":admitted": {"S": record.status}},
                    }
                }
            )
        if items:
            self._transact(items)  # a failed condition: nothing of ours left to undo

    def _count(self, counter: Counter) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._rate_table,
                "Key": {"id": {"S": counter.key}},
                "UpdateExpression": (
                    "ADD hits :one SET expires_at = if_not_exists(expires_at, :exp)"
                ),
                "ConditionExpression": "attribute_not_exists(hits) OR hits < :limit",
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":exp": {"N": str(counter.resets_at)},
                    ":limit": {"N": str(counter.limit)},
                },
            }
        }

    def _claim(self, claim: Claim) -> dict[str, Any]:
        condition = "attribute_not_exists(id) OR #exp < :now"
        if not self._submissions_table:
            # No row will say how the first attempt ended: an unanswered claim whose lease has
            # run out (the invocation died) lets a repeat run the work again.
            condition += " OR (attribute_not_exists(#answer) AND lease_until < :now)"
        return {
            "Put": {
                "TableName": self._claim_table,
                "Item": {
                    "id": {"S": claim.key},
                    "submission_id": {"S": claim.submission_id},
                    "claimed_at": {"N": str(claim.now)},
                    "lease_until": {"N": str(claim.now + CLAIM_LEASE_SECONDS)},
                    "expiration": {"N": str(claim.expires_at)},
                },
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#exp": "expiration"}
                | ({} if self._submissions_table else {"#answer": "answer"}),
                "ExpressionAttributeValues": {":now": {"N": str(claim.now)}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _transact(self, items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """None when committed; the cancellation reasons when cancelled."""
        try:
            self._client.transact_write_items(
                TransactItems=items, ClientRequestToken=secrets.token_hex(16)
            )
        except ClientError as exc:
            code = _code(exc)
            if code == "TransactionCanceledException":
                reasons = [dict(r) for r in exc.response.get("CancellationReasons") or []]
                return reasons or [{"Code": "Cancelled"}]
            if code in _CONFLICTS:
                return [{"Code": code}]
            raise AdmissionUnavailable(code) from exc
        except BotoCoreError as exc:
            raise AdmissionUnavailable(type(exc).__name__) from exc
        return None


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))
