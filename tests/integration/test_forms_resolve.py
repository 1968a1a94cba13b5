"""``toiawase forms check --resolve`` against a real DNS server on 127.0.0.1 (localdns.py):
webhook host names that resolve to refused addresses (directly, through a CNAME, or mixed
with a public one) are problems with their line; public ones pass; nothing is resolved
without ``--resolve`` (the default: CI has no DNS)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.localdns import local_dns
from toiawase.cli import main

ZONE = """
public.test.     60 IN A     93.184.216.34
public6.test.    60 IN AAAA  2606:2800:220:1:248:1893:25c8:1946
private.test.    60 IN A     10.0.0.5
meta.test.       60 IN A     169.254.169.254
mixed.test.      60 IN A     93.184.216.34
mixed.test.      60 IN AAAA  ::1
alias.test.      60 IN CNAME private.test.
"""


@pytest.fixture(scope="module")
def dns_server() -> Iterator[Any]:
    with local_dns(ZONE) as server:
        yield server


def forms_file(tmp_path: Path, *hosts: str) -> Path:
    targets = "\n".join(
        f'      - {{type: webhook, url: "https://{host}/hook?token=SECRET", secret: "ssm:/x"}}'
        for host in hosts
    )
    text = textwrap.dedent(
        """\
        forms:
          contact:
            fields:
              email: {type: email, required: true}
            notify:
              - {type: email}
        """
    )
    path = tmp_path / "forms.yaml"
    path.write_text(text + targets + "\n", encoding="utf-8")
    return path


def check(path: Path, dns_server: Any, *extra: str) -> int:
    return main(
        ["forms", "check", str(path), "--resolve", "--nameserver", dns_server.address, *extra]
    )


def test_public_names_pass(tmp_path, dns_server, capsys):
    path = forms_file(tmp_path, "public.test", "public6.test")
    assert check(path, dns_server) == 0
    assert capsys.readouterr().out.strip().endswith(": ok")
    asked = {name for name, _ in dns_server.answers.queries}
    assert {"public.test", "public6.test"} <= asked


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("private.test", "10.0.0.5 (private)"),
        ("meta.test", "169.254.169.254 (link_local)"),
        ("mixed.test", "::1 (loopback)"),  # one refused address among public ones refuses
        ("alias.test", "10.0.0.5 (private)"),  # through a CNAME
        ("missing.test", "does not resolve"),
    ],
)
def test_refused_names_are_problems_at_their_line(tmp_path, dns_server, capsys, host, said):
    path = forms_file(tmp_path, "public.test", host)
    assert check(path, dns_server) == 1
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if host in x]
    assert line.startswith(f"{path}:8:")  # the second webhook target's url
    assert "forms.contact.notify[2].url" in line and said in line
    assert "SECRET" not in err and "/hook" not in err  # never the URL's path or query


def test_without_resolve_no_name_is_looked_up(tmp_path, dns_server, capsys):
    dns_server.answers.queries.clear()
    path = forms_file(tmp_path, "private.test")
    assert main(["forms", "check", str(path)]) == 0
    assert dns_server.answers.queries == []
    assert main(["forms", "check", str(path), "--nameserver", dns_server.address]) == 2
    assert "--nameserver needs --resolve" in capsys.readouterr().err


def test_a_literal_or_policy_refused_url_is_not_looked_up(tmp_path, dns_server, capsys):
    dns_server.answers.queries.clear()
    path = forms_file(tmp_path, "10.0.0.1", "public.test:8443")
    assert check(path, dns_server) == 1
    err = capsys.readouterr().err
    assert "private" in err and "port 8443" in err
    assert dns_server.answers.queries == []  # both were refused without DNS
