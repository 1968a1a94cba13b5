"""The owner's data: ``toiawase submissions export|list|show`` and ``toiawase forget``.

Rows come from ``adapters/dynamo_data.py`` as plain dicts (one per stored submission); this
module turns them into CSV, JSONL, a table or a full description, and carries out an erasure.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol, TextIO

from toiawase.core.forms.model import FormsConfig

# A cell a spreadsheet would read as a formula or a command (CSV injection, OWASP): these
# leading characters make Excel, LibreOffice and Google Sheets evaluate the cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BASE_COLUMNS = (("id", "id"), ("form", "form"), ("received", "received"), ("status", "status"))
BOM = "\ufeff"


def neutralise(cell: str) -> str:
    """Prefix a formula-looking cell with an apostrophe, so it is shown as text, never run."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


@dataclass(frozen=True)
class Row:
    """One stored submission, decoded."""

    id: str
    form: str
    received: str
    status: str
    payload: dict[str, Any]
    item: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def fields(self) -> list[tuple[str, list[str]]]:
        return [(str(n), [str(v) for v in values]) for n, values in self.payload.get("fields", [])]

    @property
    def labels(self) -> dict[str, str]:
        return {str(n): str(label) for n, label in self.payload.get("labels", [])}

    @property
    def reply_to(self) -> str | None:
        email = self.payload.get("email")
        return str(email[0]) if email else None


def row_from_item(item: dict[str, Any]) -> Row:
    try:
        payload = json.loads(str(item.get("payload", "") or "{}"))
    except ValueError:
        payload = {}
    return Row(
        id=str(item["id"]),
        form=str(item.get("form") or payload.get("form") or "default"),
        received=str(item.get("created_at", "")),
        status=str(item.get("status", "")),
        payload=payload if isinstance(payload, dict) else {},
        item=item,
    )


def select(rows: Iterable[Row], statuses: Sequence[str]) -> Iterator[Row]:
    wanted = set(statuses)
    return (row for row in rows if not wanted or row.status in wanted)


class Columns:
    """The field columns of an export: each form's declared fields in the form's order, labels
    as headers (from the forms file when given, else from the stored payload's labels)."""

    def __init__(self, forms: FormsConfig | None = None) -> None:
        self._forms = forms
        self.names: list[str] = []
        self.labels: dict[str, str] = {}

    def _add(self, name: str, label: str | None) -> None:
        if name not in self.labels:
            self.names.append(name)
            self.labels[name] = label or name
        elif label and self.labels[name] == name:
            self.labels[name] = label

    def see(self, row: Row) -> None:
        form = self._forms.get(row.form) if self._forms is not None else None
        if form is not None:
            for spec in form.fields:
                self._add(spec.name, spec.shown_label)
        labels = row.labels
        for name, _ in row.fields:
            self._add(name, labels.get(name))

    def header(self) -> list[str]:
        return [label for _, label in BASE_COLUMNS] + [self.labels[n] for n in self.names]

    def cells(self, row: Row) -> list[str]:
        values = dict(row.fields)
        shown = [row.id, row.form, row.received, row.status]
        shown += ["\n".join(values.get(name, [])) for name in self.names]
        return [neutralise(cell) for cell in shown]


Progress = Callable[[int], None]


def write_csv(
    rows: Iterable[Row], out: TextIO, forms: FormsConfig | None, progress: Progress
) -> int:
    """UTF-8 with a BOM (Excel then reads Japanese correctly), one row per submission.

    The header needs every row's fields, so the rows are gathered first (an export is what the
    owner keeps: at most the retention period's submissions).
    """
    kept = list(rows)
    columns = Columns(forms)
    for row in kept:
        columns.see(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow([neutralise(cell) for cell in columns.header()])
    for count, row in enumerate(kept, 1):
        writer.writerow(columns.cells(row))
        out.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
        progress(count)
    out.write(buffer.getvalue())
    return len(kept)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(type(value).__name__)


def write_jsonl(rows: Iterable[Row], out: TextIO, progress: Progress) -> int:
    """One JSON object per line: every field as sent (the stored payload), plus the status."""
    count = 0
    for count, row in enumerate(rows, 1):
        record = {
            "id": row.id,
            "form": row.form,
            "received": row.received,
            "status": row.status,
            "reason": row.item.get("reason"),
            "submission": row.payload,
        }
        out.write(json.dumps(record, ensure_ascii=False, default=_json_default) + "\n")
        progress(count)
    return count


def mask(address: str | None) -> str:
    """``t***@example.com``: enough to recognise a submission, not to copy the address."""
    if not address:
        return "-"
    local, _, domain = address.rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def table(rows: Iterable[Row], *, show_addresses: bool = False) -> list[str]:
    """``submissions list``: id, form, received, status, reply-to (masked unless asked)."""
    lines = [f"{'id':32}  {'form':16}  {'received':24}  {'status':10}  reply-to"]
    for row in rows:
        address = row.reply_to if show_addresses else mask(row.reply_to)
        lines.append(
            f"{row.id:32}  {row.form[:16]:16}  {row.received[:24]:24}  {row.status:10}  "
            f"{address or '-'}"
        )
    return lines


def listed(rows: Iterable[Row], *, show_addresses: bool = False) -> list[dict[str, str]]:
    """``submissions list --json``: the table's columns, one object per submission."""
    return [
        {
            "id": row.id,
            "form": row.form,
            "received": row.received,
            "status": row.status,
            "reply_to": (row.reply_to or "") if show_addresses else mask(row.reply_to),
        }
        for row in rows
    ]


def describe(row: Row) -> str:
    """``submissions show``: everything stored for one submission, as readable JSON."""
    item = dict(row.item)
    item.pop("payload", None)
    shown = {
        "id": row.id,
        "form": row.form,
        "received": row.received,
        "status": row.status,
        "reason": item.pop("reason", None),
        "updated": item.pop("updated_at", None),
        "attempts": item.pop("attempts", None),
        "ses_message_id": item.pop("ses_message_id", None),
        "submission": row.payload,
        "targets": item.pop("targets", {}),
        "stored_attributes": {k: v for k, v in item.items() if k not in ("id", "created_at")},
    }
    return json.dumps(shown, ensure_ascii=False, indent=2, default=_json_default)


def file_keys(row: Row) -> list[str]:
    """The S3 keys of the submission's files (issue 12 records them in the payload)."""
    return [str(f["key"]) for f in row.payload.get("files") or [] if f.get("key")]


class DataStore(Protocol):
    def ids_for_reply_hash(self, reply_hash: str) -> list[str]: ...
    def get(self, submission_id: str) -> dict[str, Any] | None: ...
    def delete(self, submission_id: str) -> None: ...
    def delete_idempotency_record(self, record_id: str) -> bool: ...
    def write_tombstone(self, reply_hash: str, now: datetime, keep_days: int) -> None: ...


class FileDeleter(Protocol):
    def delete(self, keys: Sequence[str]) -> None: ...


class LedgerEraser(Protocol):
    """The receipt ledger's entries about one address (``toiawase.adapters.delivery_store``)."""

    def entries_for(self, address_keys: Iterable[str]) -> list[str]:
        """The ids of every entry keyed by one of ``address_keys`` (receipts, bounces)."""

    def delete_entry(self, entry_id: str) -> None: ...


@dataclass
class ForgetReport:
    submissions: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    idempotency_records: list[str] = field(default_factory=list)
    ledger_entries: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tombstone: bool = False

    def as_json(self, dry_run: bool) -> dict[str, object]:
        """``forget --json``: what was (or would be) deleted; never the address."""
        return {
            "dry_run": dry_run,
            "submissions": self.submissions,
            "files": self.files,
            "idempotency_records": self.idempotency_records,
            "ledger_entries": self.ledger_entries,
            "tombstone": self.tombstone,
            "notes": self.notes,
        }

    def lines(self, dry_run: bool) -> list[str]:
        verb = "would delete" if dry_run else "deleted"
        out = [f"{verb} {len(self.submissions)} submission(s)"]
        out += [f"  submission {sid}" for sid in self.submissions]
        out.append(f"{verb} {len(self.files)} file(s)")
        out += [f"  file {key}" for key in self.files]
        out.append(f"{verb} {len(self.idempotency_records)} idempotency record(s)")
        out += [f"  idempotency record {rec}" for rec in self.idempotency_records]
        out.append(f"{verb} {len(self.ledger_entries)} receipt-ledger entry(ies)")
        out += [f"  ledger entry {entry}" for entry in self.ledger_entries]
        out += self.notes
        if self.tombstone:
            out.append("recorded a tombstone (the address's keyed hash only)")
        elif dry_run:
            out.append("would record a tombstone (the address's keyed hash only)")
        return out


def forget(
    reply_hash: str,
    data: DataStore,
    files: FileDeleter | None,
    *,
    dry_run: bool,
    tombstone_days: int,
    now: datetime | None = None,
    ledger: LedgerEraser | None = None,
    address_keys: Iterable[str] = (),
) -> ForgetReport:
    """Erase every submission with that reply-to hash, its files and idempotency records, and
    the receipt ledger's entries keyed by ``address_keys`` (the address's HMACs under the same
    stack key: the day's "receipt sent" marks and the bounce list).

    The tombstone is written first: a retry that runs while the items are being deleted already
    finds it. Rate-limit counters are keyed by client address and form, never by the submitter's
    email address, and are left alone (they expire within a day).
    """
    moment = now or datetime.now(tz=UTC)
    report = ForgetReport()
    if not dry_run:
        data.write_tombstone(reply_hash, moment, tombstone_days)
        report.tombstone = True
    for sid in data.ids_for_reply_hash(reply_hash):
        item = data.get(sid)
        if item is None:
            continue
        row = row_from_item(item)
        keys = file_keys(row)
        if keys and files is None:
            report.notes.append(
                f"note: {sid} names {len(keys)} file(s) but no files bucket is known (--bucket)"
            )
            keys = []
        record = item.get("idem_record")
        if not dry_run:
            if keys and files is not None:
                files.delete(keys)
            if record and data.delete_idempotency_record(str(record)):
                report.idempotency_records.append(str(record))
            data.delete(sid)
        elif record:
            report.idempotency_records.append(str(record))
        report.files += keys
        report.submissions.append(sid)
    if not report.files:
        report.notes.append("note: no stored files were recorded on these submissions")
    if ledger is None:
        report.notes.append(
            "note: the receipt ledger was not checked (no counters table known: --counters-table)"
        )
    else:
        for entry in ledger.entries_for(address_keys):
            if not dry_run:
                ledger.delete_entry(entry)
            report.ledger_entries.append(entry)
    return report
