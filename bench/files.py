"""The file-upload rows of ``make bench`` (issue 12): memory, warm latency and price with files.

* **Peak memory** while a file goes through the function, as a multiple of the file's size above
  the baseline; the target is under 3 (issue 12). Rows: the request path up to the checked file
  (base64 decode, multipart parse, content check) with a 5 MB PDF, and the whole request, each
  attached and sent, for the largest body the function can be given (4.6 MB through the form
  post) and a 5 MB PDF uploaded straight to S3. Each whole-request row names the stage of its
  peak (``parse``: event to admitted submission; ``compose``; ``ses``: the SendEmail call;
  ``after``). The SES call streams the message into its JSON body (``adapters/ses.py``); with
  botocore's own serialisation it alone took about 5.5 times the file (``bench/ses_options.py``).
* **Warm p50** of a form post carrying a 1 MB PDF (multipart, base64 in the event).
* **Price per 1,000 submissions** with a 1 MB file: the base price (``bench.price``) plus the
  longer invocation, S3 (one PUT, one GET to attach, storage for ``RetentionDays``) and SES's
  per-GB charge for the attachment (1.37 MB once base64-encoded).

Each scenario runs ``bench/files_child.py`` in a fresh process with the artifact on the path and
every AWS call answered in memory. Hooked into ``bench.run`` by two lines (``measure`` and
``render``); the rest of the benchmark does not depend on this module.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench import price

CHILD = Path(__file__).with_name("files_child.py")
TARGET_MEMORY_RATIO = 3.0
# https://aws.amazon.com/s3/pricing/ - S3 Standard, us-east-1: PUT/COPY per 1,000 requests, GET
# per 1,000, storage per GB-month (first 50 TB). As of the date in bench.price.
S3_PUT_PER_THOUSAND_USD = 0.005
S3_GET_PER_THOUSAND_USD = 0.0004
S3_GB_MONTH_USD = 0.023
# https://aws.amazon.com/ses/pricing/ - "data you send": $0.12 per GB of outgoing messages.
SES_PER_GB_USD = 0.12
RETENTION_DAYS = 30  # template.yaml's default

FORMS = {
    "forms": {
        "jobs": {
            "title": "Jobs",
            "fields": {
                "email": {"type": "email", "required": True, "reply_to": True},
                "message": {"type": "textarea"},
                "cv": {"type": "file", "accept": ["application/pdf"], "max_size": "10MB"},
            },
        }
    }
}


def _run(python: Path, env: dict[str, str], scratch: Path, scenario: str, n: int) -> Any:  # noqa: ANN401
    out = scratch / f"{scenario}.json"
    subprocess.run(  # noqa: S603 - our own interpreter and script
        [str(python), str(CHILD), scenario, str(out), str(n)],
        env=env,
        check=True,
        timeout=600,
        capture_output=True,
    )
    return json.loads(out.read_text(encoding="utf-8"))


def measure(python: Path, lambda_env: dict[str, str], requests: int) -> dict[str, Any]:
    """Run the three scenarios; the figures, with the memory ratios checked against 3."""
    with tempfile.TemporaryDirectory(prefix="toiawase-bench-files-") as folder:
        scratch = Path(folder)
        forms_file = scratch / "forms.json"
        forms_file.write_text(json.dumps(FORMS), encoding="utf-8")
        env = {
            **lambda_env,
            # The function code imports the forms file and the bucket; the tables are the
            # template's (every call is answered in memory by the child).
            "FORMS_FILE": str(forms_file),
            "FILES_BUCKET": "bench-files",
            "SUBMISSIONS_TABLE": "bench-submissions",
            "IDEMPOTENCY_TABLE": "bench-idempotency",
            "RATE_LIMIT_TABLE": "bench-rate-limits",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
        parse = _run(python, env, scratch, "parse-5mb", 1)
        post = _run(python, env, scratch, "post-4.4mb", 1)
        s3 = _run(python, env, scratch, "s3-5mb", 1)
        warm = _run(python, env, scratch, "warm-1mb", max(3, min(requests, 50)))
    return {"parse": parse, "post": post, "s3": s3, "warm": warm}


def price_per_thousand(warm_p50_ms: float, memory_mb: int, file_bytes: int) -> dict[str, float]:
    """USD per 1,000 submissions with one file of ``file_bytes``, by part."""
    gb = file_bytes / 1024**3
    compute = 1000 * (
        price.lambda_duration_usd(price.lambda_ms(0.0, warm_p50_ms, memory_mb), memory_mb)
        + price.LAMBDA_REQUEST_PER_MILLION_USD / 1_000_000
    )
    api = price.HTTP_API_PER_MILLION_USD / 1_000_000 * 1000 * max(1, -(-file_bytes // (512 * 1024)))
    s3 = (
        S3_PUT_PER_THOUSAND_USD
        + S3_GET_PER_THOUSAND_USD
        + 1000 * gb * S3_GB_MONTH_USD * RETENTION_DAYS / 30
    )
    ses = price.SES_PER_THOUSAND_USD + 1000 * gb * 1.37 * SES_PER_GB_USD
    parts = {"lambda": compute, "http_api": api, "s3": s3, "ses": ses}
    parts["total"] = sum(parts.values())
    return {k: round(v, 4) for k, v in parts.items()}


def _whole(label: str, figure: dict[str, Any]) -> tuple[str, str, str, str]:
    """A whole-request row: the ratio, its target and verdict, and the stage of the peak."""
    stages: dict[str, float] = figure.get("stages") or {}
    where = max(stages, key=lambda name: stages[name]) if stages else "?"
    verdict = "ok" if figure["ratio"] < TARGET_MEMORY_RATIO else "MISSED"
    return (
        label,
        f"{figure['ratio']:.2f} x file ({figure['peak_bytes'] / 1e6:.1f} MB, peak in {where})",
        f"< {TARGET_MEMORY_RATIO:g} x",
        verdict,
    )


def render(figures: dict[str, Any], memory_mb: int) -> str:
    """The rows, in the benchmark table's plain style."""
    parse, post, s3, warm = figures["parse"], figures["post"], figures["s3"], figures["warm"]
    cost = price_per_thousand(warm["p50_ms"], memory_mb, warm["file_bytes"])
    rows = [
        (
            "files: peak memory, 5 MB decode+parse+check",
            f"{parse['ratio']:.2f} x file ({parse['peak_bytes'] / 1e6:.1f} MB)",
            f"< {TARGET_MEMORY_RATIO:g} x",
            "ok" if parse["ratio"] < TARGET_MEMORY_RATIO else "MISSED",
        ),
        _whole("files: peak memory, whole 4.6 MB post", post),
        _whole("files: peak memory, whole 5 MB via S3", s3),
        ("files: warm p50, post with 1 MB PDF", f"{warm['p50_ms']:.1f} ms", "", ""),
        (
            "files: USD per 1,000 with 1 MB file",
            f"{cost['total']:.4f} (SES {cost['ses']:.4f}, S3 {cost['s3']:.4f}, "
            f"Lambda {cost['lambda']:.4f}, API {cost['http_api']:.4f})",
            "",
            "",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{a.ljust(width)}  {b}  {c}  {d}".rstrip() for a, b, c, d in rows)
