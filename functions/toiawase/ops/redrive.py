"""``toiawase redrive``: after fixing the cause, send what was held.

1. Moves every message from the retry dead-letter queue back to the retry queue.
2. Re-queues every submission parked as ``failed`` (SES refused it) and every ``queued`` one
   whose queue message may have been lost; with ``--include-received``, also ones stuck in
   ``received`` (their send may have succeeded: a possible duplicate, so only on request).

The retry function then sends them; a submission already sent is never sent again (its status
is checked and claimed before sending).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from toiawase.core.ports import RetryQueue, SubmissionStore
from toiawase.core.retry import prepare_redrive


@dataclass(frozen=True)
class RedriveReport:
    moved_from_dlq: int
    requeued: int


def move_dead_letters(sqs: Any, dlq_url: str, queue_url: str) -> int:  # noqa: ANN401
    """Move every DLQ message to the retry queue (send first, then delete: never lost)."""
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60
        ).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1


def redrive(
    store: SubmissionStore,
    queue: RetryQueue,
    sqs: Any,  # noqa: ANN401
    queue_url: str,
    dlq_url: str | None,
    *,
    include_received: bool = False,
) -> RedriveReport:
    moved = move_dead_letters(sqs, dlq_url, queue_url) if dlq_url else 0
    due = prepare_redrive(store, datetime.now(tz=UTC), include_received=include_received)
    for submission_id in due:
        queue.enqueue(submission_id)
    return RedriveReport(moved_from_dlq=moved, requeued=len(due))


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:  # noqa: ANN401
    """The outputs of a deployed toiawase stack."""
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
