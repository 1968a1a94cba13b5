"""File uploads: ``POST /f/{form}/uploads`` (presigned S3 POSTs) and the files of a submission.

Two paths (``docs/files.md``):

* **Through the form post** (JavaScript off): the multipart body carries the files, up to
  ``Limits.max_upload_body_bytes`` (``core/parse.py``).
* **Straight to S3** (JavaScript on, any size up to the field's ``max_size``): ``toiawase.js``
  sends ``{"files": [{"field", "name", "size", "type"}]}`` here and gets, per file, a presigned
  POST for a key the function chose, ``uploads/<form>/<upload id>/<n>`` (short expiry,
  ``content-length-range``, a ``Content-Type`` condition). The upload is recorded in the
  ledger. The form post then names the upload in the control field ``_upload``; the submit
  claims it (once: a forged id is unknown, a used one is refused), measures each object and
  reads its first bytes with one ranged GET, and judges the content like any other file. POST
  policy conditions are S3's to enforce (moto does not): sizes and types are checked again here.

Accepted files are kept under ``submissions/<form>/<submission id>/<n>`` (a server-side copy for
uploaded ones, a PUT for posted ones) before the email is sent, so the retry path re-reads them
from the bucket and the queue message stays an id.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from toiawase.core import answers
from toiawase.core.attachments import DEFAULT_ATTACH_LIMIT, DEFAULT_LINK_DAYS, DeliveredFile
from toiawase.core.attachments import plan_delivery as _plan
from toiawase.core.config import Settings
from toiawase.core.errors import InputError, invalid_fields, malformed
from toiawase.core.files import (
    ACTIVE_EXTENSIONS,
    DEFAULT_MAX_SIZE,
    DEFAULT_MAX_TOTAL,
    HEAD_BYTES,
    AcceptedFile,
    FileRule,
    IncomingFile,
    check_files,
    extension,
    human_size,
    matches_accept,
    safe_filename,
)
from toiawase.core.forms.model import Form
from toiawase.core.http import HttpRequest
from toiawase.core.i18n import Translator, t
from toiawase.core.outcome import Dependencies, Outcome
from toiawase.core.ports import (
    AdmissionUnavailable,
    FileStore,
    FilesUnavailable,
    IssuedFile,
    IssuedUpload,
    OverLimit,
)
from toiawase.core.screening import check_origin, client_buckets
from toiawase.core.submission import Submission

UPLOAD_FIELD = "_upload"
UPLOADS_SUFFIX = "/uploads"
MAX_REQUEST_BYTES = 16 * 1024
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,95}")
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class UploadSettings:
    """The deployment's file settings (environment, see ``docs/files.md``)."""

    bucket: str | None = None
    attach_limit: int = DEFAULT_ATTACH_LIMIT
    link_days: int = DEFAULT_LINK_DAYS
    post_expiry_seconds: int = 600
    scanning: bool = False


def load_upload_settings(env: Mapping[str, str]) -> UploadSettings:
    """``FILES_BUCKET``, ``ATTACH_LIMIT_BYTES``, ``FILE_LINK_DAYS``, ``UPLOAD_EXPIRY_SECONDS``,
    ``FILE_SCANNING`` (``guardduty`` or empty)."""

    def number(name: str, default: int, low: int, high: int) -> int:
        raw = env.get(name, "").strip()
        return min(max(int(raw), low), high) if raw.isdigit() else default

    return UploadSettings(
        bucket=env.get("FILES_BUCKET", "").strip() or None,
        attach_limit=number("ATTACH_LIMIT_BYTES", DEFAULT_ATTACH_LIMIT, 0, 30 * 1024 * 1024),
        link_days=number("FILE_LINK_DAYS", DEFAULT_LINK_DAYS, 1, 7),  # SigV4 allows 7 days
        post_expiry_seconds=number("UPLOAD_EXPIRY_SECONDS", 600, 60, 3600),
        scanning=env.get("FILE_SCANNING", "").strip().lower() == "guardduty",
    )


def file_rules(form: Form) -> dict[str, FileRule]:
    """The form's file fields as rules (defaults: 10 MB, one file)."""
    return {
        spec.name: FileRule(
            name=spec.name,
            label=spec.shown_label,
            accept=spec.accept,
            max_size=spec.max_size or DEFAULT_MAX_SIZE,
            max_files=spec.max_files,
            required=spec.required,
        )
        for spec in form.fields
        if spec.type == "file"
    }


def max_total(form: Form) -> int:
    return form.max_total_size or DEFAULT_MAX_TOTAL


def issue_uploads(
    request: HttpRequest,
    form: Form,
    settings: Settings,
    files_settings: UploadSettings,
    deps: Dependencies,
    tr: Translator | None = None,
) -> Outcome:
    """Answer presigned POSTs for the files a browser is about to send (JSON in and out);
    ``tr`` renders the errors' words in the visitor's language."""
    labels = {f.name: f.label for f in form.fields if f.label}

    def refuse(exc: InputError, headers: Mapping[str, str] | None = None) -> Outcome:
        response = answers.error_json(
            exc.status, exc.code, exc.message, exc.fields, headers, tr, labels
        )
        return Outcome(response, "rejected", exc.code)

    rules = file_rules(form)
    if not rules or deps.files is None or deps.uploads is None:
        message = t("error.uploads_off")
        return refuse(InputError(404, "uploads_off", message))
    try:
        check_origin(request, settings)
    except InputError as exc:
        return refuse(exc)
    wait = _rate_limited(request, settings, form.id, deps)
    if wait:
        message = t("error.uploads_rate_limited", seconds=wait)
        return refuse(InputError(429, "rate_limited", message), {"Retry-After": str(wait)})
    try:
        wanted = _read_request(request.body)
        _check_wanted(wanted, rules, max_total(form))
    except InputError as exc:
        return refuse(exc)
    upload_id = deps.new_id()
    now = int(request.received_at.timestamp())
    expiry = files_settings.post_expiry_seconds
    issued: list[IssuedFile] = []
    answer: list[dict[str, object]] = []
    try:
        for n, (field, name, size, declared) in enumerate(wanted):
            key = f"uploads/{form.id}/{upload_id}/{n}"
            post = deps.files.presign_post(key, declared, rules[field].max_size, expiry)
            issued.append(IssuedFile(key, field, safe_filename(name, f"file-{n + 1}"), size))
            answer.append({"field": field, "key": key, "url": post.url, "fields": post.fields})
        # A form post may name the upload until a little after the last POST may start.
        deps.uploads.issue(IssuedUpload(upload_id, form.id, tuple(issued), now + expiry + 3600))
    except FilesUnavailable:
        message = t("error.uploads_unavailable")
        response = answers.error_json(
            503, "files_unavailable", message, None, {"Retry-After": "30"}, tr
        )
        return Outcome(response, "send_failed", "files_unavailable")
    payload = {"ok": True, "upload": upload_id, "expires_in": expiry, "files": answer}
    return Outcome(answers.json_answer(200, payload), "uploads_issued")


def _rate_limited(
    request: HttpRequest, settings: Settings, form_id: str, deps: Dependencies
) -> int:
    """Seconds to wait (0: go on). The client's counters of the form, as a submission spends
    them (an upload request counts as one request: one admission of the counters alone, all or
    nothing, so a refused request counts nothing); fails open like them."""
    if deps.admission is None:
        return 0
    now = request.received_at
    counters = client_buckets(request.source_ip, settings.defences, now, form_id)
    try:
        deps.admission.admit(counters)
    except OverLimit as exc:
        return max(counters[exc.index].resets_at - int(now.timestamp()), 1)
    except AdmissionUnavailable:
        return 0
    return 0


def _read_request(body: bytes | bytearray) -> list[tuple[str, str, int, str]]:
    """``(field, name, size, type)`` per file, from ``{"files": [...]}``."""
    if len(body) > MAX_REQUEST_BYTES:
        raise InputError(413, "too_large", t("error.upload_request_too_large"))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise malformed(t("error.upload_request_json")) from exc
    items = data.get("files") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or len(items) > 20:
        raise malformed(t("error.upload_request_count"))
    wanted = []
    for item in items:
        if not isinstance(item, dict):
            raise malformed(t("error.upload_request_object"))
        field, name, size = item.get("field"), item.get("name"), item.get("size")
        declared = str(item.get("type") or "").strip().lower()
        if not isinstance(field, str) or not isinstance(name, str):
            raise malformed(t("error.upload_request_name"))
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise malformed(t("error.upload_request_size"))
        wanted.append((field, name, size, declared if _MIME.fullmatch(declared) else ""))
    return wanted


def _check_wanted(
    wanted: Sequence[tuple[str, str, int, str]], rules: Mapping[str, FileRule], total: int
) -> None:
    """What can be told before the bytes exist: fields, counts, sizes, names, declared types.

    The content is judged after the upload, when the form is posted.
    """
    errors: dict[str, str] = {}
    counts: dict[str, int] = {}
    for field, name, size, declared in wanted:
        rule = rules.get(field)
        if rule is None:
            errors[field] = t("file.not_a_file_field")
            continue
        counts[field] = counts.get(field, 0) + 1
        shown = safe_filename(name)
        if counts[field] > rule.max_files:
            errors[field] = t("file.too_many", max=rule.max_files)
        elif size == 0:
            errors[field] = t("file.named_problem", name=shown, problem=t("file.empty"))
        elif size > rule.max_size:
            errors[field] = t("file.too_big", max=human_size(rule.max_size))
        elif extension(shown) in ACTIVE_EXTENSIONS or (
            declared and rule.accept and not matches_accept(declared, rule.accept)
        ):
            errors[field] = t("file.named_problem", name=shown, problem=t("file.type_refused"))
    if not errors and sum(item[2] for item in wanted) > total:
        errors[wanted[0][0]] = t("file.total_too_big", max=human_size(total))
    if errors:
        raise invalid_fields(errors)


def collect_files(
    posted: Sequence[IncomingFile],
    upload_id: str | None,
    form: Form,
    deps: Dependencies,
    now: int,
    owner: str | None = None,
) -> list[AcceptedFile]:
    """Every file of a submission, checked: posted ones and the claimed upload's objects.

    ``owner``: the submission's idempotency key, so a repeat of the same post may claim its
    upload again (``UploadLedger.claim``).

    Raises a 422 ``InputError`` naming the field when anything is wrong; a 503 when the
    bucket cannot be read. Round trips: one conditional write to claim the upload, then one
    ranged GET per uploaded file.
    """
    rules = file_rules(form)
    if not rules:
        return []
    first = next(iter(rules))
    incoming = list(posted)
    if upload_id:
        if deps.files is None or deps.uploads is None or not _UPLOAD_ID.fullmatch(upload_id):
            raise invalid_fields({first: t("file.upload_unknown")})
        try:
            issued = deps.uploads.claim(upload_id, form.id, now, owner)
        except FilesUnavailable as exc:
            raise _files_unavailable() from exc
        if issued is None:
            raise invalid_fields({first: t("file.upload_used")})
        heads: dict[str, bytes] = {}
        for item in issued.files:
            try:
                found = deps.files.peek(item.key, HEAD_BYTES)
            except FilesUnavailable as exc:
                raise _files_unavailable() from exc
            if found is None:
                raise invalid_fields({item.field: t("file.upload_unfinished", name=item.filename)})
            heads[item.key], size = found
            incoming.append(IncomingFile(item.field, item.filename, size, key=item.key))
    else:
        heads = {}

    def read_head(item: IncomingFile) -> bytes:
        if item.data is not None:
            return item.data[:HEAD_BYTES]
        return heads[str(item.key)]

    accepted, errors = check_files(incoming, rules, max_total(form), read_head)
    if errors:
        raise invalid_fields(errors)
    return accepted


def _files_unavailable() -> InputError:
    return InputError(503, "files_unavailable", t("error.files_unreadable"))


def keep_files(
    accepted: Sequence[AcceptedFile], form_id: str, submission_id: str, store: FileStore
) -> list[AcceptedFile]:
    """Keep every file under ``submissions/<form>/<id>/<n>``; the files with their new keys.

    Raises ``FilesUnavailable``: the submission is then not accepted (nothing was sent).
    """
    kept: list[AcceptedFile] = []
    for n, item in enumerate(accepted):
        key = f"submissions/{form_id}/{submission_id}/{n}"
        try:
            if item.data is not None:
                store.put(key, item.data, item.content_type)
            elif item.key is not None:
                store.copy(item.key, key)
        except FilesUnavailable:
            # Those already kept would name a submission that never existed.
            discard_files([f.key for f in kept if f.key], store)
            raise
        kept.append(
            AcceptedFile(item.field, item.filename, item.content_type, item.size, item.data, key)
        )
    return kept


def discard_files(keys: Sequence[str], store: FileStore | None) -> bool:
    """Best effort: delete copies kept for a post that was then turned away (rate limit, a
    repeat, a refused captcha, not accepted), so nothing waits for the lifecycle rule. One
    ``DeleteObjects``, on the refusal path only. False when the bucket could not be reached
    (the lifecycle rule still deletes them after RetentionDays)."""
    if not keys or store is None:
        return True
    try:
        store.delete(keys)
    except FilesUnavailable:
        return False
    return True


def delivered_files(
    kept: Sequence[AcceptedFile], store: FileStore | None, files_settings: UploadSettings
) -> list[DeliveredFile]:
    """The files as the email carries them: attached within the total, linked beyond it.

    Files held only by key are read from the bucket (the retry path, and uploaded files).
    """
    plan = _plan([f.size for f in kept], files_settings.attach_limit)
    delivered: list[DeliveredFile] = []
    link_seconds = files_settings.link_days * 86400
    for item, attach_it in zip(kept, plan, strict=True):
        if attach_it:
            data = item.data
            if data is None and store is not None and item.key is not None:
                data = store.read(item.key)
            delivered.append(DeliveredFile(item.filename, item.content_type, item.size, data=data))
        else:
            url = (
                store.presign_get(item.key, item.filename, link_seconds)
                if store is not None and item.key is not None
                else None
            )
            delivered.append(DeliveredFile(item.filename, item.content_type, item.size, url=url))
    return delivered


def encode_files(kept: Sequence[AcceptedFile]) -> list[dict[str, object]]:
    """For the stored payload: names, types, sizes and keys; never the bytes."""
    return [
        {"field": f.field, "name": f.filename, "type": f.content_type, "size": f.size, "key": f.key}
        for f in kept
    ]


def stored_files(payload: str) -> list[AcceptedFile]:
    """The files named by a stored payload (``records.encode_payload``), without bytes."""
    items = json.loads(payload).get("files") or []
    return decode_files(items)


def decode_files(items: Sequence[Mapping[str, object]]) -> list[AcceptedFile]:
    return [
        AcceptedFile(
            field=str(item["field"]),
            filename=str(item["name"]),
            content_type=str(item["type"]),
            size=int(str(item["size"])),
            key=str(item["key"]) if item.get("key") else None,
        )
        for item in items
    ]


@dataclass
class SubmissionFiles:
    """A submission's checked files on their way into the email (``submit.accept``).

    Not frozen on purpose: ``release_bytes`` lets go of posted files' bytes for every holder at
    once, as soon as the composed message carries them.
    """

    form_id: str
    files: tuple[AcceptedFile, ...]
    settings: UploadSettings

    def release_bytes(self) -> None:
        """Drop the files' bytes (kept in the bucket, and in the composed message by now), so
        the SES call does not run with a second copy of every file alive (issue 12)."""
        self.files = tuple(replace(f, data=None) if f.data is not None else f for f in self.files)

    def keep(self, submission_id: str, store: FileStore | None) -> SubmissionFiles:
        """The files kept in the bucket under the submission (raises ``FilesUnavailable``)."""
        if store is None:
            raise FilesUnavailable("no file bucket is configured")
        kept = keep_files(self.files, self.form_id, submission_id, store)
        return SubmissionFiles(self.form_id, tuple(kept), self.settings)

    def discard(self, store: FileStore | None) -> bool:
        """Delete the kept copies (``discard_files``); for a post that was turned away."""
        keys = [f.key for f in self.files if f.key and f.key.startswith("submissions/")]
        return discard_files(keys, store)

    def stored(self) -> list[dict[str, object]]:
        return encode_files(self.files)

    def named_in(self, submission: Submission) -> Submission:
        """The submission with each file field's value set to its files' names (the email's
        field list then reads "CV: 履歴書.pdf" instead of "(not given")."""
        names: dict[str, list[str]] = {}
        for item in self.files:
            names.setdefault(item.field, []).append(item.filename)
        fields = [(name, tuple(names.pop(name, values))) for name, values in submission.fields]
        fields += [(name, tuple(values)) for name, values in names.items()]
        return replace(submission, fields=tuple(fields))

    def for_email(self, store: FileStore | None) -> tuple[list[DeliveredFile], int]:
        """The files as attached or linked, and the links' validity in days."""
        return delivered_files(self.files, store, self.settings), self.settings.link_days


def file_digests(posted: Sequence[IncomingFile]) -> list[tuple[str, str]]:
    """The posted files as content for the idempotency key (``core/idempotency.py``): the
    same text with another file is another submission, never a replay of the first."""
    return [
        (f"{UPLOAD_FIELD}:{item.field}", f"{item.filename}\0{item.size}\0{_digest(item.data)}")
        for item in posted
        if item.data is not None
    ]


def _digest(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()


def submission_files(
    posted: Sequence[IncomingFile],
    pairs: Sequence[tuple[str, str]],
    form: Form | None,
    files_settings: UploadSettings,
    deps: Dependencies,
    now: int,
    owner: str | None = None,
) -> SubmissionFiles | None:
    """The submission's files, checked (``collect_files``); None for a form without files.

    Called before the admission (its row names the kept files), so a repeat of an admitted
    post comes here again: ``owner``, the post's idempotency key, lets it claim its own upload
    again, and the admission then answers it from the first.
    """
    if form is None or not file_rules(form):
        return None
    upload_id = next((v.strip() for k, v in pairs if k == UPLOAD_FIELD and v.strip()), None)
    accepted = collect_files(posted, upload_id, form, deps, now, owner)
    return SubmissionFiles(form.id, tuple(accepted), files_settings) if accepted else None
