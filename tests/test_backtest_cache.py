"""The backtest is reused only when everything it reads is the same (issue 21): the cached night gives the very
same tables, and a changed registry row, reference row or setting computes it again."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date

import duckdb
import pytest

from dagster_project import backtest, catalogue
from dagster_project.forecast import load_config

TABLES = [f"forecast.{t}" for t in backtest.CACHED_TABLES]


@pytest.fixture
def warehouse(nightly_site, tmp_path):
    """A writable copy of the shared night's published warehouse (registry, reference data, forecast)."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(nightly_site[1], copy)
    copy.chmod(0o644)
    with duckdb.connect(str(copy)) as conn:
        yield conn


def rows(conn: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Every row of every backtest table, without the run id (the driver history has none)."""
    out = {}
    for t in TABLES:
        cols = [c for (c,) in conn.execute(f"SELECT column_name FROM (DESCRIBE {t})").fetchall() if c != "run_id"]
        out[t] = conn.execute(f"SELECT {', '.join(cols)} FROM {t} ORDER BY ALL").fetchall()
    return out


STAMPED = [t for t in TABLES if t != "forecast.backtest_driver_history"]


def test_a_second_run_reuses_the_backtest_and_gives_the_same_tables(warehouse, tmp_path, fit_cache):
    cat, cfg, as_of = catalogue.load(), load_config(), date(2026, 11, 27)
    cache = tmp_path / "cache"
    cache.mkdir()
    for fits in fit_cache.glob("driver_fits-*.parquet"):  # the drivers' fits are not what is tested here
        shutil.copy(fits, cache)
    said: list[str] = []
    first = backtest.run_backtest(warehouse, cat, cfg, as_of, "run-1", cache, said.append, workers=1)
    computed = rows(warehouse)
    assert not any(s.startswith("backtest: reused") for s in said)
    for t in TABLES:  # a fresh build database: the reused night must create every table the computed one did
        warehouse.execute(f"DROP TABLE {t}")
    said.clear()
    second = backtest.run_backtest(warehouse, cat, cfg, as_of, "run-2", cache, said.append, workers=1)
    assert any(s.startswith("backtest: reused") for s in said)
    assert second == first
    assert rows(warehouse) == computed
    stamps = {r[0] for t in STAMPED for r in warehouse.execute(f"SELECT DISTINCT run_id FROM {t}").fetchall()}
    assert stamps == {"run-2"}


def test_the_key_changes_with_any_input(warehouse):
    cat, cfg = catalogue.load(), load_config()
    key = backtest.cache_key(warehouse, cat, cfg, 2025)
    assert backtest.cache_key(warehouse, cat, cfg, 2025) == key  # stable
    assert backtest.cache_key(warehouse, cat, cfg, 2024) != key  # another last complete year
    assert backtest.cache_key(warehouse, cat, dataclasses.replace(cfg, pool_years=2), 2025) != key
    assert backtest.cache_key(warehouse, dataclasses.replace(cat, version="x"), cfg, 2025) != key
    warehouse.execute("""UPDATE registry.enterprise_metrics SET value = value + 1
                         WHERE rowid = (SELECT min(rowid) FROM registry.enterprise_metrics)""")
    changed_metric = backtest.cache_key(warehouse, cat, cfg, 2025)
    assert changed_metric != key
    warehouse.execute("UPDATE ref.regions SET name_zh = name_zh || '·' WHERE rowid = 0")
    assert backtest.cache_key(warehouse, cat, cfg, 2025) not in (key, changed_metric)
