"""Property tests: print what was generated and answered, for the README's figures."""

from __future__ import annotations

import pytest

from tests.property.tally import TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.total:
        terminalreporter.write_sep("-", "hostile input: generated requests")
        terminalreporter.write_line(TALLY.summary())
        for line in TALLY.lines():
            terminalreporter.write_line(line)
