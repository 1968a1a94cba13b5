"""``POST /submit``: one submission, from request to honest answer. Pure: adapters are passed in.

parse → validate → screen (honeypot, content) → admit → [captcha] → compose → send → status,
then the answer the contract asks for. The browser is told ``sent`` only after SES accepted the
message, ``queued`` (202) only when the submission is held durably for a retry, and a 5xx when
neither happened.

Three sequential AWS calls on the success path with the template's defaults (issue 15):

1. **admit** (``ports.Admission``, one DynamoDB ``TransactWriteItems``): the client's and the
   form's rate-limit counters (each on ``hits < limit``, so a refused request increments
   nothing), the idempotency claim (a repeat learns the first id from the refusal), and the row
   (``received``): all or nothing, durable before any 2xx;
2. ``SendEmail``;
3. the row's status (``sent``; ``queued`` or ``failed`` when held for a retry).

A submission with files (issue 12, ``core/uploads.py``) has them checked (the posted parts, or
the claimed upload's objects: one conditional write, one ranged GET each) and kept under
``submissions/<form>/<id>/<n>`` *before* the admission writes its row, so the row names kept
files and a redrive re-reads them; those calls come on top of the three. With malware scanning
on, the row is ``scanning`` and the answer 202; the scan-result function sends it.

A honeypot hit takes the same shape: its row is ``spam``, only the client's counters count it,
a wait as long as a send stands in for SES, and the same status update follows. A repeat of an
admitted post reads that submission's row (one ``GetItem``) and answers from it. A post refused
by validation or the content rules makes one call, its client's counters alone: a client's junk
still spends its own budget (429 past it), never the form's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from toiawase.core import answers, records
from toiawase.core.compose import SubmissionMeta, compose
from toiawase.core.config import CAPTCHA_TOKEN_FIELDS, Settings, normalize_origin
from toiawase.core.errors import ConfigError, InputError
from toiawase.core.forms.fields import validate_form
from toiawase.core.forms.model import Form
from toiawase.core.http import HttpRequest
from toiawase.core.i18n import Text, Translator, t
from toiawase.core.idempotency import idempotency_key
from toiawase.core.outcome import Dependencies, Outcome
from toiawase.core.parse import Pairs, parse_form
from toiawase.core.ports import (
    AdmissionUnavailable,
    AlreadyClaimed,
    CaptchaUnavailable,
    CaptchaVerifier,
    Claim,
    Counter,
    FilesUnavailable,
    InProgress,
    OverLimit,
    QueueUnavailable,
    SendFailed,
    StoreUnavailable,
)
from toiawase.core.privacy import erasure_keys
from toiawase.core.redirect import request_origin, safe_redirect
from toiawase.core.replies import success
from toiawase.core.screening import check_content, check_origin, client_buckets, form_buckets
from toiawase.core.submission import Submission, validate_submission
from toiawase.core.text import clean_shown_text
from toiawase.core.uploads import (
    SubmissionFiles,
    UploadSettings,
    file_digests,
    file_rules,
    submission_files,
)

SUBMIT_PATH = "/submit"
DEFAULT_FORM_ID = "default"
MAX_PAGE_URL_CHARS = 2_000
# A repeat within this window (same client, same content, same key) is the same submission.
DEDUPE_WINDOW_SECONDS = 600
# A repeat of a submission still ``received`` this young is told "in progress" (409). An older
# one was interrupted between its admission and its send: its row is held for a redrive
# (``toiawase redrive --include-received``; the retry path claims ``received`` rows), so the
# repeat is told ``queued`` (202), with the first id.
IN_PROGRESS_LEASE_SECONDS = 30


class ScreeningUnavailable(Exception):
    """A defence could not decide (captcha provider down) and the policy is to refuse."""


class RateLimited(Exception):
    """A rate limit refused the admission: nothing was counted, claimed or stored."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class NotAccepted(Exception):
    """Neither sent nor held: the admission is released, so a retry is a new attempt."""

    def __init__(self, status: int, code: str, message: Text, reason: str, sid: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.reason, self.submission_id = reason, sid


def submit(
    request: HttpRequest,
    settings: Settings,
    deps: Dependencies,
    json_client: bool,
    content_type: tuple[str, dict[str, str]] | InputError | None = None,
    form: Form | None = None,
    files_settings: UploadSettings | None = None,
    tr: Translator | None = None,
) -> Outcome:
    """Screen, validate, admit, compose and send one submission; answer what really happened.

    ``tr`` renders the answer's words in the visitor's language (English without one).

    The rate limits: a client's counters count every post of that client that reached
    validation; the form's counters only a submission that passed the client's limit,
    validation, the honeypot and the content rules (red-team finding 2), in the same
    all-or-nothing admission as its idempotency claim, so a replayed double-click spends
    nothing either. An outage of the admission fails open (``_admit``).
    """
    raw_page_url = request.header("referer")
    # What is shown (the email's "Page:" line, logs, the dev terminal) is cleaned like submitted
    # text; the raw value is only compared with the allowed origins and resolved against.
    page_url = clean_shown_text(raw_page_url, MAX_PAGE_URL_CHARS)
    back_url = (
        raw_page_url
        if raw_page_url and normalize_origin(raw_page_url) in settings.allowed_origins
        else None
    )
    defences = settings.defences
    form_id = form.id if form is not None else DEFAULT_FORM_ID
    notes: list[str] = []

    # The HTML error page names each field by the form's label (the JSON keys stay the names).
    labels = {f.name: f.label for f in form.fields if f.label} if form is not None else None

    def refuse(exc: InputError, headers: Mapping[str, str] | None = None) -> Outcome:
        response = (
            answers.error_json(exc.status, exc.code, exc.message, exc.fields, headers, tr, labels)
            if json_client
            else answers.error_html(
                exc.status, exc.message, exc.fields, back_url, headers, labels=labels, tr=tr
            )
        )
        return Outcome(response, "rejected", exc.code, None, tuple(notes))

    def too_many(retry_after: int) -> Outcome:
        message = t("error.rate_limited", seconds=retry_after)
        return refuse(InputError(429, "rate_limited", message), {"Retry-After": str(retry_after)})

    def not_accepted(exc: NotAccepted) -> Outcome:
        message = t("error.with_reference", message=exc.message, reference=exc.submission_id)
        extra = {"Retry-After": "60"} if exc.status == 503 else {}
        response = (
            answers.error_json(exc.status, exc.code, message, headers=extra, tr=tr)
            if json_client
            else answers.error_html(exc.status, message, back_url=back_url, headers=extra, tr=tr)
        )
        return Outcome(response, "send_failed", exc.reason, exc.submission_id, tuple(notes))

    def in_progress() -> Outcome:
        message = t("error.in_progress")
        response = (
            answers.error_json(409, "in_progress", message, tr=tr)
            if json_client
            else answers.error_html(409, message, back_url=back_url, tr=tr)
        )
        return Outcome(response, "in_progress", "in_progress", None, tuple(notes))

    try:
        check_origin(request, settings)
    except InputError as exc:
        return refuse(exc)
    now = request.received_at
    client_counters = client_buckets(request.source_ip, defences, now, form_id)
    try:
        if isinstance(content_type, InputError):
            raise content_type
        parsed = content_type if content_type is not None else request.header("content-type")
        file_fields = frozenset(file_rules(form)) if form is not None else frozenset()
        try:
            body = parse_form(parsed, request.body, settings.limits, file_fields)
        finally:
            # Parsed (or refused): a large body is freed now, its files live on in ``body``.
            request.release_body()
        pairs = body.pairs
        submission = validate(pairs, settings, form)
        # What makes a repeat the same submission: its text and its posted files' contents.
        ignored = frozenset(CAPTCHA_TOKEN_FIELDS.values())
        content = [*pairs, *file_digests(body.files)] if body.files else pairs
        key = idempotency_key(request.headers, content, request.source_ip, ignored)
        files = None
        if not submission.honeypot_filled:
            check_content(submission, defences)
            # Checked before the admission: the row it writes names the kept files. A bot's
            # files (honeypot) are never read, claimed or kept.
            files = submission_files(
                body.files,
                pairs,
                form,
                files_settings or UploadSettings(),
                deps,
                int(now.timestamp()),
                owner=key,
            )
    except InputError as exc:
        # A refused post still counts against its client (one call: its counters alone), so
        # past its limit the client is told 429 whatever it sends.
        try:
            _admit(client_counters, None, None, now, deps, notes)
        except RateLimited as limited:
            return too_many(limited.retry_after)
        return refuse(exc)

    # The parsed parts' files live on in ``files`` only (released once they are in the email).
    del body
    redirect_to = safe_redirect(
        submission.next_url, settings.allowed_origins, settings.redirect_url, raw_page_url
    )
    sid = deps.new_id()
    meta = SubmissionMeta(
        submission_id=sid,
        received_at=now,
        page_url=page_url,
        origin=request_origin(request.header("origin"), raw_page_url),
        client_ip=request.source_ip,
    )
    spam = submission.honeypot_filled
    kept: SubmissionFiles | None = None
    if files is not None:
        # Kept before the row is written, so a stored submission's files are always there.
        # A post turned away after this (rate limit, a repeat, a refused captcha, not
        # accepted) deletes its copies again (``_discard``: refusal paths only).
        try:
            files = kept = _keep_files(files, sid, deps)
        except NotAccepted as exc:
            return not_accepted(exc)
        submission = files.named_in(submission)
    # Malware scanning on (core/scanning.py): the files are sent once every one is clean.
    scanning = files is not None and files.settings.scanning
    counters = client_counters + ([] if spam else form_buckets(defences, now, form_id))
    claim = None
    if deps.admission is not None:
        epoch = int(now.timestamp())
        claim = Claim(key, sid, epoch, epoch + DEDUPE_WINDOW_SECONDS)
    record = None
    erasure = erasure_keys(submission, deps, claim.key if claim is not None else None)
    if deps.store is not None:
        record = records.StoredSubmission(
            submission_id=sid,
            status=records.SPAM if spam else records.SCANNING if scanning else records.RECEIVED,
            created_at=now,
            updated_at=now,
            payload=records.encode_payload(
                submission, meta, files.stored() if files else None, plan_on_send=scanning
            ),
            form_id=submission.form_id,
            # What `toiawase forget` finds and deletes it by (core.privacy).
            reply_hash=erasure.reply_hash,
            idempotency_record=erasure.idempotency_record,
        )
    try:
        stored, claim = _admit(counters, claim, record, now, deps, notes)
    except RateLimited as exc:
        _discard(kept, deps, notes)
        return too_many(exc.retry_after)
    except AlreadyClaimed as exc:
        # The first submission has its own copies; these were made for this repeat.
        _discard(kept, deps, notes)
        try:
            first = _replayed(exc, deps, now)
        except InProgress:
            return in_progress()
        response = success(json_client, exc.submission_id, first, redirect_to, tr)
        return Outcome(response, "replayed", None, exc.submission_id, tuple(notes))

    if spam:
        result = _screened_as_spam(sid, stored, claim, deps, now, notes)
    else:
        token = token_of(pairs, defences.captcha_field)
        try:
            # After the admission: a repeat of an accepted post is answered from the first
            # without presenting its (single-use) captcha token to the provider again.
            _check_captcha(token, request.source_ip, settings, deps.captcha, notes)
            result = accept(
                submission, meta, settings, deps, notes, stored=stored, form=form, files=files
            )
        except InputError as exc:
            _release(claim, record if stored else None, deps, notes)
            _discard(kept, deps, notes)
            return refuse(exc)
        except ScreeningUnavailable:
            _release(claim, record if stored else None, deps, notes)
            _discard(kept, deps, notes)
            message = t("error.captcha_unavailable")
            return refuse(InputError(503, "captcha_unavailable", message), {"Retry-After": "30"})
        except NotAccepted as exc:
            _release(claim, None, deps, notes)
            _discard(kept, deps, notes)
            return not_accepted(exc)
        if not stored and claim is not None:
            _settle(claim, str(result["status"]), deps, notes)

    status = str(result["status"])
    response = success(json_client, sid, status, redirect_to, tr)
    return Outcome(
        response, str(result.get("outcome", status)), result.get("reason"), sid, tuple(notes)
    )


def validate(pairs: Pairs, settings: Settings, form: Form | None) -> Submission:
    """The submission, validated by its form's declared fields, or by the contract's fields
    (``email``, ``name``, ``message``, the rest copied through) for the form the environment
    variables describe."""
    defences = settings.defences
    if form is None or not form.fields:
        submission = validate_submission(
            pairs, settings.limits, defences.honeypot_field, defences.control_fields
        )
        return replace(submission, form_id=form.id) if form is not None else submission
    checked = validate_form(form, pairs, settings.limits)
    message = next((f.values[0] for f in checked.fields if f.name == "message" and f.values), "")
    return Submission(
        email=checked.reply_to,
        name=checked.name,
        message=message,
        subject=checked.subject,
        next_url=checked.next_url,
        honeypot_filled=checked.honeypot_filled,
        fields=tuple((f.name, f.values) for f in checked.fields),
        form_id=form.id,
        labels=tuple((f.name, f.label) for f in checked.fields if f.label != f.name),
    )


def _admit(
    counters: list[Counter],
    claim: Claim | None,
    record: records.StoredSubmission | None,
    now: datetime,
    deps: Dependencies,
    notes: list[str],
) -> tuple[bool, Claim | None]:
    """The first call: count, claim and keep, all or nothing. Returns (stored, claim held).

    Raises ``RateLimited`` (a counter is at its limit: nothing written) or ``AlreadyClaimed``
    (a repeat). Fails open, as the counters always have: when the admission itself is down
    (throttled, 5xx, timeout) the submission is kept by the store alone (one ``PutItem``,
    without counters or claim) and sent; the outage is counted (``RateLimiterFailed``, the
    screening-outage alarm) and the HTTP API's stage throttling still bounds abuse. Turning real
    visitors away because a counter table hiccupped would be the worse failure.
    """
    if deps.admission is not None:
        try:
            deps.admission.admit(counters, claim, record)
        except OverLimit as exc:
            notes.append("RateLimited")
            wait = counters[exc.index].resets_at - int(now.timestamp())
            raise RateLimited(max(wait, 1)) from None
        except AdmissionUnavailable:
            notes.append("RateLimiterFailed")
        else:
            return record is not None, claim
    if record is None or deps.store is None:
        return False, None
    try:
        deps.store.create(record)
    except StoreUnavailable:
        notes.append("StoreFailed")
        return False, None
    return True, None


def _replayed(exc: AlreadyClaimed, deps: Dependencies, now: datetime) -> str:
    """The public status of a repeat's first submission (one ``GetItem`` of its row).

    Still ``received`` and younger than the lease: in progress (``InProgress``, 409). Older:
    its request died between admission and send, and the row is held for a redrive: ``queued``.
    """
    status, created = exc.answer, None
    if deps.store is not None:
        try:
            row = deps.store.get(exc.submission_id)
        except StoreUnavailable:
            row = None
        if row is not None:
            status, created = row.status, row.created_at
    if status is None or status == records.RECEIVED:
        if created is None or (now - created).total_seconds() < IN_PROGRESS_LEASE_SECONDS:
            raise InProgress(exc.submission_id)
        return records.QUEUED
    if status == records.SCANNING:
        return records.SCANNING
    return records.SENT if status in records.DONE else records.QUEUED


def _settle(claim: Claim, status: str, deps: Dependencies, notes: list[str]) -> None:
    """Without a stored row, the answer for repeats is kept on the claim."""
    if deps.admission is None:
        return
    try:
        deps.admission.settle(claim, status)
    except AdmissionUnavailable:
        notes.append("RateLimiterFailed")


def _release(
    claim: Claim | None,
    record: records.StoredSubmission | None,
    deps: Dependencies,
    notes: list[str],
) -> None:
    """Undo an admission whose submission was refused after it (captcha) or not accepted, so
    the client may send it again. The counters stay spent, as they were before issue 15."""
    if deps.admission is None or (claim is None and record is None):
        return
    try:
        deps.admission.release(claim, record)
    except AdmissionUnavailable:
        notes.append("RateLimiterFailed")


def _screened_as_spam(
    sid: str,
    stored: bool,
    claim: Claim | None,
    deps: Dependencies,
    now: datetime,
    notes: list[str],
) -> dict[str, Any]:
    """The honeypot was filled: kept as ``spam`` (the admission wrote that row) and answered
    as a real submission would be.

    Bots get the normal answer so they learn nothing; nothing is sent, but the submission is
    kept so the owner can review a false positive (``toiawase spam``). It takes a real one's
    calls: the admission (only the client's counters count it), a wait about as long as an SES
    call (``Dependencies.imitate_send``) so its answer time does not give it away, and the same
    status update. Its public status follows a real one's life (``toiawase.core.status``).
    """
    if deps.imitate_send is not None:
        deps.imitate_send()
    if stored and deps.store is not None:
        try:
            deps.store.mark(sid, records.SPAM, now)
        except StoreUnavailable:
            notes.append("StoreFailed")
    elif claim is not None:
        _settle(claim, records.SENT, deps, notes)
    return {"id": sid, "status": records.SENT, "outcome": "spam", "reason": "honeypot"}


def token_of(pairs: list[tuple[str, str]], field_name: str | None) -> str:
    """The captcha widget's token, if the form has one."""
    if field_name is None:
        return ""
    return next((v.strip() for k, v in pairs if k == field_name and v.strip()), "")


def _check_captcha(
    token: str,
    remote_ip: str,
    settings: Settings,
    verifier: CaptchaVerifier | None,
    notes: list[str],
) -> None:
    defences = settings.defences
    if defences.captcha_provider is None:
        return
    failed = InputError(
        422,
        "captcha_failed",
        t("error.captcha_failed"),
        {"captcha": t("field.captcha_failed")},
    )
    if not token:
        notes.append("CaptchaMissing")
        raise InputError(
            422,
            "captcha_failed",
            t("error.captcha_missing"),
            {"captcha": t("field.required")},
        )
    if verifier is None:
        raise ConfigError("CAPTCHA_PROVIDER is set but no verifier is configured")
    try:
        verdict = verifier.verify(token, remote_ip)
    except CaptchaUnavailable:
        notes.append("CaptchaUnavailable")
        if defences.captcha_on_outage == "accept":
            return
        raise ScreeningUnavailable() from None
    if not verdict.success:
        notes.append("CaptchaFailed")
        raise failed
    if (
        defences.captcha_provider == "recaptcha-v3"
        and (verdict.score or 0.0) < defences.captcha_min_score
    ):
        notes.append("CaptchaLowScore")
        raise failed


def accept(
    submission: Submission,
    meta: SubmissionMeta,
    settings: Settings,
    deps: Dependencies,
    notes: list[str],
    *,
    stored: bool,
    form: Form | None = None,
    files: SubmissionFiles | None = None,
) -> dict[str, Any]:
    """Send an admitted submission and fall back to the retry queue.

    ``stored``: the admission wrote its row (``received``), durable before any 2xx; then a
    transient SES failure holds it for a retry (202), and a success marks it ``sent``.

    ``files`` (``core/uploads.py``) were kept in the bucket before the admission; they are
    attached or linked. With malware scanning on, the row is ``scanning`` and nothing is sent
    nor planned here (202): the scan-result function queues it once every file is clean, and
    the retry function's send plans its deliveries.

    Once the email's fate is known, the form's other targets (webhook, Slack, Discord, the
    receipt) are queued — only here, so never for a honeypot, rate-limited or refused
    submission, and only once per deduplicated post. The answer does not depend on them.
    """
    sid = meta.submission_id
    notes.append("Accepted")
    if files is not None and files.settings.scanning:
        if not stored:
            raise NotAccepted(
                503,
                "store_unavailable",
                t("error.scan_not_queued"),
                "store_unavailable",
                sid,
            )
        # Nothing is planned yet: the send that releases it (every file clean, or the owner's
        # redrive) plans its deliveries (``core/retry.resend``), so an infected or held
        # submission never notifies a webhook nor sends a receipt.
        return {"id": sid, "status": records.SCANNING, "outcome": "scanning"}
    if files is not None:
        email = compose(submission, meta, settings, *files.for_email(deps.files))
        files.release_bytes()  # in the message now (and in the bucket)
    else:
        email = compose(submission, meta, settings)
    now = meta.received_at
    try:
        message_id = deps.sender.send(email)
    except SendFailed as exc:
        notes.append("SendFailedTransient" if exc.transient else "SendFailedPermanent")
        # Raises NotAccepted (nothing kept, nothing planned) unless the submission is stored.
        result = _after_send_failure(exc, sid, stored, now, deps, notes)
        _plan(form, sid, stored, deps, notes)
        return result
    if stored and deps.store is not None:
        try:
            deps.store.mark(sid, records.SENT, now, message_id=message_id, count_attempt=True)
        except StoreUnavailable:
            notes.append("StoreFailed")
    _plan(form, sid, stored, deps, notes)
    return {"id": sid, "status": records.SENT}


def _discard(kept: SubmissionFiles | None, deps: Dependencies, notes: list[str]) -> None:
    """Delete the copies kept for a post that was then turned away: best effort, one
    ``DeleteObjects`` on the refusal path; left to the lifecycle rule when S3 is down."""
    if kept is not None and not kept.discard(deps.files):
        notes.append("FilesNotDiscarded")


def _keep_files(files: SubmissionFiles, sid: str, deps: Dependencies) -> SubmissionFiles:
    try:
        return files.keep(sid, deps.files)
    except FilesUnavailable:
        raise NotAccepted(
            503,
            "files_unavailable",
            t("error.files_unavailable"),
            "files_unavailable",
            sid,
        ) from None


def _plan(form: Form | None, sid: str, stored: bool, deps: Dependencies, notes: list[str]) -> None:
    """Queue the form's deliveries. The consumer reads the submission from the table, so a
    submission that could not be stored has none (``DeliveriesNotKept`` says so)."""
    if form is None or not form.delivers:
        return  # nothing to deliver: the notify code is not even imported (cold start)
    from toiawase.core.notify.delivery import plan_deliveries, planned

    if not planned(form, sid):
        return
    if not stored:
        notes.append("DeliveriesNotKept")
        return
    plan_deliveries(form, sid, deps.deliveries, notes)


def _after_send_failure(
    exc: SendFailed,
    sid: str,
    stored: bool,
    now: datetime,
    deps: Dependencies,
    notes: list[str],
) -> dict[str, Any]:
    """Hold the submission for a retry when it is stored; otherwise admit it was not sent."""
    store = deps.store
    if stored and store is not None:
        try:
            if exc.transient and deps.queue is not None:
                store.mark(sid, records.QUEUED, now, reason=exc.code, count_attempt=True)
                try:
                    deps.queue.enqueue(sid)
                except QueueUnavailable:
                    # Still stored with status "queued": `toiawase redrive` picks it up.
                    notes.append("QueueFailed")
                return {
                    "id": sid,
                    "status": records.QUEUED,
                    "outcome": "queued",
                    "reason": exc.code,
                }
            store.mark(sid, records.FAILED, now, reason=exc.code, count_attempt=True)
            return {"id": sid, "status": records.QUEUED, "outcome": "held", "reason": exc.code}
        except StoreUnavailable:
            notes.append("StoreFailed")
            # The row exists with status "received", so a redrive still finds it: held.
            return {"id": sid, "status": records.QUEUED, "outcome": "held", "reason": exc.code}
    if exc.transient:
        raise NotAccepted(
            503,
            "send_unavailable",
            t("error.send_unavailable"),
            exc.code,
            sid,
        )
    raise NotAccepted(
        502,
        "send_failed",
        t("error.send_failed"),
        exc.code,
        sid,
    )
