"""The price arithmetic: billed milliseconds, Lambda's CPU share, the store's writes."""

from __future__ import annotations

import pytest

from bench import price


def test_duration_is_billed_in_whole_milliseconds():
    assert price.lambda_duration_usd(1.0001, 1024) == pytest.approx(
        2 / 1000 * 1 * price.LAMBDA_ARM_GB_SECOND_USD
    )


def test_invocation_scales_with_lambdas_cpu_share_but_init_does_not():
    assert price.lambda_ms(100.0, 10.0, 256) == pytest.approx(100 + 10 * 1769 / 256)
    assert price.lambda_ms(0.0, 10.0, 2048) == 10.0  # above one vCPU: never faster than measured


def test_store_adds_its_writes_and_ses_dominates():
    without = price.per_thousand(30.0, 256, store=False)
    with_store = price.per_thousand(30.0, 256, store=True)
    assert with_store["total"] - without["total"] == pytest.approx(2 * 0.625 / 1000)
    assert without["ses"] == 0.10
    assert without["ses"] > 0.9 * without["total"]
