"""Powertools Tracer, switched on by ``TOIAWASE_TRACER=enabled`` (template: ``PowertoolsTracer``).

Off by default because it is the largest single cost of a cold start: creating a ``Tracer``
imports the X-Ray SDK and wrapt (and with them asyncio) and patches libraries, even when tracing
is disabled (``make bench`` measured cold/floor 1.56 with it, about 1.31 without). With
``Tracing: Active`` in template.yaml, X-Ray still records every invocation's Lambda segments
without it; switch it on for SES and DynamoDB subsegments and annotations.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Any])


def tracing_enabled() -> bool:
    return os.environ.get("TOIAWASE_TRACER", "").strip().lower() in ("enabled", "true", "1")


def capture_lambda_handler(service: str) -> Callable[[Handler], Handler]:
    """``Tracer.capture_lambda_handler`` when tracing is enabled, else the handler unchanged."""
    if not tracing_enabled():
        return lambda handler: handler
    from aws_lambda_powertools import Tracer

    tracer = Tracer(service=service, patch_modules=("botocore",))
    decorator: Callable[[Handler], Handler] = tracer.capture_lambda_handler(capture_response=False)
    return decorator
