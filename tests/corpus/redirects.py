"""Open-redirect attempts through ``_next`` (and the ``Referer`` a relative one resolves against).

A plain HTML form post succeeds with 303. The Location is ``_next`` only when it resolves to an
allowed origin (https://www.example.com, https://example.com); everything else falls back to
the thank-you page. Either way the Location is ASCII and carries the submission id.
"""

from __future__ import annotations

from tests.corpus.model import BROWSER_ACCEPT, FALLBACK, Case, form

WWW = "https://www.example.com"
APEX = "https://example.com"

# _next → where the browser must be sent (FALLBACK: the thank-you page).
TARGETS = {
    "absolute-allowed": ("https://www.example.com/merci/", f"{WWW}/merci/?"),
    "absolute-apex": ("https://example.com/ok?x=1", f"{APEX}/ok?x=1&"),
    "relative-root": ("/done.html", f"{WWW}/done.html?"),
    "relative-page": ("done.html", f"{WWW}/contact/done.html?"),
    "relative-dots": ("../up/", f"{WWW}/up/?"),
    "relative-dot-dot-slash-slash": ("/..//evil.example/", f"{WWW}/evil.example/?"),
    "query-only": ("?step=2", f"{WWW}/contact/?step=2&"),
    "non-ascii-path": ("/\u304a\u793c/", f"{WWW}/%E3%81%8A%E7%A4%BC/?"),
    "quotes-and-brackets": ('/a"b<c>', f"{WWW}/a%22b%3Cc%3E?"),
    "default-port": ("https://www.example.com:443/p", f"{WWW}:443/p?"),
    "upper-case-host": ("https://WWW.EXAMPLE.COM/p", "https://WWW.EXAMPLE.COM/p?"),
    "foreign": ("https://evil.example/", FALLBACK),
    "foreign-http": ("http://www.example.com/", FALLBACK),
    "scheme-relative": ("//evil.example/", FALLBACK),
    # A browser would read "///evil.example/" as a host; resolved here, it is a path on ours.
    "triple-slash": ("///evil.example/", f"{WWW}/evil.example/?"),
    "scheme-no-slashes": ("https:evil.example", FALLBACK),
    "scheme-one-slash": ("https:/evil.example", FALLBACK),
    "backslash": ("/\\evil.example", FALLBACK),
    "double-backslash": ("\\\\evil.example", FALLBACK),
    "backslash-after-host": ("https://www.example.com\\@evil.example/", FALLBACK),
    "userinfo": ("https://www.example.com@evil.example/", FALLBACK),
    "userinfo-allowed-host": ("https://user:pw@www.example.com/", FALLBACK),
    "suffix-host": ("https://www.example.com.evil.example/", FALLBACK),
    "trailing-dot-host": ("https://www.example.com./", FALLBACK),
    "other-port": ("https://www.example.com:8443/", FALLBACK),
    "bad-port": ("https://www.example.com:99999/", FALLBACK),
    "javascript": ("javascript:alert(document.domain)", FALLBACK),
    "javascript-upper": ("JaVaScRiPt:alert(1)", FALLBACK),
    "data-url": ("data:text/html,<script>alert(1)</script>", FALLBACK),
    "tab-in-scheme": ("java\tscript:alert(1)", FALLBACK),
    "leading-space-scheme-relative": (" //evil.example/", FALLBACK),
    "leading-nul": ("\x00//evil.example/", FALLBACK),
    "crlf-header-split": ("/ok\r\nSet-Cookie: a=b", FALLBACK),
    "percent-crlf": ("/ok%0d%0aSet-Cookie:%20a=b", f"{WWW}/ok%0d%0aSet-Cookie:%20a=b?"),
    "encoded-slashes": ("/%2F%2Fevil.example", f"{WWW}/%2F%2Fevil.example?"),
    "unicode-dot-host": ("https://www\u3002example\u3002com/", FALLBACK),
    "fullwidth-hash-host": ("https://www.example.com\uff03@evil.example/", FALLBACK),
    "broken-ipv6": ("https://[evil.example/", FALLBACK),
    "ipv6-literal": ("https://[::1]/", FALLBACK),
    "idn-lookalike": ("https://www.ex\u0430mple.com/", FALLBACK),
    "empty": ("", FALLBACK),
    "whitespace": ("   ", FALLBACK),
}

CASES = [
    Case(key, form(("_next", target)), 303, accept=BROWSER_ACCEPT, location=location)
    for key, (target, location) in TARGETS.items()
]
CASES += [
    Case(
        "relative-against-apex-page",
        form(("_next", "thanks.html")),
        303,
        accept=BROWSER_ACCEPT,
        headers=(("Referer", "https://example.com/ja/contact/"),),
        location=f"{APEX}/ja/contact/thanks.html?",
    ),
    Case(
        "relative-against-foreign-page",
        form(("_next", "thanks.html")),
        303,
        accept=BROWSER_ACCEPT,
        headers=(("Referer", "https://evil.example/contact/"),),
        location=f"{WWW}/thanks.html?",
    ),
    Case(
        "relative-against-broken-referer",
        form(("_next", "t")),
        303,
        accept=BROWSER_ACCEPT,
        headers=(("Referer", "https://[www.example.com/"),),
        location=f"{WWW}/t?",
    ),
    Case(
        "repeated-next-different",
        form(("_next", "/a"), ("_next", "https://evil.example/")),
        422,
        accept=BROWSER_ACCEPT,
    ),
    Case(
        "next-in-json-client",
        form(("_next", "https://evil.example/")),
        200,
    ),
]
