"""Shared test set-up: never any real AWS credentials, and the contract's variables set."""

from __future__ import annotations

import os

# The caller's own AWS settings, kept aside before they are cleared below: only the end-to-end
# checks of a deployed stack use them (tests/e2e/stacktable.py reads its submissions table).
OUTER_AWS_ENV = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}

# Before anything imports boto3 or the handler: fake credentials, a region, no real account.
for _key in list(os.environ):
    if _key.startswith("AWS_"):
        del os.environ[_key]
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "toiawase",
    }
)

import moto  # noqa: E402,F401  - imported before any client is created, so moto can intercept it
import pytest  # noqa: E402

from tests.contract import CONTRACT_ENV  # noqa: E402


@pytest.fixture
def contract_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The contract's variables, as a deployed stack would set them."""
    for key, value in CONTRACT_ENV.items():
        monkeypatch.setenv(key, value)
    return dict(CONTRACT_ENV)
