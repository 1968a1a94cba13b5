"""``toiawase openapi``: an OpenAPI 3.1 document generated from the forms file.

One operation per form (``POST /f/{id}``), ``POST /submit`` for the default form,
``POST /f/{id}/uploads`` for each form with file fields (issue 12), and ``GET /submissions/{id}``.
Request bodies are the form's fields as a schema in the three encodings the endpoint reads (a
file field: ``multipart/form-data`` only, ``format: binary``, its accept list and size limits as
description and ``x-accept``/``x-max-size``/``x-max-files``; the JavaScript path names its
uploaded objects with the ``_upload`` control field); responses are every answer the endpoint
can give, with the JSON bodies of the brief's contract. Generated from the same ``Form`` values
the Lambda builds, so the document and the function cannot disagree on a form's fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from toiawase.core.config import CAPTCHA_TOKEN_FIELDS
from toiawase.core.files import DEFAULT_MAX_SIZE, DEFAULT_MAX_TOTAL, human_size
from toiawase.core.forms.model import FieldSpec, Form, FormsConfig
from toiawase.core.uploads import MAX_REQUEST_BYTES, UPLOAD_FIELD

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
        return _file_schema(spec) if encoding == "multipart" else None
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


def _file_rules(spec: FieldSpec) -> str:
    """A file field's rules in words (what the endpoint checks; the content decides the type)."""
    size = human_size(spec.max_size or DEFAULT_MAX_SIZE)
    accepted = ", ".join(spec.accept) if spec.accept else "any type except executables and scripts"
    count = f"up to {spec.max_files} files" if spec.max_files > 1 else "one file"
    return f"{count}, at most {size} each; accepted: {accepted} (judged by the content)"


def _file_schema(spec: FieldSpec) -> dict[str, Any]:
    """A file part (JavaScript off): binary, with the field's rules as description and ``x-``
    extensions. With JavaScript on the bytes go to S3 instead (``POST /f/{form}/uploads``)."""
    item: dict[str, Any] = {
        "type": "string",
        "format": "binary",
        "contentMediaType": "application/octet-stream",
        "description": _file_rules(spec),
        "x-accept": list(spec.accept),
        "x-max-size": spec.max_size or DEFAULT_MAX_SIZE,
    }
    schema: dict[str, Any] = (
        {"type": "array", "items": item, "maxItems": spec.max_files}
        if spec.max_files > 1
        else dict(item)
    )
    schema["x-max-files"] = spec.max_files
    schema["title"] = spec.shown_label
    return schema


def _file_fields(form: Form) -> list[FieldSpec]:
    return [spec for spec in form.fields if spec.type == "file"]


UPLOAD_REFERENCE = {
    "type": "string",
    "pattern": "^[0-9a-f]{32}$",
    "description": (
        "JavaScript path: the `upload` id answered by POST /f/{form}/uploads, once every file "
        "was POSTed to S3. The objects issued under it are this post's files (claimed once; "
        "measured and judged again here)."
    ),
}


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
    if _file_fields(form):
        properties.setdefault(UPLOAD_FIELD, dict(UPLOAD_REFERENCE))
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
            "description": (
                "Received and held for a retry (queued), or kept until its files are scanned "
                "for malware (scanning); its status is at /submissions/{id}."
            ),
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


def _uploads_operation(form: Form) -> dict[str, Any]:
    """``POST /f/{form}/uploads``: presigned S3 POSTs for the files a browser is about to send."""
    files = _file_fields(form)
    total = human_size(form.max_total_size or DEFAULT_MAX_TOTAL)
    wanted = {
        "type": "object",
        "required": ["field", "name", "size"],
        "properties": {
            "field": {
                "enum": [spec.name for spec in files],
                "description": "; ".join(f"{s.name}: {_file_rules(s)}" for s in files),
            },
            "name": {"type": "string", "description": "The file's name (made safe here)."},
            "size": {"type": "integer", "minimum": 0, "description": "Its size in bytes."},
            "type": {
                "type": "string",
                "description": "Its declared media type (the POST policy requires it).",
            },
        },
    }
    return {
        "operationId": f"uploads_{form.id}",
        "summary": f"Presigned uploads for {form.title}",
        "description": (
            "JavaScript path for file fields: each file is then POSTed straight to S3 with its "
            f"url and fields, and the form post names the upload id in `{UPLOAD_FIELD}`. "
            f"The files of one post together: at most {total}."
        ),
        "tags": ["forms"],
        "requestBody": {
            "required": True,
            "content": {
                JSON: {
                    "schema": {
                        "type": "object",
                        "required": ["files"],
                        "properties": {
                            "files": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 20,
                                "items": wanted,
                            }
                        },
                    }
                }
            },
        },
        "responses": {
            "200": {
                "description": "One presigned POST per file, in the order asked.",
                "content": {JSON: {"schema": {"$ref": "#/components/schemas/Uploads"}}},
            },
            "400": _error("The body is not the JSON described (malformed_body)."),
            "403": _error(
                "Posted from a site that is not allowed (origin_not_allowed, origin_required)."
            ),
            "404": _error(
                "No such form, or it takes no direct uploads (unknown_form, uploads_off)."
            ),
            "413": _error(f"The request is over {MAX_REQUEST_BYTES // 1024} KB (too_large)."),
            "422": _error(
                "A file cannot be sent: unknown field, too many, too large, empty, a refused "
                "type (invalid_fields; fields maps each field's name to what is wrong)."
            ),
            "429": _error("Too many requests (rate_limited).", RETRY_AFTER),
            "431": _error("A request header is too large to be read (header_too_large)."),
            "5XX": _error("The bucket cannot be reached (files_unavailable).", RETRY_AFTER),
        },
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
                "status": {"enum": ["queued", "scanning"]},
            },
        },
        "Uploads": {
            "type": "object",
            "required": ["ok", "upload", "expires_in", "files"],
            "properties": {
                "ok": {"const": True},
                "upload": {
                    "type": "string",
                    "pattern": "^[0-9a-f]{32}$",
                    "description": f"Name it in the form post's `{UPLOAD_FIELD}` field.",
                },
                "expires_in": {"type": "integer", "description": "Seconds the POSTs stay valid."},
                "files": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "key", "url", "fields"],
                        "properties": {
                            "field": {"type": "string"},
                            "key": {
                                "type": "string",
                                "description": "The object's key, chosen by the endpoint.",
                            },
                            "url": {"type": "string", "description": "Where to POST the file."},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                                "description": "Form fields to send before the file's bytes.",
                            },
                        },
                    },
                },
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
        if _file_fields(form):
            paths[f"/f/{form.id}/uploads"] = {"post": _uploads_operation(form)}
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
