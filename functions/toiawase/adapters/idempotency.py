"""Deduplication with Powertools Idempotency on DynamoDB.

A repeat of the same key within the window gets the first answer without running the work
again; a second request while the first is still running is told so (``InProgress``). A failed
attempt (``NotAccepted`` raised inside the work) is not remembered, so the client may retry.
If the idempotency table itself is unavailable, the work still runs once (never twice).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from toiawase.core.ports import InProgress

Work = Callable[[], Mapping[str, Any]]


class PowertoolsDeduplicator:
    """Implements ``toiawase.core.ports.Deduplicator``."""

    def __init__(self, client: Any, table_name: str, window_seconds: int = 600) -> None:  # noqa: ANN401
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=window_seconds,
        )
        layer = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
        self._layer = layer

        def run(data: dict[str, str], work: Work) -> dict[str, Any]:
            return dict(work())

        self._run: Callable[..., dict[str, Any]] = idempotent_function(
            run, data_keyword_argument="data", persistence_store=layer, config=self.config
        )

    def register_context(self, context: LambdaContext) -> None:
        """Lets Powertools expire an in-progress record when the invocation times out."""
        self.config.register_lambda_context(context)

    def record_key(self, key: str) -> str:
        """The id of the record Powertools keeps for ``key`` (called inside ``once``, when the
        layer is configured), stored on the submission so ``toiawase forget`` can delete it.

        Powertools has no public way to name its record; its own derivation is used so the two
        cannot drift (tests/integration/test_data_commands.py deletes the real record).
        """
        name = self._layer._get_hashed_idempotency_key({"key": key})
        return str(name)

    def once(self, key: str, work: Work) -> Mapping[str, Any]:
        done: list[Mapping[str, Any]] = []

        def tracked() -> Mapping[str, Any]:
            result = work()
            done.append(result)
            return result

        try:
            result: Mapping[str, Any] = self._run(data={"key": key}, work=tracked)
        except IdempotencyAlreadyInProgressError as exc:
            raise InProgress(key[:12]) from exc
        except IdempotencyPersistenceLayerError:
            # The table is down. If the work already ran, its answer stands; otherwise run it
            # now, undeduplicated, rather than refuse a real submission.
            return done[0] if done else work()
        return result
