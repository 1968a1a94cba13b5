"""Rate-limit counters in DynamoDB: one item per window, incremented atomically, expiring by TTL."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from toiawase.core.ports import LimiterUnavailable


class DynamoRateLimiter:
    """Implements ``toiawase.core.ports.RateLimiter`` with ``UpdateItem ADD`` (atomic)."""

    def __init__(self, client: Any, table_name: str) -> None:  # noqa: ANN401
        self._client = client
        self._table = table_name

    def hit(self, key: str, expires_at: int) -> int:
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": key}},
                UpdateExpression="ADD hits :one SET expires_at = if_not_exists(expires_at, :exp)",
                ExpressionAttributeValues={":one": {"N": "1"}, ":exp": {"N": str(expires_at)}},
                ReturnValues="UPDATED_NEW",
            )
        except (ClientError, BotoCoreError) as exc:
            raise LimiterUnavailable(type(exc).__name__) from exc
        return int(response["Attributes"]["hits"]["N"])
