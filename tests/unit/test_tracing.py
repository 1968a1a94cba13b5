"""The Powertools Tracer is opt-in: off, it is not even imported (cold start)."""

from __future__ import annotations

import subprocess
import sys


def imports_after_loading_the_handler(env: dict[str, str]) -> set[str]:
    code = (
        "import sys, toiawase.handlers.submit as h; "
        "print(' '.join(m for m in sys.modules if m.startswith(('aws_xray_sdk', 'boto3'))))"
    )
    environment = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", **env}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    return set(result.stdout.split())


def test_tracer_off_by_default_loads_neither_xray_nor_boto3():
    assert imports_after_loading_the_handler({}) == set()


def test_tracer_enabled_wraps_the_handler():
    loaded = imports_after_loading_the_handler({"TOIAWASE_TRACER": "enabled"})
    assert any(name.startswith("aws_xray_sdk") for name in loaded)
