"""``toiawase openapi``: an OpenAPI 3.1 document generated from the forms file.

One operation per form (``POST /f/{id}``), ``POST /submit`` for the default form, and
``GET /submissions/{id}``. Request bodies are the form's fields as a schema in the three
encodings the endpoint reads; responses are every answer the endpoint can give, with the JSON
bodies of the brief's contract. Generated from the same ``Form`` values the Lambda builds, so the
document and the function cannot disagree on a form's fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from toiawase.core.config import CAPTCHA_TOKEN_FIELDS
from toiawase.core.forms.model import FieldSpec, Form, FormsConfig

JSON = "application/json"
HTML = "text/html"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
HTML_PAGE = {"type": "string", "description": "A readable HTML page listing what to fix."}


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


def _field_schema(spec: FieldSpec, encoding: str) -> dict[str, Any] | None:
    text: dict[str, Any] = {"type": "string"}
    if spec.max_length is not None:
        text["maxLength"] = spec.max_length
    if spec.min_length or spec.required:
        # A required value must not be empty (the endpoint trims it, so blanks are refused too).
        text["minLength"] = max(spec.min_length or 0, 1)
    kind = spec.type
    if kind == "file":
        if encoding != "multipart":
            return None
        item = {"type": "string", "contentMediaType": "application/octet-stream"}
        return (
            {"type": "array", "items": item, "maxItems": spec.max_files}
            if spec.max_files > 1
            else item
        )
    if kind == "email":
        schema: dict[str, Any] = {**text, "format": "email"}
    elif kind == "url":
        schema = {**text, "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind == "number":
        schema = {"type": ["integer" if spec.integer else "number", "string"]}
        if spec.min is not None:
            schema["minimum"] = _number(spec.min)
        if spec.max is not None:
            schema["maximum"] = _number(spec.max)
    elif kind in ("select", "radio"):
        schema = {"type": "string", "enum": list(spec.options)}
    elif kind == "checkbox":
        schema = {"type": ["string", "boolean"], "description": "Any non-empty value means ticked."}
    elif kind == "checkboxes":
        schema = {"type": "array", "items": {"enum": list(spec.options)}, "uniqueItems": True}
    else:  # text, textarea, tel, hidden
        schema = dict(text)
        if spec.pattern:
            schema["pattern"] = f"^(?:{spec.pattern})$"
    schema["title"] = spec.shown_label
    return schema


def _body_schema(form: Form, encoding: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for spec in form.fields:
        field = _field_schema(spec, encoding)
        if field is None:
            continue
        properties[spec.name] = field
        if spec.required and spec.type != "file":
            required.append(spec.name)
    controls = {
        "_subject": "Appended to the email's subject.",
        "_next": "Where to redirect after a plain HTML post (only on an allowed origin).",
    }
    if form.defences.honeypot_field:
        controls[form.defences.honeypot_field] = "The honeypot: leave empty (filled = spam)."
    for name, description in controls.items():
        properties.setdefault(name, {"type": "string", "description": description})
    for name in sorted(set(CAPTCHA_TOKEN_FIELDS.values())):
        properties.setdefault(name, {"type": "string", "description": "A CAPTCHA widget's token."})
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if form.undeclared_fields == "keep":
        schema["additionalProperties"] = {"type": ["string", "array"]}
    else:
        schema["patternProperties"] = {"^_": {"type": "string"}}
        schema["additionalProperties"] = False
    return schema


def _request_body(form: Form) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": _body_schema(form, "urlencoded"),
                "encoding": {
                    s.name: {"style": "form", "explode": True}
                    for s in form.fields
                    if s.type == "checkboxes"
                },
            },
            "multipart/form-data": {"schema": _body_schema(form, "multipart")},
            JSON: {"schema": _body_schema(form, "json")},
        },
    }


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {JSON: {"schema": ERROR_REF}, HTML: {"schema": HTML_PAGE}},
    }
    if headers:
        response["headers"] = headers
    return response


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}}


def _submit_responses() -> dict[str, Any]:
    return {
        "200": {
            "description": "Sent: SES accepted the message.",
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Sent"}}},
        },
        "202": {
            "description": "Received and held for a retry; its status is at /submissions/{id}.",
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Queued"}}},
        },
        "303": {
            "description": "A plain HTML post succeeded: go to the thank-you page.",
            "headers": {
                "Location": {"description": "The thank-you page.", "schema": {"type": "string"}}
            },
        },
        "400": _error("The body cannot be read as its Content-Type says (malformed_body)."),
        "403": _error(
            "Posted from a site that is not allowed (origin_not_allowed, origin_required)."
        ),
        "404": _error("No such form (unknown_form)."),
        "409": _error("The same submission is being sent right now (in_progress)."),
        "413": _error("The body or a value is over a limit (too_large)."),
        "415": _error("A content type this endpoint does not read (unsupported_content_type)."),
        "422": _error(
            "Fields are missing or invalid (invalid_fields; also captcha_failed, "
            "content_rejected): fields maps each field's name to what is wrong."
        ),
        "429": _error("Too many submissions (rate_limited).", RETRY_AFTER),
        "431": _error("A request header is too large to be read (header_too_large)."),
        "5XX": _error(
            "Our bug or an upstream outage (misconfigured, send_failed, captcha_unavailable…).",
        ),
    }


def _operation(form: Form, operation_id: str, summary: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["forms"],
        "requestBody": _request_body(form),
        "responses": _submit_responses(),
    }


COMPONENTS: dict[str, Any] = {
    "schemas": {
        "Sent": {
            "type": "object",
            "required": ["ok", "id", "status"],
            "properties": {
                "ok": {"const": True},
                "id": {"type": "string", "description": "The submission's reference."},
                "status": {"const": "sent"},
            },
        },
        "Queued": {
            "type": "object",
            "required": ["ok", "id", "status"],
            "properties": {
                "ok": {"const": True},
                "id": {"type": "string"},
                "status": {"const": "queued"},
            },
        },
        "Error": {
            "type": "object",
            "required": ["ok", "error", "message"],
            "properties": {
                "ok": {"const": False},
                "error": {"type": "string", "description": "Machine-readable; never translated."},
                "message": {"type": "string", "description": "Plain words (en or ja)."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "Field name → what is wrong with it.",
                },
            },
        },
        "SubmissionStatus": {
            "type": "object",
            "required": ["id", "status"],
            "properties": {
                "id": {"type": "string"},
                "form": {"type": "string", "description": "The form's id."},
                "status": {"type": "string"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
    }
}


def openapi_document(
    config: FormsConfig, title: str = "toiawase", servers: Sequence[str] = ()
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a deployment serving ``config``'s forms (``servers``: the
    base URLs it answers on, e.g. the dev server's)."""
    paths: dict[str, Any] = {}
    for form in config.forms:
        paths[f"/f/{form.id}"] = {
            # The id as it is: "a-b" and "a_b" are two forms, and "default" may be one.
            "post": _operation(form, f"submit_form_{form.id}", f"Submit {form.title}")
        }
    default = config.get(config.default_form) if config.default_form else None
    if default is not None:
        paths["/submit"] = {
            "post": _operation(default, "submit", f"Submit the default form ({default.id})")
        }
    else:
        paths["/submit"] = {
            "post": {
                "operationId": "submit",
                "summary": "No default form: always 404 (use /f/{form})",
                "responses": {"404": _error("No default form (unknown_form).")},
            }
        }
    paths["/submissions/{id}"] = {
        "get": {
            "operationId": "submission_status",
            "summary": "A submission's form, status and time, never its content",
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "The status.",
                    "content": {
                        JSON: {"schema": {"$ref": "#/components/schemas/SubmissionStatus"}}
                    },
                },
                "404": _error("No submission with that reference (not_found)."),
                "431": _error("A request header is too large to be read (header_too_large)."),
                "5XX": _error("The status cannot be read right now.", RETRY_AFTER),
            },
        }
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1",
            "description": "Form endpoint generated from the forms file (toiawase openapi).",
        },
    }
    if servers:
        document["servers"] = [{"url": url} for url in servers]
    document["paths"] = paths
    document["components"] = COMPONENTS
    return document
