"""Forecast stage: what the policies will cost in the coming years, committed and new take-up kept apart.

1. Driver history (sql/forecast_driver_history.sql): the yearly series the rules consume.
2. Each series forecast with statsmodels (forecast_models.py), as quantile paths.
3. Each path becomes projected registries (sql/forecast_projected_registry.sql) and goes through the same
   catalogue and ledger SQL as the actual ledger (projection.py), within the rules' validity.
4. Committed payments (awards already in the ledger, paid in forecast years) plus the projected new take-up
   per path make forecast.liabilities (sql/forecast_liabilities.sql).
The backtest (backtest.py) refits the same way with the last years held out.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from . import forecast_bands, forecast_models, projection, safe_yaml, yaml_format
from .catalogue import Catalogue
from .forecast_models import fit_chunk
from .formulas import sql_literal
from .settings import SEEDS_DIR
from .warehouse import query, run_sql, sql_text, write_table

CONFIG_FILE = SEEDS_DIR / "forecast" / "forecast.yaml"
CONFIG_KEYS = {"horizon_years", "models", "selection_origins", "pool_years", "holdout_years", "renewed_documents"}
YEARS_MAX = 10  # horizon, selection origins, pool and holdout years: about ten points of annual history
# Driver quantiles pushed through the engine: the median is the point forecast, 10%/90% bound the 80% interval
# and 2.5%/97.5% the 95% interval (the columns of forecast.liabilities).
QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
MODELS = ("ets_damped", "drift_damped", "theta", "naive", "arima_010_drift")  # names allowed in `models`
DEFAULT_MODELS = MODELS[:4]  # the combination chosen on public data (docs/forecast.md, "The method")
# the models by the names the assumptions (and the dashboards) give them in Chinese
MODEL_ZH = {"ets_damped": "阻尼趋势指数平滑", "drift_damped": "阻尼漂移", "theta": "θ法", "naive": "沿用上年值",
            "arima_010_drift": "带漂移的随机游走"}
PATH_LINE_KEYS = ["payment_year", "paying_level", "paying_region_code", "rule_id", "document", "kind",
                  "split_specified"]


class ForecastConfigError(ValueError):
    """seeds/forecast/forecast.yaml is malformed; the message names the key."""


@dataclass(frozen=True)
class ForecastConfig:
    horizon_years: int = 3
    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    selection_origins: int = 3
    pool_years: int = 3
    holdout_years: int = 3
    renewed_documents: dict[str, str] = field(default_factory=dict)


def load_config(path: Path = CONFIG_FILE, documents: set[str] | None = None) -> ForecastConfig:
    """seeds/forecast/forecast.yaml, read by safe_yaml and checked strictly (types, ranges, known keys)."""
    where = str(path.relative_to(SEEDS_DIR.parent)) if path.is_relative_to(SEEDS_DIR.parent) else str(path)
    try:
        raw = safe_yaml.load(path, where) or {}
    except safe_yaml.YamlRefused as exc:
        raise ForecastConfigError(str(exc)) from exc
    if not isinstance(raw, dict) or set(raw) - CONFIG_KEYS:
        unknown = sorted(map(str, set(raw) - CONFIG_KEYS)) if isinstance(raw, dict) else raw
        raise ForecastConfigError(f"{where}：未知的键 {unknown}；允许：{sorted(CONFIG_KEYS)}")
    models = raw.get("models", list(DEFAULT_MODELS))
    if not isinstance(models, list) or not models or not all(m in MODELS for m in models):
        raise ForecastConfigError(f"{where}：models 应为 {MODELS} 中的一个或几个（列表）")
    for key in ("horizon_years", "selection_origins", "pool_years", "holdout_years"):
        value = raw.get(key, 3)
        if type(value) is not int or not 1 <= value <= YEARS_MAX:
            raise ForecastConfigError(f"{where}：{key} 应为 1 到 {YEARS_MAX} 的整数，而不是 {value!r}")
    renewed = raw.get("renewed_documents") or {}
    if not isinstance(renewed, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                for k, v in renewed.items()):
        raise ForecastConfigError(f"{where}：renewed_documents 应为 文件编号: 续发假设说明（文本）")
    unknown = set(renewed) - (documents or set(renewed))
    if unknown:
        raise ForecastConfigError(f"{where}：renewed_documents 中有目录里没有的文件 {sorted(unknown)}")
    yaml_format.check("forecast", raw, where, ForecastConfigError)  # and the declared format (docs/schema/)
    return ForecastConfig(**{**raw, "models": models, "renewed_documents": renewed})


@dataclass(frozen=True)
class Window:
    """The forecast's years: award and payment years after the last complete year, up to the horizon."""
    last_complete: int
    horizon: int

    @property
    def years(self) -> list[int]:
        return list(range(self.last_complete + 1, self.last_complete + self.horizon + 1))

    @property
    def first_day(self) -> date:
        return date(self.last_complete + 1, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.last_complete + self.horizon, 12, 31)


def window_for(as_of: date, cfg: ForecastConfig) -> Window:
    return Window(as_of.year - 1, cfg.horizon_years)


def driver_history(conn: duckdb.DuckDBPyConnection, target: str, registry_schema: str, last_year: int) -> None:
    run_sql(conn, "forecast_driver_history", target=target, registry_schema=registry_schema,
            last_year=str(last_year))


def fit_drivers(history: pl.DataFrame, horizon: int, cfg: ForecastConfig, cache_dir: Path | None = None,
                log: Callable[[str], None] = print, workers: int | None = None) -> pl.DataFrame:
    """One row per driver, forecast year and quantile: the model chosen and the driver's value.

    The fits are a pure function of the series, the settings and the model code, so they are cached under
    a hash of all three (a re-run of the same night, or the same registry in the tests, refits nothing)."""
    key = hashlib.sha256(history.sort("driver_kind", "driver_key", "year").write_csv().encode()
                         + repr((horizon, cfg.models, cfg.selection_origins, QUANTILES)).encode()
                         + Path(forecast_models.__file__).read_bytes()).hexdigest()[:24]
    cached = cache_dir / f"driver_fits-{key}.parquet" if cache_dir else None
    if cached and cached.exists():
        log(f"forecast drivers: fits reused from {cached.name}")
        return pl.read_parquet(cached)
    fits = _fit_all(history, horizon, cfg, log, workers)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        part = cached.with_suffix(f".{os.getpid()}.tmp")  # concurrent writers never see half a file
        fits.write_parquet(part)
        part.replace(cached)
    return fits


FIT_SCHEMA = {"driver_kind": pl.String, "driver_key": pl.String, "model": pl.String, "scale": pl.String,
              "selection_error": pl.Float64, "year": pl.Int32, "quantile": pl.Float64, "target": pl.Float64}


def _fit_all(history: pl.DataFrame, horizon: int, cfg: ForecastConfig, log: Callable[[str], None],
             workers: int | None = None) -> pl.DataFrame:
    """Fit every series, spread over `workers` processes (NMG_FORECAST_WORKERS; None: one per core)."""
    groups = history.sort("year").group_by("driver_kind", "driver_key", maintain_order=True)
    series = [(kind, key, int(s["year"].max()), s["value"].to_list()) for (kind, key), s in groups]
    workers = max(1, min(workers or os.cpu_count() or 1, len(series)))
    chunks = [series[i::workers * 4] for i in range(workers * 4)] if workers > 1 else [series]
    args = (horizon, cfg.models, cfg.selection_origins)
    log(f"forecast drivers: fitting {len(series)} series ({', '.join(cfg.models)}) in {workers} process(es)")
    if workers == 1:
        rows = fit_chunk(series, *args)
    else:  # spawn, not fork: the parent holds DuckDB and Dagster threads; one BLAS thread per worker
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            rows = [r for part in pool.map(fit_chunk, chunks, *([a] * len(chunks) for a in args)) for r in part]
    return pl.DataFrame(rows, schema=FIT_SCHEMA, orient="row")


def project_paths(conn: duckdb.DuckDBPyConnection, cat: Catalogue, forecasts: pl.DataFrame, history: pl.DataFrame,
                  template_year: int, award_years: list[int], pool_years: int, run_id: str,
                  keep_awards: bool = False) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Each quantile's projected registry through the engine: new take-up lines (award year in `award_years`)
    summed per payment year, level, paying region and rule; optionally the median path's awards."""
    templates = history.filter(pl.col("year") == template_year)
    lines, awards = [], None
    if not cat.costed():
        return pl.DataFrame(schema={"quantile": pl.Float64, **{k: pl.String for k in PATH_LINE_KEYS},
                                    "payment_year": pl.Int64, "split_specified": pl.Boolean,
                                    "amount_yuan": pl.Decimal(18, 2), "cases": pl.Int64}), None
    with projection.scratch(conn) as main:
        for q in sorted(forecasts["quantile"].unique()):
            projection.write_targets(conn, forecasts.filter(pl.col("quantile") == q), templates)
            projection.project_registry(conn, main, "registry", template_year, pool_years)
            projection.run_engine(conn, cat, "projection", run_id, template_year)
            years = ", ".join(map(str, award_years))
            lines.append(query(conn, f"""
                SELECT {q} AS quantile, {', '.join(PATH_LINE_KEYS)}, sum(amount_yuan) AS amount_yuan,
                       count(DISTINCT object_id) AS cases
                FROM ledger.liabilities WHERE award_year IN ({years}) GROUP BY ALL"""))
            if keep_awards and q == 0.5:
                awards = query(conn, f"SELECT * FROM ledger.awards WHERE award_year IN ({years}) AND paid_fen > 0")
    return pl.concat(lines, how="vertical_relaxed"), awards


def fit_stage(conn: duckdb.DuckDBPyConnection, cfg: ForecastConfig, as_of: date, run_id: str,
              cache_dir: Path | None = None, log: Callable[[str], None] = print,
              workers: int | None = None) -> dict[str, Any]:
    """forecast.driver_history and forecast.driver_forecasts (the model chosen per driver and its quantiles)."""
    win = window_for(as_of, cfg)
    driver_history(conn, "forecast.driver_history", "registry", win.last_complete)
    history = query(conn, "SELECT * FROM forecast.driver_history")
    fits = fit_drivers(history, cfg.horizon_years, cfg, cache_dir, log, workers)
    write_table(conn, "forecast.driver_forecasts", fits.with_columns(pl.lit(run_id).alias("run_id")))
    models = dict(fits.unique(["driver_kind", "driver_key"]).group_by("model").len().sort("model").iter_rows())
    log(f"forecast drivers: {fits['driver_key'].n_unique()} series, models {models}")
    return {"drivers": int(fits.select("driver_kind", "driver_key").n_unique()), **{f"model_{k}": v
                                                                                   for k, v in models.items()}}


def project_stage(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, as_of: date, run_id: str,
                  log: Callable[[str], None] = print) -> dict[str, Any]:
    win = window_for(as_of, cfg)
    history = query(conn, "SELECT * FROM forecast.driver_history")
    fits = query(conn, "SELECT * EXCLUDE (run_id) FROM forecast.driver_forecasts")
    return project_forecast(conn, cat, cfg, win, history, fits, run_id, log)


def run_forecast(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, as_of: date, run_id: str,
                 cache_dir: Path | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Both forecast stages, as the nightly job runs them."""
    fit_stage(conn, cfg, as_of, run_id, cache_dir, log)
    return project_stage(conn, cat, cfg, as_of, run_id, log)


def project_forecast(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, win: Window,
                     history: pl.DataFrame, fits: pl.DataFrame, run_id: str,
                     log: Callable[[str], None] = print) -> dict[str, Any]:
    """forecast.path_lines (new take-up per driver quantile), forecast.liabilities (committed + forecast) and its
    marts, forecast.assumptions."""
    proj_cat = projection.with_validity(cat, win.first_day, win.last_day, renewed=set(cfg.renewed_documents))
    lines, awards = project_paths(conn, proj_cat, fits, history, win.last_complete, win.years, cfg.pool_years,
                                  run_id, keep_awards=True)
    write_table(conn, "forecast.path_lines", lines.with_columns(pl.col("amount_yuan").cast(pl.Decimal(18, 2))))
    if awards is not None:
        write_table(conn, "forecast.projected_awards", awards)
    else:  # no rule in force in the forecast years
        conn.execute("CREATE OR REPLACE TABLE forecast.projected_awards AS FROM ledger.awards LIMIT 0")
    write_table(conn, "forecast.assumptions", assumptions(cat, cfg, win))
    run_sql(conn, "forecast_liabilities", first_year=str(win.years[0]), last_year=str(win.years[-1]),
            last_complete=str(win.last_complete), run_id=sql_literal(run_id))
    write_table(conn, "forecast.bands", joint_bands(conn, cat, cfg, win, history, lines).with_columns(
        pl.lit(run_id).alias("run_id")))
    totals = conn.execute("""SELECT part, CAST(sum(amount_p50) AS DECIMAL(18, 2)) FROM forecast.liabilities
                             GROUP BY ALL ORDER BY ALL""").fetchall()
    log(f"forecast {win.years[0]}-{win.years[-1]}: " + ", ".join(f"{p} {v:,} 元" for p, v in totals))
    return {"years": f"{win.years[0]}-{win.years[-1]}", **{p: str(v) for p, v in totals},
            "rules_in_window": len(proj_cat.rules)}


def joint_bands(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, win: Window,
                history: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """forecast.bands: the totals' intervals from joint sample paths (forecast_bands.py), with the renewal of
    cfg.renewed_documents assumed and without it (their rules that end before the window then book nothing)."""
    budget = pl.col("kind").is_in(forecast_bands.BUDGET_KINDS)
    in_window = pl.col("payment_year").is_between(win.years[0], win.years[-1])
    lines = lines.filter(budget & in_window)
    committed = query(conn, """SELECT payment_year, paying_level, paying_region_code, amount_p50 AS amount
                               FROM forecast.liabilities WHERE part = 'committed'
                                 AND kind IN ('spending', 'programme')""")
    lapsing = {r.id for r in cat.costed() if r.document in cfg.renewed_documents
               and r.valid_to is not None and r.valid_to < win.last_day}
    frames = [forecast_bands.forecast_bands(committed, lines, history, cat, win.years).with_columns(
                  variant=pl.lit("with_renewal")),
              forecast_bands.forecast_bands(committed, lines.filter(~pl.col("rule_id").is_in(list(lapsing))),
                                            history, cat, win.years).with_columns(variant=pl.lit("without_renewal"))]
    return pl.concat(frames).select("variant", pl.exclude("variant"))


def assumptions(cat: Catalogue, cfg: ForecastConfig, win: Window) -> pl.DataFrame:
    """The stated assumptions the dashboards show next to the forecast."""
    rows = [{"topic": "window", "subject": "", "assumption":
             f"最近完整年度 {win.last_complete} 年；预测 {win.years[0]}–{win.years[-1]} 年（{cfg.horizon_years} 年）"},
            {"topic": "models", "subject": "", "assumption": _models_text(cfg)},
            {"topic": "intervals", "subject": "", "assumption":
             "区间：五条分位数路径（各驱动因素取同一分位数）逐条经条款公式计算，含封顶与分档；合计的区间由各驱动因素"
             "按历史增长相关性联合抽样 2000 条路径得出（每条规则随其主要驱动因素变动，同一驱动因素各年取同一分位数）"}]
    rows += [{"topic": "validity", "subject": doc, "assumption": text} for doc, text in cfg.renewed_documents.items()]
    lapsing = sorted({r.document for r in cat.costed() if r.document not in cfg.renewed_documents
                      and r.valid_to and r.valid_to < win.last_day and r.beneficiary != "programme"})
    rows += [{"topic": "validity", "subject": doc, "assumption": "按文本或目录所列有效期截止，期满后不再计入"}
             for doc in lapsing]
    return pl.DataFrame(rows)


def _models_text(cfg: ForecastConfig) -> str:
    """The driver models in Chinese (MODEL_ZH): one model alone, or the weighted combination and its weights."""
    names = "、".join(MODEL_ZH[m] for m in cfg.models)
    if len(cfg.models) == 1:
        return f"驱动因素模型：{names}（单一模型）；区间取该模型自身滚动起点误差（t 分布）"
    return (f"驱动因素模型：{names}的加权组合，权重为最近 {cfg.selection_origins} 个滚动起点在各预测年上平均绝对误差的"
            "倒数；单个驱动因素的区间取组合自身滚动起点误差（t 分布）")


def reconciliation_failures(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """What does not add up in the forecast tables (sql/check_forecast_reconciliation.sql); empty when all do."""
    return [r[0] for r in conn.execute(sql_text("check_forecast_reconciliation")).fetchall()]
