"""What the corpus got, per family: figures to quote."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class CorpusTally:
    by_family: Counter[str] = field(default_factory=Counter)
    by_status: Counter[tuple[str, int]] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)

    def record(self, family: str, status: int, *, sent: int) -> None:
        self.by_family[family] += 1
        self.by_status[family, status] += 1
        self.sent[family] += sent

    def lines(self) -> list[str]:
        total = sum(self.by_family.values())
        statuses = Counter(status for (_, status) in self.by_status.elements())
        lines = [
            f"corpus: {total:,} hostile requests; "
            + ", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items()))
            + f"; {sum(self.sent.values()):,} messages sent"
        ]
        for family, count in sorted(self.by_family.items()):
            detail = ", ".join(
                f"{status}: {n:,}"
                for (name, status), n in sorted(self.by_status.items())
                if name == family
            )
            lines.append(f"  {family}: {count:,} ({detail}; {self.sent[family]:,} sent)")
        return lines


CORPUS = CorpusTally()
