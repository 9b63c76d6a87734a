"""Forecast one short annual driver series with statsmodels: a weighted combination of simple models, with
intervals built from the combination's own rolling-origin errors.

A series that is positive throughout is modelled on log(1 + value), so growth is multiplicative; a series with
zero years (a rare honour, a project type that appeared lately) is modelled on its own scale, where a jump
from nothing is not read as exponential growth. Forecasts are floored at zero.

The method (docs/forecast.md, "The method", chosen on the M1 and Tourism yearly series: bench/FORECAST_RESULTS.md):
- candidates: damped-trend ETS, a damped drift, Theta and the last value: the simple models a ten-point annual
  series supports, from trend-following to no trend at all;
- point forecast: their mean weighted by the inverse of each one's mean absolute error at horizons 1..h over
  the last `origins` rolling origins (each a refit on the years before it), so a model is judged at the horizon it
  is used for, and a series whose trend keeps breaking leans to the flat forecasts;
- intervals: the combination's own errors at up to INTERVAL_ORIGINS rolling origins, every horizon, give a scale
  that grows like horizon**ERROR_GROWTH; Student-t(TAIL_DF) quantiles of that scale, centred on the point plus half
  the mean past error (the method's own bias, shrunk), bound the paths.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy.stats import t as student_t
from statsmodels.regression.linear_model import OLS
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel

Z975 = NormalDist().inv_cdf(0.975)
MIN_POINTS = 4  # fewer points than this (or a flat series): the last value is carried forward
DAMPING = 0.9  # drift_damped: each further year adds 90% of the previous year's drift (a shrinking trend)
INTERVAL_ORIGINS = 10  # the bands use the errors of at most this many rolling origins (the most recent)
ERROR_GROWTH = 0.9  # the error scale at horizon k is the pooled scale times k**0.9 (between sqrt(k) and k)
TAIL_DF = 4  # Student-t tails: yearly errors have more large misses than a normal law
BIAS_SHRINK = 0.5  # the bands are centred on the point plus half the mean past error
LOG_CAP = math.log(10)  # on the log scale no band reaches beyond 10 times (or a tenth of) its centre
FEW_ERRORS = 3  # fewer past errors than this: the spread of the year-on-year changes stands in


@dataclass(frozen=True)
class DriverForecast:
    model: str  # "combination(...weights...)", a single model's name, or "last_value"
    scale: str  # "log" (log(1 + value)) or "level"
    selection_error: float | None  # mean absolute rolling-origin error on the model's scale (None: no fit)
    quantiles: dict[float, list[float]]  # quantile -> values for horizon years 1..h (original scale)


def _mean_and_sd(model: str, z: np.ndarray, h: int, with_sd: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Forecast mean and (if asked) standard deviation for h steps from a model fitted on z."""
    series = pd.Series(z, index=pd.RangeIndex(len(z)))
    steps = np.arange(1, h + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if model == "ets_damped":
            res = ETSModel(series, error="add", trend="add", damped_trend=True).fit(disp=False)
            if not with_sd:
                return res.forecast(h).to_numpy(), None
            frame = res.get_prediction(start=len(z), end=len(z) + h - 1).summary_frame(alpha=0.05)
            return frame["mean"].to_numpy(), (frame["pi_upper"].to_numpy() - frame["mean"].to_numpy()) / Z975
        if model in ("arima_010_drift", "drift_damped"):
            # ARIMA(0,1,0) with drift: the differences are drift + white noise, estimated by OLS; the forecast
            # variance counts the noise (h * s^2) and the drift's estimation error (h^2 * s^2 / (n - 1)). The
            # damped variant adds DAMPING**j of the drift in the j-th year ahead.
            diffs = np.diff(z)
            res = OLS(diffs, np.ones_like(diffs)).fit()
            drift, s2 = float(res.params[0]), float(res.scale)
            reach = steps.astype(float) if model == "arima_010_drift" else np.cumsum(DAMPING ** steps)
            sd = np.sqrt(steps * s2 + reach**2 * s2 / len(diffs)) if with_sd else None
            return z[-1] + reach * drift, sd
        if model == "naive":  # the last value; a random walk's spread
            sd = np.sqrt(steps * float(np.mean(np.diff(z) ** 2))) if with_sd else None
            return np.full(h, float(z[-1])), sd
        if model == "theta":
            res = ThetaModel(series, period=1, deseasonalize=False).fit()
            mean = res.forecast(h).to_numpy()
            if not with_sd:
                return mean, None
            return mean, (res.prediction_intervals(h, alpha=0.05)["upper"].to_numpy() - mean) / Z975
    raise ValueError(f"unknown model {model!r}")


def _prepare(values: list[float]) -> tuple[np.ndarray, str, np.ndarray]:
    """(values floored at zero, scale, the series on that scale)."""
    y = np.maximum(np.asarray(values, dtype=float), 0.0)
    scale = "log" if len(y) and y.min() > 0 else "level"
    return y, scale, (np.log1p(y) if scale == "log" else y)


def _carry_last(y: np.ndarray, scale: str, h: int, quantiles: list[float]) -> DriverForecast:
    last = float(y[-1]) if len(y) else 0.0
    return DriverForecast("last_value", scale, None, {q: [last] * h for q in quantiles})


def _too_short(z: np.ndarray, origins: int) -> bool:
    return len(z) < max(MIN_POINTS, origins + 3) or np.ptp(z) == 0


def _back(scale: str, v: float) -> float:
    return max(0.0, math.expm1(v) if scale == "log" else v)


def selection_error(model: str, z: np.ndarray, origins: int) -> float:
    """Mean absolute one-step-ahead error over the last `origins` points, refitting before each."""
    errors = []
    for k in range(len(z) - origins, len(z)):
        try:
            mean, _ = _mean_and_sd(model, z[:k], 1, with_sd=False)
            errors.append(abs(float(mean[0]) - z[k]))
        except Exception:  # a model that cannot be fitted on this window is not chosen
            return math.inf
    err = float(np.mean(errors))
    return err if math.isfinite(err) else math.inf


def forecast_one_model(values: list[float], h: int, model: str, quantiles: list[float]) -> DriverForecast:
    """One model alone, normal quantiles from its own standard deviation (the benchmark's single-model rows)."""
    y, scale, z = _prepare(values)
    if _too_short(z, 1):
        return _carry_last(y, scale, h, quantiles)
    try:
        mean, sd = _mean_and_sd(model, z, h)
    except Exception:  # not fittable on this series
        return _carry_last(y, scale, h, quantiles)
    return DriverForecast(model, scale, None, _normal_paths(scale, mean, sd, quantiles))


def _normal_paths(scale: str, mean: np.ndarray, sd: np.ndarray, quantiles: list[float]) -> dict[float, list[float]]:
    sd = np.nan_to_num(np.maximum(sd, 0.0))
    return {q: [_back(scale, float(m + NormalDist().inv_cdf(q) * s)) for m, s in zip(mean, sd, strict=True)]
            for q in quantiles}


def forecast_one_step_selection(values: list[float], h: int, models: list[str], origins: int,
                                quantiles: list[float]) -> DriverForecast:
    """The method before issue 17, kept as a benchmark row: the single model with the smallest mean absolute
    one-step error over the last `origins` years, normal quantiles from its standard deviation."""
    y, scale, z = _prepare(values)
    if _too_short(z, origins):
        return _carry_last(y, scale, h, quantiles)
    scores = {m: selection_error(m, z, origins) for m in models}
    best = min(models, key=lambda m: (scores[m], models.index(m)))
    if not math.isfinite(scores[best]):
        return _carry_last(y, scale, h, quantiles)
    mean, sd = _mean_and_sd(best, z, h)
    return DriverForecast(best, scale, scores[best], _normal_paths(scale, mean, sd, quantiles))


def _origin_forecasts(models: list[str], z: np.ndarray, h: int, starts: list[int]) -> dict[str, np.ndarray]:
    """model -> (len(starts), h) point forecasts, row i fitted on z[:starts[i]]; NaN where a fit fails."""
    out = {m: np.full((len(starts), h), np.nan) for m in models}
    for i, t in enumerate(starts):
        for m in models:
            with contextlib.suppress(Exception):  # a model not fittable on this window gets no weight from it
                out[m][i] = _mean_and_sd(m, z[:t], h, with_sd=False)[0]
    return out


def _actuals(z: np.ndarray, starts: list[int], h: int) -> np.ndarray:
    """(len(starts), h) what followed each origin; NaN beyond the end of the series."""
    out = np.full((len(starts), h), np.nan)
    for i, t in enumerate(starts):
        ahead = z[t:t + h]
        out[i, :len(ahead)] = ahead
    return out


def combination_weights(fc: dict[str, np.ndarray], actual: np.ndarray, origins: int) -> dict[str, float]:
    """Inverse mean absolute error at horizons 1..h over the last `origins` rolling origins, normalised; a model
    that failed on one of those windows gets none."""
    inverse = {}
    for m, f in fc.items():
        err = np.abs(actual[-origins:] - f[-origins:])
        if np.isnan(f[-origins:][~np.isnan(actual[-origins:])]).any():
            continue
        inverse[m] = 1.0 / max(float(np.nanmean(err)), 1e-12)
    total = sum(inverse.values())
    return {m: v / total for m, v in inverse.items()}


def _combine(fc: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """The weighted mean per row, renormalised over the models that were fitted on that row's window."""
    num = sum(np.nan_to_num(fc[m]) * w for m, w in weights.items())
    den = sum(np.where(np.isnan(fc[m]), 0.0, w) for m, w in weights.items())
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _band_paths(scale: str, z: np.ndarray, point: np.ndarray, errors: np.ndarray,
                quantiles: list[float]) -> dict[float, list[float]]:
    """Quantile paths from past errors (rows: origins, columns: horizon; NaN where unknown)."""
    h = len(point)
    growth = np.arange(1, h + 1) ** ERROR_GROWTH
    u = (errors[:, :h] / growth)[~np.isnan(errors[:, :h])]
    if len(u) < FEW_ERRORS:  # a very short series: the year-on-year changes give the scale, no bias
        u, shift = np.diff(z), 0.0
    else:
        shift = BIAS_SHRINK * float(np.mean(u))
    spread = float(np.sqrt(np.mean((u - shift) ** 2)))
    centre = point + shift * growth
    cap = LOG_CAP if scale == "log" else math.inf
    paths = {}
    for q in quantiles:
        if q == 0.5:
            values = point
        else:
            half = np.minimum(abs(float(student_t.ppf(q, TAIL_DF))) * spread * growth, cap)
            values = np.minimum(centre - half, point) if q < 0.5 else np.maximum(centre + half, point)
        paths[q] = [_back(scale, float(v)) for v in values]
    return paths


def forecast(values: list[float], h: int, models: list[str], origins: int,
             quantiles: list[float]) -> DriverForecast:
    """The driver forecast (values in time order, non-negative): the inverse-error weighted combination of
    `models`, scored at horizons 1..h over the last `origins` rolling origins, with bands from its own errors."""
    y, scale, z = _prepare(values)
    if _too_short(z, origins):
        return _carry_last(y, scale, h, quantiles)
    n = len(z)
    starts = list(range(max(min(MIN_POINTS, n - origins), n - max(origins, INTERVAL_ORIGINS)), n))
    fc = _origin_forecasts(models, z, h, [*starts, n])
    actual = _actuals(z, starts, h)
    weights = combination_weights({m: f[:-1] for m, f in fc.items()}, actual, origins)
    weights = {m: w for m, w in weights.items() if not np.isnan(fc[m][-1]).any()}
    if not weights:
        return _carry_last(y, scale, h, quantiles)
    total = sum(weights.values())
    weights = {m: w / total for m, w in weights.items()}
    combined = _combine(fc, weights)
    point, errors = combined[-1], actual - combined[:-1]
    err = float(np.nanmean(np.abs(errors[-origins:])))
    name = "combination(" + ", ".join(f"{m} {w:.2f}" for m, w in weights.items()) + ")"
    return DriverForecast(name, scale, err, _band_paths(scale, z, point, errors, quantiles))


def fit_chunk(series: list[tuple[str, str, int, list[float]]], horizon: int, models: list[str], origins: int,
              quantiles: tuple[float, ...] = (0.025, 0.1, 0.5, 0.9, 0.975)) -> list[tuple]:
    """(kind, key, model, scale, selection_error, year, quantile, value) rows for some series; a worker process
    runs this, so it lives in this light module and returns plain tuples."""
    rows = []
    for kind, key, last, values in series:
        fc = forecast(values, horizon, models, origins, list(quantiles))
        rows += [(kind, key, fc.model, fc.scale, fc.selection_error, last + h + 1, q, v)
                 for q, path in fc.quantiles.items() for h, v in enumerate(path)]
    return rows
