"""The hostile-request corpus, family by family, through the Lambda entry with moto's SES.

For every entry: the expected status; never a 5xx; a refused request sends nothing; every
SendEmail goes from the sender to exactly the configured recipients (no Cc, no Bcc), and its
raw message passes the strict reader in ``tests/mail_oracle.py`` (exactly the composed
headers, submitted text in them only as the encoded display name and subject and the validated
``Reply-To``); a 303 stays on an allowed origin; the answer says what went wrong.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.contract import CONTRACT_ENV
from tests.corpus.model import Case
from tests.corpus.tally import CORPUS
from tests.property.checks import check_email, check_location
from toiawase.core.compose import OutgoingEmail
from toiawase.core.config import load_settings
from toiawase.core.errors import InputError
from toiawase.core.parse import parse_body
from toiawase.handlers.http_event import request_from_event
from toiawase.local.events import LocalContext

FAMILIES = [
    "header_injection",
    "encoded_words",
    "unicode_tricks",
    "oversize",
    "content_types",
    "multipart_malformed",
    "base64_errors",
    "redirects",
    "recipient_tricks",
    "json_tricks",
    "header_parsing",
]
SETTINGS = load_settings(CONTRACT_ENV)


def cases(family: str) -> list[Case]:
    module = importlib.import_module(f"tests.corpus.{family}")
    return list(module.CASES)


@dataclass
class Result:
    status: int
    calls: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)


def source_ip(family_index: int, index: int) -> str:
    """A different client for every entry (IPv4, and IPv6 in its own /64), as from the wild."""
    if index % 2:
        return f"2001:db8:{family_index:x}:{index:x}::1"
    return f"198.51.{100 + family_index}.{index % 250 + 1}"


def run_case(module: Any, ses: Any, case: Case, ip: str) -> Result:
    before = len(ses.calls)
    event = case.build(ip)
    answer = module.lambda_handler(event, LocalContext())
    result = Result(answer["statusCode"], ses.calls[before:])
    try:
        check_case(case, event, answer, result)
    except AssertionError as exc:
        result.problems.append(str(exc) or repr(exc))
    return result


def check_case(case: Case, event: dict[str, Any], answer: dict[str, Any], result: Result) -> None:
    status, calls = result.status, result.calls
    assert status < 500, f"answered {status}: {answer['body'][:300]}"
    if isinstance(case.expect, int):
        assert status == case.expect, (
            f"expected {case.expect}, got {status}: {answer['body'][:300]}"
        )
    elif case.expect == "sent":
        assert status in (200, 303) and len(calls) == 1, f"expected sent, got {status}"
    else:
        assert case.expect == "refused", case.expect
        assert 400 <= status < 500, f"expected a 4xx, got {status}"
    headers = answer["headers"]
    for name, value in headers.items():
        assert value.isascii() and value.isprintable(), f"response header {name}: {value!r}"
    if status >= 400:
        assert not calls, "a refused request sent mail"
    check_answer_body(answer, status)
    if status == 303:
        location = headers["Location"]
        check_location(location, SETTINGS)
        assert case.location is None or location.startswith(case.location), location
        assert "id=" in location
    for params in calls:
        check_send(params, event)


def check_answer_body(answer: dict[str, Any], status: int) -> None:
    content_type = answer["headers"].get("Content-Type", "")
    if status == 303:
        return
    if content_type.startswith("application/json"):
        payload = json.loads(answer["body"])
        assert payload["ok"] is (status < 400)
        if status >= 400:
            assert payload["error"] and payload["message"], payload
        else:
            assert payload["status"] == "sent" and payload["id"], payload
    else:
        assert content_type.startswith("text/html"), content_type
        assert answer["body"].startswith("<!DOCTYPE html>")


def check_send(params: dict[str, Any], event: dict[str, Any]) -> None:
    """One SendEmail: addressed as configured, and its raw message as promised."""
    assert set(params["Destination"]) == {"ToAddresses"}, params["Destination"]
    assert tuple(params["Destination"]["ToAddresses"]) == SETTINGS.recipient_addresses
    assert "ReplyToAddresses" not in params
    [tag] = params["EmailTags"]
    email = OutgoingEmail(
        submission_id=tag["Value"],
        from_address=params["FromEmailAddress"],
        to_addresses=tuple(params["Destination"]["ToAddresses"]),
        feedback_address=params["FeedbackForwardingEmailAddress"],
        configuration_set=params.get("ConfigurationSetName"),
        raw=params["Content"]["Raw"]["Data"],
    )
    request = request_from_event(event)
    try:
        pairs = parse_body(request.header("content-type"), request.body, SETTINGS.limits)[1]
    except InputError as exc:  # pragma: no cover - a sent message was parsed once already
        raise AssertionError(f"sent, yet the body does not parse: {exc.message}") from exc
    check_email(email, pairs, SETTINGS)


@pytest.mark.parametrize("family", FAMILIES)
def test_family(family, submit_module, ses):
    family_index = FAMILIES.index(family)
    failures = []
    for index, case in enumerate(cases(family)):
        result = run_case(submit_module, ses, case, source_ip(family_index, index))
        CORPUS.record(family, result.status, sent=len(result.calls))
        failures += [f"{family}/{case.id}: {problem}" for problem in result.problems]
    assert len(ses.accepted()) == len(ses.calls)  # SES took every message it was given
    assert not failures, "\n".join(failures)


def test_corpus_size_and_ids():
    total = 0
    for family in FAMILIES:
        ids = [case.id for case in cases(family)]
        assert len(ids) == len(set(ids)), f"{family}: repeated ids"
        assert len(ids) >= 20, family
        total += len(ids)
    assert total >= 300


def test_checks_catch_a_recipient_the_form_chose(submit_module, ses):
    """The checks themselves can fail: a Bcc or another recipient is reported."""
    case = Case("control", [("email", "a@example.org"), ("message", "hi")])
    event = case.build("192.0.2.1")
    answer = submit_module.lambda_handler(event, LocalContext())
    [params] = ses.calls
    for tampered in (
        {**params, "Destination": {**params["Destination"], "BccAddresses": ["v@evil.example"]}},
        {**params, "Destination": {"ToAddresses": ["v@evil.example"]}},
    ):
        result = Result(answer["statusCode"], [tampered])
        with pytest.raises(AssertionError):
            check_case(case, event, answer, result)
