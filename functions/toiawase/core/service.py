"""The HTTP API's router: a request to its use case, with CORS. Pure: adapters are passed in.

One module per use case: ``submit`` (``POST /submit``), ``status`` (``GET /submissions/{id}``),
and ``cors`` for the headers every answer carries. The types they share are in ``outcome``.
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
from toiawase.core.negotiate import wants_json
from toiawase.core.outcome import Dependencies, Outcome
from toiawase.core.parse import parse_content_type
from toiawase.core.replies import error as _error
from toiawase.core.status import STATUS_PREFIX, submission_status
from toiawase.core.submit import SUBMIT_PATH, submit

__all__ = ["Dependencies", "Outcome", "handle"]

# ``POST /f/{form}``: the form's id is one path segment of the forms file's id syntax.
FORM_PATH = re.compile(rf"/f/({FORM_ID_PATTERN})")


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
    form_path = FORM_PATH.fullmatch(path)
    is_submit = path == SUBMIT_PATH or form_path is not None
    is_status = path.startswith(STATUS_PREFIX)
    if not (is_submit or is_status):
        return Outcome(_error(json_client, 404, "not_found", "There is nothing here."), "no_route")
    if too_large is not None:
        message = f"The request's {too_large.title()} header is too large to be read."
        response = _error(json_client, 431, "header_too_large", message)
        return Outcome(response, "rejected", "header_too_large")
    try:
        base = load_settings(env)
        forms = forms_for(env, base)
    except ConfigError as exc:
        message = (
            "This form is not set up correctly, so your message was not sent. "
            "Please tell the site owner another way."
        )
        response = _error(json_client, 500, "misconfigured", message)
        return Outcome(response, "misconfigured", "misconfigured", detail=str(exc))
    allowed_method = "POST" if is_submit else "GET"
    if is_submit:
        wanted = form_path.group(1) if form_path is not None else forms.default_form
        form = forms.get(wanted) if wanted is not None else None
        if form is None:
            return _unknown_form(request, base, forms, json_client)
        settings = form_settings(base, form)
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
            f"Use {allowed_method} here.",
            {"Allow": allowed_method},
        )
        outcome = Outcome(response, "rejected", "method_not_allowed")
    elif form is not None:
        outcome = submit(request, settings, deps, json_client, content_type, form)
    else:
        outcome = submission_status(
            path.removeprefix(STATUS_PREFIX),
            deps.store,
            request.received_at,
            delivery_events=settings.configuration_set is not None,
        )
    outcome.response.headers.update(cors)
    if form is not None and outcome.form_id is None:
        outcome = replace(outcome, form_id=form.id)
    return outcome


def _unknown_form(
    request: HttpRequest, settings: Settings, forms: FormsConfig, json_client: bool
) -> Outcome:
    """404 ``unknown_form``: no form with that id (or, for ``/submit``, no default form).

    The id is not echoed: the answer names no text from the request.
    """
    if request.path.rstrip("/") == SUBMIT_PATH:
        message = "This site has no default form; post to /f/<form id> instead."
    else:
        message = "There is no form with that name here. Check the form's action address."
    origins = tuple(dict.fromkeys(o for f in forms.forms for o in f.allowed_origins))
    cors = cors_headers(request, replace(settings, allowed_origins=origins))
    response = _error(json_client, 404, "unknown_form", message)
    response.headers.update(cors)
    return Outcome(response, "rejected", "unknown_form")


def _content_type(request: HttpRequest) -> tuple[str, dict[str, str]] | InputError:
    """The parsed Content-Type, or the refusal to answer if the body is ever read."""
    try:
        return parse_content_type(request.header("content-type"))
    except InputError as exc:
        return exc
