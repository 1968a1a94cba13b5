"""RFC 2047 encoded words: submitted text that a mail reader would decode into something else.

Submitted ``=?`` … ``?=`` never reaches a header as an encoded word: the header text is
cleaned (``=?`` is broken up), so a reader shows it literally. An address whose local part
looks like one is accepted but kept out of ``Reply-To``.
"""

from __future__ import annotations

import base64

from tests.corpus.model import VICTIM, Case, form


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


WORDS = {
    "q-crlf-bcc": f"=?utf-8?q?Mallory=0D=0ABcc:_{VICTIM}?=",
    "b-crlf-bcc": "=?utf-8?b?" + b64(f"Mallory\r\nBcc: {VICTIM}") + "?=",
    "q-nul": "=?utf-8?q?a=00b?=",
    "q-upper-crlf": "=?UTF-8?Q?=0D=0A?=",
    "b-address": "=?utf-8?b?" + b64('"CEO" <ceo@evil.example>') + "?=",
    "iso-2022-jp": "=?iso-2022-jp?b?GyRCJUYlOSVIGyhC?=",
    "latin1-q": "=?iso-8859-1?q?=E9t=E9?=",
    "unknown-charset": "=?x-evil?q?a=0D=0Ab?=",
    "bad-base64": "=?utf-8?b?!!!?=",
    "nested": "=?utf-8?q?=3D=3Futf-8=3Fq=3F=0D=0A=3F=3D?=",
    "split-pair": f"=?utf-8?q?a?= =?utf-8?q?=0D=0ABcc:_{VICTIM}?=",
    "adjacent": "=?utf-8?q?a?==?utf-8?q?b?=",
    "u2028-in-q": f"=?utf-8?q?a=E2=80=A8Bcc:_{VICTIM}?=",
    "unterminated": "=?utf-8?q?unterminated",
    "markers-only": "=??=",
    "rfc2231-style": f"utf-8''%0D%0ABcc%3A%20{VICTIM}",
    "zero-width-split": "=\u200b?utf-8?q?=0D=0A?\u200b=",
}
TARGETS = ["name", "_subject", "message"]

CASES = [
    Case(f"{target}-{key}", form((target, value)))
    for key, value in WORDS.items()
    for target in TARGETS
]
CASES += [
    Case("email-local-q", form(("email", "=?utf-8?q?a?=@example.org"))),
    Case("email-local-b-victim", form(("email", f"=?utf-8?b?{b64(VICTIM)}?=@example.org"))),
    Case("email-local-q-at", form(("email", "=?utf-8?q?victim=40evil.example?=@example.org"))),
    Case("email-local-partial", form(("email", "a=?x?=@example.org"))),
    Case("email-whole-word", form(("email", f"=?utf-8?q?{VICTIM}?=")), 422),
    Case("field-name-word", form(("=?utf-8?q?Bcc?=", VICTIM))),
    Case("field-name-crlf-word", form(("=?utf-8?q?x=0D=0ABcc:_v@evil.example?=", "x"))),
]
