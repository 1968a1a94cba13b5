"""``python -m bench --tiny`` still runs end to end and reports every section.

This proves the benchmark cannot rot. It asserts shapes and sanity, never speed: the targets
live in the benchmark's own table (``make bench``), not in a timed test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import report
from bench.run import main


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    scratch = tmp_path_factory.mktemp("bench")
    out = scratch / "latest.json"
    assert main(["--tiny", "--out", str(out), "--build-dir", str(scratch / "build")]) == 0
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return results


def test_every_section_is_there(tiny):
    for section in (
        "machine",
        "configurations",
        "cold",
        "warm",
        "warm_lightest",
        "calls",
        "load",
        "size",
        "price",
        "targets",
        "table",
    ):
        assert section in tiny, section
    assert tiny["mode"] == "tiny"
    for word in ("config", "cold", "warm", "calls", "load", "memory", "size", "price", "targets:"):
        assert word in tiny["table"]
    # tiny mode does not run sam build, and the table says so
    assert tiny["size"]["sam_build"] is False
    assert "artifact: NOT sam build - tiny mode" in tiny["table"]


def test_the_deployed_configuration_is_the_templates_defaults(tiny):
    deployed = tiny["configurations"]["deployed"]
    assert {"store", "idempotency", "rate limits", "retry queue"} <= set(deployed["features"])
    assert "Tracer" not in deployed["features"]  # PowertoolsTracer defaults to disabled
    assert deployed["environment"]["RATE_LIMITS"].startswith("client_minute=5")
    assert tiny["configurations"]["lightest"]["features"] == []


def test_calls_are_counted(tiny):
    calls = tiny["calls"]
    # As tests/integration/test_aws_calls.py: the admission, SES, the status (issue 15: <= 3).
    assert calls["sequence"] == [
        "dynamodb.TransactWriteItems",
        "sesv2.SendEmail",
        "dynamodb.UpdateItem",
    ]
    assert calls["per_submission"] == 3
    assert calls["by_operation"]["sesv2.SendEmail"] == 1
    # Write units: 2 per transaction item (4 counters, claim, row) + the status update.
    assert tiny["warm"]["kinds"]["urlencoded"]["write_units"] == 2 * 6 + 1
    assert calls["lightest_per_submission"] == 1
    assert calls["modelled_latency_ms"] > 50  # at least SES's assumed round trip


def test_the_load_gets_true_answers_and_loses_nothing(tiny):
    load = tiny["load"]
    assert load["true_answers"] and set(load["answers"]) <= {"200", "202"}
    assert load["sent_total"] == load["scenario"]["submissions"] == 2000
    assert load["sent_twice"] == load["never_sent"] == load["dead_lettered"] == 0
    assert load["queued"] > 0 and load["peak_queue_depth"] > 0  # SES really throttled
    assert load["drain_seconds"] >= 2000 / 14 * 0.9  # cannot beat SES's rate
    assert load["consumer"]["workers"] == load["consumer"]["maximum_concurrency"]


def test_cold_figures_are_sane(tiny):
    [(label, data)] = tiny["cold"]["interpreters"].items()
    assert label.startswith("python 3.")
    for variant in ("floor", "cold", "cold_lightest", "cold_traced", "needs"):
        figures = data[variant]
        assert figures["runs"] == 1
        assert 1 < figures["median_ms"] < 60_000
        assert 0 <= figures["median_startup_ms"] < figures["median_ms"]
        assert 0 < figures["median_init_ms"] < figures["median_ms"]
        assert 0 < figures["median_invoke_ms"] < figures["median_ms"]
    # the cold start answered the browser's form post as the contract says: 303 to thank-you
    assert data["cold"]["statuses"] == data["cold_lightest"]["statuses"] == [303]
    assert data["floor"]["statuses"] == data["needs"]["statuses"] == [200]
    assert data["ratio_of_medians"] == pytest.approx(
        data["cold"]["median_ms"] / data["floor"]["median_ms"], rel=0.01
    )
    assert data["ratio"] > 0 and data["cpu_ratio"] > 0
    breakdown = tiny["cold"]["import_self_ms_by_group"]
    assert any(group.startswith("AWS SDK") for group in breakdown)
    assert any(group.startswith("toiawase") for group in breakdown)


def test_warm_figures_are_sane(tiny):
    kinds = tiny["warm"]["kinds"]
    assert set(kinds) == {"urlencoded", "json", "multipart"}
    assert kinds["json"]["statuses"] == [200]
    assert kinds["urlencoded"]["statuses"] == kinds["multipart"]["statuses"] == [303]
    for figures in kinds.values():
        assert figures["requests"] == 1
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] < 10_000
        # each kind is divided by the floor calls made between its own requests
        assert 0 < figures["floor_p50_ms"] < 1_000
        assert figures["p50_ratio"] == pytest.approx(
            figures["p50_ms"] / figures["floor_p50_ms"], rel=0.05
        )
    assert 0 < tiny["warm"]["floor"]["p50_ms"] < 1_000
    assert 0 < tiny["warm"]["stub_us_p50"] < 10_000
    parts = tiny["warm"]["parts_ms_p50"]
    sdk = {name for name in parts if name.startswith("sdk ")}
    assert sdk == {"sdk TransactWriteItems", "sdk SendEmail", "sdk UpdateItem"}, parts
    assert {"own_work", "aws_calls", "floor"} <= set(parts) - sdk
    assert set(parts) - sdk <= {"compose", "own_work", "aws_calls", "floor"}
    # the parts are divided by the floor calls interleaved with them
    assert tiny["warm"]["own_work_ratio"] == pytest.approx(
        parts["own_work"] / parts["floor"], rel=0.05
    )
    assert all(ms > 0 for ms in parts.values())
    # each call's time is part of the calls' total
    assert sum(parts[name] for name in sdk) == pytest.approx(parts["aws_calls"], rel=0.5)
    assert "bound: the SDK's calls alone / floor" in tiny["table"]
    assert "bound: the libraries as the function uses them" in tiny["table"]


def test_the_cold_starts_are_also_modelled_as_lambda_runs_them(tiny):
    for data in tiny["cold"]["interpreters"].values():
        modelled, cold, floor = data["in_lambda"], data["cold"], data["floor"]
        # the first invoke is stretched by 1769 / memory, start-up and INIT are not
        stretch = 1769 / modelled["memory_mb"]
        expected = (
            cold["median_startup_ms"] + cold["median_init_ms"] + cold["median_invoke_ms"] * stretch
        )
        assert modelled["cold_ms"] == pytest.approx(expected, rel=0.01)
        assert modelled["cold_ms"] > cold["median_ms"]  # 256 MB is less than a vCPU
        assert modelled["ratio"] == pytest.approx(
            modelled["cold_ms"] / modelled["floor_ms"], rel=0.01
        )
        assert modelled["floor_ms"] > floor["median_startup_ms"] + floor["median_init_ms"]
    assert "modelled in Lambda at 256 MB" in tiny["table"]
    # the price of a cold start is that same modelled duration
    first = next(iter(tiny["cold"]["interpreters"].values()))["in_lambda"]
    assert tiny["price"]["cold_duration_ms"] == pytest.approx(first["cold_ms"], abs=0.1)


def test_the_design_floor_replays_the_functions_own_calls(tiny):
    design = tiny["warm"]["design_floor"]
    # the same operations, in the same order, as the function's success path
    assert design["calls"] == ["TransactWriteItems", "SendEmail", "UpdateItem"]
    assert 0 < design["p50_ms"] < 10_000 and 0 < design["floor_p50_ms"] < 1_000
    assert design["ratio"] == pytest.approx(design["p50_ms"] / design["floor_p50_ms"], rel=0.05)
    assert "bound: the design's floor, no project code" in tiny["table"]
    assert "target leaves" in tiny["table"] or "before any project code" in tiny["table"]


def test_memory_is_sane(tiny):
    for data in tiny["cold"]["interpreters"].values():
        assert 5 < data["cold"]["peak_rss_mb"] < 2_000


def test_artifact_is_built_like_sam_build(tiny):
    functions = tiny["size"]["functions"]
    # Every function of template.yaml is sized; they share one CodeUri (one package).
    assert set(functions) == {
        "SubmitFunction",
        "RetryFunction",
        "FeedbackFunction",
        "DeliverFunction",
        "ScanResultFunction",
    }
    figures = functions["SubmitFunction"]
    assert figures["method"] == "emulated sam build (installed)"
    assert 10_000 < figures["zip_bytes"] < figures["unzipped_bytes"]
    names = {c["name"] for c in figures["top_contributors"]}
    assert "toiawase" in names
    # the runtime has boto3, the layer has Powertools: neither may be shipped again
    assert figures["duplicates_runtime_or_layer"] == []
    code_root = Path(figures["code_root"])
    assert (code_root / "toiawase" / "handlers" / "submit.py").exists()
    assert not list(code_root.rglob("__pycache__"))


def test_price_is_sane(tiny):
    price = tiny["price"]
    assert price["memory_mb"] == 256  # template.yaml's FunctionMemorySize default
    for scenario in ("warm", "warm_with_store", "cold", "cold_with_store"):
        lines = price["per_1000_usd"][scenario]
        assert 0.1 <= lines["total"] < 1.0  # SES alone is $0.10 per 1,000
        assert lines["total"] == pytest.approx(
            sum(v for k, v in lines.items() if k != "total"), abs=1e-5
        )
    assert price["per_1000_usd"]["warm"]["dynamodb"] == 0
    assert price["per_1000_usd"]["warm_with_store"]["dynamodb"] > 0
    assert "ceil(ms)" in price["formula"]
    assert price["hosted_plans"]
    assert all(plan["usd_per_1000_at_full_use"] > 0 for plan in price["hosted_plans"])


def test_every_target_has_a_verdict(tiny):
    names = [t["name"] for t in tiny["targets"]]
    assert any(n.startswith("cold/floor") for n in names)
    assert {
        "warm urlencoded p50/floor",
        "warm json p99/floor",
        "warm multipart p99/floor",
        "AWS calls per submission",
    } <= set(names)
    assert any(n.startswith("peak RSS") for n in names)
    assert "artifact SubmitFunction" in names
    for target in tiny["targets"]:
        assert target["verdict"].startswith("pass" if target["passed"] else "MISS by")


def test_a_miss_says_by_how_much():
    miss = report.Target("warm json p50", 1.5, 1.0, "ms")  # the unit is the Target's
    assert not miss.passed
    assert miss.verdict() == "MISS by 0.50 ms (1.50x the target)"
    assert report.Target("artifact X", 512 * 1024, 1024 * 1024, "bytes").verdict() == (
        "pass (512 KiB spare)"
    )


def test_the_forms_file_rows_are_measured(tiny):
    forms = tiny["forms"]
    assert list(forms["rows"]) == ["none", "1", "10", "100"]
    for row in forms["rows"].values():
        # Every variant answered the sample submission (303 for the browser event), so the
        # figures are of a working function, whatever the number of forms.
        assert row["statuses"] == [303], row
        assert row["init_median_ms"] > 0 and row["warm_p50_ms"] > 0
    assert forms["rows"]["none"]["cold_ratio_to_none"] == 1.0
    assert "cold with 10 forms / without" in tiny["table"]


def test_a_forms_document_has_the_default_form_and_copies():
    from bench.forms import forms_document

    document = forms_document(10)
    assert document["default_form"] == "contact"
    assert len(document["forms"]) == 10
    assert list(document["forms"])[1] == "quote-1"


def test_the_worst_header_is_measured_against_a_normal_request(tiny):
    headers = tiny["headers"]
    assert headers["normal_us"] > 0 and len(headers["headers"]) == 14
    worst = headers["headers"][headers["worst"]]
    assert worst["us"] == max(row["us"] for row in headers["headers"].values())
    assert headers["worst_ratio_to_normal"] == worst["ratio_to_normal"]
    assert "worst hostile header per KB" in tiny["table"]


def test_the_file_rows_are_measured_and_shown(tiny):
    files = tiny["files"]
    assert files["parse"]["file_bytes"] == 5 * 1024 * 1024
    assert 1.0 < files["parse"]["ratio"] < files["post"]["ratio"]
    assert files["s3"]["calls"].count("s3.GetObject") == 2  # the ranged check, then the attachment
    assert files["warm"]["p50_ms"] > 0
    assert "files: peak memory, 5 MB decode+parse+check" in tiny["table"]
    assert "files: USD per 1,000 with 1 MB file" in tiny["table"]
