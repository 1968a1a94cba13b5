"""How many generated requests the property tests sent, and what they got: figures to quote."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MINIMUM_TOTAL = 10_000


@dataclass
class Tally:
    by_test: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    by_test_status: Counter[tuple[str, int]] = field(default_factory=Counter)
    sent: int = 0

    def record(self, test: str, status: int, *, sent: bool) -> None:
        self.by_test[test] += 1
        self.by_status[status] += 1
        self.by_test_status[test, status] += 1
        self.sent += int(sent)

    def lines(self) -> list[str]:
        """One line per test: how many requests it generated and what they were answered."""
        return [
            f"  {test}: {count:,} ("
            + ", ".join(
                f"{status}: {n:,}"
                for (name, status), n in sorted(self.by_test_status.items())
                if name == test
            )
            + ")"
            for test, count in sorted(self.by_test.items())
        ]

    @property
    def total(self) -> int:
        return sum(self.by_test.values())

    def summary(self) -> str:
        classes = Counter(f"{status // 100}xx" for status in self.by_status.elements())
        statuses = ", ".join(f"{s}: {n:,}" for s, n in sorted(self.by_status.items()))
        return (
            f"property tests: {self.total:,} generated requests; "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(classes.items()))
            + f" (by status {statuses}); {self.sent:,} messages composed and sent"
        )


TALLY = Tally()
