"""The large-message path of the SES adapter (``adapters/ses.py``): the raw message streamed
into ``SendEmail``'s JSON body instead of botocore's in-memory serialisation. The body is byte
for byte what botocore would have sent, SigV4 signs it, and SES (moto) receives the message
exactly as composed; small messages take botocore's usual path."""

from __future__ import annotations

import base64
import io
import json
from email import message_from_bytes, policy
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ses.models import ses_backends

from tests.unit.helpers import settings, submission_meta, valid_submission
from toiawase.adapters.ses import (
    READ_WINDOW,
    STREAM_FROM_BYTES,
    SesSender,
    StreamedRawBody,
    send_email_params,
)
from toiawase.core.attachments import DeliveredFile
from toiawase.core.compose import compose, header_names
from toiawase.local.sesbox import MOTO_ACCOUNT_ID

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 6000  # 1.5 MB: streamed


def email_with(data: bytes) -> Any:
    submission = valid_submission(
        [("email", "taro@example.jp"), ("name", "山田 太郎"), ("message", "履歴書です")]
    )
    meta = submission_meta("ab" * 16)
    files = [DeliveredFile("履歴書.pdf", "application/pdf", len(data), data=data)]
    return compose(submission, meta, settings(), files)


@pytest.fixture
def ses() -> Any:
    with mock_aws():
        client = boto3.client("sesv2", region_name="us-east-1")
        boto3.client("ses", region_name="us-east-1").verify_domain_identity(Domain="example.com")
        yield client


def bodies(client: Any) -> list[tuple[bytes, dict[str, str]]]:
    """Each SendEmail request as it leaves botocore (body read whole, headers)."""
    seen: list[tuple[bytes, dict[str, str]]] = []

    def capture(request: Any, **_: Any) -> None:
        body = request.body
        if hasattr(body, "read"):
            body.seek(0)
            data = b"".join(iter(lambda: body.read(8192), b""))
            body.seek(0)
        else:
            data = body
        seen.append((data, {k: str(v) for k, v in request.headers.items()}))

    client.meta.events.register("before-send.sesv2.SendEmail", capture)
    return seen


def test_a_large_message_is_streamed_and_arrives_exactly_as_composed(ses):
    email = email_with(PDF)
    assert len(email.raw) >= STREAM_FROM_BYTES
    seen = bodies(ses)
    SesSender(ses).send(email)
    [(body, headers)] = seen
    # The JSON botocore itself would have built for the same call, byte for byte.
    serializer = ses._serializer
    expected = serializer.serialize_to_request(
        send_email_params(email), ses.meta.service_model.operation_model("SendEmail")
    )["body"]
    assert body == expected
    assert json.loads(body)["Content"]["Raw"]["Data"] == base64.b64encode(email.raw).decode()
    assert int(headers["Content-Length"]) == len(body)
    assert "Signature=" in headers["Authorization"]
    [sent] = ses_backends[MOTO_ACCOUNT_ID]["us-east-1"].sent_messages
    assert sent.raw_data.encode() == email.raw.decode().encode()
    message = message_from_bytes(sent.raw_data.encode(), policy=policy.default)
    [part] = message.iter_attachments()
    assert part.get_content() == PDF and part.get_filename() == "履歴書.pdf"
    assert header_names(sent.raw_data.encode()) == header_names(email.raw)


def test_a_small_message_takes_botocores_usual_path(ses):
    email = email_with(b"%PDF-1.7\n small")
    seen = bodies(ses)
    SesSender(ses).send(email)
    [(body, _)] = seen
    assert json.loads(body)["Content"]["Raw"]["Data"] == base64.b64encode(email.raw).decode()


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 299, 300, 301, 50_000])
def test_the_stream_reads_the_same_bytes_whatever_the_reads(size):
    raw = bytes((i * 7 + 3) % 256 for i in range(size))
    prefix, suffix = b'{"a":1,"Data":"', b'","z":[1,2]}'
    whole = prefix + base64.b64encode(raw) + suffix
    stream = StreamedRawBody(prefix, raw, suffix)
    assert len(stream) == len(whole)
    for step in (1, 3, 5, 7, 64, 4099, READ_WINDOW * 2):
        stream.seek(0)
        got = b"".join(iter(lambda: stream.read(step), b""))  # noqa: B023
        assert got == whole, step
    stream.seek(len(prefix) + 5)
    assert stream.read(9) == whole[len(prefix) + 5 : len(prefix) + 14]
    stream.seek(-3, io.SEEK_END)
    assert stream.read() == whole[-3:]
    buffer = bytearray(10)
    stream.seek(2)
    assert stream.readinto(buffer) == 10 and bytes(buffer) == whole[2:12]


def test_over_real_http_the_streamed_body_is_sent_whole_and_signed_over_what_was_sent():
    """No moto: botocore's own HTTP client sends the stream to a server on 127.0.0.1, and the
    SigV4 signature it computed (reading the stream once) matches the bytes received."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from tests.integration.webhook_receiver import receiver

    def answer(_: Any) -> tuple[int, bytes, dict[str, str]]:
        return 200, b'{"MessageId":"local-1"}', {"Content-Type": "application/json"}

    email = email_with(PDF)
    session = boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret-example"
    )  # its own: another test's (moto's) credentials may be cached on the default session
    with receiver(answer) as server:
        client = session.client("sesv2", region_name="us-east-1", endpoint_url=server.base)
        assert SesSender(client).send(email) == "local-1"
        [got] = server.received
        # The credentials the client really signed with (in a full run, another test's state
        # can add a session token to them): the check is that the signature covers the bytes.
        used = client._request_signer._credentials.get_frozen_credentials()  # type: ignore[attr-defined]
    assert json.loads(got.body)["Content"]["Raw"]["Data"] == base64.b64encode(email.raw).decode()
    assert int(got.headers["Content-Length"]) == len(got.body)
    # Sign what arrived (the headers it signed) at the instant it was signed, with the same key.
    # ``add_auth`` would stamp the current time over the request's, so a second that ticked
    # since the send made the two differ: compute the signature from the received date instead.
    authorization = got.headers["Authorization"]
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    headers = {k: v for k, v in got.headers.items() if k.lower() in signed}
    again = AWSRequest(method="POST", url=server.base + got.path, headers=headers, data=got.body)
    again.context["timestamp"] = headers["X-Amz-Date"]
    token = headers.get("X-Amz-Security-Token")
    signer = SigV4Auth(Credentials(used.access_key, used.secret_key, token), "ses", "us-east-1")
    string_to_sign = signer.string_to_sign(again, signer.canonical_request(again))
    assert authorization.endswith("Signature=" + signer.signature(string_to_sign, again))
