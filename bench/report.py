"""Targets, verdicts and the one table ``make bench`` prints (and stores in the JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.price import LAMBDA_FULL_VCPU_MB

# Issue 15's targets, as deployed with the template's defaults, on Python 3.13.
COLD_RATIO_MAX = 1.15  # x the floor's cold start (stretch 1.10)
COLD_RATIO_STRETCH = 1.10
WARM_P50_MAX_RATIO = 4.0  # x the floor's warm SendEmail (stretch 3)
WARM_P50_STRETCH = 3.0
WARM_P99_MAX_RATIO = 6.0
AWS_CALLS_MAX = 3  # sequential AWS calls on the success path
# Red-team finding 3: no header may cost more than a whole normal request (core only).
HEADER_RATIO_MAX = 1.0
PEAK_RSS_MAX_MB = 80.0  # MiB, as Lambda counts memory
ARTIFACT_MAX_BYTES = 1024 * 1024  # 1 MiB


@dataclass(frozen=True)
class Target:
    """One goal of issue 7: a measured figure against its ceiling."""

    name: str
    figure: float
    limit: float
    unit: str

    @property
    def passed(self) -> bool:
        return self.figure <= self.limit

    def verdict(self) -> str:
        if self.passed:
            return f"pass ({_fmt(self.limit - self.figure, self.unit)} spare)"
        over = self.figure - self.limit
        return f"MISS by {_fmt(over, self.unit)} ({self.figure / self.limit:.2f}x the target)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "figure": self.figure,
            "limit": self.limit,
            "unit": self.unit,
            "passed": self.passed,
            "miss_by": 0.0 if self.passed else round(self.figure - self.limit, 4),
            "verdict": self.verdict(),
        }


def _fmt(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 1024:,.0f} KiB"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "":
        return f"{value:g}"
    return f"{value:.1f} {unit}"


def targets(results: dict[str, Any]) -> list[Target]:
    found: list[Target] = []
    for label, cold in results["cold"]["interpreters"].items():
        found.append(Target(f"cold/floor ({label})", cold["ratio"], COLD_RATIO_MAX, "x"))
    for kind, warm in results["warm"]["kinds"].items():
        found.append(Target(f"warm {kind} p50/floor", warm["p50_ratio"], WARM_P50_MAX_RATIO, "x"))
        found.append(Target(f"warm {kind} p99/floor", warm["p99_ratio"], WARM_P99_MAX_RATIO, "x"))
    found.append(
        Target("AWS calls per submission", results["calls"]["per_submission"], AWS_CALLS_MAX, "")
    )
    for label, cold in results["cold"]["interpreters"].items():
        found.append(
            Target(f"peak RSS, cold ({label})", cold["cold"]["peak_rss_mb"], PEAK_RSS_MAX_MB, "MiB")
        )
    for function, size in results["size"]["functions"].items():
        found.append(Target(f"artifact {function}", size["zip_bytes"], ARTIFACT_MAX_BYTES, "bytes"))
    headers = results.get("headers")
    if headers:
        found.append(
            Target(
                "worst header / normal request",
                headers["worst_ratio_to_normal"],
                HEADER_RATIO_MAX,
                "x",
            )
        )
    return found


def _short(group: str) -> str:
    """A group's name without its explanation in parentheses or after a comma."""
    return group.split(" (", 1)[0].split(",", 1)[0]


def _usd(value: float) -> str:
    return f"${value:.4f}" if value >= 0.01 else f"${value:.6f}"


def render(results: dict[str, Any]) -> str:
    """The table: one row per figure, with its target and verdict where there is one."""
    by_name = {t["name"]: t for t in results["targets"]}
    rows: list[tuple[str, str, str, str, str]] = []

    def add(section: str, measure: str, figure: str, target: str = "", verdict: str = "") -> None:
        rows.append((section, measure, figure, target, verdict))

    def check(name: str) -> tuple[str, str]:
        target = by_name[name]
        limit = target["limit"]
        shown = (
            f"<= {limit / 1024:,.0f} KiB"
            if target["unit"] == "bytes"
            else f"<= {limit:g}{target['unit']}"
            if target["unit"] in ("x", "")
            else f"<= {limit:g} {target['unit']}"
        )
        return shown, target["verdict"]

    build = results["size"]
    add(
        "config",
        "deployed (template defaults): "
        + (", ".join(results["configurations"]["deployed"]["features"]) or "nothing optional"),
        "",
    )
    add("config", "lightest: the contract's variables only, every optional feature off", "")
    if build["sam_build"]:
        add("config", f"artifact: {build['command']} (.aws-sam/build/<Function>)", "")
    else:
        add("config", f"artifact: NOT sam build - {build['reason']}", "")
    cold = results["cold"]
    for label, data in cold["interpreters"].items():
        floor, handler = data["floor"], data["cold"]
        add(
            "cold",
            f"floor, {label}: boto3, sesv2 client, 1 SendEmail (median of {floor['runs']})",
            f"{floor['median_ms']:.1f} ms",
        )
        add(
            "cold",
            f"cold, {label}, deployed: handler, 1 JP form post (median of {handler['runs']})",
            f"{handler['median_ms']:.1f} ms",
        )
        add(
            "cold",
            f"  cold = start-up {handler['median_startup_ms']:.0f} + INIT "
            f"{handler['median_init_ms']:.0f} + first invoke {handler['median_invoke_ms']:.1f} ms",
            "",
        )
        modelled = data.get("in_lambda")
        if modelled:
            add(
                "cold",
                f"  modelled in Lambda at {modelled['memory_mb']} MB (start-up and INIT on a full "
                f"vCPU, the first invoke on {modelled['memory_mb']}/{LAMBDA_FULL_VCPU_MB} of one; "
                f"bench/price.py): {modelled['cold_ms']:.0f} / {modelled['floor_ms']:.0f} ms, "
                f"the bound {modelled['needs_ratio']:.2f}x (info)",
                f"{modelled['ratio']:.2f}x",
            )
        stretch = " (stretch 1.10x met)" if data["ratio"] <= COLD_RATIO_STRETCH else ""
        shown, verdict = check(f"cold/floor ({label})")
        add(
            "cold",
            f"cold / floor, {label}, deployed ({handler['median_ms']:.0f} / "
            f"{floor['median_ms']:.0f} ms)",
            f"{data['ratio']:.2f}x",
            shown,
            verdict + stretch,
        )
        busy = " (busy machine: rerun)" if floor["spread"] > 0.15 else ""
        add(
            "cold",
            f"  median of per-round ratios; ratio of medians {data['ratio_of_medians']:.2f}x, "
            f"of CPU times {data['cpu_ratio']:.2f}x; floor spread (IQR/median) "
            f"{floor['spread']:.0%}{busy}",
            "",
        )
        needs = data.get("needs")
        if needs:
            room = COLD_RATIO_MAX * floor["median_ms"] - needs["median_ms"]
            add(
                "cold",
                f"  bound: the libraries as the function uses them (botocore, SES + DynamoDB "
                f"clients, email-validator, Powertools) and the 3 calls, no project code "
                f"({needs['median_ms']:.0f} ms, info)",
                f"{needs['ratio']:.2f}x",
            )
            left = (
                f"so the {COLD_RATIO_MAX:g}x target leaves {room:.0f} ms for the project's own "
                "imports, clients and first invoke"
                if room > 0
                else f"over the {COLD_RATIO_MAX:g}x target by {-room:.0f} ms with no project code"
            )
            add(
                "cold",
                f"    {left} (they take {handler['median_ms'] - needs['median_ms']:.0f} ms)",
                "",
            )
        light = data.get("cold_lightest")
        if light:
            add(
                "cold",
                f"cold / floor, {label}, lightest ({light['median_ms']:.0f} ms, info)",
                f"{light['ratio']:.2f}x",
            )
        if "cold_traced" in data:
            add(
                "cold",
                f"cold / floor, {label}, deployed + PowertoolsTracer=enabled (info)",
                f"{data['ratio_traced']:.2f}x",
            )
    groups = cold.get("import_self_ms_by_group", {})
    if groups:
        shown = ", ".join(f"{_short(group)} {ms:.0f}" for group, ms in list(groups.items())[:6])
        add("cold", f"  import self time, ms (-X importtime, 1 run): {shown}", "")
    warm = results["warm"]
    floor_ms = warm["floor"]["p50_ms"]
    add(
        "warm",
        f"floor: 1 SendEmail through botocore, p50 ({warm['floor']['requests']:,}, one after "
        "each request; each row below is divided by the floor calls of its own loop)",
        f"{floor_ms:.3f} ms",
    )
    for kind, data in warm["kinds"].items():
        status = "/".join(str(s) for s in data["statuses"])
        stretch = " (stretch 3x met)" if data["p50_ratio"] <= WARM_P50_STRETCH else ""
        shown, verdict = check(f"warm {kind} p50/floor")
        add(
            "warm",
            f"{kind} p50 / floor ({data['p50_ms']:.3f} / "
            f"{data.get('floor_p50_ms', floor_ms):.3f} ms; {data['requests']:,} requests, "
            f"{status}, {warm['label']}, deployed)",
            f"{data['p50_ratio']:.2f}x",
            shown,
            verdict + stretch,
        )
        add(
            "warm",
            f"{kind} p99 / floor ({data['p99_ms']:.3f} ms)",
            f"{data['p99_ratio']:.2f}x",
            *check(f"warm {kind} p99/floor"),
        )
    parts = warm.get("parts_ms_p50", {})
    if "own_work" in parts:
        floor_ms = parts.get("floor", floor_ms)  # the floor calls interleaved with the parts
        add(
            "warm",
            f"project's own work (parse, validate, screen, compose, log; all outside AWS calls) "
            f"p50 / floor ({parts['own_work']:.3f} / {floor_ms:.3f} ms, interleaved)",
            f"{warm['own_work_ratio']:.2f}x",
        )
        add(
            "warm",
            f"  inside the AWS SDK (serialise, sign, parse; stubbed socket): "
            f"{parts.get('aws_calls', 0.0):.3f} ms; compose {parts.get('compose', 0.0):.3f} ms",
            "",
        )
        per_call = {k[4:]: v for k, v in parts.items() if k.startswith("sdk ")}
        if per_call and floor_ms:
            sdk_ratio = parts.get("aws_calls", 0.0) / floor_ms
            shown = ", ".join(f"{op} {ms / floor_ms:.2f}x" for op, ms in per_call.items())
            add(
                "warm",
                f"  bound: the SDK's calls alone / floor ({shown}); the {WARM_P50_MAX_RATIO:g}x "
                f"target leaves {max(WARM_P50_MAX_RATIO - sdk_ratio, 0):.2f}x "
                f"({max(WARM_P50_MAX_RATIO * floor_ms - parts.get('aws_calls', 0.0), 0):.3f} ms) "
                "for the project's own work",
                f"{sdk_ratio:.2f}x",
            )
    design = warm.get("design_floor")
    if design:
        first = next(iter(warm["kinds"].values()))
        add(
            "warm",
            f"  bound: the design's floor, no project code (the function's "
            f"{len(design['calls'])} calls replayed as sent, Powertools' Logger and Metrics "
            f"with one line and one metric, one email-validator check; {design['p50_ms']:.3f} "
            f"/ {design['floor_p50_ms']:.3f} ms, interleaved)",
            f"{design['ratio']:.2f}x",
        )
        room = WARM_P50_MAX_RATIO - design["ratio"]
        left = (
            f"so the {WARM_P50_MAX_RATIO:g}x target leaves {room:.2f}x for the project's own code"
            if room > 0
            else f"over the {WARM_P50_MAX_RATIO:g}x target by {-room:.2f}x before any project code"
        )
        add(
            "warm",
            f"    {left}; the {next(iter(warm['kinds']))} request spends "
            f"{first['p50_ratio'] - design['ratio']:.2f}x on it",
            "",
        )
    light = results.get("warm_lightest")
    if light:
        data = light["kinds"]["urlencoded"]
        add(
            "warm",
            f"urlencoded p50 / floor, lightest ({data['p50_ms']:.3f} ms, info)",
            f"{data['p50_ratio']:.2f}x",
        )
    add("warm", "stub cost per SendEmail (p50, included above)", f"{warm['stub_us_p50']:.1f} us")
    found = results["calls"]
    shown_ops = ", ".join(f"{n} {op}" for op, n in found["by_operation"].items())
    add(
        "calls",
        f"sequential AWS calls per submission, deployed: {shown_ops}",
        str(found["per_submission"]),
        *check("AWS calls per submission"),
    )
    add("calls", "AWS calls per submission, lightest (info)", str(found["lightest_per_submission"]))
    add(
        "calls",
        "modelled latency of a submission in AWS (local p50 + per-call costs)",
        f"{found['modelled_latency_ms']:.0f} ms",
    )
    add("calls", f"  {found['source']}", "")
    headers = results.get("headers")
    if headers:
        add(
            "headers",
            f"worst hostile header per KB ({headers['worst']} chars), core only",
            f"{headers['worst_us_per_kb']:.0f} us/KB",
        )
        add(
            "headers",
            f"worst hostile header / a normal request ({headers['normal_us']:.0f} us)",
            f"{headers['worst_ratio_to_normal']:.2f}x",
            *check("worst header / normal request"),
        )
    load = results.get("load")
    if load:
        answers = ", ".join(f"{n} x {code}" for code, n in load["answers"].items())
        wave = load["scenario"]
        add(
            "load",
            f"{wave['submissions']:,} posts in {wave['over_seconds']:.0f} s, "
            f"SES {load['scenario']['ses_per_second']}/s: answers {answers}",
            "all true" if load["true_answers"] else "NOT all true",
        )
        add(
            "load",
            f"sent {load['sent_total']:,}; sent twice {load['sent_twice']}, never sent "
            f"{load['never_sent']}, dead-lettered {load['dead_lettered']}",
            "ok"
            if not (load["sent_twice"] or load["never_sent"] or load["dead_lettered"])
            else "LOST/DOUBLED",
        )
        add(
            "load",
            f"queue drained (last send after the first post), "
            f"{load['consumer']['workers']} workers x batch {load['consumer']['batch_size']}",
            f"{load['drain_seconds']:.0f} s",
        )
        add("load", "peak queue depth", f"{load['peak_queue_depth']:,}")
        add(
            "load",
            "send attempts per queued message (mean; incl. the request's)",
            f"{load['retries_per_queued_message']:.2f}",
        )
        add(
            "load",
            f"visitor latency p50 / p99 (SES throttles {load['ses_throttles']:,}, "
            "botocore retries on the request path)",
            f"{load['visitor_latency_ms']['p50']:.0f} / {load['visitor_latency_ms']['p99']:.0f} ms",
        )
        add("load", "cost of the wave (per 1,000)", _usd(load["cost_per_1000_usd"]))
        refuse = load["defaults_would_refuse"]
        add(
            "load",
            f"  with the template's default limits: stage throttle 429s "
            f"{refuse['stage_throttled']:,}, form_minute 429s {refuse['form_minute_limited']:,}, "
            f"accepted {refuse['would_be_accepted']:,}",
            "",
        )
    for label, data in cold["interpreters"].items():
        add(
            "memory",
            f"peak RSS (VmHWM), cold run, {label} (max of runs)",
            f"{data['cold']['peak_rss_mb']:.1f} MiB",
            *check(f"peak RSS, cold ({label})"),
        )
    for function, size in results["size"]["functions"].items():
        add(
            "size",
            f"{function} artifact, deflate zip ({size['method']})",
            f"{size['zip_bytes'] / 1024:,.0f} KiB",
            *check(f"artifact {function}"),
        )
        top = ", ".join(
            f"{c['name']} {c['compressed_bytes'] / 1024:,.0f}" for c in size["top_contributors"]
        )
        add(
            "size",
            f"  unzipped {size['unzipped_bytes'] / 1024:,.0f} KiB; top contributors (KiB): {top}",
            "",
        )
    price = results["price"]
    per = price["per_1000_usd"]
    add(
        "price",
        f"per 1,000, warm ({price['warm_duration_ms']:.0f} ms in Lambda at "
        f"{price['memory_mb']} MB, est.)",
        _usd(per["warm"]["total"]),
    )
    add(
        "price",
        "per 1,000, warm, store on (DynamoDB writes)",
        _usd(per["warm_with_store"]["total"]),
    )
    add(
        "price",
        f"per 1,000, every one a cold start ({price['cold_duration_ms']:.0f} ms, INIT billed)",
        _usd(per["cold"]["total"]),
    )
    add("price", "per 1,000, every one cold, store on", _usd(per["cold_with_store"]["total"]))
    lines = per["cold_with_store"]
    add(
        "price",
        f"  lines (cold, store): HTTP API {_usd(lines['http_api'])}, Lambda "
        f"{_usd(lines['lambda_requests'] + lines['lambda_duration'])}, SES {_usd(lines['ses'])}, "
        f"DynamoDB {_usd(lines['dynamodb'])}",
        "",
    )
    for plan in price["hosted_plans"]:
        add(
            "price",
            f"hosted: {plan['service']} {plan['plan']}, ${plan['usd_per_month']:g}/month for "
            f"{plan['submissions_per_month']:,}",
            f"${plan['usd_per_1000_at_full_use']:.2f}",
            "",
            "per 1,000 at full use; list price, recheck",
        )

    # a note (no figure) is printed as it is and does not widen the columns
    measured = [row for row in rows if any(row[2:])]
    widths = [max(len(row[i]) for row in measured) for i in range(5)]
    header = ("section", "measure", "figure", "target", "verdict")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        if not any(cells[2:]):
            return f"{cells[0].ljust(widths[0])}  {cells[1]}"
        return "  ".join(
            cell.rjust(width) if index == 2 else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    machine = results["machine"]
    title = (
        f"toiawase bench ({results['mode']}) {results['generated_at']} | {machine['cpu_model']}, "
        f"nproc {machine['nproc']}, {machine['system']} | load avg at start "
        f"{machine['load_avg_start']}"
    )
    rule = "-" * len(line(header))
    out = [title, rule, line(header), rule]
    previous = ""
    for row in rows:
        if previous and row[0] != previous:
            out.append("")
        previous = row[0]
        out.append(line(row))
    out.append(rule)
    out.append(f"price formula: {price['formula']}")
    out.append(
        f"prices: {price['region']} list prices as of {price['prices_as_of']}; hosted plans: "
        f"{price['hosted_note']}"
    )
    passed = sum(1 for t in results["targets"] if t["passed"])
    out.append(f"targets: {passed}/{len(results['targets'])} pass")
    return "\n".join(out)
