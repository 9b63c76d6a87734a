"""Forecast one short annual driver series with statsmodels: pick a model by rolling-origin error, return
quantile paths.

A series that is positive throughout is modelled on log(1 + value), so growth is multiplicative; a series with
zero years (a rare honour, a project type that appeared lately) is modelled on its own scale, where a jump
from nothing is not read as exponential growth. Forecasts are floored at zero. The
candidates (damped-trend ETS, ARIMA(0,1,0) with drift, Theta) are the simple models a ten-point annual series
supports; the selection criterion is the mean absolute one-step-ahead error over the last few years, each
forecast from a refit on the years before it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel

Z975 = NormalDist().inv_cdf(0.975)
MIN_POINTS = 4  # fewer points than this (or a flat series): the last value is carried forward


@dataclass(frozen=True)
class DriverForecast:
    model: str
    scale: str  # "log" (log(1 + value)) or "level"
    selection_error: float | None  # mean absolute one-step error on the model's scale (None: no choice made)
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
        if model == "arima_010_drift":
            # ARIMA(0,1,0) with drift: the differences are drift + white noise, estimated by OLS; the forecast
            # variance counts the noise (h * s^2) and the drift's estimation error (h^2 * s^2 / (n - 1)).
            diffs = np.diff(z)
            res = OLS(diffs, np.ones_like(diffs)).fit()
            drift, s2 = float(res.params[0]), float(res.scale)
            sd = np.sqrt(steps * s2 + steps**2 * s2 / len(diffs)) if with_sd else None
            return z[-1] + steps * drift, sd
        if model == "theta":
            res = ThetaModel(series, period=1, deseasonalize=False).fit()
            mean = res.forecast(h).to_numpy()
            if not with_sd:
                return mean, None
            return mean, (res.prediction_intervals(h, alpha=0.05)["upper"].to_numpy() - mean) / Z975
    raise ValueError(f"unknown model {model!r}")


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


def forecast(values: list[float], h: int, models: list[str], origins: int,
             quantiles: list[float]) -> DriverForecast:
    """Choose a model for one series (values in time order, non-negative) and give its quantile paths."""
    y = np.maximum(np.asarray(values, dtype=float), 0.0)
    scale = "log" if len(y) and y.min() > 0 else "level"
    z = np.log1p(y) if scale == "log" else y
    last = float(y[-1]) if len(y) else 0.0
    if len(z) < max(MIN_POINTS, origins + 3) or np.ptp(z) == 0:
        return DriverForecast("last_value", scale, None, {q: [last] * h for q in quantiles})
    scores = {m: selection_error(m, z, origins) for m in models}
    best = min(models, key=lambda m: (scores[m], models.index(m)))
    if not math.isfinite(scores[best]):
        return DriverForecast("last_value", scale, None, {q: [last] * h for q in quantiles})
    mean, sd = _mean_and_sd(best, z, h)
    sd = np.nan_to_num(np.maximum(sd, 0.0))
    back = math.expm1 if scale == "log" else float
    paths = {q: [max(0.0, back(float(m + NormalDist().inv_cdf(q) * s))) for m, s in zip(mean, sd, strict=True)]
             for q in quantiles}
    return DriverForecast(best, scale, scores[best], paths)


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
