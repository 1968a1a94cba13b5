"""Response headers never carry what a request sent, beyond a canonical allowed origin."""

from __future__ import annotations

import pytest

from tests.unit.helpers import ENV, RecordingSender, fixed_id, form_request
from toiawase.core.service import Dependencies, handle

VALID = [("email", "a@example.org"), ("message", "hi")]
# Each of these normalises to the allowed https://www.example.com (urlsplit drops TAB, CR and
# LF; the path and the default port are not part of an origin), so it passes as allowed.
ODD_ORIGINS = [
    "https://www.example.com/\r\nSet-Cookie: a=b",
    "https://www.exa\tmple.com",
    "https://www.example.com/evil\x00",
    "https://WWW.example.com:443/x?y",
]


def response_headers(origin: str, method: str) -> dict[str, str]:
    request = form_request(VALID, method=method, extra_headers={"origin": origin})
    outcome = handle(request, ENV, Dependencies(sender=RecordingSender(), new_id=fixed_id))
    return outcome.response.headers


@pytest.mark.parametrize("method", ["POST", "OPTIONS"])
def test_an_allowed_origin_is_echoed_as_it_was_sent(method: str):
    headers = response_headers("https://www.example.com", method)
    assert headers["Access-Control-Allow-Origin"] == "https://www.example.com"


@pytest.mark.parametrize("method", ["POST", "OPTIONS"])
@pytest.mark.parametrize("origin", ODD_ORIGINS)
def test_cors_echo_is_the_canonical_origin_never_the_raw_header(origin: str, method: str):
    headers = response_headers(origin, method)
    assert all(value.isascii() and value.isprintable() for value in headers.values())
    assert headers.get("Access-Control-Allow-Origin") in (None, "https://www.example.com")
