"""The driver models: the selection criterion, the scale, the quantile paths."""

from __future__ import annotations

import pytest

from dagster_project.forecast import QUANTILES
from dagster_project.forecast_models import forecast, forecast_one_step_selection, selection_error

MODELS = ["ets_damped", "arima_010_drift", "theta"]


def test_steady_growth_is_extrapolated_on_the_log_scale():
    values = [1_000_000 * 1.1**t for t in range(10)]  # 10% a year for ten years
    fc = forecast(values, 3, MODELS, 3, list(QUANTILES))
    assert fc.scale == "log"
    # Random walk with drift fits exact log-linear growth with no error at any origin: the combination (issue 17)
    # gives it all the weight. The one-step selection it replaced chose it alone.
    assert fc.model.startswith("combination(") and "arima_010_drift 1.00" in fc.model
    assert fc.selection_error < 1e-6  # log1p, not log: tiny
    assert fc.quantiles[0.5] == pytest.approx([1_000_000 * 1.1**t for t in (10, 11, 12)], rel=1e-6)
    before = forecast_one_step_selection(values, 3, MODELS, 3, list(QUANTILES))
    assert before.model == "arima_010_drift" and before.selection_error < 1e-6
    assert before.quantiles[0.5] == pytest.approx(fc.quantiles[0.5], rel=1e-6)


def test_quantiles_are_ordered_and_widen_with_the_horizon():
    values = [120, 135, 128, 150, 161, 158, 175, 190, 186, 204]
    fc = forecast(values, 3, MODELS, 3, list(QUANTILES))
    for h in range(3):
        path = [fc.quantiles[q][h] for q in QUANTILES]
        assert path == sorted(path) and path[0] < path[-1]
    widths = [fc.quantiles[0.975][h] - fc.quantiles[0.025][h] for h in range(3)]
    assert widths == sorted(widths)


def test_series_with_empty_years_stay_on_their_own_scale():
    # A rare honour: nothing for years, then a few a year. On the log scale the jump from 0 would read as
    # explosive growth; on its own scale it is a modest upward drift.
    values = [0, 0, 0, 0, 0, 0, 0, 2, 2, 3]
    fc = forecast(values, 3, MODELS, 3, list(QUANTILES))
    assert fc.scale == "level"
    assert all(0 <= v < 10 for v in fc.quantiles[0.5])
    assert fc.quantiles[0.025][0] >= 0  # floored at zero


def test_flat_or_short_series_carry_the_last_value():
    assert forecast([5, 5, 5, 5, 5, 5, 5], 2, MODELS, 3, [0.5]).model == "last_value"
    short = forecast([3, 4, 5], 2, MODELS, 3, [0.1, 0.5])
    assert short.model == "last_value" and short.quantiles == {0.1: [5.0, 5.0], 0.5: [5.0, 5.0]}


def test_selection_error_is_the_one_step_error_of_refits():
    import numpy as np

    z = np.log1p(np.array([100.0, 110, 121, 133.1, 146.41, 161.05, 200]))  # a jump in the last year
    # The drift model refitted on the first 6 points forecasts the 6th plus the mean step of the first 6.
    expected = abs(z[5] + (z[5] - z[0]) / 5 - z[6])
    assert selection_error("arima_010_drift", z, 1) == pytest.approx(expected, rel=1e-9)
