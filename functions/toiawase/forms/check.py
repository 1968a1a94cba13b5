"""``toiawase forms check``: the schema, plus the rules a schema cannot express, with positions.

Every problem is reported (not just the first), each with the line and column of the key it is
about in the YAML, found from PyYAML's composed nodes. YAML is parsed in two steps — compose
(nodes with marks) then construct — so duplicate keys, which PyYAML would silently let the last
one win, are caught on the nodes as an error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml
from jsonschema import Draft202012Validator

from toiawase.core.address import AddressError, parse_owner_address
from toiawase.core.config import Settings, normalize_origin
from toiawase.core.errors import ConfigError
from toiawase.core.forms.load import forms_from_document
from toiawase.core.forms.patterns import pattern_problem
from toiawase.core.notify.urlpolicy import UrlRefused, check_url, parse_policy

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 when unknown
    column: int
    where: str  # forms.quote.fields.seats
    what: str

    def format(self, file: str) -> str:
        place = f"{file}:{self.line}:{self.column}" if self.line else file
        return f"{place}: {self.where or '(top)'}: {self.what}"


@dataclass
class Document:
    data: Any
    marks: dict[PathKey, tuple[int, int]]
    # Problems found while reading (duplicate keys): reported with the others.
    read_problems: list[Problem]


class DocumentError(Exception):
    """The file cannot be read as YAML or JSON at all (one problem with its position)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.what)
        self.problem = problem


def schema() -> dict[str, Any]:
    """The published JSON Schema (package data; a test checks it equals forms.schema.json)."""
    text = resources.files("toiawase.forms").joinpath("forms.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def _walk(
    node: yaml.Node,
    path: PathKey,
    marks: dict[PathKey, tuple[int, int]],
    problems: list[Problem],
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in seen:
                what = f"duplicate key (first on line {seen[key][0]}); only one can be kept"
                problems.append(Problem(*where, _dotted((*path, key)), what))
                continue
            seen[key] = where
            marks[(*path, key)] = where
            _walk(value_node, (*path, key), marks, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            marks[(*path, index)] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, (*path, index), marks, problems)


def read_document(path: Path) -> Document:
    """Parse ``path`` (YAML, or JSON, which YAML reads too) keeping each key's position."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(Problem(0, 0, "", f"cannot be read ({exc})")) from exc
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        marks: dict[PathKey, tuple[int, int]] = {}
        problems: list[Problem] = []
        if node is None:
            raise DocumentError(Problem(1, 1, "", "the file is empty"))
        _walk(node, (), marks, problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise DocumentError(Problem(line, column, "", f"not valid YAML: {exc.problem}")) from exc
    finally:
        loader.dispose()
    return Document(data, marks, problems)


def _dotted(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _at(doc: Document, path: PathKey, what: str) -> Problem:
    for cut in range(len(path), -1, -1):
        if path[:cut] in doc.marks:
            return Problem(*doc.marks[path[:cut]], _dotted(path), what)
    return Problem(0, 0, _dotted(path), what)


def _schema_problems(doc: Document) -> Iterator[Problem]:
    validator = Draft202012Validator(schema())
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.path))):
        message = error.message
        if error.validator == "oneOf" and error.context:
            message = min(error.context, key=lambda e: len(e.path)).message
        if len(message) > 200:
            message = message[:197] + "..."
        path = tuple(error.absolute_path)
        if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
            path = (*path, error.instance)  # point at the key itself, not its mapping
        yield _at(doc, path, message)


def _rules(doc: Document) -> Iterator[Problem]:
    """What a JSON Schema cannot say. Parts of the wrong shape (the schema reports those) are
    skipped, so one wrong key does not hide the other problems."""
    data = doc.data
    if not isinstance(data, Mapping):
        return
    defaults = data.get("defaults", {})
    forms = data.get("forms", {})
    if not isinstance(defaults, Mapping) or not isinstance(forms, Mapping):
        return
    if "default_form" in data and data["default_form"] not in forms:
        yield _at(doc, ("default_form",), f"names no form ({data['default_form']!r})")
    scopes: list[tuple[PathKey, Mapping[str, Any], Mapping[str, Any]]] = [
        (("defaults",), defaults, defaults)
    ]
    scopes += [
        (("forms", fid), raw, {**defaults, **raw})
        for fid, raw in forms.items()
        if isinstance(raw, Mapping)
    ]
    for base, raw, merged in scopes:
        try:
            yield from _scope_rules(doc, base, raw, merged)
        except (AttributeError, TypeError, KeyError, ValueError):
            continue  # a part the schema already reports as the wrong shape


def _scope_rules(
    doc: Document, base: PathKey, raw: Mapping[str, Any], merged: Mapping[str, Any]
) -> Iterator[Problem]:
    for index, address in enumerate(raw.get("recipients", [])):
        try:
            parse_owner_address(address)
        except AddressError as exc:
            yield _at(doc, (*base, "recipients", index), str(exc))
    origins = merged.get("allowed_origins")
    for index, origin in enumerate(raw.get("allowed_origins", [])):
        if normalize_origin(origin) != origin.rstrip("/").lower():
            yield _at(
                doc,
                (*base, "allowed_origins", index),
                "is not an origin like https://example.com",
            )
    if "redirect" in raw:
        origin = normalize_origin(raw["redirect"])
        if origin is None:
            yield _at(doc, (*base, "redirect"), "must be an absolute http(s) URL")
        elif origins and origin not in {normalize_origin(o) for o in origins}:
            yield _at(doc, (*base, "redirect"), "is not on one of the form's allowed_origins")
    fields = raw.get("fields", {})
    reply_to = [name for name, spec in fields.items() if spec.get("reply_to")]
    for name in reply_to[1:]:
        yield _at(
            doc, (*base, "fields", name, "reply_to"), "only one field per form can be reply_to"
        )
    for name, spec in fields.items():
        here = (*base, "fields", name)
        if "pattern" in spec and (problem := pattern_problem(spec["pattern"])):
            yield _at(doc, (*here, "pattern"), problem)
        if spec.get("min", float("-inf")) > spec.get("max", float("inf")):
            yield _at(doc, (*here, "min"), "is more than max")
        if spec.get("min_length", 0) > spec.get("max_length", 10**9):
            yield _at(doc, (*here, "min_length"), "is more than max_length")
    names: set[str] = set()
    for index, target in enumerate(raw.get("notify", [])):
        here = (*base, "notify", index)
        name = target.get("name")
        if name is not None and name in names:
            yield _at(doc, (*here, "name"), f"two targets are named {name!r}")
        names.add(name)
        if "url" in target:
            yield from (_at(doc, (*here, "url"), what) for what in _url_problems(target["url"]))


def _url_problems(url: str) -> Iterator[str]:
    """The delivery function's own policy (``urlpolicy.check_url``), on what can be decided
    without DNS: scheme, port (``WEBHOOK_ALLOWED_PORTS`` as deployed, default 443), credentials,
    and literal addresses in every spelling. Loopback is never allowed here: the template never
    sets ``WEBHOOK_ALLOW_LOOPBACK``. Host names are resolved (and checked) at delivery time."""
    policy = parse_policy(os.environ.get("WEBHOOK_ALLOWED_PORTS"), None)
    try:
        parts = urlsplit(url)
    except ValueError:
        yield "is not a URL"
        return
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        yield "must not carry a user name or password (use the webhook's secret)"
        # Go on without them, so the other problems of the URL are reported too.
        url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    try:
        check_url(url, policy)
    except UrlRefused as exc:
        if exc.reason == "scheme":
            yield "must be an https:// URL"
        elif exc.reason in ("malformed", "port", "credentials"):
            yield str(exc)
        else:
            yield f"must not point at a private, loopback or link-local address ({exc.reason})"


def placeholder_settings() -> Settings:
    """What the environment gives at run time, so the loader's own checks run here too."""
    from toiawase.core.config import load_settings

    return load_settings(
        {
            "SENDER_ADDRESS": "forms@example.com",
            "RECIPIENT_ADDRESSES": "owner@example.com",
            "CAPTCHA_PROVIDER": "turnstile",
        }
    )


def check_document(doc: Document) -> list[Problem]:
    """Every problem of a parsed document, in file order."""
    problems = doc.read_problems + list(_schema_problems(doc))
    seen = {(p.line, p.column, p.where, p.what) for p in problems}
    problems += [p for p in _rules(doc) if (p.line, p.column, p.where, p.what) not in seen]
    if not problems:
        # The Lambda's own loader must accept what passed: the same code runs at cold start.
        try:
            forms_from_document(doc.data, placeholder_settings())
        except ConfigError as exc:
            problems = [Problem(0, 0, "", str(exc))]
    return sorted(problems, key=lambda p: (p.line, p.column))


def check_file(path: Path) -> tuple[Document | None, list[Problem]]:
    try:
        doc = read_document(path)
    except DocumentError as exc:
        return None, [exc.problem]
    return doc, check_document(doc)


def compiled_json(doc: Document) -> str:
    """The JSON the Lambda reads (``FORMS_FILE``): the document as parsed, field order kept."""
    data = {key: value for key, value in doc.data.items() if key != "$schema"}
    return json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n"
