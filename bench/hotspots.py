"""``python -m bench.hotspots``: where a warm request's time goes, function by function.

The same process as the warm figures of ``make bench`` (``bench/child.py``, mode ``profile``):
the built artifact, Lambda's environment with the template's defaults, botocore's socket
stubbed, the interpreter of ``bench/.venv-lambda313`` when it exists. After 50 unprofiled
requests, ``--requests`` requests of one encoding run under ``cProfile``; the table is per
request (cumulative and own time divided by the number of requests).

``cProfile`` adds its own cost to every Python call (roughly doubling a call-heavy request), so
read the table for *where* the time goes, and ``make bench`` for how much there is.

    .venv/bin/python -m bench.hotspots                       # .aws-sam/build/SubmitFunction
    .venv/bin/python -m bench.hotspots --kind json --sort tottime --limit 40
    .venv/bin/python -m bench.hotspots --code-root build/bench/SubmitFunction
"""

from __future__ import annotations

import argparse
import io
import json
import pstats
import sys
import tempfile
from pathlib import Path

from bench import measure, size, template_env
from bench.lambda_env import lambda_environment
from bench.run import LAMBDA_VENVS, REPO, SUBMIT
from bench.samples import events


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__)
    parser.add_argument("--kind", choices=("urlencoded", "json", "multipart"), default="urlencoded")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative")
    parser.add_argument("--limit", type=int, default=45)
    parser.add_argument("--callers", default="", help="also print the callers of these functions")
    parser.add_argument("--python", type=Path, default=None)
    parser.add_argument(
        "--code-root",
        type=Path,
        default=REPO / ".aws-sam" / "build" / SUBMIT,
        help="the artifact to import (default: the last sam build)",
    )
    parser.add_argument("--lightest", action="store_true", help="the contract's variables only")
    args = parser.parse_args(argv)
    if not (args.code_root / "toiawase").is_dir():
        parser.error(f"no artifact at {args.code_root}: run `make sam-build` (or give --code-root)")
    found = [v / "bin" / "python" for v in LAMBDA_VENVS if (v / "bin" / "python").exists()]
    python = args.python or (found[0] if found else measure.this_python())
    functions, _ = size.read_template(REPO / "template.yaml")
    memory_mb = next(f for f in functions if f.logical_id == SUBMIT).memory_mb
    deployed = template_env.function_environment(
        template_env.load_template(REPO / "template.yaml"), SUBMIT
    )
    function_env = template_env.lightest(deployed) if args.lightest else deployed
    env = lambda_environment(args.code_root, memory_mb, function_env=function_env)
    interpreter = measure.Interpreter("profile", python)
    with tempfile.TemporaryDirectory(prefix="toiawase-profile-") as scratch:
        events_path = Path(scratch) / "events.json"
        events_path.write_text(json.dumps(events()), encoding="utf-8")
        stats_path = Path(scratch) / "warm.pstats"
        _, result, _ = measure.run_child(
            interpreter,
            "profile",
            events_path,
            env,
            extra=[str(args.requests), args.kind, str(stats_path)],
        )
        text = io.StringIO()
        stats = pstats.Stats(str(stats_path), stream=text)
        total = stats.total_tt  # type: ignore[attr-defined]
        stats.sort_stats(args.sort).print_stats(args.limit)
        if args.callers:
            stats.print_callers(args.callers)
    print(
        f"{args.kind}: {args.requests} requests under cProfile, answered {result['status']}, "
        f"{len(result['calls']) // (args.requests + 50)} AWS calls each; "
        f"{total / args.requests * 1000:.3f} ms per request with the profiler's overhead"
    )
    print(f"python: {python}; artifact: {args.code_root}")
    print("per-request ms = the columns below / requests")
    print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
