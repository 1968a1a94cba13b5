"""The environment every measured process runs in: AWS Lambda's, as far as it changes the timing.

Decisions, so the figures mean something:

* **Built from scratch**, not inherited: the user's ``AWS_PROFILE``, shell variables or the test
  suite's settings must not leak into a measurement. Credentials are fake; ``~/.aws`` is not read
  and the instance metadata service is never asked (nothing may touch the network).
* **Lambda's own variables** (``LAMBDA_TASK_ROOT``, ``AWS_LAMBDA_FUNCTION_*``,
  ``AWS_EXECUTION_ENV``, ``_X_AMZN_TRACE_ID``, ``TZ``) are set, because libraries branch on
  them. The X-Ray SDK is the big one: outside Lambda its recorder builds a centralised sampler with
  two botocore X-Ray clients at import (~100 ms that Lambda never pays); inside Lambda it uses the
  cheap local sampler.
* **X-Ray as deployed** (``Tracing: Active``): the trace header says ``Sampled=1``. The
  Powertools Tracer is off by default (``PowertoolsTracer=disabled``, so ``TOIAWASE_TRACER`` is
  unset) and the main figure measures that. A variant with ``TOIAWASE_TRACER=enabled`` is
  measured for comparison: botocore is patched, the handler and the SES call become
  subsegments, each sent as a UDP datagram to ``127.0.0.1:2000`` where no X-Ray daemon listens
  (dropped, as a closed local port drops them; like Lambda, the SDK also touches
  ``/tmp/.aws-xray/initialized``).
* **Bytecode**: ``PYTHONDONTWRITEBYTECODE=1``, and the function's code and requirements are run from
  a copy without ``__pycache__``, because ``sam build`` ships sources only (aws-lambda-builders
  unpacks wheels and skips ``*.pyc``) and ``/var/task`` is read-only: Lambda compiles them at every
  cold start. The runtime's boto3 and the Powertools layer come with ``.pyc``, like the benchmark's
  runtime virtualenv.
* The contract's variables have valid example values, so configuration checks run as deployed.
"""

from __future__ import annotations

import os
from pathlib import Path

FUNCTION_NAME = "toiawase-bench-submit"
TRACE_ID = "Root=1-674a1b2c-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"

CONTRACT = {
    "SENDER_ADDRESS": "forms@example.com",
    "RECIPIENT_ADDRESSES": "owner@example.com",
    "FEEDBACK_ADDRESS": "",
    "ALLOWED_ORIGINS": "https://www.example.com,https://example.com",
    "REDIRECT_URL": "https://www.example.com/thanks/",
    "SITE_NAME": "Example Co",
    "SES_CONFIGURATION_SET": "",
}


def lambda_environment(
    code_root: Path,
    memory_mb: int,
    *,
    tracing: bool = False,
    function_env: dict[str, str] | None = None,
) -> dict[str, str]:
    """The variables of a child process that imports the function from ``code_root``.

    ``function_env`` is the function's own environment as template.yaml resolves it
    (``bench.template_env``); without it, the contract's variables only (the lightest
    configuration).
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108  (a fallback, never written)
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "PYTHONPATH": str(code_root),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        # Lambda's runtime
        "LAMBDA_TASK_ROOT": str(code_root),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIABENCHFAKEFAKE000",
        "AWS_SECRET_ACCESS_KEY": "bench/fake/secret/never/valid/0000000000",
        "AWS_SESSION_TOKEN": "bench-fake-session-token",
        "_X_AMZN_TRACE_ID": TRACE_ID,
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        # no configuration files, no instance metadata: nothing but the variables above
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        # template.yaml's function environment
        "POWERTOOLS_SERVICE_NAME": "toiawase",
        "POWERTOOLS_METRICS_NAMESPACE": "toiawase",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        **CONTRACT,
    }
    if function_env is not None:
        env.update(function_env)
    if tracing:
        env["TOIAWASE_TRACER"] = "enabled"
    return env
