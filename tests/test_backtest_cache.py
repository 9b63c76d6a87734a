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
    return {t: conn.execute(f"SELECT * EXCLUDE (run_id) FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


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
    for t in TABLES:
        warehouse.execute(f"DELETE FROM {t}")
    said.clear()
    second = backtest.run_backtest(warehouse, cat, cfg, as_of, "run-2", cache, said.append, workers=1)
    assert any(s.startswith("backtest: reused") for s in said)
    assert second == first
    assert rows(warehouse) == computed
    assert {r[0] for t in TABLES for r in warehouse.execute(f"SELECT DISTINCT run_id FROM {t}").fetchall()} == {"run-2"}


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
