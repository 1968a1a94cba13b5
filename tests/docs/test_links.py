"""Every relative link and anchor in README.md, CHANGELOG.md and docs/*.md resolves."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.docs.markdown import ROOT, anchors, documents, links, slug

PAGES = documents()
REQUIRED_PAGES = (
    "deploying",
    "forms",
    "security",
    "deliverability",
    "operations",
    "http-api",
    "local-development",
    "performance",
    "troubleshooting",
    "files",
    "integrations",
    "data",
)


def _problems(page: Path) -> list[str]:
    text = page.read_text("utf-8")
    problems = []
    for number, target in links(text):
        where = f"{page.relative_to(ROOT)}:{number}: {target}"
        parts = urlsplit(target)
        if parts.scheme in ("http", "https", "mailto"):
            continue
        if parts.scheme or parts.netloc:
            problems.append(f"{where}: not a relative link")
            continue
        if parts.path.startswith("/"):
            problems.append(f"{where}: absolute path; make it relative")
            continue
        destination = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not destination.exists():
            problems.append(f"{where}: no such file")
            continue
        if ROOT not in destination.parents and destination != ROOT:
            problems.append(f"{where}: outside the repository")
            continue
        if parts.fragment:
            if destination.suffix != ".md":
                problems.append(f"{where}: an anchor into a file that is not Markdown")
            elif unquote(parts.fragment) not in anchors(destination.read_text("utf-8")):
                problems.append(f"{where}: no heading with the anchor #{parts.fragment}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert _problems(page) == []


def test_the_checker_catches_a_broken_file_an_anchor_and_an_absolute_link(tmp_path: Path) -> None:
    # The checker itself must be able to fail: a page inside the repository with bad links.
    page = ROOT / "docs" / "_broken_links_probe.md"
    page.write_text(
        "# Probe\n\n[a](missing.md) [b](deploying.md#no-such-heading) [c](/README.md)\n"
        "[d](#probe) [e](deploying.md#parameters) `[f](ignored.md)`\n\n```\n[g](fenced.md)\n```\n",
        "utf-8",
    )
    try:
        problems = _problems(page)
    finally:
        page.unlink()
    assert [p.split(": ", 1)[1] for p in problems] == [
        "missing.md: no such file",
        "deploying.md#no-such-heading: no heading with the anchor #no-such-heading",
        "/README.md: absolute path; make it relative",
    ]


def test_slugs_follow_github() -> None:
    assert slug("`toiawase doctor`") == "toiawase-doctor"
    assert slug("The sending identity: `infra/identity.yaml`") == (
        "the-sending-identity-infraidentityyaml"
    )
    assert slug("Nothing lost, nothing doubled") == "nothing-lost-nothing-doubled"
    assert slug("The browser script: toiawase.js") == "the-browser-script-toiawasejs"


def test_the_docs_layout_is_there_and_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    targets = {target for _, target in links(readme)}
    for name in REQUIRED_PAGES:
        assert (ROOT / "docs" / f"{name}.md").is_file(), name
        assert f"docs/{name}.md" in {t.split("#")[0] for t in targets}, name


def test_the_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text("utf-8").count("\n")
    assert lines <= 250, f"README.md has {lines} lines; the reference belongs in docs/"


def test_the_screenshots_are_kept() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in ("form.png", "preview.png"):
        assert (ROOT / "docs" / "screenshots" / name).is_file()
        assert f"docs/screenshots/{name}" in readme
