"""Verdicts and how they are shown: a terminal report or JSON (pure)."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    FAIL = "fail"
    SKIP = "not checked"


class Section(StrEnum):
    SES = "SES"
    DNS = "DNS"
    VERDICT = "Verdict"


@dataclass(frozen=True)
class Finding:
    """One check's verdict: what was seen (``detail``) and, unless it passed, the fix."""

    id: str  # stable, for --json consumers: "dns.dkim.1", "ses.identity", ...
    section: Section
    title: str
    status: Status
    detail: str
    fix: tuple[str, ...] = ()  # exact records or commands, one per line


@dataclass(frozen=True)
class Report:
    domain: str
    from_domain: str
    region: str
    nameserver: str  # "system resolver" or host:port
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def exit_code(self) -> int:
        """0 when nothing FAILs, 1 otherwise (2, for usage errors, is the CLI's)."""
        return 1 if any(f.status is Status.FAIL for f in self.findings) else 0

    def counts(self) -> dict[str, int]:
        counted = Counter(f.status for f in self.findings)
        return {status.value: counted.get(status, 0) for status in Status}

    def to_json(self) -> str:
        document: dict[str, Any] = {
            "domain": self.domain,
            "from_domain": self.from_domain,
            "region": self.region,
            "nameserver": self.nameserver,
            "ok": self.exit_code == 0,
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "findings": [
                {
                    "id": f.id,
                    "section": f.section.value,
                    "title": f.title,
                    "status": f.status.value,
                    "detail": f.detail,
                    "fix": list(f.fix),
                }
                for f in self.findings
            ],
            "notes": list(self.notes),
        }
        return json.dumps(document, indent=2, ensure_ascii=False)

    def to_text(self, width: int = 100) -> str:
        """The report for a terminal: one line per check, then what to do, then a summary."""
        width = max(60, width)
        label_width = max((len(f.title) for f in self.findings), default=10) + 2
        lines = [
            f"toiawase doctor {self.domain}",
            f"  From domain {self.from_domain} · SES region {self.region} · DNS {self.nameserver}",
        ]
        for note in self.notes:
            lines.extend(
                textwrap.wrap(
                    note,
                    width=width,
                    initial_indent="  note: ",
                    subsequent_indent="        ",
                    break_on_hyphens=False,
                )
            )
        for section in Section:
            findings = [f for f in self.findings if f.section is section]
            if not findings:
                continue
            lines.extend(["", section.value])
            for finding in findings:
                tag = {Status.SKIP: "SKIP"}.get(finding.status, finding.status.name)
                head = f"  {tag:<5} {finding.title:<{label_width}}"
                body = textwrap.wrap(
                    finding.detail,
                    width=width - len(head),
                    break_on_hyphens=False,
                    break_long_words=False,
                ) or [""]
                lines.append(head + body[0])
                lines.extend(" " * len(head) + more for more in body[1:])
                for number, fix in enumerate(finding.fix):
                    prefix = "fix:" if number == 0 else ""
                    lines.append(f"{'':8}{prefix:<5}{fix}")
        counts = self.counts()
        summary = ", ".join(
            f"{counts[status.value]} {status.value}" for status in Status if counts[status.value]
        )
        lines.extend(["", f"{summary or 'nothing checked'} → exit {self.exit_code}"])
        return "\n".join(lines) + "\n"
