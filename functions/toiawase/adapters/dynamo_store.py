"""Submissions in DynamoDB: one item per submission, keyed by ``id``, expiring by TTL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from toiawase.core import records
from toiawase.core.ports import StoreUnavailable
from toiawase.core.records import StoredSubmission

# The owner's data (docs/data.md): attributes and indexes that export, list and forget read.
REPLY_HASH = "reply_hash"  # HMAC of the normalised reply-to address (core/privacy.py)
IDEMPOTENCY_RECORD = "idem_record"  # the Powertools idempotency record this request left
MONTH = "month"  # "YYYY-MM" of created_at: the partition of the all-forms time index
BY_REPLY_HASH = "by-reply-hash"  # PK reply_hash; keys only (forget reads the items it deletes)
BY_FORM = "by-form"  # PK form, SK created_at; every attribute (export reads it once)
BY_MONTH = "by-month"  # PK month, SK created_at; every attribute (export of all forms)
TOMBSTONE_PREFIX = "erased#"
# Malware scanning (core/scanning.py): a submission waiting for its verdicts carries
# ``scan_wait``, removed by the write that moves it on, so the sparse index ``by-scan-wait``
# (PK scan_wait, SK created_at; keys only; template.yaml with MalwareScanning=guardduty) holds
# exactly the submissions still waiting, oldest first: the scan-timeout sweep queries it and
# never scans the table.
SCAN_WAIT = "scan_wait"
BY_SCAN_WAIT = "by-scan-wait"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def tombstone_id(reply_hash: str) -> str:
    """The item that remembers an erasure: the hash only, under a key no submission id has."""
    return TOMBSTONE_PREFIX + reply_hash


def data_attributes(record: StoredSubmission) -> dict[str, Any]:
    """The attributes the data indexes read, written when the submission is created."""
    item: dict[str, Any] = {MONTH: {"S": record.created_at.astimezone(UTC).strftime("%Y-%m")}}
    if record.reply_hash:
        item[REPLY_HASH] = {"S": record.reply_hash}
    if record.idempotency_record:
        item[IDEMPOTENCY_RECORD] = {"S": record.idempotency_record}
    return item


def submission_item(record: StoredSubmission, retention: timedelta) -> dict[str, Any]:
    """The table's item for a new submission (also written by ``adapters.admission``)."""
    item = {
        "id": {"S": record.submission_id},
        "status": {"S": record.status},
        "created_at": {"S": _iso(record.created_at)},
        "updated_at": {"S": _iso(record.updated_at)},
        "expires_at": {"N": str(int((record.created_at + retention).timestamp()))},
        "attempts": {"N": str(record.attempts)},
        "payload": {"S": record.payload},
    }
    if record.form_id:
        item["form"] = {"S": record.form_id}
    if record.status == records.SCANNING:
        item[SCAN_WAIT] = {"S": records.SCANNING}
    item.update(data_attributes(record))
    return item


class DynamoStore:
    """Implements ``toiawase.core.ports.SubmissionStore`` with the low-level DynamoDB client."""

    def __init__(self, client: Any, table_name: str, retention_days: int = 30) -> None:  # noqa: ANN401
        self._client = client
        self._table = table_name
        self._retention = timedelta(days=retention_days)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:  # noqa: ANN401
        try:
            result: dict[str, Any] = getattr(self._client, operation)(
                TableName=self._table, **params
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise
            raise StoreUnavailable(str(exc.response.get("Error", {}).get("Code"))) from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return result

    def create(self, record: StoredSubmission) -> None:
        item = submission_item(record, self._retention)
        try:
            self._call("put_item", Item=item, ConditionExpression="attribute_not_exists(id)")
        except ClientError as exc:  # the id exists already: ids are 128 random bits, so a bug
            raise StoreUnavailable("DuplicateId") from exc

    def get(self, submission_id: str) -> StoredSubmission | None:
        item = self._call("get_item", Key={"id": {"S": submission_id}}, ConsistentRead=True).get(
            "Item"
        )
        # A tombstone (``erased#…``) is not a submission.
        return _record(item) if item and "status" in item else None

    def mark(
        self,
        submission_id: str,
        status: str,
        now: datetime,
        *,
        reason: str | None = None,
        message_id: str | None = None,
        only_from: Iterable[str] | None = None,
        count_attempt: bool = False,
    ) -> bool:
        sets = ["#s = :s", "updated_at = :now"]
        values: dict[str, Any] = {":s": {"S": status}, ":now": {"S": _iso(now)}}
        if reason is not None:
            sets.append("reason = :r")
            values[":r"] = {"S": reason}
        if message_id is not None:
            sets.append("ses_message_id = :m")
            values[":m"] = {"S": message_id}
        if count_attempt:
            sets.append("attempts = if_not_exists(attempts, :zero) + :one")
            values[":zero"], values[":one"] = {"N": "0"}, {"N": "1"}
        condition = "attribute_exists(id)"
        allowed = list(only_from or ())
        if allowed:
            names = [f":from{i}" for i in range(len(allowed))]
            condition += f" AND #s IN ({', '.join(names)})"
            values.update({n: {"S": s} for n, s in zip(names, allowed, strict=True)})
        # Moving on from ``scanning`` takes it out of the scan-timeout index in the same write.
        removes = f" REMOVE {SCAN_WAIT}" if status != records.SCANNING else ""
        try:
            self._call(
                "update_item",
                Key={"id": {"S": submission_id}},
                UpdateExpression="SET " + ", ".join(sets) + removes,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError:
            return False
        return True

    def claim(self, submission_id: str, now: datetime, lease_seconds: int) -> bool:
        expired = _iso(now - timedelta(seconds=lease_seconds))
        try:
            self._call(
                "update_item",
                Key={"id": {"S": submission_id}},
                UpdateExpression="SET #s = :sending, claimed_at = :now, updated_at = :now",
                ConditionExpression=(
                    "#s IN (:received, :queued) OR (#s = :sending AND claimed_at < :expired)"
                ),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":sending": {"S": records.SENDING},
                    ":received": {"S": records.RECEIVED},
                    ":queued": {"S": records.QUEUED},
                    ":now": {"S": _iso(now)},
                    ":expired": {"S": expired},
                },
            )
        except ClientError:
            return False
        return True

    def erased_at(self, reply_hash: str) -> datetime | None:
        """``core.ports.Tombstones``: when ``toiawase forget`` erased that address, if ever."""
        item = self._call("get_item", Key={"id": {"S": tombstone_id(reply_hash)}}).get("Item")
        return datetime.fromisoformat(item["erased_at"]["S"]) if item else None

    def scanning_since(self, before: datetime) -> list[str]:
        """``core.ports.ScanWatch``: ids of submissions still waiting for their malware scan
        that arrived before ``before``, oldest first (a query of the sparse ``by-scan-wait``
        index: it holds only waiting submissions, so an empty sweep reads nothing)."""
        params: dict[str, Any] = {
            "IndexName": BY_SCAN_WAIT,
            "KeyConditionExpression": "#w = :w AND created_at < :before",
            "ExpressionAttributeNames": {"#w": SCAN_WAIT},
            "ExpressionAttributeValues": {
                ":w": {"S": records.SCANNING},
                ":before": {"S": _iso(before)},
            },
        }
        found: list[str] = []
        while True:
            page = self._call("query", **params)
            found.extend(item["id"]["S"] for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def with_status(self, statuses: Iterable[str]) -> list[StoredSubmission]:
        """Scan for statuses (used by the owner's redrive, not on the request path)."""
        wanted = list(statuses)
        names = [f":s{i}" for i in range(len(wanted))]
        params: dict[str, Any] = {
            "FilterExpression": f"#s IN ({', '.join(names)})",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {n: {"S": s} for n, s in zip(names, wanted, strict=True)},
        }
        found: list[StoredSubmission] = []
        while True:
            page = self._call("scan", **params)
            found.extend(_record(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _record(item: dict[str, Any]) -> StoredSubmission:
    return StoredSubmission(
        submission_id=item["id"]["S"],
        status=item["status"]["S"],
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
        payload=item.get("payload", {}).get("S", ""),
        attempts=int(item.get("attempts", {}).get("N", "0")),
        reason=item.get("reason", {}).get("S"),
        form_id=item.get("form", {}).get("S"),
        reply_hash=item.get(REPLY_HASH, {}).get("S"),
        idempotency_record=item.get(IDEMPOTENCY_RECORD, {}).get("S"),
    )
