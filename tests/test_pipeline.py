"""The whole nightly job, in-process, on a small generated registry: every asset and check, then publication."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.settings import get_settings
from tests.conftest import run_nightly


def test_nightly_job_materializes_everything_and_publishes(run_env):
    result = run_nightly()
    assert result.success
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert {"reference_data", "policy_catalogue", "landing_files", "staged_registries", "validated_registries",
            "liability_ledger", "dashboard_site", "published_warehouse"} <= materialized
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert len(checks) == 5 and all(c.passed for c in checks)

    published = get_settings().published_db
    with duckdb.connect(str(published), read_only=True) as conn:
        schemas = {r[0] for r in conn.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        assert "staging" not in schemas  # clear personal data is never published
        undescribed = conn.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                                   "WHERE comment IS NULL OR comment = ''").fetchall()
        assert undescribed == []  # every published table says what it holds
        (rows_in, accepted, quarantined), = conn.execute(
            "SELECT sum(rows_in), sum(rows_accepted), sum(rows_quarantined) FROM audit.input_files").fetchall()
        assert rows_in == accepted + quarantined and quarantined > 0
        # every costed rule yields ledger lines on the generated registry
        costed = {r[0] for r in conn.execute("SELECT rule_id FROM catalogue.rules WHERE status='costed'").fetchall()}
        booked = {r[0] for r in conn.execute("SELECT DISTINCT rule_id FROM ledger.liabilities").fetchall()}
        assert costed == booked
        # the marts add up to the ledger, to the fen
        mart, ledger = conn.execute("""
            SELECT (SELECT sum(amount_yuan) FROM marts.liabilities_by_year_level_region_rule),
                   (SELECT sum(amount_yuan) FROM ledger.liabilities)""").fetchone()
        assert mart == ledger and ledger > 0
        assert conn.execute("SELECT count(*) FROM audit.runs WHERE status = 'succeeded'").fetchone()[0] == 1
    page = Path(get_settings().dashboards_dir / "index.html").read_text(encoding="utf-8")
    assert 'src="static/plotly.min.js"' in page and "支付年度" in page and "自治区" in page
    assert "cdn.plot.ly" not in page and 'src="http' not in page  # works offline: nothing from the network
    assert (get_settings().dashboards_dir / "static" / "plotly.min.js").stat().st_size > 1_000_000


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
    assert status.startswith("failed at validated_registries_no_refused_files")
    with duckdb.connect(str(published), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM ledger.liabilities").fetchone()[0] > 0
