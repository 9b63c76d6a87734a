"""The whole nightly job, in-process, on a small generated registry: every asset and check, then publication."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from dagster_project.settings import get_settings
from tests.conftest import run_nightly
from tests.golden.digest import digest

GOLDEN = Path(__file__).parent / "golden" / "before_parameters.json"


def test_nightly_job_materializes_everything_and_publishes(run_env):
    result = run_nightly()
    assert result.success
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert {"reference_data", "policy_catalogue", "landing_files", "staged_registries", "validated_registries",
            "liability_ledger", "driver_forecasts", "forecast_liabilities", "forecast_backtest", "scenario_results",
            "dashboard_site", "published_warehouse"} <= materialized
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert len(checks) == 8 and all(c.passed for c in checks)

    published = get_settings().published_db
    with duckdb.connect(str(published), read_only=True) as conn:
        schemas = {r[0] for r in conn.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        assert "staging" not in schemas  # clear personal data is never published
        undescribed = conn.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                                   "WHERE comment IS NULL OR comment = ''").fetchall()
        assert undescribed == []  # every published table says what it holds
        bare = conn.execute("SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
                            "WHERE database_name = current_database() AND (comment IS NULL OR comment = '')").fetchall()
        assert bare == []  # … and every column (sql/column_comments.sql)
        doc = (Path(__file__).parent.parent / "docs" / "warehouse.md").read_text(encoding="utf-8")
        columns = {c for (c,) in conn.execute("SELECT DISTINCT column_name FROM duckdb_columns() "
                                              "WHERE database_name = current_database()").fetchall()}
        assert {c for c in columns if f"`{c}`" not in doc} == set()  # and docs/warehouse.md names every column
        (rows_in, accepted, quarantined), = conn.execute(
            "SELECT sum(rows_in), sum(rows_accepted), sum(rows_quarantined) FROM audit.input_files").fetchall()
        assert rows_in == accepted + quarantined and quarantined > 0
        # every costed rule has beneficiaries on the generated registry, and books ledger lines unless 就高不重复
        # gave every one of its awards to a higher award of its stacking group (ORD-FTRADE-05A's 80万 for a new 5A
        # firm always meets the region's 100万)
        costed = {r[0] for r in conn.execute("SELECT rule_id FROM catalogue.rules WHERE status='costed'").fetchall()}
        awarded = {r[0] for r in conn.execute("SELECT DISTINCT rule_id FROM ledger.awards").fetchall()}
        booked = {r[0] for r in conn.execute("SELECT DISTINCT rule_id FROM ledger.liabilities").fetchall()}
        assert costed == awarded
        only_stacked_out = {r[0] for r in conn.execute("""SELECT rule_id FROM ledger.awards GROUP BY rule_id
                            HAVING bool_and(outcome LIKE 'stacked_out:%')""").fetchall()}
        assert costed - booked == only_stacked_out
        # the marts add up to the ledger, to the fen
        mart, ledger = conn.execute("""
            SELECT (SELECT sum(amount_yuan) FROM marts.liabilities_by_year_level_region_rule),
                   (SELECT sum(amount_yuan) FROM ledger.liabilities)""").fetchone()
        assert mart == ledger and ledger > 0
        assert conn.execute("SELECT count(*) FROM audit.runs WHERE status = 'published'").fetchone()[0] == 1
        check_forecast(conn)
        check_same_money_as_before_the_parameters(conn)
    check_no_clear_personal_data(published, get_settings().build_db)
    page = Path(get_settings().dashboards_dir / "index.html").read_text(encoding="utf-8")
    assert 'src="static/plotly-basic.min.js"' in page and "支付年度" in page and "自治区" in page
    assert "cdn.plot.ly" not in page and 'src="http' not in page  # works offline: nothing from the network
    static = get_settings().dashboards_dir / "static"
    assert (static / "plotly-basic.min.js").stat().st_size > 500_000 and not (static / "plotly.min.js").exists()


def test_a_failed_run_leaves_the_published_warehouse_intact(run_env, monkeypatch):
    assert run_nightly().success
    published = get_settings().published_db
    before = published.read_bytes()
    # Next night the exports come from the landing folder and the enterprise file arrives empty: the file is
    # refused, a blocking check fails.
    import shutil

    monkeypatch.setenv("NMG_USE_LANDING", "1")
    shutil.copytree(get_settings().synthetic_dir, get_settings().landing_dir)
    (get_settings().landing_dir / "enterprises.csv").write_bytes(b"")
    result = run_nightly()
    assert not result.success
    assert published.read_bytes() == before
    # the failure is logged in the build database and reaches the auditors with the next good run
    with duckdb.connect(str(get_settings().build_db), read_only=True) as build:
        status = build.execute("SELECT status FROM audit.runs WHERE run_id = ?", [result.run_id]).fetchone()[0]
    # the empty file is refused, so enterprises did not arrive either: whichever blocking check failed first
    assert status.startswith(("failed at validated_registries_no_refused_files",
                              "failed at validated_registries_every_registry_arrived"))
    with duckdb.connect(str(published), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM ledger.liabilities").fetchone()[0] > 0


def check_forecast(conn: duckdb.DuckDBPyConnection) -> None:
    """The published forecast: both parts in every forecast year, intervals, backtest, the example scenarios."""
    parts = conn.execute("""SELECT payment_year, part, sum(amount_p025), sum(amount_p50), sum(amount_p975)
                            FROM forecast.liabilities WHERE kind = 'spending' GROUP BY ALL ORDER BY ALL""").fetchall()
    assert {(y, p) for y, p, *_ in parts} == {(y, p) for y in (2026, 2027, 2028) for p in ("committed", "forecast")}
    for _, part, low, mid, high in parts:
        assert low <= mid <= high and (part == "committed" or low < high)
    # the regions add up to their level, the levels to the total, per quantile (forecast_reconciles passed too)
    assert conn.execute("""SELECT count(*) FROM (SELECT payment_year, paying_level, sum(total_p50_yuan) AS s
                           FROM forecast.by_year_level_region GROUP BY ALL) AS r
                           JOIN forecast.by_year_level AS b USING (payment_year, paying_level)
                           WHERE r.s <> b.total_p50_yuan""").fetchone()[0] == 0
    # backtest: three methods, every level and the total; on the default data the driver forecast beats both
    # naive baselines overall (MAPE recorded in docs/forecast.md)
    summary = {(lvl, m): (mae, beats) for lvl, m, mae, beats in conn.execute(
        "SELECT level, method, mae_yuan, beats_both_baselines FROM forecast.backtest_summary").fetchall()}
    assert {m for _, m in summary} == {"driver_forecast", "naive_last_value", "naive_drift"}
    assert summary[("all", "driver_forecast")][1] is True
    # the two example scenarios are run, compared with the baseline, and both cost less than it
    deltas = dict(conn.execute("SELECT scenario, sum(delta_yuan) FROM scenarios.by_year_level GROUP BY 1").fetchall())
    assert set(deltas) == {"milk_increase_150", "tighter_talent_and_rd"} and all(d < 0 for d in deltas.values())


def check_no_clear_personal_data(published: Path, build: Path) -> None:
    """No talent's name or ID number, as the exports hold them (staging), appears in any published column."""
    with duckdb.connect() as conn:
        conn.execute(f"ATTACH '{build}' AS build (READ_ONLY)")
        conn.execute(f"ATTACH '{published}' AS pub (READ_ONLY)")
        conn.execute("""CREATE TEMP TABLE clear AS SELECT id_number AS v FROM build.staging.talents
                        WHERE length(id_number) = 18 UNION SELECT name FROM build.staging.talents""")
        assert conn.execute("SELECT count(*) FROM clear").fetchone()[0] > 1000
        columns = conn.execute("SELECT schema_name, table_name, column_name FROM duckdb_columns() "
                               "WHERE database_name = 'pub' AND data_type = 'VARCHAR'").fetchall()
        for schema, table, column in columns:
            hits = conn.execute(f'SELECT count(*) FROM pub.{schema}.{table} WHERE "{column}" IN (SELECT v FROM clear)')
            assert hits.fetchone()[0] == 0, f"clear personal data in {schema}.{table}.{column}"
        inside = conn.execute("""SELECT count(*) FROM pub.audit.quarantine AS q, build.staging.talents AS t
                                 WHERE length(t.id_number) = 18 AND contains(q.raw_record, t.id_number)""")
        assert inside.fetchone()[0] == 0  # nor inside a quarantined record


def check_same_money_as_before_the_parameters(conn) -> None:
    """Issue 20: the catalogue's amounts became named, dated parameters. Every ledger line, award and payment, the
    forecast's lines and bands, and both scenarios are, row for row, those of the last night computed before that
    migration on this registry (tests/golden/before_parameters.json; regenerate it only for a deliberate change)."""
    before = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = digest(conn, {table: spec["columns"] for table, spec in before["tables"].items()})
    for table, totals in before["totals"].items():  # first the readable difference: totals by rule, year and level
        assert [list(map(str, r)) for r in now["totals"][table]] == [list(map(str, r)) for r in totals], table
    assert now["tables"] == before["tables"]
