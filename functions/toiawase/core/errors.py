"""Errors the core raises for bad input; each maps to one 4xx answer of the public contract."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from toiawase.core.i18n import t


class InputError(Exception):
    """Bad input: the request is refused with ``status`` and nothing is sent.

    ``code`` is the machine-readable ``error`` of the JSON answer; ``message`` is plain words
    for a person; ``fields`` maps a field name to what is wrong with it.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})


def malformed(message: str) -> InputError:
    """400: the body cannot be read as what its Content-Type says."""
    return InputError(400, "malformed_body", message)


def too_large(message: str) -> InputError:
    """413: the body, or one part of it, is over a limit."""
    return InputError(413, "too_large", message)


def unsupported(message: str) -> InputError:
    """415: a content type (of the body or of a part) this endpoint does not accept."""
    return InputError(415, "unsupported_content_type", message)


def invalid_fields(fields: Mapping[str, str]) -> InputError:
    """422: the body was read, but fields are missing or invalid."""
    return InputError(
        422,
        "invalid_fields",
        t("error.invalid_fields", details=describe_fields(fields)),
        fields,
    )


def describe_fields(
    fields: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    tr: Callable[[str], str] = str,
) -> str:
    """``email: is required; message: is required`` (each field by its label when given), in
    English, or in ``tr``'s language (``answers`` renders it again in the visitor's)."""
    named = labels or {}
    return tr(t("list.separator")).join(
        tr(t("error.field_item", name=named.get(name, name), problem=tr(problem)))
        for name, problem in fields.items()
    )


class ConfigError(Exception):
    """The function's configuration (environment) is missing or invalid: the owner's to fix."""
