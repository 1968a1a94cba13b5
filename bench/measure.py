"""Running the measured processes (``bench/child.py``) and reducing their clock readings.

Cold: each sample is a fresh process. The parent reads ``time.perf_counter()`` just before it
spawns the child, the child reads the same clock on its first line and again when the handler
returns. On Linux this clock is ``CLOCK_MONOTONIC``, one clock for every process, so
``child's last reading - parent's reading`` is the whole cold start: fork and exec, interpreter
start-up and ``site`` (the part Lambda's runtime bootstrap does), the import of the handler
module with everything it creates (Lambda's INIT), and the first invocation (Lambda's first
INVOKE). Process exit is not included. Floor and cold samples are interleaved round by round,
after one discarded warm-up round (page cache, the runtime's own first-run effects), so a busy
neighbour or a frequency change hits both alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("child.py")
CHILD_TIMEOUT_S = 300


class ChildFailed(RuntimeError):
    """A measured process did not produce a result: the benchmark is broken, not slow."""


@dataclass
class Interpreter:
    """A Python that plays Lambda's runtime: boto3 and Powertools (with the X-Ray SDK) installed."""

    label: str
    executable: Path
    version: str = ""


@dataclass
class ColdSample:
    total_s: float
    startup_s: float
    init_s: float
    invoke_s: float
    cpu_s: float
    peak_rss_bytes: int
    status: int


@dataclass
class ColdSeries:
    samples: list[ColdSample] = field(default_factory=list)

    def median(self, name: str) -> float:
        return float(statistics.median(getattr(sample, name) for sample in self.samples))

    def spread(self) -> float:
        """Interquartile range over median: how steady the machine was (0.05 is calm)."""
        values = sorted(s.total_s for s in self.samples)
        if len(values) < 4:
            return 0.0
        q1, _, q3 = statistics.quantiles(values, n=4)
        return (q3 - q1) / statistics.median(values)

    def summary(self) -> dict[str, Any]:
        return {
            "runs": len(self.samples),
            "median_ms": round(self.median("total_s") * 1000, 2),
            "min_ms": round(min(s.total_s for s in self.samples) * 1000, 2),
            "max_ms": round(max(s.total_s for s in self.samples) * 1000, 2),
            "median_startup_ms": round(self.median("startup_s") * 1000, 2),
            "median_init_ms": round(self.median("init_s") * 1000, 2),
            "median_invoke_ms": round(self.median("invoke_s") * 1000, 2),
            "median_cpu_ms": round(self.median("cpu_s") * 1000, 2),
            "peak_rss_mb": round(max(s.peak_rss_bytes for s in self.samples) / 2**20, 1),
            "statuses": sorted({s.status for s in self.samples}),
            "spread": round(self.spread(), 3),
            "samples_ms": [round(s.total_s * 1000, 2) for s in self.samples],
        }


def run_child(
    interpreter: Interpreter,
    mode: str,
    source: Path,
    env: dict[str, str],
    extra: list[str] | None = None,
    python_flags: list[str] | None = None,
) -> tuple[float, dict[str, Any], str]:
    """Spawn one measured process; return the parent's clock at spawn, its result and stderr.

    The result also holds ``cpu_s``, the child's own CPU time (user + system) from its start to
    the handler's return: less sensitive than wall time to a busy neighbour on a shared
    machine (waiting for a CPU is not counted), so it is reported beside it.
    """
    with tempfile.TemporaryDirectory(prefix="toiawase-bench-") as scratch:
        out = Path(scratch) / "result.json"
        argv = [
            str(interpreter.executable),
            *(python_flags or []),
            str(CHILD),
            mode,
            str(source),
            str(out),
            *(extra or []),
        ]
        spawned = time.perf_counter()
        completed = subprocess.run(  # noqa: S603  (our own interpreter and script)
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
        if completed.returncode != 0 or not out.exists():
            raise ChildFailed(
                f"{interpreter.label} {mode} exited {completed.returncode}:\n{completed.stderr}"
            )
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return spawned, result, completed.stderr


def cold_sample(spawned: float, result: dict[str, Any]) -> ColdSample:
    return ColdSample(
        total_s=result["t_done"] - spawned,
        startup_s=result["t_start"] - spawned,
        init_s=result["t_ready"] - result["t_init"],
        invoke_s=result["t_done"] - result["t_invoke"],
        cpu_s=float(result["cpu_s"]),
        peak_rss_bytes=int(result["peak_rss_bytes"]),
        status=int(result["status"]),
    )


def paired_ratio(cold: ColdSeries, floor: ColdSeries) -> float:
    """Median over rounds of cold / floor of the same round.

    Each round spawns the floor and the cold start back to back, so a busy neighbour or a
    frequency change that slows one round slows both; the per-round ratio cancels it, where a
    ratio of medians taken over different rounds does not.
    """
    return float(
        statistics.median(
            c.total_s / f.total_s for c, f in zip(cold.samples, floor.samples, strict=True)
        )
    )


@dataclass
class ColdVariant:
    """One kind of measured process: which mode, in which environment."""

    key: str
    interpreter: Interpreter
    mode: str
    env: dict[str, str]


def measure_cold(
    variants: list[ColdVariant], event_path: Path, runs: int, *, warmup: bool = True
) -> dict[str, ColdSeries]:
    """``runs`` rounds, each spawning every variant once, in order (floor, cold, …)."""
    series = {variant.key: ColdSeries() for variant in variants}
    for round_number in range(runs + (1 if warmup else 0)):
        for variant in variants:
            spawned, result, _ = run_child(
                variant.interpreter, variant.mode, event_path, variant.env
            )
            variant.interpreter.version = str(result["python"])
            if warmup and round_number == 0:
                continue
            series[variant.key].samples.append(cold_sample(spawned, result))
    return series


# Top-level modules grouped into what a reader recognises. Standard-library modules belong to
# no group: each is charged to whoever imported it first (see ``import_breakdown``).
IMPORT_GROUPS: dict[str, tuple[str, ...]] = {
    "AWS SDK (boto3, botocore, s3transfer, urllib3, dateutil, jmespath)": (
        "boto3",
        "botocore",
        "s3transfer",
        "urllib3",
        "dateutil",
        "jmespath",
        "six",
    ),
    "X-Ray SDK and wrapt, with asyncio (Powertools Tracer)": ("aws_xray_sdk", "wrapt"),
    "Powertools (Logger, Metrics, Tracer)": ("aws_lambda_powertools",),
    "email-validator, idna, dnspython": ("email_validator", "idna", "dns"),
    "toiawase, incl. its module-level work (SES client, Tracer set-up) and the stdlib it "
    "imports first (email)": ("toiawase",),
}


@dataclass
class _ImportNode:
    name: str
    self_us: int
    children: list[_ImportNode] = field(default_factory=list)


def _group_of(name: str) -> str | None:
    top = name.split(".")[0]
    return next((group for group, tops in IMPORT_GROUPS.items() if top in tops), None)


def import_breakdown(stderr: str) -> dict[str, float]:
    """Self time per group from ``-X importtime`` output, in ms.

    A module that belongs to no group (``ssl``, ``http.client`` …) is charged to the group of
    the module that imported it first, so "AWS SDK" includes the standard library it pulls in.
    What nobody in a group imported (interpreter start-up, ``site``) is "start-up and other".
    """
    stack: list[tuple[int, _ImportNode]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            _, self_us, _, raw_name = line.replace(":", "|", 1).split("|")
            node = _ImportNode(raw_name.strip(), int(self_us))
        except ValueError:
            continue
        depth = (len(raw_name) - len(raw_name.lstrip()) - 1) // 2
        # -X importtime prints children (depth + 1) right before their parent
        while stack and stack[-1][0] == depth + 1:
            node.children.insert(0, stack.pop()[1])
        stack.append((depth, node))
    totals: dict[str, float] = {}

    def charge(node: _ImportNode, inherited: str | None) -> None:
        group = _group_of(node.name) or inherited
        key = group or "start-up and other"
        totals[key] = totals.get(key, 0.0) + node.self_us / 1000
        for child in node.children:
            charge(child, group)

    for _, root in stack:
        charge(root, None)
    return dict(sorted(((k, round(v, 1)) for k, v in totals.items()), key=lambda kv: -kv[1]))


def measure_import_breakdown(variant: ColdVariant, event_path: Path) -> dict[str, float]:
    """One extra cold start under ``-X importtime``: where the import time goes, by group."""
    _, _, stderr = run_child(
        variant.interpreter,
        variant.mode,
        event_path,
        variant.env,
        python_flags=["-X", "importtime"],
    )
    return import_breakdown(stderr)


def percentile(sorted_values: list[int], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        raise ValueError("no samples")
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return float(sorted_values[rank - 1])


def measure_warm(
    interpreter: Interpreter, events_path: Path, env: dict[str, str], requests: int
) -> dict[str, Any]:
    """Per-request time over ``requests`` invocations of each event in one process, each
    followed by one call of the floor (one stubbed SendEmail) in the same process."""
    _, result, _ = run_child(interpreter, "warm", events_path, env, extra=[str(requests)])
    floor_samples = sorted(int(ns) for ns in result["floor_ns"])
    floor_p50 = percentile(floor_samples, 0.50)
    kinds: dict[str, Any] = {}
    # The floor calls were made in order, one after each request of each kind: each kind is
    # divided by the floor of its own moments, so a host that slows down between kinds (it
    # does, here) does not move one kind's ratio against another's.
    start = 0
    for kind, data in result["kinds"].items():
        samples = sorted(int(ns) for ns in data["ns"])
        own_floor = sorted(int(ns) for ns in result["floor_ns"][start : start + len(samples)])
        start += len(samples)
        kind_floor = percentile(own_floor, 0.50) if own_floor else floor_p50
        p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
        kinds[kind] = {
            "requests": len(samples),
            "p50_ms": round(p50 / 1e6, 3),
            "p99_ms": round(p99 / 1e6, 3),
            "mean_ms": round(statistics.fmean(samples) / 1e6, 3),
            "floor_p50_ms": round(kind_floor / 1e6, 3),
            "p50_ratio": round(p50 / kind_floor, 2),
            "p99_ratio": round(p99 / kind_floor, 2),
            "statuses": data["statuses"],
            "aws_calls": data["calls"],
            "write_units": data.get("write_units", 0),
        }
    parts = {name: round(int(ns) / 1e6, 3) for name, ns in result["parts_ns_p50"].items()}
    parts_floor = parts.get("floor") or floor_p50 / 1e6  # the floor calls between the parts'
    return {
        "python": result["python"],
        "floor": {
            "requests": len(floor_samples),
            "p50_ms": round(floor_p50 / 1e6, 3),
            "p99_ms": round(percentile(floor_samples, 0.99) / 1e6, 3),
        },
        "kinds": kinds,
        "stub_us_p50": round(int(result["stub_ns_p50"]) / 1000, 2),
        "parts_ms_p50": parts,
        "own_work_ratio": round(parts.get("own_work", 0.0) / parts_floor, 2),
        "design_floor": _design_floor(result.get("design_floor")),
        "peak_rss_mb": round(int(result["peak_rss_bytes"]) / 2**20, 1),
    }


def _design_floor(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """The warm bound (``bench/child.py``'s ``_design_floor``): its p50 and its ratio to the
    floor calls interleaved with it."""
    if not found:
        return None
    return {
        "p50_ms": round(int(found["ns_p50"]) / 1e6, 3),
        "floor_p50_ms": round(int(found["floor_ns_p50"]) / 1e6, 3),
        "ratio": round(int(found["ns_p50"]) / int(found["floor_ns_p50"]), 2),
        "calls": list(found["calls"]),
    }


def python_version(executable: Path) -> str:
    completed = subprocess.run(  # noqa: S603
        [str(executable), "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONNOUSERSITE": "1"},
    )
    return completed.stdout.strip()


def this_python() -> Path:
    return Path(sys.executable)
