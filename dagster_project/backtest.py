"""Backtest of the forecast: hold out the last complete years, refit the drivers on the years before, push the
forecast drivers through the engine, and compare with what the registry shows for the held-out years, beside
two naive baselines (last value; drift) on the same years.

What is compared is the cost of each year's new awards under today's catalogue with its validity opened to
every year ("what these rules would have cost"): validity dates move the actual ledger by policy decisions,
not by take-up, and would make any forecast of take-up look wrong for reasons it cannot know.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from . import forecast_bands, projection
from .catalogue import Catalogue
from .forecast import ForecastConfig, driver_history, fit_drivers, window_for
from .settings import SEEDS_DIR, SQL_DIR
from .warehouse import query, write_table

LEVEL_TOTALS = """SELECT award_year AS year, paying_level AS level, sum(amount_yuan) AS amount
                  FROM ledger.liabilities WHERE kind = 'spending' AND award_year BETWEEN {first} AND {last}
                  GROUP BY ALL"""
RULE_TOTALS = """SELECT {q} AS quantile, rule_id, award_year AS year, paying_level AS level,
                        sum(amount_yuan) AS amount_yuan
                 FROM ledger.liabilities WHERE kind = 'spending' AND award_year BETWEEN {first} AND {last}
                 GROUP BY ALL"""
NOMINAL = {0.8: ("band_p10_yuan", "band_p90_yuan"), 0.95: ("band_p025_yuan", "band_p975_yuan")}


def opened(cat: Catalogue, first: int, last: int) -> Catalogue:
    """Today's costed take-up rules as if valid in every year first..last."""
    rules = tuple(r.stretched(valid_from=date(first, 1, 1), valid_to=date(last, 12, 31), cohorts_from=None)
                  for r in cat.costed() if r.beneficiary != "programme")
    return dataclasses.replace(cat, rules=rules)


# forecast.*: every table the backtest writes (a reused night must publish the same tables), run_id left blank
CACHED_TABLES = ("backtest_driver_history", "backtest", "backtest_summary", "backtest_coverage")
KEEP_ENTRIES = 7
CODE_DIRS = ((Path(__file__).parent, "*.py"), (SQL_DIR, "*.sql"), (SEEDS_DIR, "*.yaml"), (SEEDS_DIR, "*.csv"))


def run_backtest(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, as_of: date, run_id: str,
                 cache_dir: Path | None = None, log: Callable[[str], None] = print,
                 workers: int | None = None) -> dict[str, Any]:
    """The backtest's tables; reused from `cache_dir` when the registry, the reference data, the catalogue, the
    settings, the code and the last complete year are all the same as a night that computed them (a re-run, an
    on-demand run after the nightly one): the backtest is a pure function of these."""
    last = window_for(as_of, cfg).last_complete
    folder = cache_dir / f"backtest-{cache_key(conn, cat, cfg, last)}" if cache_dir else None
    if folder and (folder / "stats.json").exists():
        log(f"backtest: reused from {folder.name} (same registry, catalogue, settings and code)")
        for table in CACHED_TABLES:
            frame = pl.read_parquet(folder / f"{table}.parquet")
            write_table(conn, f"forecast.{table}",
                        frame.with_columns(pl.lit(run_id).alias("run_id")) if "run_id" in frame.columns else frame)
        return json.loads((folder / "stats.json").read_text())
    stats = _compute_backtest(conn, cat, cfg, last, run_id, cache_dir, log, workers)
    if folder:
        _store(conn, folder, stats)
    return stats


def cache_key(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, last: int) -> str:
    """SHA-256 of everything the backtest reads: every row of the registry and reference tables (an
    order-independent sum of row hashes, with the row count), the catalogue version, the settings, the last
    complete year, and the bytes of the code, SQL and seeds."""
    digest = hashlib.sha256(repr((cat.version, dataclasses.asdict(cfg), last)).encode())
    tables = conn.execute("""SELECT schema_name, table_name FROM duckdb_tables()
                             WHERE database_name = current_database() AND schema_name IN ('registry', 'ref')
                             ORDER BY ALL""").fetchall()
    for schema, table in tables:
        rows = conn.execute(f'SELECT count(*), sum(hash(t)) FROM "{schema}"."{table}" AS t').fetchone()
        digest.update(f"{schema}.{table}:{rows}".encode())
    for folder, pattern in CODE_DIRS:
        for path in sorted(folder.rglob(pattern)):
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:24]


def _store(conn: duckdb.DuckDBPyConnection, folder: Path, stats: dict[str, Any]) -> None:
    """Written to a folder of its own and renamed: a concurrent or killed run never leaves half an entry."""
    part = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    part.mkdir(parents=True, exist_ok=True)
    for table in CACHED_TABLES:
        frame = query(conn, f"SELECT * FROM forecast.{table}")
        if "run_id" in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Utf8).alias("run_id"))
        frame.write_parquet(part / f"{table}.parquet")
    (part / "stats.json").write_text(json.dumps(stats))
    try:
        part.rename(folder)
    except OSError:  # another run stored the same entry first
        shutil.rmtree(part, ignore_errors=True)
    entries = sorted((f for f in folder.parent.glob("backtest-*") if f.suffix != ".tmp"),  # not one being written
                     key=lambda f: f.stat().st_mtime, reverse=True)
    for old in entries[KEEP_ENTRIES:]:  # a few nights back are enough to re-run them
        shutil.rmtree(old, ignore_errors=True)


def _compute_backtest(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, last: int, run_id: str,
                      cache_dir: Path | None, log: Callable[[str], None], workers: int | None) -> dict[str, Any]:
    cutoff = last - cfg.holdout_years
    held = list(range(cutoff + 1, last + 1))
    first = int(conn.execute("SELECT min(year) FROM forecast.driver_history").fetchone()[0]) + 1
    with projection.scratch(conn) as main:  # what today's rules would have cost in every year of the history
        projection.run_engine(conn, opened(cat, first, last), f"{main}.registry", run_id, last)
        actual = query(conn, LEVEL_TOTALS.format(first=first, last=last))
    driver_history(conn, "forecast.backtest_driver_history", "registry", cutoff)
    history = query(conn, "SELECT * FROM forecast.backtest_driver_history")
    fits = fit_drivers(history, cfg.holdout_years, cfg, cache_dir, log, workers)
    templates = history.filter(pl.col("year") == cutoff)
    held_cat = opened(cat, cutoff + 1, last)
    paths = []
    with projection.scratch(conn) as main:  # every quantile path, so the bands can be scored as well
        for q in sorted(fits["quantile"].unique()):
            projection.write_targets(conn, fits.filter(pl.col("quantile") == q), templates)
            projection.project_registry(conn, main, "registry", cutoff, cfg.pool_years)
            projection.run_engine(conn, held_cat, "projection", run_id, cutoff)
            paths.append(query(conn, RULE_TOTALS.format(q=q, first=cutoff + 1, last=last)))
    lines = pl.concat(paths, how="vertical_relaxed")
    method = (lines.filter(pl.col("quantile") == 0.5).group_by("year", "level").agg(amount=pl.col("amount_yuan").sum()))
    rows = compare(actual, method, first, cutoff, held)
    write_table(conn, "forecast.backtest", rows.with_columns(pl.lit(run_id).alias("run_id")))
    summary = summarise(rows)
    write_table(conn, "forecast.backtest_summary", summary.with_columns(
        pl.lit(run_id).alias("run_id"), pl.lit(f"{first}-{cutoff}").alias("fitted_on"),
        pl.lit(f"{held[0]}-{held[-1]}").alias("held_out")))
    overall = {r["method"]: r["mape"] for r in summary.filter(pl.col("level") == "all").iter_rows(named=True)}
    log(f"backtest (fitted on {first}-{cutoff}, held out {held[0]}-{held[-1]}), MAPE overall: "
        + ", ".join(f"{m} {v:.1%}" for m, v in overall.items()))
    coverage = band_coverage(actual.filter(pl.col("year").is_in(held)), lines, history, cat)
    write_table(conn, "forecast.backtest_coverage", coverage.with_columns(pl.lit(run_id).alias("run_id")))
    cover = {r["nominal"]: r for r in coverage.filter(pl.col("level") == "all").iter_rows(named=True)}
    log("backtest bands (joint sample paths), held-out points inside: "
        + ", ".join(f"{n:.0%} band {r['covered']}/{r['points']}" for n, r in cover.items()))
    return {**{f"mape_{m}": round(v, 4) for m, v in overall.items()},
            **{f"coverage_{round(n * 100)}": r["coverage"] for n, r in cover.items()}}


def band_coverage(actual: pl.DataFrame, lines: pl.DataFrame, history: pl.DataFrame, cat: Catalogue) -> pl.DataFrame:
    """How often the held-out totals (per level and all levels) fall inside the 80% and 95% bands the same joint
    sample paths as the nightly forecast give; and the interval (Winkler) score, lower is better."""
    drivers = forecast_bands.rule_drivers(cat, lines["rule_id"].unique().to_list())
    keys = sorted(set(drivers.values()))
    corr = forecast_bands.driver_correlation(history, keys)
    frames = []
    for groups, truth in ((["year", "level"], actual),
                          (["year"], actual.group_by("year").agg(pl.col("amount").sum()))):
        sampled = forecast_bands.sample_totals(lines, drivers, corr, keys, groups)
        band = sampled.group_by(groups).agg(**{f"band_{name}_yuan": pl.col("amount").quantile(q, interpolation="linear")
                                               for name, q in forecast_bands.BANDS.items()})
        scored = truth.with_columns(pl.col("amount").cast(pl.Float64)).join(band, on=groups, how="left").fill_null(0.0)
        frames.append(scored if "level" in groups else scored.with_columns(level=pl.lit("all")))
    scored = pl.concat(frames, how="diagonal_relaxed")
    out = []
    for nominal, (lo, hi) in NOMINAL.items():
        alpha, y, low, up = 1 - nominal, pl.col("amount"), pl.col(lo), pl.col(hi)
        winkler = (up - low) + (2 / alpha) * ((low - y).clip(lower_bound=0) + (y - up).clip(lower_bound=0))
        out.append(scored.with_columns(inside=(y >= low) & (y <= up), score=winkler).group_by("level").agg(
            points=pl.len(), covered=pl.col("inside").sum(), interval_score_yuan=pl.col("score").mean().round(2))
            .with_columns(nominal=pl.lit(nominal), coverage=(pl.col("covered") / pl.col("points")).round(4)))
    return pl.concat(out).select("level", "nominal", "points", "covered", "coverage", "interval_score_yuan").sort(
        "nominal", "level")


def compare(actual: pl.DataFrame, method: pl.DataFrame, first: int, cutoff: int, held: list[int]) -> pl.DataFrame:
    """One row per level (and 'all'), method and held-out year: actual, forecast, absolute error."""
    def with_all(frame: pl.DataFrame) -> pl.DataFrame:
        total = frame.group_by("year").agg(pl.col("amount").sum()).with_columns(level=pl.lit("all"))
        return pl.concat([frame.select("year", "level", "amount"), total.select("year", "level", "amount")])

    act, met = with_all(actual), with_all(method)
    levels = sorted(act["level"].unique())
    out = []
    for level in levels:
        series = {int(y): float(a) for y, a in act.filter(pl.col("level") == level).select("year", "amount").rows()}
        base = series.get(cutoff, 0.0)
        slope = (base - series.get(first, 0.0)) / max(cutoff - first, 1)
        got = {int(y): float(a) for y, a in met.filter(pl.col("level") == level).select("year", "amount").rows()}
        for h, year in enumerate(held, start=1):
            truth = series.get(year, 0.0)
            for name, value in (("driver_forecast", got.get(year, 0.0)), ("naive_last_value", base),
                                ("naive_drift", base + h * slope)):
                out.append({"level": level, "method": name, "year": year, "actual_yuan": round(truth, 2),
                            "forecast_yuan": round(value, 2), "abs_error_yuan": round(abs(value - truth), 2)})
    money = ("actual_yuan", "forecast_yuan", "abs_error_yuan")  # reported to the fen, as decimals
    return pl.DataFrame(out).with_columns(pl.col(money).cast(pl.Decimal(18, 2)))


def summarise(rows: pl.DataFrame) -> pl.DataFrame:
    """Mean absolute error and mean absolute percentage error per level and method over the held-out years."""
    err, truth = pl.col("abs_error_yuan").cast(pl.Float64), pl.col("actual_yuan").cast(pl.Float64)
    return rows.group_by("level", "method", maintain_order=True).agg(
        mae_yuan=err.mean().round(2),
        mape=(err / truth).filter(truth > 0).mean(),
    ).with_columns(beats_both_baselines=pl.col("mae_yuan") < pl.col("mae_yuan").filter(
        pl.col("method") != "driver_forecast").min().over("level"))
