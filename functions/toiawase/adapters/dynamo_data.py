"""The owner's reads and erasures of the submissions table: export, list, show and forget.

Used by the ``toiawase`` command only (never on the request path). Every read is a ``Query`` on
an index or a ``GetItem``: nothing here scans the table, so an export costs what it returns, not
what the table holds (tests/integration/test_data_commands.py asserts the operations called).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from toiawase.adapters.dynamo_store import (
    BY_FORM,
    BY_MONTH,
    BY_REPLY_HASH,
    MONTH,
    REPLY_HASH,
    tombstone_id,
)

_plain = TypeDeserializer()


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values (numbers are ``Decimal``)."""
    return {name: _plain.deserialize(value) for name, value in item.items()}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def months(since: datetime, until: datetime) -> list[str]:
    """The ``YYYY-MM`` partitions of the all-forms index that ``[since, until]`` touches."""
    first = since.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = until.astimezone(UTC)
    found: list[str] = []
    while first <= last:
        found.append(first.strftime("%Y-%m"))
        first = (first + timedelta(days=32)).replace(day=1)
    return found


class DynamoSubmissionData:
    """Queries, gets and deletes on the submissions table and the idempotency table."""

    def __init__(
        self,
        client: Any,  # noqa: ANN401 - a botocore DynamoDB client
        table: str,
        idempotency_table: str | None = None,
    ) -> None:
        self._client = client
        self._table = table
        self._idempotency = idempotency_table

    def _query(self, **params: Any) -> Iterator[dict[str, Any]]:  # noqa: ANN401
        """Every page of one Query (``LastEvaluatedKey`` followed), item by item."""
        params = {"TableName": self._table, **params}
        while True:
            page = self._client.query(**params)
            yield from (plain(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def submissions(
        self, since: datetime, until: datetime, form: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Submissions received in ``[since, until]``, oldest first: one form's from its index,
        all forms' from the month index (one Query per month)."""
        window = {":a": {"S": _iso(since)}, ":b": {"S": _iso(until)}}
        if form is not None:
            yield from self._query(
                IndexName=BY_FORM,
                KeyConditionExpression="#f = :f AND created_at BETWEEN :a AND :b",
                ExpressionAttributeNames={"#f": "form"},
                ExpressionAttributeValues={":f": {"S": form}, **window},
            )
            return
        for month in months(since, until):
            yield from self._query(
                IndexName=BY_MONTH,
                KeyConditionExpression="#m = :m AND created_at BETWEEN :a AND :b",
                ExpressionAttributeNames={"#m": MONTH},
                ExpressionAttributeValues={":m": {"S": month}, **window},
            )

    def ids_for_reply_hash(self, reply_hash: str) -> list[str]:
        """The ids of every submission whose reply-to address has that keyed hash."""
        return [
            str(item["id"])
            for item in self._query(
                IndexName=BY_REPLY_HASH,
                KeyConditionExpression="#h = :h",
                ExpressionAttributeNames={"#h": REPLY_HASH},
                ExpressionAttributeValues={":h": {"S": reply_hash}},
            )
        ]

    def get(self, submission_id: str) -> dict[str, Any] | None:
        item = self._client.get_item(
            TableName=self._table, Key={"id": {"S": submission_id}}, ConsistentRead=True
        ).get("Item")
        return plain(item) if item else None

    def delete(self, submission_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"id": {"S": submission_id}})

    def delete_idempotency_record(self, record_id: str) -> bool:
        """Delete one Powertools idempotency record; False when there is no table to ask."""
        if not self._idempotency:
            return False
        self._client.delete_item(TableName=self._idempotency, Key={"id": {"S": record_id}})
        return True

    def write_tombstone(self, reply_hash: str, now: datetime, keep_days: int) -> None:
        """Remember the erasure (the hash and the time only) for as long as a queued copy of an
        erased submission could still come back."""
        self._client.put_item(
            TableName=self._table,
            Item={
                "id": {"S": tombstone_id(reply_hash)},
                "erased_at": {"S": _iso(now)},
                "expires_at": {"N": str(int((now + timedelta(days=keep_days)).timestamp()))},
            },
        )
