"""Joint sample paths for the totals' bands (forecast_bands.py): read off a line's engine quantiles exactly,
combine drivers by their correlation, and fall back to the comonotone sum when drivers move as one."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import polars as pl
import pytest

from dagster_project import forecast_bands as fb

Q = fb.QUANTILES


def test_a_line_read_at_an_engine_quantile_is_that_quantiles_amount():
    amounts = np.array([[10.0, 20.0, 50.0, 90.0, 130.0]])
    z = np.array([[NormalDist().inv_cdf(q) for q in Q]])
    assert fb.read_off(amounts, z)[0] == pytest.approx([10, 20, 50, 90, 130])
    # between two quantiles: linear in normal scores; far below the 2.5% path: never negative
    assert fb.read_off(amounts, np.array([[0.0, -10.0]]))[0] == pytest.approx([50, 0])


def lines(rule: str, amounts: tuple[float, ...]) -> list[dict]:
    return [{"quantile": q, "rule_id": rule, "payment_year": 2027, "amount_yuan": a} for q, a in zip(Q, amounts,
                                                                                                      strict=True)]


def band(corr: float) -> tuple[float, float]:
    # each rule's engine quantiles are those of N(100, 20^2): 100 + 20 z at z = -1.96, -1.28, 0, 1.28, 1.96
    normal = (60.80, 74.37, 100.0, 125.63, 139.20)
    frame = pl.DataFrame(lines("R1", normal) + lines("R2", normal))
    drivers = {"R1": "metric:a", "R2": "metric:b"}
    totals = fb.sample_totals(frame, drivers, np.array([[1, corr], [corr, 1]]), ["metric:a", "metric:b"],
                              ["payment_year"], samples=20000)["amount"].to_numpy()
    return float(np.quantile(totals, 0.1)), float(np.quantile(totals, 0.9))


def test_drivers_that_move_as_one_give_the_sum_of_their_quantiles():
    # moving together, the total is 200 + 40 z: its 80% band 200 -/+ 40 x 1.2816 = 148.74 .. 251.26
    low, high = band(0.999999)
    assert low == pytest.approx(148.74, abs=1.0) and high == pytest.approx(251.26, abs=1.0)


def test_independent_drivers_give_a_narrower_band_than_the_comonotone_sum():
    # independent: the total is N(200, 2 x 20^2), sd 28.28: its 80% band 200 -/+ 1.2816 x 28.28 = 163.75 .. 236.25
    low, high = band(0.0)
    assert low == pytest.approx(163.75, abs=1.0) and high == pytest.approx(236.25, abs=1.0)


def test_driver_correlation_follows_the_histories_growth():
    years = list(range(2015, 2026))
    a = [100 * 1.1 ** i for i in range(11)]
    wiggle = [1, 1.2, 0.9, 1.3, 0.8, 1.25, 0.85, 1.3, 0.9, 1.2, 1.0]
    history = pl.DataFrame({"driver_kind": ["metric"] * 33, "driver_key": ["a"] * 11 + ["b"] * 11 + ["c"] * 11,
                            "year": years * 3,
                            "value": a + [x * w for x, w in zip(a, wiggle, strict=True)]
                            + [x / w for x, w in zip(a, wiggle, strict=True)]})
    corr = fb.driver_correlation(history, ["metric:a", "metric:b", "metric:c"])
    assert corr.shape == (3, 3) and np.allclose(np.diag(corr), 1)
    assert corr[1, 2] < -0.3  # b and c wiggle in opposite directions: negatively correlated (shrunk halfway)
    assert np.all(np.linalg.eigvalsh(corr) > 0)


def test_a_rule_follows_the_driver_its_eligibility_names():
    from dagster_project import catalogue
    cat = catalogue.load()
    assert fb.primary_driver(cat.rule("NMG2024-11A")) == "metric:raw_milk_processed_t"
    assert fb.primary_driver(cat.rule("NMG2024-19")) == "project:mfg_tech_upgrade"
    assert fb.primary_driver(cat.rule("ORD-TALENT-02A")).startswith("talent:")
