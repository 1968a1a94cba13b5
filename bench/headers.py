"""The worst request header per kilobyte (red-team finding 3), next to a normal request.

Every hostile header family of ``tests/corpus/header_parsing.py`` (long runs of ``;``, ``"``,
``(``, ``\\``, parameter lists, RFC 2231 continuations), at the largest size each header may have
(the Content-Type cap, 512 characters) and at API Gateway's limit (9,500: refused by length),
has its header work timed: the length caps and the Content-Type parse the router does once per
request. A normal submission goes through the core's router with in-memory adapters. The rows:
the slowest header's cost per kilobyte, and its ratio to the normal request's time.
Before the fix a 9.5 KB header of ``;`` took 250-600 ms, tens of times a whole submission.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

SIZE = 512 - len("application/x-www-form-urlencoded")
BIG = 9_500
PATTERNS = {
    "semicolons": ";",
    "quotes": '"',
    "open parentheses": "; a=(",
    "backslashes": '; a="\\',
    "parameters": "; p=v",
    "rfc2231 continuations": "; x*0*=utf-8''%E2",
    "quoted pairs": ';"',
}
FORM = urlencode([("email", "taro@example.jp"), ("message", "お問い合わせです")]).encode()
ENV = {
    "SENDER_ADDRESS": "forms@example.com",
    "RECIPIENT_ADDRESSES": "owner@example.com",
    "ALLOWED_ORIGINS": "https://www.example.com",
    "SITE_NAME": "Example Co",
}


class _Sender:
    def send(self, email: object) -> str:
        return "message-id"


def _request(content_type: str) -> Any:  # noqa: ANN401 - HttpRequest, imported lazily
    from toiawase.core.http import HttpRequest

    headers = {
        "content-type": content_type,
        "accept": "application/json",
        "origin": "https://www.example.com",
    }
    now = datetime.now(tz=UTC)
    return HttpRequest("POST", "/submit", headers, FORM, "203.0.113.9", "bench", now)


def _median_us(content_type: str, runs: int) -> float:
    from toiawase.core.service import Dependencies, handle

    deps = Dependencies(sender=_Sender(), new_id=lambda: "0" * 32)
    request = _request(content_type)
    handle(request, ENV, deps)  # warm the caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        handle(request, ENV, deps)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def _header_work_us(content_type: str, runs: int) -> float:
    """What every request pays for its headers: the caps, then the one Content-Type parse."""
    from toiawase.core.errors import InputError
    from toiawase.core.http import oversized_header
    from toiawase.core.parse import parse_content_type

    request = _request(content_type)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        if oversized_header(request) is None:
            with contextlib.suppress(InputError):
                parse_content_type(request.header("content-type"))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def measure(runs: int = 200) -> dict[str, Any]:
    """The normal request's time, each hostile header's, and the worst per kilobyte."""
    base = "application/x-www-form-urlencoded"
    normal_us = _median_us(base, runs)
    rows: dict[str, dict[str, float]] = {}
    for name, unit in PATTERNS.items():
        for size in (SIZE, BIG):
            value = base + (unit * (size // len(unit) + 1))[:size]
            took = _header_work_us(value, runs)
            rows[f"{name} {size}"] = {
                "chars": float(len(value)),
                "us": round(took, 1),
                "us_per_kb": round(took / (len(value) / 1024), 1),
                "ratio_to_normal": round(took / normal_us, 3),
            }
    worst_name, worst = max(rows.items(), key=lambda item: item[1]["us"])
    return {
        "normal_us": round(normal_us, 1),
        "headers": rows,
        "worst": worst_name,
        "worst_us_per_kb": worst["us_per_kb"],
        "worst_ratio_to_normal": worst["ratio_to_normal"],
    }
