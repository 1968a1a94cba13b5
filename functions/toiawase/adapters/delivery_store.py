"""Delivery state in the submissions table, the receipt ledger in the counters table, SES's
suppression list, and the delivery queue on SQS: the adapters of the delivery consumer.

Target state lives in the submission's item as ``targets.<name>`` (a map: status, attempts,
error, at, http_status), so ``toiawase deliveries`` reads one item and the state expires with
the submission. The receipt ledger shares the rate-limit table (key ``id``, TTL
``expires_at``): ``receipt#<form>#<day>#<hmac>`` (once per address per day),
``receiptcap#<form>#<day>`` (the daily counter), ``bounced#<hmac>`` (a year).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from toiawase.adapters.dynamo_store import _record
from toiawase.core.notify.delivery import encode_message
from toiawase.core.notify.ports import DeliveryMessage, LedgerUnavailable, TargetState
from toiawase.core.ports import QueueUnavailable, StoreUnavailable
from toiawase.core.records import StoredSubmission

BOUNCE_MEMORY = timedelta(days=365)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _state_item(state: TargetState) -> dict[str, Any]:
    item: dict[str, Any] = {"status": {"S": state.status}, "attempts": {"N": str(state.attempts)}}
    if state.error:
        item["error"] = {"S": state.error}
    if state.at:
        item["at"] = {"S": state.at}
    if state.http_status is not None:
        item["http_status"] = {"N": str(state.http_status)}
    return item


def _state(value: dict[str, Any]) -> TargetState:
    m = value.get("M", {})
    return TargetState(
        status=m["status"]["S"],
        attempts=int(m.get("attempts", {}).get("N", "0")),
        error=m.get("error", {}).get("S"),
        at=m.get("at", {}).get("S"),
        http_status=int(m["http_status"]["N"]) if "http_status" in m else None,
    )


class DynamoTargetStates:
    """Implements ``toiawase.core.notify.ports.TargetStates``."""

    def __init__(self, client: Any, table: str) -> None:  # noqa: ANN401
        self._client, self._table = client, table

    def load(self, submission_id: str) -> tuple[StoredSubmission | None, dict[str, TargetState]]:
        try:
            item = self._client.get_item(
                TableName=self._table, Key={"id": {"S": submission_id}}, ConsistentRead=True
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        if not item:
            return None, {}
        targets = item.get("targets", {}).get("M", {})
        return _record(item), {name: _state(value) for name, value in targets.items()}

    def put(
        self, submission_id: str, target: str, state: TargetState, *, expect: str | None
    ) -> bool:
        names = {"#t": "targets", "#n": target}
        values: dict[str, Any] = {":v": {"M": _state_item(state)}}
        if expect is None:
            # First attempt: make sure the map exists (DynamoDB cannot SET a path inside a
            # missing map, and answers that differently from moto), then claim the key.
            self._ensure_map(submission_id)
            condition = "attribute_exists(id) AND attribute_not_exists(#t.#n)"
        else:
            condition = "#t.#n.#s = :expect"
            names["#s"] = "status"
            values[":expect"] = {"S": expect}
        for _ in range(2):
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key={"id": {"S": submission_id}},
                    UpdateExpression="SET #t.#n = :v",
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
                return True
            except ClientError as exc:
                if _code(exc) == "ConditionalCheckFailedException":
                    return False
                if _code(exc) != "ValidationException":
                    raise StoreUnavailable(_code(exc)) from exc
                # The item has no ``targets`` map yet: create it (empty), then set the target.
                self._ensure_map(submission_id)
            except BotoCoreError as exc:
                raise StoreUnavailable(type(exc).__name__) from exc
        return False

    def _ensure_map(self, submission_id: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": submission_id}},
                UpdateExpression="SET #t = if_not_exists(#t, :empty)",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeNames={"#t": "targets"},
                ExpressionAttributeValues={":empty": {"M": {}}},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise StoreUnavailable(_code(exc)) from exc


class DynamoReceiptLedger:
    """Implements ``toiawase.core.notify.ports.ReceiptLedger`` on the counters table."""

    def __init__(self, client: Any, table: str) -> None:  # noqa: ANN401
        self._client, self._table = client, table

    def _expires(self, days: float) -> str:
        return str(int((datetime.now(tz=UTC) + timedelta(days=days)).timestamp()))

    def first_today(self, form_id: str, address_key: str, day: str, submission_id: str) -> bool:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": f"receipt#{form_id}#{day}#{address_key}"},
                    "sid": {"S": submission_id},
                    "expires_at": {"N": self._expires(2)},
                },
                # A retry of the same submission may pass again; another submission may not.
                ConditionExpression="attribute_not_exists(id) OR sid = :sid",
                ExpressionAttributeValues={":sid": {"S": submission_id}},
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise LedgerUnavailable(_code(exc)) from exc
        except BotoCoreError as exc:
            raise LedgerUnavailable(type(exc).__name__) from exc
        return True

    def take_slot(self, form_id: str, day: str, cap: int, submission_id: str) -> bool:
        """One conditional update: count the slot and remember which submission holds it, so a
        retried receipt (the first attempt took its slot, then SES failed) takes no second."""
        key = {"id": {"S": f"receiptcap#{form_id}#{day}"}}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="ADD #c :one, #s :sids SET expires_at = :exp",
                ConditionExpression=(
                    "(attribute_not_exists(#c) OR #c < :cap) AND NOT contains(#s, :sid)"
                ),
                ExpressionAttributeNames={"#c": "count", "#s": "sids"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":sids": {"SS": [submission_id]},
                    ":sid": {"S": submission_id},
                    ":cap": {"N": str(cap)},
                    ":exp": {"N": self._expires(2)},
                },
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise LedgerUnavailable(_code(exc)) from exc
            # The cap is reached, or this submission holds a slot already (a retry: go on).
            return submission_id in self._slot_holders(key)
        except BotoCoreError as exc:
            raise LedgerUnavailable(type(exc).__name__) from exc
        return True

    def _slot_holders(self, key: dict[str, Any]) -> set[str]:
        try:
            item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise LedgerUnavailable(type(exc).__name__) from exc
        return set(item.get("Item", {}).get("sids", {}).get("SS", []))

    def has_bounced(self, address_key: str) -> bool:
        try:
            item = self._client.get_item(
                TableName=self._table, Key={"id": {"S": f"bounced#{address_key}"}}
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise LedgerUnavailable(type(exc).__name__) from exc
        return item is not None

    def record_bounce(self, address_key: str) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": f"bounced#{address_key}"},
                    "expires_at": {"N": self._expires(BOUNCE_MEMORY.days)},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise LedgerUnavailable(type(exc).__name__) from exc


class DynamoLedgerEraser:
    """An address's receipt-ledger entries, for ``toiawase forget`` (``ops.data.LedgerEraser``).

    ``bounced#<hmac>`` is read by its key; the day marks ``receipt#<form>#<day>#<hmac>`` have
    the form and the day in front, so they are found by one Scan of the counters table (rate
    counters and ledger entries, all expiring within two days but the bounce list): an owner's
    rare command, never a request path.
    """

    def __init__(self, client: Any, table: str) -> None:  # noqa: ANN401
        self._client, self._table = client, table

    def entries_for(self, address_keys: Iterable[str]) -> list[str]:
        keys = sorted(set(address_keys))
        found: list[str] = []
        for key in keys:
            item = self._client.get_item(
                TableName=self._table, Key={"id": {"S": f"bounced#{key}"}}, ConsistentRead=True
            ).get("Item")
            if item:
                found.append(f"bounced#{key}")
        if not keys:
            return found
        names = {f":k{i}": {"S": f"#{key}"} for i, key in enumerate(keys)}
        ends = " OR ".join(f"contains(id, :k{i})" for i in range(len(keys)))
        params: dict[str, Any] = {
            "TableName": self._table,
            "ProjectionExpression": "id",
            "FilterExpression": f"begins_with(id, :receipt) AND ({ends})",
            "ExpressionAttributeValues": {":receipt": {"S": "receipt#"}, **names},
            "ConsistentRead": True,
        }
        while True:
            page = self._client.scan(**params)
            for item in page.get("Items", []):
                entry = str(item["id"]["S"])
                # contains() is a substring test: keep only ids that end with a key.
                if entry.rpartition("#")[2] in keys:
                    found.append(entry)
            if "LastEvaluatedKey" not in page:
                return found
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete_entry(self, entry_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"id": {"S": entry_id}})


class SesSuppressions:
    """Implements ``toiawase.core.notify.ports.Suppressions`` with sesv2
    ``GetSuppressedDestination`` (NotFoundException: not suppressed)."""

    def __init__(self, client: Any) -> None:  # noqa: ANN401
        self._client = client

    def is_suppressed(self, address: str) -> bool:
        try:
            self._client.get_suppressed_destination(EmailAddress=address)
        except ClientError as exc:
            if _code(exc) in ("NotFoundException", "NotFound"):
                return False
            raise LedgerUnavailable(_code(exc)) from exc
        except BotoCoreError as exc:
            raise LedgerUnavailable(type(exc).__name__) from exc
        return True


class SqsDeliveryQueue:
    """Implements ``toiawase.core.notify.ports.DeliveryQueue``: one ``SendMessageBatch`` (one
    round trip) for up to ten targets."""

    def __init__(self, client: Any, queue_url: str) -> None:  # noqa: ANN401
        self._client, self._url = client, queue_url

    def enqueue(self, messages: Sequence[DeliveryMessage]) -> None:
        for start in range(0, len(messages), 10):
            batch = messages[start : start + 10]
            try:
                result = self._client.send_message_batch(
                    QueueUrl=self._url,
                    Entries=[
                        {"Id": str(i), "MessageBody": encode_message(m)}
                        for i, m in enumerate(batch)
                    ],
                )
            except (ClientError, BotoCoreError) as exc:
                raise QueueUnavailable(type(exc).__name__) from exc
            if result.get("Failed"):
                raise QueueUnavailable("BatchEntryFailed")
