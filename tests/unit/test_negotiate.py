"""Content negotiation per the contract."""

from __future__ import annotations

import pytest

from toiawase.core.negotiate import quality, wants_json

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("headers", "media", "expected"),
    [
        ({"accept": BROWSER}, "application/x-www-form-urlencoded", False),
        ({"accept": BROWSER}, "application/json", False),
        ({"accept": "application/json"}, "application/x-www-form-urlencoded", True),
        ({"accept": "application/json, text/plain, */*"}, "multipart/form-data", True),
        (
            {"accept": "text/html;q=0.5, application/json"},
            "application/x-www-form-urlencoded",
            True,
        ),
        ({"accept": "application/json;q=0.5, text/html"}, "application/json", False),
        ({"x-requested-with": "XMLHttpRequest", "accept": BROWSER}, "multipart/form-data", True),
        ({}, "application/json", True),
        ({}, "application/x-www-form-urlencoded", False),
        ({"accept": "*/*"}, "application/json", True),
        ({"accept": "*/*"}, "multipart/form-data", False),
        ({"accept": "application/*"}, "application/x-www-form-urlencoded", True),
    ],
)
def test_wants_json(headers, media, expected):
    assert wants_json(headers, media) is expected


def test_most_specific_range_wins():
    assert quality("application/*;q=0.2, application/json;q=0.9", "application/json") == 0.9
    assert quality("application/json;q=0, */*", "application/json") == 0.0


def test_garbage_weights_do_not_crash():
    assert quality("application/json;q=abc, text/html", "application/json") == 0.0
