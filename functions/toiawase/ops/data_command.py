"""``toiawase submissions export|list|show`` and ``toiawase forget``: argument parsing and
wiring (boto3 clients, the stack's outputs). The work is in ``toiawase.ops.data``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from toiawase.core.forms.model import FormsConfig
from toiawase.core.privacy import reply_hash
from toiawase.ops import data
from toiawase.ops.options import add_region_argument

if TYPE_CHECKING:
    from toiawase.adapters.dynamo_data import DynamoSubmissionData

DEFAULT_WINDOW_DAYS = 400  # without --since: more than a year (RetentionDays defaults to 30)
DLQ_RETENTION_DAYS = 14  # the retry queues keep a message at most this long


class UsageError(Exception):
    pass


def _date(value: str, *, end: bool = False) -> datetime:
    """``2025-01-31`` (a whole day) or an ISO time; naive values are UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end and len(value) == 10:
        moment += timedelta(days=1, microseconds=-1000)
    return moment


def _local(args: argparse.Namespace) -> bool:
    """``--endpoint-url`` names a loopback moto server (``make dev``): fake credentials suffice."""
    from urllib.parse import urlsplit

    endpoint = args.endpoint_url or ""
    return urlsplit(endpoint).hostname in ("127.0.0.1", "localhost", "::1")


def _clients(args: argparse.Namespace) -> tuple[Any, Any]:
    import boto3

    endpoint = args.endpoint_url or None
    if _local(args):
        from toiawase.local.sesbox import FAKE_AWS

        for key, value in FAKE_AWS.items():
            os.environ.setdefault(key, value)
    region = getattr(args, "region", None) or None
    return (
        boto3.client("dynamodb", endpoint_url=endpoint, region_name=region),
        boto3.client("cloudformation", endpoint_url=endpoint, region_name=region),
    )


def _outputs(args: argparse.Namespace, cloudformation: Any) -> dict[str, str]:  # noqa: ANN401
    from toiawase.ops.redrive import stack_outputs

    return stack_outputs(cloudformation, args.stack) if args.stack else {}


def _data(args: argparse.Namespace) -> tuple[DynamoSubmissionData, dict[str, str]]:
    from toiawase.adapters.dynamo_data import DynamoSubmissionData

    dynamodb, cloudformation = _clients(args)
    outputs = _outputs(args, cloudformation)
    table = args.table or outputs.get("SubmissionsTableName") or os.environ.get("SUBMISSIONS_TABLE")
    if not table:
        raise UsageError("name the stack (--stack) or the submissions table (--table)")
    idempotency = (
        getattr(args, "idempotency_table", None)
        or outputs.get("IdempotencyTableName")
        or os.environ.get("IDEMPOTENCY_TABLE")
    )
    return DynamoSubmissionData(dynamodb, table, idempotency), outputs


def open_submissions(
    *, stack: str | None, table: str | None = None, endpoint_url: str | None = None
) -> tuple[DynamoSubmissionData, dict[str, str]]:
    """The submissions table as ``toiawase submissions show`` finds it (the stack's outputs, or
    ``table``), and the stack's outputs; the end-to-end checks of a deployed stack use it too."""
    return _data(argparse.Namespace(stack=stack, table=table, endpoint_url=endpoint_url))


def _forms(path: Path | None) -> FormsConfig | None:
    if path is None:
        return None
    from toiawase.core.forms.load import forms_from_document
    from toiawase.forms.check import placeholder_settings, read_document

    return forms_from_document(read_document(path).data, placeholder_settings())


def _rows(args: argparse.Namespace, store: DynamoSubmissionData) -> Any:  # noqa: ANN401
    until = args.until or datetime.now(tz=UTC)
    since = args.since or until - timedelta(days=DEFAULT_WINDOW_DAYS)
    items = store.submissions(since, until, args.form)
    return data.select((data.row_from_item(item) for item in items), args.status or ())


class _Bar:
    """A progress line on a terminal (stderr), nothing otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._on = stream.isatty()

    def __call__(self, count: int) -> None:
        if self._on and (count < 100 or count % 100 == 0):
            self._stream.write(f"\r{count:>8} submission(s) exported")
            self._stream.flush()

    def done(self, count: int) -> None:
        if self._on:
            self._stream.write(f"\r{count:>8} submission(s) exported\n")


def export(args: argparse.Namespace) -> int:
    store, _ = _data(args)
    rows = _rows(args, store)
    bar = _Bar(sys.stderr)
    with ExitStack() as stack:
        out: TextIO = (
            stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
            if args.output
            else sys.stdout
        )
        if args.format == "csv":
            count = data.write_csv(rows, out, _forms(args.forms), bar)
        else:
            count = data.write_jsonl(rows, out, bar)
    bar.done(count)
    if args.output:
        print(f"exported {count} submission(s) to {args.output}", file=sys.stderr)
    return 0


def listing(args: argparse.Namespace) -> int:
    store, _ = _data(args)
    rows = list(_rows(args, store))
    if args.limit:
        rows = rows[-args.limit :]
    if args.json:
        print(json.dumps(data.listed(rows, show_addresses=args.show_addresses), ensure_ascii=False))
    else:
        print("\n".join(data.table(rows, show_addresses=args.show_addresses)))
    return 0


def show(args: argparse.Namespace) -> int:
    store, _ = _data(args)
    item = store.get(args.id)
    if item is None or "status" not in item:
        print(f"toiawase submissions show: no submission {args.id}", file=sys.stderr)
        return 1
    print(data.describe(data.row_from_item(item)))
    return 0


def _hash_key(args: argparse.Namespace, outputs: dict[str, str]) -> bytes:
    from toiawase.handlers.wiring import REPLY_HASH_KEY

    value = outputs.get("ReplyHashKeyArn") or os.environ.get(REPLY_HASH_KEY, "")
    if not value and _local(args):
        from toiawase.local.stack import LOCAL_REPLY_HASH_KEY

        value = LOCAL_REPLY_HASH_KEY
    if not value:
        raise UsageError("no reply-hash key: name the stack (--stack) or set REPLY_HASH_KEY")
    if value.startswith("arn:") and ":secretsmanager:" in value:
        import boto3

        secrets = boto3.client("secretsmanager", endpoint_url=args.endpoint_url or None)
        return str(secrets.get_secret_value(SecretId=value)["SecretString"]).encode("utf-8")
    return value.encode("utf-8")


class S3Files:
    """Deletes a submission's files (keys recorded on it), 1,000 per request."""

    def __init__(self, client: Any, bucket: str) -> None:  # noqa: ANN401
        self._client, self._bucket = client, bucket

    def delete(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            self._client.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True},
            )


def _ledger(args: argparse.Namespace, outputs: dict[str, str]) -> Any:  # noqa: ANN401
    """The receipt ledger in the counters table: ``--counters-table``, the stack's, or
    ``$RATE_LIMIT_TABLE``; ``make dev``'s own with a local endpoint. None when unknown."""
    table = (
        args.counters_table
        or outputs.get("RateLimitTableName")
        or os.environ.get("RATE_LIMIT_TABLE")
    )
    if not table and _local(args):
        from toiawase.local.stack import LOCAL_RATE_LIMIT_TABLE

        table = LOCAL_RATE_LIMIT_TABLE
    if not table:
        return None
    import boto3

    from toiawase.adapters.delivery_store import DynamoLedgerEraser

    return DynamoLedgerEraser(
        boto3.client("dynamodb", endpoint_url=args.endpoint_url or None), table
    )


def forget(args: argparse.Namespace) -> int:
    from toiawase.core.notify.receipt import address_keys_for

    store, outputs = _data(args)
    key = _hash_key(args, outputs)
    hashed = reply_hash(key, args.address)
    bucket = args.bucket or outputs.get("FilesBucketName") or os.environ.get("FILES_BUCKET")
    files = None
    if bucket:
        import boto3

        client = boto3.client(
            "s3", endpoint_url=args.endpoint_url or None, region_name=args.region or None
        )
        files = S3Files(client, bucket)
    retention = int(os.environ.get("RETENTION_DAYS", "") or 30)
    report = data.forget(
        hashed,
        store,
        files,
        dry_run=args.dry_run,
        tombstone_days=max(retention, DLQ_RETENTION_DAYS) + 1,
        ledger=_ledger(args, outputs),
        address_keys=address_keys_for(args.address, key),
    )
    if args.json:
        print(json.dumps(report.as_json(args.dry_run), ensure_ascii=False))
    else:
        print("\n".join(report.lines(args.dry_run)))
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack", metavar="NAME", help="the deployed stack's name (reads its outputs)"
    )
    add_region_argument(parser)
    parser.add_argument("--table", help="submissions table (default: $SUBMISSIONS_TABLE)")
    parser.add_argument(
        "--endpoint-url", help="a DynamoDB/S3 endpoint other than AWS's (a moto server)"
    )


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--form", help="only this form's submissions")
    parser.add_argument("--since", type=_date, help="from this day (YYYY-MM-DD, UTC)")
    parser.add_argument(
        "--until", type=lambda v: _date(v, end=True), help="up to this day, inclusive"
    )
    parser.add_argument("--status", action="append", help="only this status (repeatable)")


def _guarded(func: Any) -> Any:  # noqa: ANN401
    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except UsageError as exc:
            print(f"toiawase {args.command}: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:  # botocore's errors are generated classes: match by code
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code not in ("ResourceNotFoundException", "ValidationError", "NoSuchBucket"):
                raise
            region = getattr(args, "region", None) or "the default region"
            print(f"toiawase {args.command}: not found in {region}: {code}", file=sys.stderr)
            return 1

    return run


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    submissions = commands.add_parser(
        "submissions", help="export, list or show stored submissions (docs/data.md)"
    )
    actions = submissions.add_subparsers(dest="action", required=True)
    exporting = actions.add_parser("export", help="CSV (UTF-8 with BOM) or JSONL")
    _common(exporting)
    _filters(exporting)
    exporting.add_argument("--format", choices=["csv", "jsonl"], required=True)
    exporting.add_argument("--output", help="a file (default: standard output)")
    exporting.add_argument("--forms", type=Path, help="forms.yaml: labels and field order")
    exporting.set_defaults(func=_guarded(export))
    listed = actions.add_parser("list", help="a table: id, form, received, status, reply-to")
    _common(listed)
    _filters(listed)
    listed.add_argument("--limit", type=int, default=0, help="only the newest N")
    listed.add_argument("--show-addresses", action="store_true", help="reply-to addresses unmasked")
    listed.add_argument("--json", action="store_true", help="a JSON array on stdout")
    listed.set_defaults(func=_guarded(listing))
    shown = actions.add_parser("show", help="everything stored for one submission")
    shown.add_argument("id")
    _common(shown)
    shown.set_defaults(func=_guarded(show))
    forgetting = commands.add_parser(
        "forget", help="erase every submission from one reply-to address (GDPR, APPI)"
    )
    forgetting.add_argument("address")
    _common(forgetting)
    forgetting.add_argument("--idempotency-table", help="default: the stack's, $IDEMPOTENCY_TABLE")
    forgetting.add_argument("--bucket", help="the files bucket (default: the stack's)")
    forgetting.add_argument(
        "--counters-table",
        help="the counters table with the receipt ledger (default: the stack's, $RATE_LIMIT_TABLE)",
    )
    forgetting.add_argument("--dry-run", action="store_true", help="show what would be deleted")
    forgetting.add_argument("--json", action="store_true", help="the report as JSON on stdout")
    forgetting.set_defaults(func=_guarded(forget))
