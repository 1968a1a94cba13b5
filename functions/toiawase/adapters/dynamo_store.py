"""Submissions in DynamoDB: one item per submission, keyed by ``id``, expiring by TTL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from toiawase.core import records
from toiawase.core.ports import StoreUnavailable
from toiawase.core.records import StoredSubmission


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


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
        item = {
            "id": {"S": record.submission_id},
            "status": {"S": record.status},
            "created_at": {"S": _iso(record.created_at)},
            "updated_at": {"S": _iso(record.updated_at)},
            "expires_at": {"N": str(int((record.created_at + self._retention).timestamp()))},
            "attempts": {"N": str(record.attempts)},
            "payload": {"S": record.payload},
        }
        if record.form_id:
            item["form"] = {"S": record.form_id}
        try:
            self._call("put_item", Item=item, ConditionExpression="attribute_not_exists(id)")
        except ClientError as exc:  # the id exists already: ids are 128 random bits, so a bug
            raise StoreUnavailable("DuplicateId") from exc

    def get(self, submission_id: str) -> StoredSubmission | None:
        item = self._call("get_item", Key={"id": {"S": submission_id}}, ConsistentRead=True).get(
            "Item"
        )
        return _record(item) if item else None

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
        try:
            self._call(
                "update_item",
                Key={"id": {"S": submission_id}},
                UpdateExpression="SET " + ", ".join(sets),
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
    )
