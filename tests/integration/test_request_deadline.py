"""The request path's worst case fits inside the submit function's timeout (issue 15).

Before: one SES call could take 4 attempts x (1 s connect + 3 s read) + backoff, about 23 s,
past the function's 20 s timeout, and a request makes up to five calls after the admission
fails (store, SES, status, queue, deliveries). Now every client checks a deadline before each
HTTP attempt (``adapters.aws``) and the submit handler sets it ``ANSWER_MARGIN_SECONDS`` before
Lambda's own timeout: whatever AWS does, the calls end by then and the visitor gets an honest
answer. Shown here by computation from the template and the configuration, and by a real SES
client talking to a server on 127.0.0.1 that accepts the request and never answers.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml

from tests.unit.fakes import MemoryQueue, MemoryStore
from tests.unit.helpers import ENV, form_request
from toiawase.adapters import aws
from toiawase.adapters.ses import SesSender
from toiawase.core import records
from toiawase.core.service import Dependencies, handle
from toiawase.handlers.submit import ANSWER_MARGIN_SECONDS

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
VALID = [("name", "山田 太郎"), ("email", "taro@example.jp"), ("message", "こんにちは")]


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def submit_timeout() -> float:
    template = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_Loader)
    function = template["Resources"]["SubmitFunction"]["Properties"]
    return float(function.get("Timeout", template["Globals"]["Function"].get("Timeout", 3)))


def test_the_deadline_leaves_room_for_every_attempt_and_the_answer():
    timeout = submit_timeout()
    for_calls = timeout - ANSWER_MARGIN_SECONDS
    # an attempt starts only if connect + read fit before the deadline, so calls end by it;
    # an SES attempt also keeps time for the status write and the queue message after it
    assert aws.worst_attempt_seconds() + aws.AFTER_SEND_RESERVE <= for_calls
    assert 2 * aws.worst_attempt_seconds() == aws.AFTER_SEND_RESERVE
    # SES is tried at least once with room for both fallbacks, and on a fast failure, again
    assert for_calls - aws.AFTER_SEND_RESERVE - aws.worst_attempt_seconds() >= 1 + 2
    assert 1.0 <= ANSWER_MARGIN_SECONDS < timeout
    # the numbers the docs quote: without the guard one SES call alone could outlast Lambda
    assert aws.worst_call_seconds() == 3 * (1 + 3) + (1 + 2)
    assert 5 * aws.worst_call_seconds() > timeout  # the five calls of the worst path, unguarded
    # and API Gateway (30 s) waits for the answer
    assert timeout < 30


@pytest.fixture
def silent_server() -> Iterator[str]:
    """An HTTP endpoint on 127.0.0.1 that reads a request and never answers it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.recv(65536)
            held.append(connection)  # open, silent: the client's read timeout decides

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for connection in held:
        connection.close()
    listener.close()


def guarded_ses_client(endpoint: str, read_timeout: float) -> object:
    config = aws.REQUEST_PATH_CONFIG.merge(botocore.config.Config(read_timeout=read_timeout))
    client = botocore.session.get_session().create_client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=config,
        aws_access_key_id="AKIATESTTESTTESTTEST",
        aws_secret_access_key="test/secret/not/real",
    )
    return aws._guard(client, reserve=0.2)


def test_a_silent_ses_ends_as_queued_before_the_deadline(silent_server):
    store, queue = MemoryStore(), MemoryQueue()
    sender = SesSender(guarded_ses_client(silent_server, read_timeout=1.0))  # type: ignore[arg-type]
    deps = Dependencies(sender=sender, new_id=lambda: "f" * 32, store=store, queue=queue)
    request = form_request(VALID, accept="application/json")
    started = time.monotonic()
    # 2.5 s for the calls: attempt 1 times out at ~1 s, then backoff up to 1 s; attempt 2 is
    # made only if it can still end (1 s connect + 1 s read) by the deadline; the third never
    with aws.request_deadline(2.5):
        outcome = handle(request, ENV, deps)
    elapsed = time.monotonic() - started
    body = json.loads(outcome.response.body)
    assert outcome.response.status == 202
    assert body["status"] == "queued"
    assert elapsed < 2.5 + 0.5
    assert store.rows[body["id"]].status == records.QUEUED
    assert queue.messages == [body["id"]]


def test_no_attempt_is_made_that_could_not_finish(silent_server):
    client = guarded_ses_client(silent_server, read_timeout=3.0)
    started = time.monotonic()
    with aws.request_deadline(2.0), pytest.raises(aws.OutOfTime):
        client.send_email(  # type: ignore[attr-defined]
            FromEmailAddress="forms@example.com",
            Destination={"ToAddresses": ["owner@example.com"]},
            Content={"Raw": {"Data": b"Subject: x\r\n\r\nx\r\n"}},
        )
    assert time.monotonic() - started < 0.5  # refused at once: 1 s + 3 s do not fit in 2 s


def test_without_a_deadline_nothing_is_refused():
    calls: list[int] = []

    def answer(**_: object) -> object:
        calls.append(1)
        return _ok()

    client: Any = botocore.session.get_session().create_client(
        "sqs",
        region_name="us-east-1",
        config=aws.REQUEST_PATH_CONFIG,
        aws_access_key_id="AKIATESTTESTTESTTEST",
        aws_secret_access_key="test/secret/not/real",
    )
    aws._guard(client)
    client.meta.events.register("before-send", answer)
    with aws.request_deadline(None):
        client.get_queue_url(QueueName="q")
    assert calls == [1]


def _ok() -> object:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    class Raw:
        def stream(self, **_: object) -> Iterator[bytes]:
            yield b'{"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q"}'

    headers = HTTPHeaders.from_dict({"content-type": "application/x-amz-json-1.0"})
    return AWSResponse("https://sqs.us-east-1.amazonaws.com/", 200, headers, Raw())
