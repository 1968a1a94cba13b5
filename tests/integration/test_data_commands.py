"""The owner's data against moto: export (CSV/JSONL), list, show and forget (docs/data.md)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.integration.test_durability import call, ses_faults, submit_event
from toiawase.adapters.dynamo_store import DynamoStore
from toiawase.cli import main
from toiawase.core import records
from toiawase.core.address import SubmitterAddress
from toiawase.core.compose import SubmissionMeta
from toiawase.core.privacy import reply_hash
from toiawase.core.submission import Submission
from toiawase.local.stack import LOCAL_REPLY_HASH_KEY

FORMS = {
    "contact": [("name", "お名前"), ("email", "メール"), ("message", "お問い合わせ内容")],
    "jobs": [("name", "氏名"), ("email", "Email"), ("role", "希望職種"), ("cv_note", "備考")],
    "support": [("email", "返信先"), ("product", "製品"), ("message", "内容")],
}
HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
TOTAL = 5_000


class Calls:
    """Every DynamoDB operation the default boto3 session's clients make."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)


@pytest.fixture
def calls() -> Iterator[Calls]:
    boto3.setup_default_session(region_name="us-east-1")
    recorder = Calls()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-call.dynamodb", recorder)
    yield recorder
    boto3.DEFAULT_SESSION.events.unregister("before-call.dynamodb", recorder)


def _submission(form: str, n: int) -> Submission:
    names = FORMS[form]
    values: dict[str, str] = {
        "name": f"山田 太郎 {n}",
        "email": f"person{n}@example.jp",
        "message": f"在庫はありますか? 番号 {n}",
        "role": "エンジニア",
        "cv_note": HOSTILE[(n // 3) % len(HOSTILE)],
        "product": HOSTILE[(n // 3) % len(HOSTILE)],
    }
    fields = tuple((name, (values[name],)) for name, _ in names)
    return Submission(
        email=SubmitterAddress(values["email"], values["email"]),
        name=values["name"] if form != "support" else None,
        message=values["message"],
        subject=None,
        next_url=None,
        honeypot_filled=False,
        fields=fields,
        form_id=form,
        labels=tuple(names),
    )


def _fill(durable: Any, total: int) -> dict[str, str]:
    """``total`` submissions over the three forms through the store's own write path."""
    store = DynamoStore(durable.dynamodb, durable.stack.submissions_table)
    start = datetime(2025, 1, 30, tzinfo=UTC)
    forms = list(FORMS)
    written: dict[str, str] = {}
    for n in range(total):
        form = forms[n % 3]
        at = start + timedelta(minutes=n * 7)  # crosses into February and March
        sid = f"{n:032x}"
        meta = SubmissionMeta(sid, at, None, "https://www.example.com", "198.51.100.4")
        submission = _submission(form, n)
        store.create(
            records.StoredSubmission(
                submission_id=sid,
                status=records.SENT,
                created_at=at,
                updated_at=at,
                payload=records.encode_payload(submission, meta),
                form_id=form,
                reply_hash=reply_hash(b"k", submission.email.normalized),  # type: ignore[union-attr]
            )
        )
        written[sid] = form
    return written


def test_export_of_5000_over_three_forms_every_row_once_japanese_no_formulas_no_scan(
    durable, calls, tmp_path, capsys
):
    written = _fill(durable, TOTAL)
    table = durable.stack.submissions_table
    calls.names.clear()
    out = tmp_path / "all.csv"
    argv = ["submissions", "export", "--table", table, "--format", "csv", "--output", str(out)]
    assert main([*argv, "--since", "2025-01-01", "--until", "2025-03-31"]) == 0
    assert calls.names and set(calls.names) == {"Query"}, Counter(calls.names)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["id", "form", "received", "status"]
    # A name several forms share is one column, labelled as the first form labels it.
    assert {"お名前", "メール", "お問い合わせ内容", "希望職種", "製品"} <= set(header)
    assert header.count("メール") == 1 and "返信先" not in header
    ids = [row[0] for row in body]
    assert len(ids) == TOTAL and set(ids) == set(written)  # every row, once
    assert Counter(row[1] for row in body) == Counter(written.values())
    name_col = header.index("お名前")
    assert any(row[name_col].startswith("山田 太郎") for row in body)
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    product_col = header.index("製品")
    assert {row[product_col] for row in body if row[1] == "support"} == {"'" + h for h in HOSTILE}

    calls.names.clear()
    one = tmp_path / "jobs.jsonl"
    argv = ["submissions", "export", "--table", table, "--form", "jobs", "--format", "jsonl"]
    assert main([*argv, "--output", str(one), "--since", "2025-01-01"]) == 0
    assert set(calls.names) == {"Query"}
    lines = [json.loads(line) for line in one.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == sum(1 for f in written.values() if f == "jobs")
    # JSONL keeps every field as sent: no apostrophe added.
    assert {line["submission"]["fields"][3][1][0] for line in lines} == set(HOSTILE)
    assert lines[0]["submission"]["labels"][2] == ["role", "希望職種"]


def test_export_window_and_status_filter(durable, capsys):
    _fill(durable, 30)
    table = durable.stack.submissions_table
    durable.dynamodb.update_item(
        TableName=table,
        Key={"id": {"S": f"{3:032x}"}},
        UpdateExpression="SET #s = :b",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":b": {"S": "bounced"}},
    )
    argv = ["submissions", "export", "--table", table, "--format", "jsonl", "--since", "2025-01-30"]
    assert main([*argv, "--status", "bounced"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [f"{3:032x}"]
    assert main([*argv, "--until", "2025-01-30"]) == 0
    times = [json.loads(line)["received"] for line in capsys.readouterr().out.splitlines()]
    assert times and all(t.startswith("2025-01-30") for t in times)


def test_list_masks_addresses_and_show_tells_everything(durable, capsys):
    _fill(durable, 6)
    table = durable.stack.submissions_table
    assert main(["submissions", "list", "--table", table, "--since", "2025-01-01"]) == 0
    out = capsys.readouterr().out
    assert "p***@example.jp" in out and "person1@example.jp" not in out
    assert len(out.splitlines()) == 7
    argv = ["submissions", "list", "--table", table, "--since", "2025-01-01", "--json"]
    # --region is honoured: the table lives in the fixture's region, not in another one.
    assert main([*argv, "--region", "ap-northeast-3"]) == 1
    assert "not found in ap-northeast-3" in capsys.readouterr().err
    assert main([*argv, "--region", os.environ["AWS_DEFAULT_REGION"], "--limit", "2"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [set(row) for row in listed] == [{"id", "form", "received", "status", "reply_to"}] * 2
    assert all(row["reply_to"].startswith("p***@") for row in listed)
    assert main([*argv, "--show-addresses"]) == 0
    assert {row["reply_to"] for row in json.loads(capsys.readouterr().out)} >= {
        "person1@example.jp"
    }
    sid = f"{4:032x}"
    durable.dynamodb.update_item(
        TableName=table,
        Key={"id": {"S": sid}},
        UpdateExpression="SET targets = :t, reason = :r",
        ExpressionAttributeValues={
            ":t": {"M": {"slack": {"M": {"status": {"S": "delivered"}, "attempts": {"N": "1"}}}}},
            ":r": {"S": "Permanent"},
        },
    )
    assert main(["submissions", "show", sid, "--table", table]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["targets"] == {"slack": {"status": "delivered", "attempts": 1}}
    assert shown["reason"] == "Permanent" and shown["submission"]["name"].startswith("山田")
    assert main(["submissions", "show", "f" * 32, "--table", table]) == 1


def _items(durable: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = durable.dynamodb.scan(TableName=table)["Items"]
    return items  # the test may look everywhere


def test_forget_erases_submissions_and_idempotency_records_and_nobody_else(durable, capsys):
    erased = " taro.yamada@Example.JP "  # case and spaces do not matter
    mine = [("name", "山田"), ("email", "taro.yamada@example.jp"), ("message", "消してください")]
    other = [("name", "鈴木"), ("email", "hanako@example.jp"), ("message", "残してください")]
    typed = ("taro.yamada@example.jp", "Taro.Yamada@example.jp", "TARO.YAMADA@EXAMPLE.JP")
    ids = []
    for n in range(3):
        fields = [mine[0], ("email", typed[n]), ("message", f"{mine[2][1]} {n}")]
        status, _, body = call(durable.api.lambda_handler, submit_event(fields))
        assert status == 200
        ids.append(body["id"])
    status, _, kept = call(durable.api.lambda_handler, submit_event(other))
    assert status == 200
    table, idem = durable.stack.submissions_table, durable.stack.idempotency_table
    assert len(_items(durable, idem)) == 4
    item = durable.item(ids[0])
    assert item["reply_hash"] == reply_hash(LOCAL_REPLY_HASH_KEY.encode(), erased)
    assert "taro" not in json.dumps({k: v for k, v in item.items() if k != "payload"}).lower()

    argv = ["forget", erased, "--table", table, "--idempotency-table", idem]
    assert main([*argv, "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert "would delete 3 submission(s)" in dry and all(i in dry for i in ids)
    assert len(_items(durable, table)) == 4  # a dry run touches nothing
    assert main([*argv, "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] and sorted(report["submissions"]) == sorted(ids)
    assert "taro" not in json.dumps(report).lower()  # the report never names the address

    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "deleted 3 submission(s)" in out and "deleted 3 idempotency record(s)" in out
    left = _items(durable, table)
    assert {i["id"]["S"] for i in left if "status" in i} == {kept["id"]}
    tombstones = [i for i in left if "status" not in i]
    assert len(tombstones) == 1 and set(tombstones[0]) == {"id", "erased_at", "expires_at"}
    assert "example.jp" not in json.dumps(tombstones)
    remaining = _items(durable, idem)
    assert len(remaining) == 1  # the other submitter's record
    # The same person may write again: a new submission is accepted and sent.
    anew = submit_event([*mine[:2], ("message", "新")])
    status, _, again = call(durable.api.lambda_handler, anew)
    assert status == 200 and again["status"] == "sent"


def test_a_queued_retry_of_an_erased_submission_is_dropped_not_sent(durable, capsys):
    fields = [("email", "late@example.jp"), ("message", "再送しないで")]
    with ses_faults(durable):
        status, _, body = call(durable.api.lambda_handler, submit_event(fields))
    assert (status, body["status"]) == (202, "queued")
    table = durable.stack.submissions_table
    # The erasure misses the item (as when the hash index has not caught up yet): only the
    # tombstone is written, and the queued retry must still not send it.
    from toiawase.adapters.dynamo_data import DynamoSubmissionData
    from toiawase.ops.data import forget

    class Lagging(DynamoSubmissionData):
        def ids_for_reply_hash(self, reply_hash: str) -> list[str]:
            return []

    hashed = reply_hash(LOCAL_REPLY_HASH_KEY.encode(), "late@example.jp")
    forget(hashed, Lagging(durable.dynamodb, table), None, dry_run=False, tombstone_days=31)
    durable.drain()
    assert durable.sent_ids() == []
    assert durable.item(body["id"])["status"] == "queued"  # skipped, never claimed
    # Someone else's queued retry still goes out.
    with ses_faults(durable):
        _, _, other = call(durable.api.lambda_handler, submit_event())
    durable.drain()
    assert durable.sent_ids() == [other["id"]]


def test_forget_deletes_the_files_recorded_on_the_submission(durable, capsys):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="files")
    for key in ("uploads/jobs/u1/0", "uploads/jobs/u1/1", "uploads/jobs/u2/0"):
        s3.put_object(Bucket="files", Key=key, Body=b"%PDF-1.4")
    store = DynamoStore(durable.dynamodb, durable.stack.submissions_table)
    at = datetime.now(tz=UTC)
    submission = _submission("jobs", 1)
    meta = SubmissionMeta("a" * 32, at, None, None, "198.51.100.4")
    files = [
        {"field": "cv", "name": "cv.pdf", "type": "application/pdf", "size": 8, "key": k}
        for k in ("uploads/jobs/u1/0", "uploads/jobs/u1/1")
    ]
    payload = json.loads(records.encode_payload(submission, meta))
    payload["files"] = files
    hash_key = LOCAL_REPLY_HASH_KEY.encode()
    store.create(
        records.StoredSubmission(
            "a" * 32,
            records.SENT,
            at,
            at,
            json.dumps(payload, ensure_ascii=False),
            form_id="jobs",
            reply_hash=reply_hash(hash_key, "person1@example.jp"),
        )
    )
    table = durable.stack.submissions_table
    assert main(["forget", "person1@EXAMPLE.JP", "--table", table, "--bucket", "files"]) == 0
    assert "deleted 2 file(s)" in capsys.readouterr().out
    left = [o["Key"] for o in s3.list_objects_v2(Bucket="files").get("Contents", [])]
    assert left == ["uploads/jobs/u2/0"]
    assert durable.item("a" * 32) is None
