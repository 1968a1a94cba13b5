"""Forms-file rows of ``make bench``: INIT, first invoke and warm p50 with 0, 1, 10 and 100 forms.

The function reads and checks the compiled forms file once per container, at the first request
(``core.forms.load``, cached), and a request then validates against its own form only. So:

* the cold start with a forms file may grow only by reading and checking the JSON once — with 10
  forms it must stay within 5 % of the cold start without a forms file (the ratio is paired per
  round, like the main cold figure, and printed with the absolute medians beside it);
* warm p50 must not grow with the number of forms.

Each variant runs the same built artifact with the template's environment; only ``FORMS_FILE``
differs (empty = the environment's one form). The forms are the repository's ``forms.yaml``
``contact`` form (the default, where the sample events post) plus copies of its ``quote`` form.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bench import measure

COUNTS = (1, 10, 100)
COLD_RATIO_MAX = 1.05  # 10 forms vs none
REPO = Path(__file__).resolve().parents[1]
_CONTRACT = {
    "RECIPIENT_ADDRESSES": "owner@example.com",
    "ALLOWED_ORIGINS": "https://www.example.com",
}


def _sample_forms() -> dict[str, Any]:
    """contact and quote from forms.yaml, read without PyYAML if the runtime venv lacks it."""
    try:
        import yaml
    except ImportError:  # pragma: no cover - the bench runs from the dev venv, which has it
        raise SystemExit("bench needs PyYAML (pip install -e '.[dev]')") from None
    data = yaml.safe_load((REPO / "forms.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def forms_document(count: int) -> dict[str, Any]:
    """A compiled forms document of ``count`` forms: contact (the default) and quote copies."""
    sample = _sample_forms()
    forms: dict[str, Any] = {"contact": sample["forms"]["contact"]}
    for number in range(1, count):
        forms[f"quote-{number}"] = copy.deepcopy(sample["forms"]["quote"])
    return {"default_form": "contact", "forms": forms}


def load_times_ms(scratch: Path, repeats: int = 20) -> dict[str, float]:
    """Median time to read and check each compiled file (``load.forms_from_document`` after
    ``json.loads``), in this process: the once-per-container cost, free of start-up noise."""
    import statistics
    import time

    from toiawase.core.config import load_settings
    from toiawase.core.forms.load import forms_from_document
    from toiawase.core.forms.patterns import compiled

    settings = load_settings({"SENDER_ADDRESS": "forms@example.com", **_CONTRACT})
    result: dict[str, float] = {}
    for count in COUNTS:
        data = (scratch / f"forms-{count}.json").read_bytes()
        samples = []
        for _ in range(repeats):
            compiled.cache_clear()  # a new container compiles its patterns again
            started = time.perf_counter_ns()
            forms_from_document(json.loads(data), settings)
            samples.append(time.perf_counter_ns() - started)
        result[str(count)] = round(statistics.median(samples) / 1e6, 3)
    return result


def measure_forms(
    interpreter: measure.Interpreter,
    base_env: dict[str, str],
    event_path: Path,
    events_path: Path,
    scratch: Path,
    runs: int,
    requests: int,
    *,
    warmup: bool = True,
) -> dict[str, Any]:
    """Cold (INIT, first invoke, total) and warm p50 per number of forms; ratios to none."""
    envs: dict[str, dict[str, str]] = {"none": {**base_env, "FORMS_FILE": ""}}
    for count in COUNTS:
        path = scratch / f"forms-{count}.json"
        path.write_text(json.dumps(forms_document(count)), encoding="utf-8")
        envs[str(count)] = {**base_env, "FORMS_FILE": str(path)}
    variants = [
        measure.ColdVariant(f"forms|{name}", interpreter, "handler", env)
        for name, env in envs.items()
    ]
    series = measure.measure_cold(variants, event_path, runs, warmup=warmup)
    none = series["forms|none"]
    rows: dict[str, Any] = {}
    for name, env in envs.items():
        summary = series[f"forms|{name}"].summary()
        warm = measure.measure_warm(interpreter, events_path, env, requests)
        rows[name] = {
            "forms": 0 if name == "none" else int(name),
            "cold_median_ms": summary["median_ms"],
            "init_median_ms": summary["median_init_ms"],
            "first_invoke_median_ms": summary["median_invoke_ms"],
            "cold_ratio_to_none": round(measure.paired_ratio(series[f"forms|{name}"], none), 3),
            "statuses": summary["statuses"],
            "warm_p50_ms": warm["kinds"]["urlencoded"]["p50_ms"],
            "warm_statuses": warm["kinds"]["urlencoded"]["statuses"],
        }
    ten = rows["10"]["cold_ratio_to_none"]
    loads = load_times_ms(scratch)
    for forms_count, ms in loads.items():
        rows[forms_count]["load_ms"] = ms
    return {
        "interpreter": interpreter.label,
        "runs": runs,
        "requests": requests,
        "rows": rows,
        "cold_10_vs_none": {"ratio": ten, "limit": COLD_RATIO_MAX, "passed": ten <= COLD_RATIO_MAX},
    }


def render(forms: dict[str, Any]) -> str:
    """The forms rows, as lines under the main table."""
    lines = [
        f"\nForms file ({forms['interpreter']}, {forms['runs']} cold runs, "
        f"{forms['requests']} warm requests each; ratios paired per round to no forms file)",
        f"{'forms':>6}  {'cold ms':>9}  {'INIT ms':>9}  {'1st invoke':>10}  "
        f"{'cold/none':>9}  {'warm p50 ms':>11}",
    ]
    for name, row in forms["rows"].items():
        lines.append(
            f"{name:>6}  {row['cold_median_ms']:>9.1f}  {row['init_median_ms']:>9.1f}  "
            f"{row['first_invoke_median_ms']:>10.1f}  {row['cold_ratio_to_none']:>9.3f}  "
            f"{row['warm_p50_ms']:>11.3f}"
        )
    loads = ", ".join(
        f"{row['forms']} forms {row['load_ms']:.2f} ms"
        for row in forms["rows"].values()
        if "load_ms" in row
    )
    lines.append(f"read + check the compiled file once per container (in-process median): {loads}")
    check = forms["cold_10_vs_none"]
    verdict = "ok" if check["passed"] else "OVER"
    lines.append(
        f"cold with 10 forms / without: {check['ratio']:.3f} (<= {check['limit']}) {verdict}"
    )
    return "\n".join(lines)
