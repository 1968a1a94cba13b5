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

from bench import calls, files, headers, load, measure, price, report, sam, size, template_env
from bench import forms as forms_bench
from bench.lambda_env import lambda_environment
from bench.samples import events

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "bench" / "results" / "latest.json"
DEFAULT_BUILD = REPO / "build" / "bench"
# Python 3.13 (Lambda's runtime) first: the targets are set on it.
LAMBDA_VENVS = (REPO / "bench" / ".venv-lambda313", REPO / "bench" / ".venv-lambda")
SUBMIT = "SubmitFunction"


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
    parser.add_argument("--no-sam", action="store_true", help="do not run sam build (emulate)")
    parser.add_argument(
        "--no-load", dest="load", action="store_false", help="skip the simulated SES-rate load"
    )
    args = parser.parse_args(argv)
    if args.tiny:
        args.runs, args.requests = 1, 1
        args.size_method = args.size_method or "installed"
    args.size_method = args.size_method or "pip"
    return args


def before_invoke_ms(figures: dict[str, Any]) -> float:
    """A cold start's time before its first invocation: start-up and INIT (both billed since
    2025-08-01, both on a full vCPU in the model), the sum of their medians."""
    return float(figures["median_startup_ms"] + figures["median_init_ms"])


def in_lambda(entry: dict[str, Any], memory_mb: int) -> dict[str, Any]:
    """The cold starts as Lambda would run them at ``memory_mb``, by bench/price.py's CPU
    model: start-up and INIT on a full vCPU (an on-demand INIT is not throttled), the first
    invoke on ``memory_mb / 1769`` of one. This machine runs both phases at full speed, so
    the measured ratio cannot show where the work is done; this one can. Information only."""

    def modelled(figures: dict[str, Any]) -> float:
        return price.lambda_ms(before_invoke_ms(figures), figures["median_invoke_ms"], memory_mb)

    floor_ms, cold_ms, needs_ms = (modelled(entry[k]) for k in ("floor", "cold", "needs"))
    return {
        "memory_mb": memory_mb,
        "floor_ms": round(floor_ms, 1),
        "cold_ms": round(cold_ms, 1),
        "needs_ms": round(needs_ms, 1),
        "ratio": round(cold_ms / floor_ms, 3),
        "needs_ratio": round(needs_ms / floor_ms, 3),
    }


def interpreters(chosen: list[Path] | None, tiny: bool) -> list[measure.Interpreter]:
    if chosen:
        paths = chosen
    elif tiny:
        paths = [measure.this_python()]
    else:
        found = [
            venv / "bin" / "python" for venv in LAMBDA_VENVS if (venv / "bin" / "python").exists()
        ]
        paths = found[:1] or [measure.this_python()]
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


def build(args: argparse.Namespace, functions: list[size.FunctionSpec]) -> dict[str, Any]:
    """Size every function's artifact; from ``sam build`` when it runs, else emulated (said)."""
    submit = next(f for f in functions if f.logical_id == SUBMIT)
    if args.tiny:
        built = sam.SamBuild(None, "tiny mode: sam build not run (emulated, figures mean nothing)")
    elif args.no_sam:
        built = sam.SamBuild(None, "--no-sam given: sam build not run")
    else:
        built = sam.sam_build(REPO, submit.runtime)
    roots = {f.logical_id: built.function_root(f.logical_id) for f in functions}
    if built.build_dir is not None and all(roots.values()):
        sizes = size.measure_built(
            {k: v for k, v in roots.items() if v is not None}, functions, args.build_dir
        )
        return {"sam_build": True, "command": built.command, "reason": "", "functions": sizes}
    reason = built.reason or "sam build left no directory for every function"
    sizes = size.measure_sizes(REPO, args.build_dir, functions, method=args.size_method)
    for info in sizes.values():
        info["method"] = f"emulated sam build ({info['method']})"
    return {"sam_build": False, "command": "", "reason": reason, "functions": sizes}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(tz=UTC)
    functions, _ = size.read_template(REPO / "template.yaml")
    submit = next(f for f in functions if f.logical_id == SUBMIT)
    memory_mb = submit.memory_mb
    template = template_env.load_template(REPO / "template.yaml")
    deployed_vars = template_env.function_environment(template, SUBMIT)
    lightest_vars = template_env.lightest(deployed_vars)
    results: dict[str, Any] = {
        "schema": 2,
        "mode": "tiny" if args.tiny else "full",
        "generated_at": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "configurations": {
            "deployed": {
                "features": template_env.features(deployed_vars),
                "environment": deployed_vars,
            },
            "lightest": {
                "features": template_env.features(lightest_vars),
                "environment": lightest_vars,
            },
        },
    }

    # size first: the measured processes import the function from the built artifact
    built = build(args, functions)
    results["size"] = {
        **built,
        "excluded": "boto3/botocore (runtime), Powertools and the X-Ray SDK (layer)",
    }
    code_root = Path(built["functions"][SUBMIT]["code_root"])

    pythons = interpreters(args.python, args.tiny)
    deployed = lambda_environment(code_root, memory_mb, function_env=deployed_vars)
    lightest = lambda_environment(code_root, memory_mb, function_env=lightest_vars)
    traced = lambda_environment(code_root, memory_mb, function_env=deployed_vars, tracing=True)
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
                measure.ColdVariant(f"{py.label}|needs", py, "needs", deployed),
                measure.ColdVariant(f"{py.label}|cold", py, "handler", deployed),
                measure.ColdVariant(f"{py.label}|cold_lightest", py, "handler", lightest),
                measure.ColdVariant(f"{py.label}|cold_traced", py, "handler", traced),
            ]
        series = measure.measure_cold(variants, event_path, args.runs, warmup=not args.tiny)
        cold: dict[str, Any] = {}
        for py in pythons:
            floor_series = series[f"{py.label}|floor"]
            floor = floor_series.summary()
            entry: dict[str, Any] = {"executable": str(py.executable), "floor": floor}
            for name in ("cold", "cold_lightest", "cold_traced", "needs"):
                figures = series[f"{py.label}|{name}"].summary()
                figures["ratio"] = round(
                    measure.paired_ratio(series[f"{py.label}|{name}"], floor_series), 3
                )
                figures["ratio_of_medians"] = round(figures["median_ms"] / floor["median_ms"], 3)
                figures["cpu_ratio"] = round(figures["median_cpu_ms"] / floor["median_cpu_ms"], 3)
                entry[name] = figures
            # the target's figure: per-round ratios, robust to a busy machine
            entry["ratio"] = entry["cold"]["ratio"]
            entry["ratio_of_medians"] = entry["cold"]["ratio_of_medians"]
            entry["ratio_traced"] = entry["cold_traced"]["ratio"]
            entry["cpu_ratio"] = entry["cold"]["cpu_ratio"]
            entry["in_lambda"] = in_lambda(entry, memory_mb)
            cold[py.label] = entry
        primary = pythons[0]
        handler_variant = next(v for v in variants if v.key == f"{primary.label}|cold")
        breakdown = measure.measure_import_breakdown(handler_variant, event_path)
        results["cold"] = {
            "interpreters": cold,
            "import_self_ms_by_group": breakdown,
            "event": "urlencoded Japanese inquiry, browser Accept (answered 303)",
            "clock": "spawn to handler return: fork/exec, interpreter start-up, INIT, 1st invoke",
        }
        warm = measure.measure_warm(primary, events_path, deployed, args.requests)
        warm["label"] = primary.label
        results["warm"] = warm
        light = measure.measure_warm(primary, events_path, lightest, args.requests)
        light["label"] = primary.label
        results["warm_lightest"] = light
        # The forms file: 0, 1, 10, 100 forms (bench/forms.py), on the first interpreter.
        results["forms"] = forms_bench.measure_forms(
            primary,
            deployed,
            event_path,
            events_path,
            Path(scratch),
            args.runs,
            max(1, args.requests // 4),
            warmup=not args.tiny,
        )

    submission_calls = results["warm"]["kinds"]["urlencoded"]["aws_calls"]
    own_ms = results["warm"]["parts_ms_p50"].get("own_work", 0.0)
    aws_local_ms = results["warm"]["parts_ms_p50"].get("aws_calls", 0.0)
    results["calls"] = {
        "per_submission": len(submission_calls),
        "sequence": submission_calls,
        "by_operation": calls.by_operation(submission_calls),
        "lightest_per_submission": len(
            results["warm_lightest"]["kinds"]["urlencoded"]["aws_calls"]
        ),
        "per_call_ms": {**calls.PER_CALL_MS, **calls.PER_OPERATION_MS},
        "source": calls.SOURCE,
        "modelled_latency_ms": calls.modelled_latency_ms(own_ms + aws_local_ms, submission_calls),
    }
    if args.load:
        results["load"] = load.simulate(load.Scenario()).as_dict()
    results["headers"] = headers.measure(runs=5 if args.tiny else 200)

    warm_ms = results["warm"]["kinds"]["urlencoded"]["p50_ms"]
    first = cold[primary.label]["cold"]
    invoke_ms = first["median_invoke_ms"]
    writes = results["warm"]["kinds"]["urlencoded"].get("write_units", 0)
    # The same cold start as the modelled row (``in_lambda``), so the two agree.
    results["price"] = price.price_report(
        warm_ms, before_invoke_ms(first), invoke_ms, memory_mb, dynamodb_writes=writes
    )
    results["targets"] = [t.as_dict() for t in report.targets(results)]
    table = report.render(results) + "\n" + forms_bench.render(results["forms"])
    # File uploads (issue 12): their own rows, from their own module.
    results["files"] = files.measure(primary.executable, deployed, args.requests)
    table += "\n\n" + files.render(results["files"], memory_mb)
    results["table"] = table
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table)
    print(f"\nwritten: {args.out}")
    return 0
