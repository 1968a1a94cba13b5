"""The example site's files, read as text: what the browser tests cannot see at a glance.

The pages must work with no build step and no script, declare UTF-8, carry no inline event
handler or inline script, and keep the honeypot out of reach; the script must stay small.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from toiawase.local.site import EXAMPLE_SITE

PAGES = ("index.html", "quote.html", "thanks.html")


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


def parse(name: str) -> Elements:
    parser = Elements()
    parser.feed((EXAMPLE_SITE / name).read_text("utf-8"))
    return parser


@pytest.mark.parametrize("name", PAGES)
def test_pages_declare_utf8_and_run_no_inline_code(name):
    page = parse(name)
    tags = [tag for tag, _ in page.elements]
    assert tags[:2] == ["html", "head"] and page.elements[2] == ("meta", {"charset": "utf-8"})
    for tag, attrs in page.elements:
        assert not [a for a in attrs if a.startswith("on")], f"inline handler on <{tag}>"
        for value in attrs.values():
            assert not (value or "").strip().lower().startswith("javascript:")
    assert not page.inline_script


def test_every_visible_field_has_a_label():
    page = parse("index.html")
    labelled = {attrs.get("for") for tag, attrs in page.elements if tag == "label"}
    fields = [
        attrs
        for tag, attrs in page.elements
        if tag in ("input", "textarea", "select") and attrs.get("type") != "hidden"
    ]
    assert {f.get("name") for f in fields} == {"name", "email", "company", "message", "_gotcha"}
    for attrs in fields:
        assert attrs.get("id") in labelled, attrs


def test_the_form_posts_utf8_to_the_endpoint_and_the_honeypot_is_out_of_reach():
    page = parse("index.html")
    forms = [attrs for tag, attrs in page.elements if tag == "form"]
    assert forms == [
        {"data-toiawase": None, "action": "/submit", "method": "POST", "accept-charset": "UTF-8"}
    ]
    honeypot = next(a for t, a in page.elements if t == "input" and a.get("name") == "_gotcha")
    assert honeypot.get("tabindex") == "-1" and honeypot.get("autocomplete") == "off"
    assert "type" not in honeypot  # a text field bots fill in, not type=hidden
    html = (EXAMPLE_SITE / "index.html").read_text("utf-8")
    wrapper = re.search(r'<div aria-hidden="true" style="([^"]+)">\s*<label for="gotcha">', html)
    assert wrapper is not None and "left:-10000px" in wrapper.group(1)


def test_the_script_is_small_and_dependency_free():
    script = (EXAMPLE_SITE / "toiawase.js").read_text("utf-8")
    # docs/http-api.md says "under 12 KB" (8 KB before it carried Japanese words too).
    assert len(script.encode("utf-8")) < 12 * 1024
    assert not re.search(r"\b(import|require)\s*\(|^\s*import\s", script, re.MULTILINE)
    assert "innerHTML" not in script and "eval(" not in script


def test_the_http_api_page_carries_the_script_as_it_is():
    readme = (EXAMPLE_SITE.parents[1] / "docs" / "http-api.md").read_text("utf-8")
    script = (EXAMPLE_SITE / "toiawase.js").read_text("utf-8")
    blocks = re.findall(r"```js\n(.*?)```", readme, re.DOTALL)
    assert blocks == [script], "copy toiawase.js into docs/http-api.md"


def test_the_quote_page_posts_to_its_form_with_every_field_of_forms_yaml():
    import yaml

    page = parse("quote.html")
    forms = [attrs for tag, attrs in page.elements if tag == "form"]
    assert forms == [
        {"data-toiawase": None, "action": "/f/quote", "method": "POST", "accept-charset": "UTF-8"}
    ]
    declared = yaml.safe_load((EXAMPLE_SITE.parents[1] / "forms.yaml").read_text("utf-8"))
    fields = declared["forms"]["quote"]["fields"]
    sent = {
        attrs.get("name")
        for tag, attrs in page.elements
        if tag in ("input", "textarea", "select") and attrs.get("name")
    }
    # Every declared field is on the page, and nothing undeclared but controls (reject).
    assert sent - {"_gotcha"} == set(fields)
    labelled = {attrs.get("for") for tag, attrs in page.elements if tag == "label"}
    for tag, attrs in page.elements:
        if tag in ("input", "textarea", "select") and attrs.get("type") not in ("hidden",):
            wrapped = attrs.get("type") in ("radio", "checkbox")  # inside their <label>
            assert wrapped or attrs.get("id") in labelled, attrs
    # An error slot for every visible field, where toiawase.js puts the server's message.
    slots = {attrs.get("data-error-for") for _, attrs in page.elements} - {None}
    assert slots == set(fields) - {"source"}
    assert ("a", {"href": "quote.html"}) in parse("index.html").elements
