"""The dashboard pages (built aside) and the published warehouse, put live together."""

import time
from datetime import datetime

import dagster as dg
import duckdb as duckdb_module

from .. import dashboards, publish, stages, writer
from ..pipeline import GROUP, OWNERS, TZ, BuildDatabase, NightSettings, code_version, run_parameters, warehouse_metadata
from ..settings import Settings


def _run_info(conn: duckdb_module.DuckDBPyConnection, run_id: str, settings: Settings) -> dict:
    version = conn.execute("SELECT catalogue_version FROM catalogue.version").fetchone()[0]
    return {"run_id": run_id, "catalogue_version": version, "as_of": str(settings.as_of),
            "generated_at": datetime.now(TZ).strftime("%Y-%m-%d %H:%M:%S（北京时间）")}


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"plotly"},
          deps=["liability_ledger", "forecast_liabilities", "forecast_backtest", "scenario_results"],
          description="Static dashboard pages (offline, Simplified Chinese), built aside in dashboards/.site/<run_id>; "
                      "published_warehouse puts them live together with the warehouse.")
def dashboard_site(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                   night: NightSettings) -> dg.MaterializeResult:
    settings = night.settings
    staged = publish.site_dir(settings, context.run.run_id)
    with duckdb.get_connection() as conn:
        stages.ensure_runs_table(conn)  # the first run has no earlier run to list
        pages = dashboards.build_site(conn, staged, _run_info(conn, context.run.run_id, settings),
                                      settings.published_db)
    built = publish.seal_site(staged)
    context.log.info(f"dashboards built in {built} (live after publication): {', '.join(p.name for p in pages)}")
    return dg.MaterializeResult(metadata={"site": str(built), "pages": ", ".join(p.name for p in pages)})


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"duckdb"},
          deps=["liability_ledger", dashboard_site, "talent_candidates"],
          description="The auditors' warehouse (read-only, 0444) and this run's pages, put live together: the "
                      "warehouse by an atomic rename, then the pages (publish.py).")
def published_warehouse(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                        night: NightSettings) -> dg.MaterializeResult:
    settings = night.settings
    run_id = context.run.run_id
    with duckdb.get_connection() as conn:
        version = conn.execute("SELECT catalogue_version FROM catalogue.version").fetchone()[0]
        stages.record_run(conn, run_id, stages.STARTED, started_at=time.time(), cat_version=version,
                          params=run_parameters(settings), code_version=code_version())
        done = publish.publish(conn, settings, run_id, context.log.warning)
        stages.record_run(conn, run_id, stages.PUBLISHED, finished_at=done.finished_at)
    writer.log_event(settings, run_id, stages.PUBLISHED, catalogue_version=version)
    context.log.info(f"published {done.path} and the pages of run {run_id}")
    return dg.MaterializeResult(metadata={"path": str(done.path), **warehouse_metadata(done.path)})
