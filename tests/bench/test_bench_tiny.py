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
    for section in ("machine", "cold", "warm", "size", "price", "targets", "table"):
        assert section in tiny, section
    assert tiny["mode"] == "tiny"
    for word in ("cold", "warm", "memory", "size", "price", "targets:"):
        assert word in tiny["table"]


def test_cold_figures_are_sane(tiny):
    [(label, data)] = tiny["cold"]["interpreters"].items()
    assert label.startswith("python 3.")
    for variant in ("floor", "cold", "cold_traced"):
        figures = data[variant]
        assert figures["runs"] == 1
        assert 1 < figures["median_ms"] < 60_000
        assert 0 <= figures["median_startup_ms"] < figures["median_ms"]
        assert 0 < figures["median_init_ms"] < figures["median_ms"]
        assert 0 < figures["median_invoke_ms"] < figures["median_ms"]
    # the cold start answered the browser's form post as the contract says: 303 to thank-you
    assert data["cold"]["statuses"] == [303]
    assert data["floor"]["statuses"] == [200]
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
    assert 0 < tiny["warm"]["stub_us_p50"] < 10_000
    parts = tiny["warm"]["parts_ms_p50"]
    assert set(parts) <= {"compose", "ses_send"}
    assert all(ms > 0 for ms in parts.values())


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
    }
    figures = functions["SubmitFunction"]
    assert figures["method"] == "installed"
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
    assert {"warm urlencoded p50", "warm json p99", "warm multipart p99"} <= set(names)
    assert any(n.startswith("peak RSS") for n in names)
    assert "artifact SubmitFunction" in names
    for target in tiny["targets"]:
        assert target["verdict"].startswith("pass" if target["passed"] else "MISS by")


def test_a_miss_says_by_how_much():
    miss = report.Target("warm json p50", 1.5, 1.0, "ms")
    assert not miss.passed
    assert miss.verdict() == "MISS by 0.50 ms (1.50x the target)"
    assert report.Target("artifact X", 512 * 1024, 1024 * 1024, "bytes").verdict() == (
        "pass (512 KiB spare)"
    )
