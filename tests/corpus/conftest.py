"""The corpus runs through the Lambda entry with moto's SES: the integration tests' fixtures."""

from __future__ import annotations

import pytest

from tests.corpus.tally import CORPUS
from tests.integration.conftest import ses, submit_module

__all__ = ["ses", "submit_module"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if CORPUS.by_family:
        terminalreporter.write_sep("-", "hostile input: corpus through the Lambda entry")
        for line in CORPUS.lines():
            terminalreporter.write_line(line)
