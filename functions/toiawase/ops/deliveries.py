"""``toiawase deliveries ID`` and ``toiawase redrive --target NAME [--id ID]``.

``deliveries`` shows each notify target's state as kept with the submission (``targets.<name>``:
status, attempts, last error code, HTTP status, time). A target the form declares but with no
state yet is ``pending`` (queued and not tried, or never queued if the delivery queue was down:
redrive it with ``--id``). Never the submission's content, never a URL.

``redrive --target NAME`` moves that target's messages from the delivery dead-letter queue back
to the delivery queue (every other message stays where it is). With ``--id ID`` it also queues
that one submission's target when no dead letter was found for it (a target that failed for
good, e.g. a 4xx or a refused URL, after the URL or secret was fixed; or one never queued). A
target already ``delivered`` is not delivered again: the consumer skips it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from toiawase.core.forms.model import Form
from toiawase.core.notify.delivery import decode_message, encode_message, planned
from toiawase.core.notify.ports import PENDING, DeliveryMessage, TargetStates


def describe_deliveries(
    states: TargetStates, submission_id: str, form: Form | None = None
) -> list[str] | None:
    """One line per target; None when there is no such submission."""
    record, current = states.load(submission_id)
    if record is None:
        return None
    names = list(current)
    if form is not None:
        names = [m.target for m in planned(form, submission_id)]
        names += [n for n in current if n not in names]
    lines = [f"submission {submission_id}  form {record.form_id or 'default'}  {record.status}"]
    if not names:
        lines.append("  (no notify targets recorded; pending ones show with --forms)")
    for name in names:
        state = current.get(name)
        if state is None:
            lines.append(f"  {name:<14} {PENDING}")
            continue
        parts = [f"  {name:<14} {state.status:<10} attempts {state.attempts}"]
        if state.http_status is not None:
            parts.append(f"http {state.http_status}")
        if state.error:
            parts.append(f"error {state.error}")
        if state.at:
            parts.append(f"at {state.at}")
        lines.append("  ".join(parts))
    return lines


@dataclass(frozen=True)
class TargetRedrive:
    moved_from_dlq: int
    queued: int


def redrive_target(
    sqs: Any,  # noqa: ANN401 - a boto3 SQS client
    queue_url: str,
    dlq_url: str | None,
    states: TargetStates,
    target: str,
    submission_id: str | None = None,
) -> TargetRedrive:
    moved_ids = _move_target(sqs, dlq_url, queue_url, target, submission_id) if dlq_url else []
    queued = 0
    if submission_id is not None and submission_id not in moved_ids:
        record, _ = states.load(submission_id)
        if record is not None:
            message = DeliveryMessage(submission_id, record.form_id or "default", target)
            sqs.send_message(QueueUrl=queue_url, MessageBody=encode_message(message))
            queued = 1
    return TargetRedrive(moved_from_dlq=len(moved_ids), queued=queued)


def _move_target(
    sqs: Any,  # noqa: ANN401
    dlq_url: str,
    queue_url: str,
    target: str,
    submission_id: str | None,
) -> list[str]:
    """Move the matching dead letters (send first, then delete: never lost). The others are
    made visible again at once, after the whole queue has been seen."""
    moved: list[str] = []
    others: list[str] = []
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            try:
                wanted = decode_message(message["Body"])
            except (ValueError, KeyError):
                wanted = None
            if (
                wanted is not None
                and wanted.target == target
                and submission_id in (None, wanted.submission_id)
            ):
                sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"])
                sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
                moved.append(wanted.submission_id)
            else:
                others.append(message["ReceiptHandle"])
    for handle in others:
        sqs.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return moved
