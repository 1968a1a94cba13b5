"""The HTTP API's router: a request to its use case, with CORS. Pure: adapters are passed in.

One module per use case: ``submit`` (``POST /submit``, ``POST /f/{form}``), ``uploads``
(``POST /f/{form}/uploads``), ``status`` (``GET /submissions/{id}``), and ``cors`` for the
headers every answer carries. The types they share are in ``outcome``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from toiawase.core.config import Settings, load_settings
from toiawase.core.cors import cors_headers
from toiawase.core.errors import ConfigError, InputError
from toiawase.core.forms.model import FORM_ID_PATTERN, FormsConfig
from toiawase.core.forms.resolve import form_settings, forms_for
from toiawase.core.http import HttpRequest, HttpResponse, oversized_header
from toiawase.core.i18n import LANGUAGES, Translator, catalogue, choose_language, t, translator
from toiawase.core.negotiate import wants_json
from toiawase.core.outcome import Dependencies, Outcome
from toiawase.core.parse import parse_content_type
from toiawase.core.replies import back_link
from toiawase.core.replies import error as _error
from toiawase.core.status import STATUS_PREFIX, submission_status
from toiawase.core.submit import SUBMIT_PATH, submit
from toiawase.core.uploads import UPLOADS_SUFFIX, issue_uploads, load_upload_settings

__all__ = ["Dependencies", "Outcome", "handle", "prepare"]

# ``POST /f/{form}``: the form's id is one path segment of the forms file's id syntax.
FORM_PATH = re.compile(rf"/f/({FORM_ID_PATTERN})")
# ``POST /f/{form}/uploads``: presigned S3 POSTs for that form's file fields.
UPLOADS_PATH = re.compile(rf"/f/({FORM_ID_PATTERN}){UPLOADS_SUFFIX}")


def prepare(env: Mapping[str, str]) -> None:
    """Read, ahead of the first request, what every request reads first: the settings, the
    forms file, the answers' catalogues, and the Content-Type parser's module.

    For a Lambda INIT (handlers/submit.py), where the same work is several times shorter than
    in the first request. Each is cached as the request path would cache it, so a request
    reads the same objects. A configuration problem is not raised here: the first request
    answers it as every request does (500 ``misconfigured``, with its detail in the log).
    """
    parse_content_type("application/x-www-form-urlencoded")
    for language in LANGUAGES:
        catalogue(language)
    try:
        forms_for(env, load_settings(env))
    except ConfigError:
        return


def handle(request: HttpRequest, env: Mapping[str, str], deps: Dependencies) -> Outcome:
    """Route one request of the HTTP API to its use case.

    Header sizes are checked first and the Content-Type is parsed once, here, with a bounded
    linear parser: every request pays for them, even one answered 403 or 404.
    """
    too_large = oversized_header(request)
    content_type = _content_type(request) if too_large is None else ("", {})
    media_type = content_type[0] if isinstance(content_type, tuple) else ""
    json_client = wants_json(request.headers, media_type)
    path = request.path.rstrip("/") or "/"
    form_path = FORM_PATH.fullmatch(path) or UPLOADS_PATH.fullmatch(path)
    is_uploads = path.endswith(UPLOADS_SUFFIX) and form_path is not None
    is_submit = (path == SUBMIT_PATH or form_path is not None) and not is_uploads
    is_status = path.startswith(STATUS_PREFIX)
    # An oversized Accept-Language is not read: that answer (431) is in English.
    accept_language = request.header("accept-language") if too_large is None else None
    tr = translator(choose_language(accept_language))
    if not (is_submit or is_status or is_uploads):
        response = _error(json_client, 404, "not_found", t("error.not_found"), tr=tr)
        return _varied(Outcome(response, "no_route"))
    if too_large is not None:
        message = t("error.header_too_large", header=too_large.title())
        response = _error(json_client, 431, "header_too_large", message, tr=tr)
        return _varied(Outcome(response, "rejected", "header_too_large"))
    try:
        base = load_settings(env)
        forms = forms_for(env, base)
    except ConfigError as exc:
        response = _error(json_client, 500, "misconfigured", t("error.misconfigured"), tr=tr)
        return _varied(Outcome(response, "misconfigured", "misconfigured", detail=str(exc)))
    allowed_method = "POST" if is_submit or is_uploads else "GET"
    if is_submit or is_uploads:
        wanted = form_path.group(1) if form_path is not None else forms.default_form
        form = forms.get(wanted) if wanted is not None else None
        if form is None:
            return _varied(_unknown_form(request, base, forms, json_client, tr))
        settings = form_settings(base, form)
        # The visitor's Accept-Language first (toiawase.js sends the page's language), then
        # the form's own language, then English; the form's ``messages`` override the texts.
        tr = translator(choose_language(accept_language, form.language), form.messages)
    else:
        form = None
        origins = tuple(dict.fromkeys(o for f in forms.forms for o in f.allowed_origins))
        settings = replace(base, allowed_origins=origins or base.allowed_origins)
    cors = cors_headers(request, settings)
    if request.method == "OPTIONS":
        return Outcome(HttpResponse(204, "", cors), "preflight")
    if request.method != allowed_method:
        response = _error(
            json_client,
            405,
            "method_not_allowed",
            t("error.method_not_allowed", method=allowed_method),
            {"Allow": allowed_method},
            back_link(request, settings),
            tr,
        )
        outcome = Outcome(response, "rejected", "method_not_allowed")
    elif is_uploads and form is not None:
        outcome = issue_uploads(request, form, settings, load_upload_settings(env), deps, tr)
    elif form is not None:
        files_settings = load_upload_settings(env)
        outcome = submit(
            request, settings, deps, json_client, content_type, form, files_settings, tr
        )
    else:
        outcome = submission_status(
            path.removeprefix(STATUS_PREFIX),
            deps.store,
            request.received_at,
            delivery_events=settings.configuration_set is not None,
            tr=tr,
        )
    outcome.response.headers.update(cors)
    outcome = _varied(outcome)
    if form is not None and outcome.form_id is None:
        outcome = replace(outcome, form_id=form.id)
    return outcome


def _varied(outcome: Outcome) -> Outcome:
    """``Vary: Accept-Language`` on every answer with a body (its words follow that header),
    beside CORS's ``Vary: Origin``."""
    headers = outcome.response.headers
    if outcome.response.body:
        vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
        if "Accept-Language" not in vary:
            headers["Vary"] = ", ".join([*vary, "Accept-Language"])
    return outcome


def _unknown_form(
    request: HttpRequest,
    settings: Settings,
    forms: FormsConfig,
    json_client: bool,
    tr: Translator,
) -> Outcome:
    """404 ``unknown_form``: no form with that id (or, for ``/submit``, no default form).

    The id is not echoed: the answer names no text from the request.
    """
    if request.path.rstrip("/") == SUBMIT_PATH:
        message = t("error.no_default_form")
    else:
        message = t("error.unknown_form")
    origins = tuple(dict.fromkeys(o for f in forms.forms for o in f.allowed_origins))
    cors = cors_headers(request, replace(settings, allowed_origins=origins))
    response = _error(json_client, 404, "unknown_form", message, tr=tr)
    response.headers.update(cors)
    return Outcome(response, "rejected", "unknown_form")


def _content_type(request: HttpRequest) -> tuple[str, dict[str, str]] | InputError:
    """The parsed Content-Type, or the refusal to answer if the body is ever read."""
    try:
        return parse_content_type(request.header("content-type"))
    except InputError as exc:
        return exc
