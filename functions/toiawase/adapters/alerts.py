"""Owner alerts on SNS (the stack subscribes the ``AlertEmail`` address to the topic)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


class SnsAlerts:
    """Implements ``toiawase.core.ports.Alerts``.

    An alert that cannot be published is not worth failing the caller for (the CloudWatch
    alarms on the same events are the second channel), so errors are swallowed.
    """

    def __init__(self, client: Any, topic_arn: str) -> None:  # noqa: ANN401
        self._client = client
        self._topic = topic_arn

    def alert(self, subject: str, message: str) -> None:
        try:
            self._client.publish(TopicArn=self._topic, Subject=subject[:100], Message=message)
        except (ClientError, BotoCoreError):
            return
