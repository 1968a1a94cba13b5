"""The submit use case: request in, honest answer out. Pure: the sender is passed in.

parse → validate → screen (honeypot) → compose → send, then the answer the contract asks for.
The browser is told "sent" only after SES accepted the message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from toiawase.core import answers
from toiawase.core.compose import SubmissionMeta, compose
from toiawase.core.config import Settings, load_settings, normalize_origin
from toiawase.core.errors import ConfigError, InputError
from toiawase.core.http import HttpRequest, HttpResponse
from toiawase.core.negotiate import wants_json
from toiawase.core.parse import parse_body, parse_content_type
from toiawase.core.ports import Sender, SendFailed
from toiawase.core.redirect import request_origin, safe_redirect
from toiawase.core.submission import validate_submission

SUBMIT_PATH = "/submit"


@dataclass(frozen=True)
class Outcome:
    """What happened, for the handler to answer, log and count (never personal data).

    ``result`` is one of ``sent``, ``spam``, ``rejected``, ``send_failed``, ``misconfigured``,
    ``preflight`` or ``no_route``; ``reason`` is the error code when there is one.
    """

    response: HttpResponse
    result: str
    reason: str | None = None
    submission_id: str | None = None


def handle(
    request: HttpRequest,
    env: Mapping[str, str],
    sender: Sender,
    new_id: Callable[[], str],
) -> Outcome:
    """Route one request of the HTTP API to its use case."""
    json_client = wants_json(request.headers, parse_content_type_safe(request))
    if request.path.rstrip("/") != SUBMIT_PATH:
        return Outcome(_error(json_client, 404, "not_found", "There is nothing here."), "no_route")
    try:
        settings = load_settings(env)
    except ConfigError:
        response = _error(
            json_client,
            500,
            "misconfigured",
            "This form is not set up correctly, so your message was not sent. "
            "Please tell the site owner another way.",
        )
        return Outcome(response, "misconfigured", "misconfigured")
    cors = cors_headers(request, settings)
    if request.method == "OPTIONS":
        return Outcome(HttpResponse(204, "", cors), "preflight")
    if request.method != "POST":
        response = _error(
            json_client, 405, "method_not_allowed", "Send the form with POST.", {"Allow": "POST"}
        )
        return Outcome(response, "rejected", "method_not_allowed")
    outcome = submit(request, settings, sender, new_id, json_client)
    outcome.response.headers.update(cors)
    return outcome


def parse_content_type_safe(request: HttpRequest) -> str:
    try:
        return parse_content_type(request.header("content-type"))[0]
    except InputError:
        return ""


def cors_headers(request: HttpRequest, settings: Settings) -> dict[str, str]:
    """Echo an allowed ``Origin`` (never ``*``); API Gateway does the same in the cloud."""
    origin = request.header("origin")
    headers = {"Vary": "Origin"}
    if origin and normalize_origin(origin) in settings.allowed_origins:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, X-Requested-With"
        headers["Access-Control-Max-Age"] = "600"
    return headers


def submit(
    request: HttpRequest,
    settings: Settings,
    sender: Sender,
    new_id: Callable[[], str],
    json_client: bool,
) -> Outcome:
    """Validate, compose and send one submission; answer what really happened."""
    page_url = request.header("referer")
    origin = request_origin(request.header("origin"), page_url)
    back_url = (
        page_url if page_url and normalize_origin(page_url) in settings.allowed_origins else None
    )
    try:
        _, pairs = parse_body(request.header("content-type"), request.body, settings.limits)
        submission = validate_submission(pairs, settings.limits)
    except InputError as exc:
        response = (
            answers.error_json(exc.status, exc.code, exc.message, exc.fields)
            if json_client
            else answers.error_html(exc.status, exc.message, exc.fields, back_url)
        )
        return Outcome(response, "rejected", exc.code)

    submission_id = new_id()
    redirect_to = safe_redirect(
        submission.next_url, settings.allowed_origins, settings.redirect_url, page_url
    )

    def success() -> HttpResponse:
        if json_client:
            return answers.ok_json(submission_id)
        return answers.ok_html(submission_id, redirect_to)

    if submission.honeypot_filled:
        # Bots get the normal answer so they learn nothing; nothing is sent.
        return Outcome(success(), "spam", "honeypot", submission_id)

    meta = SubmissionMeta(
        submission_id=submission_id,
        received_at=request.received_at,
        page_url=page_url,
        origin=origin,
        client_ip=request.source_ip,
    )
    email = compose(submission, meta, settings)
    try:
        sender.send(email)
    except SendFailed as exc:
        if exc.transient:
            status, code = 503, "send_unavailable"
            message = (
                "The mail service is busy or unreachable, so your message was not sent. "
                "Please try again in a few minutes."
            )
            extra = {"Retry-After": "60"}
        else:
            status, code = 502, "send_failed"
            message = (
                "The site's mail service refused the message, so it was not sent. "
                "Please contact the site owner another way."
            )
            extra = {}
        message += f" Reference: {submission_id}."
        response = (
            answers.error_json(status, code, message, headers=extra)
            if json_client
            else answers.error_html(status, message, back_url=back_url, headers=extra)
        )
        return Outcome(response, "send_failed", exc.code, submission_id)
    return Outcome(success(), "sent", None, submission_id)


def _error(
    json_client: bool,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    if json_client:
        return answers.error_json(status, code, message, headers=headers)
    return answers.error_html(status, message, headers=headers)
