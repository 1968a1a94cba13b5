"""No open redirect: ``_next`` only on an allowed origin."""

from __future__ import annotations

import pytest

from toiawase.core.redirect import request_origin, safe_redirect

ALLOWED = ("https://www.example.com", "https://example.com")
FALLBACK = "https://www.example.com/thanks/"
PAGE = "https://www.example.com/contact/"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        (None, FALLBACK),
        ("", FALLBACK),
        ("/done.html", "https://www.example.com/done.html"),
        ("done.html", "https://www.example.com/contact/done.html"),
        ("https://example.com/merci?x=1", "https://example.com/merci?x=1"),
        ("https://EXAMPLE.com:443/ok", "https://EXAMPLE.com:443/ok"),
        ("https://evil.example.net/", FALLBACK),
        ("//evil.example.net/", FALLBACK),
        ("/\\evil.example.net", FALLBACK),
        ("\\\\evil.example.net", FALLBACK),
        ("https://www.example.com@evil.example.net/", FALLBACK),
        ("https://user:pw@www.example.com/", FALLBACK),
        ("javascript:alert(1)", FALLBACK),
        ("data:text/html,hi", FALLBACK),
        ("http://www.example.com/", FALLBACK),
        ("https://www.example.com:8443/", FALLBACK),
        ("/ok\r\nSet-Cookie: a=b", FALLBACK),
        ("https://www.example.com.evil.net/", FALLBACK),
    ],
)
def test_safe_redirect(next_url, expected):
    assert safe_redirect(next_url, ALLOWED, FALLBACK, PAGE) == expected


def test_relative_next_without_a_known_page_uses_the_first_allowed_origin():
    assert safe_redirect("/t", ALLOWED, FALLBACK, None) == "https://www.example.com/t"


def test_relative_next_from_a_page_on_another_origin_is_not_resolved_there():
    assert safe_redirect("/t", ALLOWED, FALLBACK, "https://evil.net/x") == (
        "https://www.example.com/t"
    )


def test_no_allowed_origin_means_fallback():
    assert safe_redirect("/t", (), None, PAGE) is None


def test_request_origin_prefers_origin_then_referer():
    assert request_origin("https://example.com", PAGE) == "https://example.com"
    assert request_origin(None, PAGE) == "https://www.example.com"
    assert request_origin("null", None) is None


@pytest.mark.parametrize(
    "next_url",
    [
        "https://[evil.example.net/",  # urlsplit: "Invalid IPv6 URL"
        "https://www.example.com\uff03@evil.example.net/",  # urlsplit: invalid under NFKC
        "//[::1",
    ],
)
def test_next_that_the_url_parser_refuses_falls_back_instead_of_raising(next_url):
    assert safe_redirect(next_url, ALLOWED, FALLBACK, PAGE) == FALLBACK


def test_page_url_that_the_url_parser_refuses_is_not_used_as_a_base():
    assert safe_redirect("t", ALLOWED, FALLBACK, "https://[www.example.com/") == (
        "https://www.example.com/t"
    )


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/p\u00e4th", "https://www.example.com/p%C3%A4th"),
        ("/\u3042?q=\u3044#\u3046", "https://www.example.com/%E3%81%82?q=%E3%81%84#%E3%81%86"),
        ('/a"b<c>d`e{f}g|h^i', "https://www.example.com/a%22b%3Cc%3Ed%60e%7Bf%7Dg%7Ch%5Ei"),
        ("/already%20encoded/?a=1&b=%2F", "https://www.example.com/already%20encoded/?a=1&b=%2F"),
    ],
)
def test_redirect_target_is_ascii_with_unsafe_characters_percent_encoded(next_url, expected):
    # A Location header carries bytes: raw UTF-8 there is mangled (or refused) on the way.
    assert safe_redirect(next_url, ALLOWED, FALLBACK, PAGE) == expected
