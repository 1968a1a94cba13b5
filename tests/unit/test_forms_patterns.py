"""pattern_problem: the structural ReDoS check that patterns pass before they ever run."""

from __future__ import annotations

import re
import time

import pytest

from toiawase.core.forms.patterns import pattern_problem

SAFE = [
    r"[A-Z]{3}-\d{4}",
    r"\d{3}-?\d{4}",
    r"[a-z]+-[a-z]+",
    r"[^@\s]+@[^@\s]+",
    r"(?:ab)+c",
    r"\w+\s\w+",
    r"(foo|bar)+",
    r"[a-z]+\d+",
    r"(?=a)\w+",
    r"〒?\d{3}-\d{4}",
]
DANGEROUS = [
    r"(a+)+$",
    r"(a*b?)*c",
    r"(\w+\s?)*$",
    r"(a|a?b)*c",
    r"(.|a)*c",
    r"\d+\d+x",
    r".*.*=.*",
    r"[a-z]+[0-9]*[a-z]+!",
    r"(a)\1",
]


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_pass(pattern):
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize("pattern", DANGEROUS)
def test_dangerous_patterns_are_refused(pattern):
    assert pattern_problem(pattern) is not None


def test_a_pattern_that_does_not_compile():
    assert (pattern_problem("(") or "").startswith("the pattern does not compile")


def test_the_refused_shapes_really_are_slow():
    # The check is not theoretical: the first refused pattern backtracks exponentially.
    start = time.perf_counter()
    re.fullmatch(r"(a+)+$", "a" * 22 + "!")
    assert time.perf_counter() - start > 0.05
