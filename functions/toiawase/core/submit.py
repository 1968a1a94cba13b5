"""``POST /submit``: one submission, from request to honest answer. Pure: adapters are passed in.

parse → validate → screen (honeypot) → [deduplicate] → [store] → compose → send, then the
answer the contract asks for. The browser is told ``sent`` only after SES accepted the
message, ``queued`` (202) only when the submission is held durably for a retry, and a 5xx when
neither happened.
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
from toiawase.core.idempotency import idempotency_key
from toiawase.core.notify.delivery import plan_deliveries, planned
from toiawase.core.outcome import Dependencies, Outcome
from toiawase.core.parse import Pairs, parse_body
from toiawase.core.ports import (
    CaptchaUnavailable,
    CaptchaVerifier,
    InProgress,
    LimiterUnavailable,
    QueueUnavailable,
    RateLimiter,
    SendFailed,
    StoreUnavailable,
    SubmissionStore,
)
from toiawase.core.redirect import request_origin, safe_redirect
from toiawase.core.replies import success
from toiawase.core.screening import (
    Bucket,
    check_content,
    check_origin,
    client_buckets,
    form_buckets,
)
from toiawase.core.submission import Submission, validate_submission
from toiawase.core.text import clean_shown_text

SUBMIT_PATH = "/submit"
DEFAULT_FORM_ID = "default"
MAX_PAGE_URL_CHARS = 2_000


class ScreeningUnavailable(Exception):
    """A defence could not decide (captcha provider down) and the policy is to refuse."""


class RateLimited(Exception):
    """The form's own budget is spent (raised inside the deduplicated unit, so not remembered)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class NotAccepted(Exception):
    """Raised inside the deduplicated unit so a failed attempt is not remembered as the answer."""

    def __init__(self, status: int, code: str, message: str, reason: str, sid: str) -> None:
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
) -> Outcome:
    """Screen, validate, keep, compose and send one submission; answer what really happened.

    The order matters for the rate limits: the client's counters are hit first (every request
    of a client counts against that client), and the form's counters only for a submission that
    passed the client's limit, validation, the honeypot and the content rules — inside the
    deduplicated unit, so a replayed double-click spends nothing either.
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

    def refuse(exc: InputError, headers: Mapping[str, str] | None = None) -> Outcome:
        response = (
            answers.error_json(exc.status, exc.code, exc.message, exc.fields, headers)
            if json_client
            else answers.error_html(exc.status, exc.message, exc.fields, back_url, headers)
        )
        return Outcome(response, "rejected", exc.code, None, tuple(notes))

    def too_many(retry_after: int) -> Outcome:
        message = f"Too many submissions. Please try again in {retry_after} seconds."
        return refuse(InputError(429, "rate_limited", message), {"Retry-After": str(retry_after)})

    try:
        check_origin(request, settings)
    except InputError as exc:
        return refuse(exc)
    if deps.limiter is not None:
        buckets = client_buckets(request.source_ip, defences, request.received_at, form_id)
        retry_after = _rate_limited(buckets, request.received_at, deps.limiter, notes)
        if retry_after is not None:
            return too_many(retry_after)
    try:
        if isinstance(content_type, InputError):
            raise content_type
        parsed = content_type if content_type is not None else request.header("content-type")
        _, pairs = parse_body(parsed, request.body, settings.limits)
        submission = validate(pairs, settings, form)
        if not submission.honeypot_filled:
            check_content(submission, defences)
    except InputError as exc:
        return refuse(exc)

    redirect_to = safe_redirect(
        submission.next_url, settings.allowed_origins, settings.redirect_url, raw_page_url
    )
    meta = SubmissionMeta(
        submission_id="",  # set inside the unit of work, so a replay keeps the first id
        received_at=request.received_at,
        page_url=page_url,
        origin=request_origin(request.header("origin"), raw_page_url),
        client_ip=request.source_ip,
    )
    token = _captcha_token(pairs, defences.captcha_field)
    ran: list[bool] = []

    def work() -> Mapping[str, Any]:
        ran.append(True)
        if submission.honeypot_filled:
            return _screened_as_spam(submission, meta, deps, notes)
        if deps.limiter is not None:
            buckets = form_buckets(defences, request.received_at, form_id)
            wait = _rate_limited(buckets, request.received_at, deps.limiter, notes)
            if wait is not None:
                raise RateLimited(wait)
        # Inside the deduplicated unit: a repeat of an accepted post is answered from the first
        # without presenting its (single-use) captcha token to the provider again.
        _check_captcha(token, request.source_ip, settings, deps.captcha, notes)
        return accept(submission, meta, settings, deps, notes, form)

    try:
        if deps.dedupe is not None:
            ignored = frozenset(CAPTCHA_TOKEN_FIELDS.values())
            key = idempotency_key(request.headers, pairs, request.source_ip, ignored)
            result = deps.dedupe.once(key, work)
        else:
            result = work()
    except RateLimited as exc:
        return too_many(exc.retry_after)
    except InputError as exc:
        return refuse(exc)
    except ScreeningUnavailable:
        message = "The spam check is not answering, so your message was not sent. Please try again."
        return refuse(InputError(503, "captcha_unavailable", message), {"Retry-After": "30"})
    except NotAccepted as exc:
        message = f"{exc.message} Reference: {exc.submission_id}."
        extra = {"Retry-After": "60"} if exc.status == 503 else {}
        response = (
            answers.error_json(exc.status, exc.code, message, headers=extra)
            if json_client
            else answers.error_html(exc.status, message, back_url=back_url, headers=extra)
        )
        return Outcome(response, "send_failed", exc.reason, exc.submission_id, tuple(notes))
    except InProgress:
        message = "This submission is already being sent. Please wait a moment; do not resend it."
        response = (
            answers.error_json(409, "in_progress", message)
            if json_client
            else answers.error_html(409, message, back_url=back_url)
        )
        return Outcome(response, "in_progress", "in_progress", None, tuple(notes))

    sid, status = str(result["id"]), str(result["status"])
    response = success(json_client, sid, status, redirect_to)
    # When the work did not run here, this is the first request's answer, replayed.
    kind = str(result.get("outcome", status)) if ran else "replayed"
    return Outcome(response, kind, result.get("reason"), sid, tuple(notes))


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


def _rate_limited(
    buckets: list[Bucket], now: datetime, limiter: RateLimiter, notes: list[str]
) -> int | None:
    """Seconds to wait when a limit is exceeded; None to go on. Fails open: an outage of the
    counters must not turn real submissions away (the stage throttling still bounds abuse)."""
    wait = 0
    try:
        for bucket in buckets:
            if limiter.hit(bucket.key, bucket.resets_at) > bucket.limit:
                wait = max(wait, bucket.resets_at - int(now.timestamp()))
    except LimiterUnavailable:
        notes.append("RateLimiterFailed")
        return None
    if wait:
        notes.append("RateLimited")
        return max(wait, 1)
    return None


def _screened_as_spam(
    submission: Submission, meta: SubmissionMeta, deps: Dependencies, notes: list[str]
) -> dict[str, Any]:
    """The honeypot was filled: keep the submission as ``spam`` and answer as for a real one.

    Bots get the normal answer so they learn nothing; nothing is sent, but the submission is
    kept so the owner can review a false positive (``toiawase spam``). It runs in the same
    deduplicated unit as a real submission, writes the same row, and then waits about as long as
    an SES call takes (``Dependencies.imitate_send``) so its answer time does not give it away;
    its public status follows a real one's life (``toiawase.core.status``).
    """
    sid = deps.new_id()
    _keep_spam(submission, meta, sid, deps.store, notes)
    if deps.imitate_send is not None:
        deps.imitate_send()
    return {"id": sid, "status": records.SENT, "outcome": "spam", "reason": "honeypot"}


def _captcha_token(pairs: list[tuple[str, str]], field_name: str | None) -> str:
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
        "The spam check did not pass. Please complete it again and resend.",
        {"captcha": "did not pass; please complete it again"},
    )
    if not token:
        notes.append("CaptchaMissing")
        raise InputError(
            422,
            "captcha_failed",
            "Please complete the spam check before sending.",
            {"captcha": "is required"},
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


def _keep_spam(
    submission: Submission,
    meta: SubmissionMeta,
    sid: str,
    store: SubmissionStore | None,
    notes: list[str],
) -> None:
    if store is None:
        return
    meta = SubmissionMeta(sid, meta.received_at, meta.page_url, meta.origin, meta.client_ip)
    try:
        store.create(
            records.StoredSubmission(
                submission_id=sid,
                status=records.SPAM,
                created_at=meta.received_at,
                updated_at=meta.received_at,
                payload=records.encode_payload(submission, meta),
                form_id=submission.form_id,
            )
        )
    except StoreUnavailable:
        notes.append("StoreFailed")


def accept(
    submission: Submission,
    meta: SubmissionMeta,
    settings: Settings,
    deps: Dependencies,
    notes: list[str],
    form: Form | None = None,
) -> dict[str, Any]:
    """Store (when configured), send, and fall back to the retry queue. Idempotent unit.

    Once the email's fate is known, the form's other targets (webhook, Slack, Discord, the
    receipt) are queued — only here, so never for a honeypot, rate-limited or refused
    submission, and only once per deduplicated post. The answer does not depend on them.
    """
    sid = deps.new_id()
    meta = SubmissionMeta(sid, meta.received_at, meta.page_url, meta.origin, meta.client_ip)
    notes.append("Accepted")
    stored = False
    if deps.store is not None:
        try:
            deps.store.create(
                records.StoredSubmission(
                    submission_id=sid,
                    status=records.RECEIVED,
                    created_at=meta.received_at,
                    updated_at=meta.received_at,
                    payload=records.encode_payload(submission, meta),
                    form_id=submission.form_id,
                )
            )
            stored = True
        except StoreUnavailable:
            notes.append("StoreFailed")
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


def _plan(form: Form | None, sid: str, stored: bool, deps: Dependencies, notes: list[str]) -> None:
    """Queue the form's deliveries. The consumer reads the submission from the table, so a
    submission that could not be stored has none (``DeliveriesNotKept`` says so)."""
    if form is None or not planned(form, sid):
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
            "The mail service is busy or unreachable, so your message was not sent. "
            "Please try again in a few minutes.",
            exc.code,
            sid,
        )
    raise NotAccepted(
        502,
        "send_failed",
        "The site's mail service refused the message, so it was not sent. "
        "Please contact the site owner another way.",
        exc.code,
        sid,
    )
