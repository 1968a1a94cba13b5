"""The measured side of the benchmark: one fresh process per cold start, one for the warm loop.

Run by ``bench.measure`` as a plain script (``python bench/child.py MODE …``), never imported by
it: the process must contain nothing but the interpreter, this file and what the mode imports.
The clock starts on the first line below. Until the mode's own imports, only ``json``, ``os``
and ``sys`` are loaded, which Lambda's runtime bootstrap has loaded too.

Modes (argv[1]):

``floor``
    ``import boto3``, ``boto3.client("sesv2")`` and one stubbed ``SendEmail``: the least any
    Python Lambda that sends through SES can do.
``handler``
    Import the Lambda entry named in template.yaml (Lambda's INIT phase), then invoke it once
    with the event read from argv[2] (Lambda's first INVOKE).
``warm``
    Import the entry, then invoke it ``argv[4]`` times per event in argv[2], timing each call.

SES is stubbed at the botocore level: a ``before-send`` hook on the handler's own ``ses_client``
(see ``install_stub``) returns a canned ``SendEmail`` response, so parameter validation,
serialization, SigV4 signing, the retry handler, X-Ray's botocore patch and response parsing all
run; only the socket does not.
The result (clock readings, peak RSS, statuses) is written as JSON to argv[3].
"""

from __future__ import annotations

import time

T_START = time.perf_counter()

import json  # noqa: E402  (after the clock on purpose)
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
    from botocore.awsrequest import AWSResponse

HANDLER_MODULE = "toiawase.handlers.submit"
SES_URL = "https://email.us-east-1.amazonaws.com/v2/email/outbound-emails"
STUB_BODY = b'{"MessageId":"0100019bench0000-00000000-0000-0000-0000-000000000000-000000"}'
STUB_HEADERS = {"content-type": "application/json", "x-amzn-requestid": "bench-stub"}
FLOOR_RAW = (
    b"From: forms@example.com\r\nTo: owner@example.com\r\nSubject: floor\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfloor\r\n"
)


class _Raw:
    """The smallest object botocore's ``AWSResponse`` reads a body from."""

    def stream(self, **_: object) -> Iterator[bytes]:
        yield STUB_BODY


def stub_send_email(**_: object) -> AWSResponse:
    """``before-send`` hook: a canned SES v2 ``SendEmail`` answer instead of the network."""
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    return AWSResponse(SES_URL, 200, HTTPHeaders.from_dict(STUB_HEADERS), _Raw())


class BenchContext:
    """The parts of the Lambda context object Powertools reads."""

    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "toiawase-bench")
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
    memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"))
    log_group_name = f"/aws/lambda/{function_name}"
    log_stream_name = "bench"

    def __init__(self, request_id: str) -> None:
        self.aws_request_id = request_id

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


def peak_rss_bytes() -> int:
    """Peak resident set size of this process: VmHWM on Linux, else ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage if sys.platform == "darwin" else usage * 1024


def run_floor() -> dict[str, Any]:
    t_init = time.perf_counter()
    import boto3

    client = boto3.client("sesv2")
    t_ready = time.perf_counter()
    # botocore-stubs types handlers as returning None; a before-send handler's return value is
    # what botocore uses instead of the HTTP response.
    client.meta.events.register(
        "before-send.sesv2.SendEmail",
        stub_send_email,  # type: ignore[arg-type]
    )
    t_invoke = time.perf_counter()
    response = client.send_email(
        FromEmailAddress="forms@example.com",
        Destination={"ToAddresses": ["owner@example.com"]},
        Content={"Raw": {"Data": FLOOR_RAW}},
    )
    t_done = time.perf_counter()
    return {
        "t_init": t_init,
        "t_ready": t_ready,
        "t_invoke": t_invoke,
        "t_done": t_done,
        "status": 200 if response["MessageId"] else 0,
    }


def _is_sesv2_client(value: object) -> bool:
    model = getattr(getattr(value, "meta", None), "service_model", None)
    return getattr(model, "service_name", None) == "sesv2"


def install_stub(module: ModuleType) -> str:
    """Stub SendEmail on the handler's SES client; say how.

    The handler's module-scope ``ses_client`` (or any SES v2 client among its globals) gets the
    hook. A handler that creates its client lazily gets it through botocore's built-in handlers,
    which every session created afterwards registers.
    """
    client = getattr(module, "ses_client", None)
    if not _is_sesv2_client(client):
        client = next((v for v in vars(module).values() if _is_sesv2_client(v)), None)
    if client is not None:
        client.meta.events.register("before-send.sesv2.SendEmail", stub_send_email)
        return "module client"
    import botocore.handlers

    botocore.handlers.BUILTIN_HANDLERS.append(("before-send.sesv2.SendEmail", stub_send_email))
    return "botocore built-in handlers"


def _load_handler() -> ModuleType:
    import importlib

    return importlib.import_module(HANDLER_MODULE)


def run_handler(event_path: str) -> dict[str, Any]:
    with open(event_path, encoding="utf-8") as source:
        event = json.load(source)
    t_init = time.perf_counter()
    module = _load_handler()
    t_ready = time.perf_counter()
    stubbed = install_stub(module)
    context = BenchContext("bench-cold")
    t_invoke = time.perf_counter()
    result = module.lambda_handler(event, context)
    t_done = time.perf_counter()
    return {
        "t_init": t_init,
        "t_ready": t_ready,
        "t_invoke": t_invoke,
        "t_done": t_done,
        "status": result["statusCode"],
        "stubbed": stubbed,
    }


def run_warm(events_path: str, requests: int) -> dict[str, Any]:
    # Powertools' Logger and the EMF metrics write to stdout, as in Lambda; point fd 1 at the
    # null device before they bind to it, so the terminal is not the bottleneck.
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    with open(events_path, encoding="utf-8") as source:
        events: dict[str, dict[str, Any]] = json.load(source)
    module = _load_handler()
    install_stub(module)
    handler = module.lambda_handler
    context = BenchContext("bench-warm")
    handler(next(iter(events.values())), context)  # the cold request, not counted
    clock = time.perf_counter_ns
    kinds: dict[str, Any] = {}
    for kind, event in events.items():
        statuses: set[int] = set()
        for _ in range(min(50, requests)):  # settle caches (lru, regex, botocore) per kind
            statuses.add(handler(event, context)["statusCode"])
        samples: list[int] = []
        for _ in range(requests):
            started = clock()
            result = handler(event, context)
            samples.append(clock() - started)
            statuses.add(result["statusCode"])
        kinds[kind] = {"ns": samples, "statuses": sorted(statuses)}
    parts = _attribute(module, handler, context, next(iter(events.values())), requests)
    stub_ns: list[int] = []
    for _ in range(max(requests, 100)):
        started = clock()
        stub_send_email().content  # noqa: B018  (the stub's whole cost: build and read)
        stub_ns.append(clock() - started)
    stub_ns.sort()
    return {"kinds": kinds, "stub_ns_p50": stub_ns[len(stub_ns) // 2], "parts_ns_p50": parts}


def _attribute(
    module: ModuleType,
    handler: Callable[[dict[str, Any], BenchContext], dict[str, Any]],
    context: BenchContext,
    event: dict[str, Any],
    requests: int,
) -> dict[str, int]:
    """Where a warm request's time goes: composing the message, and the SES call.

    Separate from the timed loop (the wrappers cost a little). Looks the pieces up by name
    (``toiawase.core.submit.compose``, ``sender.send``) and skips any that is not there, so a
    refactoring of the handler makes this silent, never wrong.
    """
    clock = time.perf_counter_ns
    samples: dict[str, list[int]] = {}

    def timed(name: str, function: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            started = clock()
            try:
                return function(*args, **kwargs)
            finally:
                samples.setdefault(name, []).append(clock() - started)

        return wrapper

    service = sys.modules.get("toiawase.core.submit")
    sender = getattr(module, "sender", None)
    if service is not None and hasattr(service, "compose"):
        service.compose = timed("compose", service.compose)  # type: ignore[attr-defined]
    if sender is not None and hasattr(sender, "send"):
        sender.send = timed("ses_send", sender.send)
    for _ in range(min(300, requests)):
        handler(event, context)
    return {name: sorted(values)[len(values) // 2] for name, values in samples.items()}


def main(argv: list[str]) -> int:
    mode, source, out = argv[1], argv[2], argv[3]
    if mode == "floor":
        result = run_floor()
    elif mode == "handler":
        result = run_handler(source)
    elif mode == "warm":
        result = run_warm(source, int(argv[4]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    result["t_start"] = T_START
    result["cpu_s"] = time.process_time()  # this process's CPU so far: start-up to response
    result["peak_rss_bytes"] = peak_rss_bytes()
    result["python"] = sys.version.split()[0]
    with open(out, "w", encoding="utf-8") as sink:
        json.dump(result, sink)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
