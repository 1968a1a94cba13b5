"""Property-based tests: generated hostile requests through the pure core's ``handle``.

Every request, whatever it holds, is answered with a 2xx, a 303 or a 4xx (never a 5xx, never an
exception); a refused one sends nothing; a sent message goes from the configured sender to
exactly the configured recipients, with exactly the composed headers, and the submitted text in
its headers only as the encoded display name, the encoded subject and the validated
``Reply-To``; a redirect stays on an allowed origin. ``checks.py`` states each property.

Reproducible: ``derandomize=True`` and no example database, so the same invocation draws the
same examples every time (``make test`` in CI included). Hypothesis also mixes in literal
constants from the local modules loaded at the time, so running only part of the suite can
draw other examples; the figures to quote come from a full run. ``BUDGET`` sets how many
requests each test generates.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.property import strategies as gen
from tests.property.checks import ORIGIN, check_answer, make_request, parsed_pairs, run
from tests.property.tally import MINIMUM_TOTAL, TALLY
from tests.unit.helpers import ENV, RecordingSender
from toiawase.core.config import load_settings
from toiawase.core.errors import InputError
from toiawase.handlers.http_event import request_from_event
from toiawase.local.events import build_event

BUDGET = {
    "urlencoded": 2500,
    "json": 2000,
    "multipart": 1500,
    "arbitrary": 1200,
    "header_text": 1500,
    "redirect": 1000,
    "lambda_event": 800,
}
PROFILE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
ENVS = [
    ENV,
    {**ENV, "REDIRECT_URL": ""},
    {**ENV, "SITE_NAME": '株式会社サンプル "Example", Inc.'},
]
SETTINGS = load_settings(ENV)
envs = st.sampled_from(ENVS)
accepts = st.sampled_from(gen.ACCEPTS)
page_urls = st.sampled_from(gen.PAGE_URLS)


@settings(PROFILE, max_examples=BUDGET["urlencoded"])
@given(gen.urlencoded_body(), accepts, st.booleans(), page_urls, envs)
def test_urlencoded(body, accept, xhr, page_url, env):
    request = make_request(
        body.data, body.content_type, accept=accept, requested_with=xhr, page_url=page_url
    )
    run("urlencoded", request, env)
    pairs = parsed_pairs(request, SETTINGS)
    if body.well_formed and pairs is not None:  # the parser gives back exactly what was sent
        assert pairs == body.pairs


@settings(PROFILE, max_examples=BUDGET["json"])
@given(gen.json_body(), accepts, st.booleans(), envs)
def test_json(body, accept, xhr, env):
    request = make_request(body.data, body.content_type, accept=accept, requested_with=xhr)
    run("json", request, env)
    pairs = parsed_pairs(request, SETTINGS)
    if body.well_formed and pairs is not None:
        assert pairs == body.pairs


@settings(PROFILE, max_examples=BUDGET["multipart"])
@given(gen.multipart_body(), accepts, envs)
def test_multipart(body, accept, env):
    request = make_request(body.data, body.content_type, accept=accept)
    run("multipart", request, env)
    pairs = parsed_pairs(request, SETTINGS)
    if body.well_formed and pairs is not None:
        assert pairs == body.pairs


@settings(PROFILE, max_examples=BUDGET["arbitrary"])
@given(gen.arbitrary_body(), accepts, page_urls)
def test_arbitrary_bytes(body, accept, page_url):
    request = make_request(body.data, body.content_type, accept=accept, page_url=page_url)
    run("arbitrary", request, ENV)


@settings(PROFILE, max_examples=BUDGET["header_text"])
@given(
    st.sampled_from(gen.VALID_EMAILS),
    gen.hostile_text(5),
    gen.hostile_text(4),
    gen.hostile_text(4),
    st.lists(st.tuples(gen.field_name(), gen.hostile_text(3)), max_size=4),
    st.sampled_from(["urlencoded", "json", "multipart"]),
    envs,
)
def test_header_text(email, message, name, subject, others, encoding, env):
    """Valid submissions whose name and subject (the two that reach headers) are hostile."""
    pairs = [("email", email), ("message", message + "x"), ("name", name), ("_subject", subject)]
    pairs += [(k, v) for k, v in others if not k.startswith("_")]
    body = gen.encode_pairs(pairs, encoding)
    outcome, sender = run("header_text", make_request(body.data, body.content_type), env)
    status = outcome.response.status
    if status < 400:
        assert len(sender.sent) == 1
    else:  # only a field that is over a limit, or a field name the parser refuses
        assert status in (400, 413, 422), outcome.response.body


@settings(PROFILE, max_examples=BUDGET["redirect"])
@given(gen.next_url(), page_urls, st.sampled_from(ENVS[:2]))
def test_redirect(next_url, page_url, env):
    """A plain form post always ends in a 303 to an allowed origin, whatever ``_next`` says."""
    pairs = [("email", "a@example.org"), ("message", "hello"), ("_next", next_url)]
    body = gen.encode_pairs(pairs, "urlencoded")
    request = make_request(body.data, body.content_type, accept=gen.ACCEPTS[2], page_url=page_url)
    outcome, _ = run("redirect", request, env)  # checks any Location it gives
    # Without a thank-you page configured, a refused _next gets the built-in page (200).
    assert outcome.response.status == (303 if env["REDIRECT_URL"] else outcome.response.status)
    assert outcome.response.status in (200, 303)


@st.composite
def lambda_events(draw):
    body = draw(st.one_of(gen.urlencoded_body(), gen.json_body(), gen.arbitrary_body()))
    headers = [("Origin", ORIGIN), ("Accept", draw(st.sampled_from(gen.ACCEPTS[2:6])))]
    if body.content_type is not None:
        headers.append(("Content-Type", body.content_type))
    event = build_event("POST", "/submit", headers, body.data)
    kind = draw(st.integers(0, 9))
    if kind == 0:  # base64 with damage
        data = base64.b64encode(body.data).decode()
        cut = draw(st.integers(0, len(data)))
        event["body"] = data[:cut] + draw(st.sampled_from(["", "=", "!", "\u00e9", " ", "\n", "A"]))
        event["isBase64Encoded"] = True
    elif kind == 1:  # text the API would never send, claimed to be base64
        event["body"] = draw(st.text(max_size=40))
        event["isBase64Encoded"] = True
    elif kind == 2:  # text bodies with lone surrogates
        event["body"] = body.data.decode("utf-8", "replace") + "\ud800"
        event["isBase64Encoded"] = False
    elif kind == 3:
        event["body"] = None
    return event


@settings(PROFILE, max_examples=BUDGET["lambda_event"])
@given(lambda_events())
def test_lambda_event(event):
    """The handler's event reading: a body it cannot decode is a 400, never an exception."""
    try:
        request = request_from_event(event)
    except InputError as exc:
        assert exc.status == 400
        TALLY.record("lambda_event", exc.status, sent=False)
        return
    run("lambda_event", request, ENV)


def test_check_answer_catches_a_foreign_redirect():
    """The properties themselves can fail: a Location off the allowed origins is caught."""
    from toiawase.core.http import HttpResponse
    from toiawase.core.service import Outcome

    request = make_request(b"", None)
    for location in (
        "https://evil.example/",
        "https://www.example.com@evil.example/",
        "https://www.example.com.evil.example/",
        "https://www.example.com\\@evil.example/",
        "//evil.example/",
        "https://www.example.com./",
    ):
        outcome = Outcome(HttpResponse(303, "", {"Location": location}), "sent")
        with pytest.raises(AssertionError):
            check_answer(request, outcome, RecordingSender(), SETTINGS)


def test_total_generated_requests():
    """Last in this module: the suite as a whole generated at least ``MINIMUM_TOTAL`` requests."""
    assert sum(BUDGET.values()) >= MINIMUM_TOTAL
    if set(TALLY.by_test) != set(BUDGET):
        pytest.skip("counted only when every property test of this module has run")
    assert TALLY.total >= MINIMUM_TOTAL, TALLY.summary()
