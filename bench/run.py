"""``python -m bench``: measure, compare with the targets, print one table, write the JSON.

Full run (``make bench``): the function's artifact is built as ``sam build`` would build it
(see ``bench.size``) and every measured process imports the function from that copy, with a
Python that has only what Lambda's runtime and the Powertools layer provide
(``bench/.venv-lambda``, and ``bench/.venv-lambda313`` for Python 3.13 when it exists).

``--tiny`` runs everything once, with the running interpreter and without a package index, so the
test suite can prove the benchmark still works. Its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import files, measure, price, report, size
from bench.lambda_env import lambda_environment
from bench.samples import events

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "bench" / "results" / "latest.json"
DEFAULT_BUILD = REPO / "build" / "bench"
LAMBDA_VENVS = (REPO / "bench" / ".venv-lambda", REPO / "bench" / ".venv-lambda313")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="one iteration of everything")
    parser.add_argument("--runs", type=int, default=15, help="cold starts per variant (>= 7)")
    parser.add_argument("--requests", type=int, default=2000, help="warm requests per encoding")
    parser.add_argument(
        "--python",
        action="append",
        type=Path,
        default=None,
        help="interpreter playing Lambda's runtime (repeatable; the first one is also used for "
        "the warm figures); default: bench/.venv-lambda*, else this interpreter",
    )
    parser.add_argument("--size-method", choices=("pip", "installed"), default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD)
    args = parser.parse_args(argv)
    if args.tiny:
        args.runs, args.requests = 1, 1
        args.size_method = args.size_method or "installed"
    args.size_method = args.size_method or "pip"
    return args


def interpreters(chosen: list[Path] | None, tiny: bool) -> list[measure.Interpreter]:
    if chosen:
        paths = chosen
    elif tiny:
        paths = [measure.this_python()]
    else:
        found = [
            venv / "bin" / "python" for venv in LAMBDA_VENVS if (venv / "bin" / "python").exists()
        ]
        paths = found or [measure.this_python()]
    result = []
    for path in paths:
        version = measure.python_version(path)
        result.append(measure.Interpreter(f"python {version}", path, version))
    return result


def machine() -> dict[str, Any]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu_model": model,
        "nproc": nproc,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "bench_python": sys.version.split()[0],
        "load_avg_start": " ".join(f"{x:.2f}" for x in load),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(tz=UTC)
    functions, _ = size.read_template(REPO / "template.yaml")
    submit = next(f for f in functions if f.handler == "toiawase.handlers.submit.lambda_handler")
    memory_mb = submit.memory_mb
    results: dict[str, Any] = {
        "schema": 1,
        "mode": "tiny" if args.tiny else "full",
        "generated_at": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
    }

    # size first: the measured processes import the function from the built artifact
    sizes = size.measure_sizes(REPO, args.build_dir, functions, method=args.size_method)
    results["size"] = {
        "functions": sizes,
        "excluded": "boto3/botocore (runtime), Powertools and the X-Ray SDK (layer)",
    }
    code_root = Path(sizes[submit.logical_id]["code_root"])

    pythons = interpreters(args.python, args.tiny)
    # As deployed by default (PowertoolsTracer=disabled), and with the Tracer switched on.
    deployed = lambda_environment(code_root, memory_mb, tracing=False)
    traced = lambda_environment(code_root, memory_mb, tracing=True)
    with tempfile.TemporaryDirectory(prefix="toiawase-bench-") as scratch:
        samples = events()
        event_path = Path(scratch) / "event.json"
        event_path.write_text(json.dumps(samples["urlencoded"]), encoding="utf-8")
        events_path = Path(scratch) / "events.json"
        events_path.write_text(json.dumps(samples), encoding="utf-8")

        variants: list[measure.ColdVariant] = []
        for py in pythons:
            variants += [
                measure.ColdVariant(f"{py.label}|floor", py, "floor", deployed),
                measure.ColdVariant(f"{py.label}|cold", py, "handler", deployed),
                measure.ColdVariant(f"{py.label}|cold_traced", py, "handler", traced),
            ]
        series = measure.measure_cold(variants, event_path, args.runs, warmup=not args.tiny)
        cold: dict[str, Any] = {}
        for py in pythons:
            floor_series = series[f"{py.label}|floor"]
            floor = floor_series.summary()
            handler = series[f"{py.label}|cold"].summary()
            with_tracer = series[f"{py.label}|cold_traced"].summary()
            cold[py.label] = {
                "executable": str(py.executable),
                "floor": floor,
                "cold": handler,
                "cold_traced": with_tracer,
                # the target's figure: per-round ratios, robust to a busy machine
                "ratio": round(measure.paired_ratio(series[f"{py.label}|cold"], floor_series), 3),
                "ratio_of_medians": round(handler["median_ms"] / floor["median_ms"], 3),
                "ratio_traced": round(
                    measure.paired_ratio(series[f"{py.label}|cold_traced"], floor_series), 3
                ),
                "cpu_ratio": round(handler["median_cpu_ms"] / floor["median_cpu_ms"], 3),
            }
        primary = pythons[0]
        breakdown = measure.measure_import_breakdown(variants[1], event_path)
        results["cold"] = {
            "interpreters": cold,
            "import_self_ms_by_group": breakdown,
            "event": "urlencoded Japanese inquiry, browser Accept (answered 303)",
            "clock": "spawn to handler return: fork/exec, interpreter start-up, INIT, 1st invoke",
        }
        warm = measure.measure_warm(primary, events_path, traced, args.requests)
        warm["label"] = primary.label
        results["warm"] = warm

    warm_ms = results["warm"]["kinds"]["urlencoded"]["p50_ms"]
    first = cold[primary.label]["cold"]
    invoke_ms = first["median_invoke_ms"]
    results["price"] = price.price_report(
        warm_ms, first["median_ms"] - invoke_ms, invoke_ms, memory_mb
    )
    results["targets"] = [t.as_dict() for t in report.targets(results)]
    table = report.render(results)
    # File uploads (issue 12): their own rows, from their own module.
    results["files"] = files.measure(primary.executable, deployed, args.requests)
    table += "\n\n" + files.render(results["files"], memory_mb)
    results["table"] = table
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table)
    print(f"\nwritten: {args.out}")
    return 0
