"""A registry that did not arrive, or arrived with far fewer rows than last night, is held: never published as if
nothing were owed (issue 14, class 11)."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from dagster_project import stages, synthetic
from dagster_project.settings import Settings
from dagster_project.warehouse import append_table, ensure_schemas

from .conftest import run_nightly


def files(run_id: str, accepted: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame([{"run_id": run_id, "file": f"{r}.csv", "registry": r, "status": "read",
                          "rows_in": n, "rows_accepted": n, "rows_quarantined": 0} for r, n in accepted.items()])


@pytest.fixture
def conn():
    c = duckdb.connect()
    ensure_schemas(c)
    stages.ensure_runs_table(c)
    yield c
    c.close()


def published(conn, run_id: str, accepted: dict[str, int], status: str = "published") -> None:
    conn.execute("INSERT INTO audit.runs (run_id, started_at, finished_at, status) VALUES (?, now(), now(), ?)",
                 [run_id, status])
    append_table(conn, "audit.input_files", files(run_id, accepted))


def test_a_missing_registry_and_a_sharp_fall_are_held(conn, monkeypatch):
    monkeypatch.setenv("NMG_MAX_ROW_DROP_SHARE", "0.3")
    published(conn, "night-1", {"enterprises": 1000, "enterprise_metrics": 5000, "projects": 400, "talents": 200})
    published(conn, "night-2-failed", {"enterprises": 10, "talents": 1}, status="failed at ledger")
    append_table(conn, "audit.input_files", files("night-3", {"enterprises": 1000, "enterprise_metrics": 3600,
                                                              "projects": 279}))
    got = {r["registry"]: r for r in stages.compare_with_last_published(conn, Settings(), "night-3").to_dicts()}
    assert got["talents"]["status"] == "missing" and got["talents"]["files_read"] == 0
    # 5000 -> 3600 is a fall of 28%: under 30%, kept; 400 -> 279 is 30.25%: held
    assert got["enterprise_metrics"]["status"] == "ok" and got["projects"]["status"] == "held"
    assert got["projects"]["previous_run_id"] == "night-1"  # the failed night is no yardstick
    assert got["projects"]["previous_rows_accepted"] == 400 and got["enterprises"]["status"] == "ok"


def test_a_person_confirms_a_fall(conn, monkeypatch):
    monkeypatch.setenv("NMG_CONFIRM_DROP", "projects")
    published(conn, "night-1", {"enterprises": 1000, "enterprise_metrics": 5000, "projects": 400, "talents": 200})
    append_table(conn, "audit.input_files", files("night-2", {"enterprises": 1000, "enterprise_metrics": 5000,
                                                              "projects": 100, "talents": 200}))
    got = {r["registry"]: r["status"] for r in stages.compare_with_last_published(conn, Settings(), "night-2")
           .to_dicts()}
    assert got == {"enterprises": "ok", "enterprise_metrics": "ok", "projects": "confirmed", "talents": "ok"}


def test_the_first_night_has_nothing_to_compare(conn):
    append_table(conn, "audit.input_files", files("night-1", {"enterprises": 5, "enterprise_metrics": 5,
                                                              "projects": 5, "talents": 5}))
    frame = stages.compare_with_last_published(conn, Settings(), "night-1")
    assert frame["status"].to_list() == ["ok"] * 4 and frame["previous_run_id"].null_count() == 4


def test_a_night_without_the_talents_export_is_not_published(run_env, monkeypatch):
    """With the talents export missing from the landing folder the night stops before publication, saying which
    registry is missing; the other registries are still read and validated."""
    landing = run_env / "data" / "landing"
    synthetic.write_landing(landing, 20240121, 300, 0.0)
    for f in landing.glob("talents*"):
        f.unlink()
    monkeypatch.setenv("NMG_USE_LANDING", "1")
    result = run_nightly()
    checks = {e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data.passed
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks["every_registry_arrived"] is False
    assert not Settings().published_db.exists()
    with duckdb.connect(str(Settings().build_db), read_only=True) as conn:
        status = dict(conn.execute("SELECT registry, status FROM audit.registry_arrivals").fetchall())
    assert status == {"enterprises": "ok", "enterprise_metrics": "ok", "projects": "ok", "talents": "missing"}
