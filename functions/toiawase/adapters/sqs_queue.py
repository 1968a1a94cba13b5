"""The retry queue on SQS: a message is just the submission id (the table holds the rest)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from toiawase.core.ports import QueueUnavailable


class SqsQueue:
    """Implements ``toiawase.core.ports.RetryQueue``."""

    def __init__(self, client: Any, queue_url: str) -> None:  # noqa: ANN401
        self._client = client
        self._url = queue_url

    def enqueue(self, submission_id: str, delay_seconds: int = 0) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._url,
                MessageBody=json.dumps({"id": submission_id}),
                DelaySeconds=max(0, min(delay_seconds, 900)),
            )
        except (ClientError, BotoCoreError) as exc:
            raise QueueUnavailable(type(exc).__name__) from exc
