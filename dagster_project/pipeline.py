"""Dagster assets and asset checks: one asset per stage, each a thin call into stages.py."""


import os
import subprocess
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
from dagster_duckdb import DuckDBResource

from . import backtest, dashboards, forecast, partitions, publish, scenarios, stages, talent_classifier, writer
from .catalogue import load as load_catalogue_files
from .ledger import reconciliation_failures
from .settings import REPO_ROOT, get_settings

TZ = ZoneInfo("Asia/Shanghai")
GROUP = "nightly"


def today() -> date:
    """The run's date in Asia/Shanghai; NMG_AS_OF=YYYY-MM-DD pins it (tests, re-runs of an old night)."""
    pinned = os.environ.get("NMG_AS_OF")
    return date.fromisoformat(pinned) if pinned else datetime.now(TZ).date()


def code_version() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_parameters() -> dict:
    """The run's parameters as audit.runs records them."""
    settings = get_settings()
    return {"enterprises": settings.enterprises, "seed": settings.seed, "bad_row_share": settings.bad_row_share,
            "as_of": str(today())}


@dg.asset(group_name=GROUP,
          description="Reference data from seeds/reference into ref.* (regions, industries, metrics).")
def reference_data(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        counts = stages.load_reference(conn)
    context.log.info(f"reference tables loaded: {counts}")
    return dg.MaterializeResult(metadata={f"rows_{k}": v for k, v in counts.items()})


@dg.asset(group_name=GROUP,
          description="The policy catalogue (seeds/catalogue/*.yaml), checked and written to catalogue.*.")
def policy_catalogue(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        cat = stages.load_catalogue(conn, context.run.run_id)
    context.log.info(f"catalogue {cat.version}: {len(cat.rules)} rules, {len(cat.costed())} costed")
    return dg.MaterializeResult(metadata={"catalogue_version": cat.version, "rules": len(cat.rules),
                                          "costed": len(cat.costed())})


@dg.asset(group_name=GROUP, description="Registry exports in the landing folder (synthetic unless NMG_USE_LANDING=1).")
def landing_files(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = stages.prepare_landing(get_settings(), context.log.info)
    return dg.MaterializeResult(metadata={"files": ", ".join(p.name for p in paths)})


@dg.asset(group_name=GROUP, deps=[landing_files],
          description="Every landing file read as text into staging.* (never published), "
                      "fingerprinted in audit.input_files.")
def staged_registries(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        log = stages.ingest_landing(conn, get_settings(), context.run.run_id, context.log.info)
    status = log["status"].value_counts()
    return dg.MaterializeResult(metadata={"files": log.height, "rows_in": int(log["rows_in"].sum() or 0),
                                          **{f"files_{s}": n for s, n in status.iter_rows()}})


@dg.asset(group_name=GROUP, deps=[staged_registries, reference_data],
          description="Pandera-validated, typed registries (registry.*); failing rows in audit.quarantine.")
def validated_registries(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        acc = stages.validate_registries(conn, get_settings(), context.run.run_id, today(), context.log.info)
        stages.compare_with_last_published(conn, get_settings(), context.run.run_id)
    return dg.MaterializeResult(metadata={"rows_in": int(acc["rows_in"].sum()),
                                          "rows_accepted": int(acc["rows_accepted"].sum()),
                                          "rows_quarantined": int(acc["rows_quarantined"].sum())})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="Every row is either accepted or quarantined (rows in = accepted + quarantined).")
def rows_accounted_for(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        bad = conn.execute("""
            SELECT f.file, f.rows_in, f.rows_accepted, f.rows_quarantined
            FROM audit.input_files f WHERE f.run_id = ? AND f.status = 'read'
              AND f.rows_in <> COALESCE(f.rows_accepted, 0) + COALESCE(f.rows_quarantined, 0)""",
            [context.op_execution_context.run.run_id]).fetchall()
    return dg.AssetCheckResult(passed=not bad, metadata={"mismatched_files": str(bad)})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="No landing file was refused whole (unreadable, empty, missing a required column).")
def no_refused_files(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        refused = conn.execute("SELECT file, message FROM audit.input_files WHERE run_id = ? AND status = 'refused'",
                               [context.op_execution_context.run.run_id]).fetchall()
    return dg.AssetCheckResult(passed=not refused, metadata={"refused": "\n".join(f"{f}: {m}" for f, m in refused)})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="Every registry of the data contract arrived: at least one of its files was read.")
def every_registry_arrived(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        missing = [r for (r,) in conn.execute("SELECT registry FROM audit.registry_arrivals WHERE run_id = ? "
                                              "AND status = 'missing' ORDER BY registry",
                                              [context.op_execution_context.run.run_id]).fetchall()]
    return dg.AssetCheckResult(passed=not missing, metadata={"missing": ", ".join(missing) or "none", "what_to_do": (
        "登记库未到：请把这些登记库的导出放入接收目录后重新运行" if missing else "")})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="No registry's accepted rows fell sharply against the last published run "
                            "(NMG_MAX_ROW_DROP_SHARE) unless a person confirmed it (NMG_CONFIRM_DROP).")
def no_unconfirmed_drop(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        held = conn.execute("""SELECT registry, rows_accepted, previous_rows_accepted, drop_share
                               FROM audit.registry_arrivals WHERE run_id = ? AND status = 'held' ORDER BY registry""",
                            [context.op_execution_context.run.run_id]).fetchall()
    lines = [f"{r}: {n:,} 行（上次发布 {p:,} 行，下降 {d:.0%}）" for r, n, p, d in held]
    return dg.AssetCheckResult(passed=not held, metadata={"held": "\n".join(lines) or "none", "what_to_do": (
        "核实导出是否完整；确认无误后设置 NMG_CONFIRM_DROP=<登记库> 重新运行" if held else "")})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="Quarantined share of each registry stays under NMG_MAX_QUARANTINE_SHARE.")
def quarantine_share_below_threshold(context: dg.AssetCheckExecutionContext,
                                     duckdb: DuckDBResource) -> dg.AssetCheckResult:
    limit = get_settings().max_quarantine_share
    with duckdb.get_connection() as conn:
        rows = conn.execute("""SELECT registry, sum(rows_in), sum(rows_quarantined) FROM audit.input_files
                               WHERE run_id = ? AND status = 'read' GROUP BY registry ORDER BY registry""",
                            [context.op_execution_context.run.run_id]).fetchall()
    shares = {r: (q / n if n else 0.0) for r, n, q in rows}
    worst = max(shares.values(), default=0.0)
    return dg.AssetCheckResult(passed=worst <= limit, metadata={"limit": limit, **{f"share_{r}": round(s, 4)
                                                                                   for r, s in shares.items()}})


@dg.asset(group_name=GROUP, deps=[validated_registries],
          description="Candidate talent categories from the annex's criteria (registry.talent_candidates), "
                      "kept apart from the certified category.")
def talent_candidates(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        talent_classifier.classify(conn, today().year)
        rows = conn.execute("SELECT assessment, count(*) FROM registry.talent_candidates GROUP BY 1 ORDER BY 1")
        counts = dict(rows.fetchall())
    context.log.info(f"talent candidates: {counts}")
    return dg.MaterializeResult(metadata={k.replace(" ", "_"): v for k, v in counts.items()})


@dg.asset(group_name=GROUP, deps=[validated_registries, policy_catalogue],
          description="The liability ledger (ledger.*) and its marts (marts.*): beneficiary × rule × year × level.")
def liability_ledger(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    cat = load_catalogue_files()
    with duckdb.get_connection() as conn:
        stats = stages.compute_ledger(conn, cat, context.run.run_id, today().year)
    context.log.info(f"ledger: {stats['ledger_rows']:,} rows, {stats['total_yuan']} 元 in all")
    return dg.MaterializeResult(metadata=stats)


@dg.asset_check(asset=liability_ledger, blocking=True,
                description="For every award, the level amounts add up to the award, to the fen.")
def shares_reconcile_to_the_fen(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        bad = reconciliation_failures(conn)
    return dg.AssetCheckResult(passed=bad.is_empty(), metadata={"unreconciled_awards": bad.height})


@dg.asset_check(asset=liability_ledger, blocking=True, description="No ledger amount is negative.")
def no_negative_amounts(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        n = conn.execute("SELECT count(*) FROM ledger.liabilities WHERE amount_yuan < 0").fetchone()[0]
    return dg.AssetCheckResult(passed=n == 0, metadata={"negative_rows": n})


def _forecast_config(cat=None) -> forecast.ForecastConfig:
    cat = cat or load_catalogue_files()
    return forecast.load_config(documents={d["document"] for d in cat.documents})


@dg.asset(group_name=GROUP, deps=[validated_registries],
          description="Driver series from the registries' history (forecast.driver_history) and their statsmodels "
                      "forecasts with the model chosen per driver (forecast.driver_forecasts).")
def driver_forecasts(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        stats = forecast.fit_stage(conn, _forecast_config(), today(), context.run.run_id, get_settings().cache_dir,
                                   context.log.info)
    return dg.MaterializeResult(metadata=stats)


@dg.asset(group_name=GROUP, deps=[driver_forecasts, liability_ledger],
          description="Committed and forecast liabilities by year, level, region and rule, with 80%/95% intervals "
                      "(forecast.liabilities and marts): forecast drivers pushed through the catalogue and ledger SQL.")
def forecast_liabilities(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    cat = load_catalogue_files()
    with duckdb.get_connection() as conn:
        stats = forecast.project_stage(conn, cat, _forecast_config(cat), today(), context.run.run_id,
                                       context.log.info)
    return dg.MaterializeResult(metadata=stats)


@dg.asset_check(asset=forecast_liabilities, blocking=True,
                description="Forecast figures add up: regions to levels, levels to the total, per quantile; the "
                            "committed part equals the ledger's payments due in those years.")
def forecast_reconciles(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        bad = forecast.reconciliation_failures(conn)
    return dg.AssetCheckResult(passed=not bad, metadata={"failures": "\n".join(bad) or "none"})


@dg.asset(group_name=GROUP, deps=[driver_forecasts, policy_catalogue],
          description="Backtest: the last complete years held out, the driver forecast against naive baselines "
                      "(forecast.backtest, forecast.backtest_summary).")
def forecast_backtest(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    cat = load_catalogue_files()
    with duckdb.get_connection() as conn:
        stats = backtest.run_backtest(conn, cat, _forecast_config(cat), today(), context.run.run_id,
                                      get_settings().cache_dir, context.log.info)
    return dg.MaterializeResult(metadata=stats)


@dg.asset(group_name=GROUP, deps=[forecast_liabilities],
          description="Every scenario in seeds/scenarios against the baseline by year and level (scenarios.*).")
def scenario_results(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    cat = load_catalogue_files()
    cfg = _forecast_config(cat)
    with duckdb.get_connection() as conn:
        table = scenarios.run_all(conn, cat, cfg, forecast.window_for(today(), cfg), context.run.run_id,
                                  log=context.log.info)
    return dg.MaterializeResult(metadata={"scenarios": table["scenario"].n_unique(),
                                          "delta_yuan": str(table["delta_yuan"].sum())})


def _run_info(conn, run_id: str) -> dict:
    version = conn.execute("SELECT catalogue_version FROM catalogue.version").fetchone()[0]
    return {"run_id": run_id, "catalogue_version": version, "as_of": str(today()),
            "generated_at": datetime.now(TZ).strftime("%Y-%m-%d %H:%M:%S（北京时间）")}


@dg.asset(group_name=GROUP, deps=[liability_ledger, forecast_liabilities, forecast_backtest, scenario_results],
          description="Static dashboard pages (offline, Simplified Chinese), built aside in dashboards/.site/<run_id>; "
                      "published_warehouse puts them live together with the warehouse.")
def dashboard_site(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = get_settings()
    staged = publish.site_dir(settings, context.run.run_id)
    with duckdb.get_connection() as conn:
        stages.ensure_runs_table(conn)  # the first run has no earlier run to list
        pages = dashboards.build_site(conn, staged, _run_info(conn, context.run.run_id), settings.published_db)
    built = publish.seal_site(staged)
    context.log.info(f"dashboards built in {built} (live after publication): {', '.join(p.name for p in pages)}")
    return dg.MaterializeResult(metadata={"site": str(built), "pages": ", ".join(p.name for p in pages)})


@dg.asset(group_name=GROUP, deps=[liability_ledger, dashboard_site, talent_candidates],
          description="The auditors' warehouse (read-only, 0444) and this run's pages, put live together: the "
                      "warehouse by an atomic rename, then the pages (publish.py).")
def published_warehouse(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = get_settings()
    run_id = context.run.run_id
    with duckdb.get_connection() as conn:
        version = conn.execute("SELECT catalogue_version FROM catalogue.version").fetchone()[0]
        stages.record_run(conn, run_id, stages.STARTED, started_at=time.time(), cat_version=version,
                          params=run_parameters(), code_version=code_version())
        done = publish.publish(conn, settings, run_id, context.log.warning)
        stages.record_run(conn, run_id, stages.PUBLISHED, finished_at=done.finished_at)
    writer.log_event(settings, run_id, stages.PUBLISHED, catalogue_version=version)
    context.log.info(f"published {done.path} and the pages of run {run_id}")
    return dg.MaterializeResult(metadata={"path": str(done.path)})


@dg.failure_hook(required_resource_keys={"duckdb"})
def record_failed_run(context: dg.HookContext) -> None:
    """A failed step (or a blocking check) is written to audit.runs in the build database, so the next published
    warehouse shows that this night's run failed and where; the published warehouse itself stays as it was."""
    reason = f"failed at {context.step_key}: {type(context.op_exception).__name__}: {context.op_exception}"[:2000]
    try:  # fails at once, not after retries, when the disk is full or read-only (warehouse.connect_writer)
        with context.resources.duckdb.get_connection() as conn:
            try:
                version = conn.execute("SELECT catalogue_version FROM catalogue.version").fetchone()[0]
            except Exception:  # the catalogue itself may be what failed
                version = "unknown"
            stages.record_run(conn, context.run_id, reason, started_at=time.time(), cat_version=version,
                              params=run_parameters(), code_version=code_version())
    except Exception as exc:  # noqa: BLE001 - the step's own error is the one to report
        context.log.error(f"未能把失败写入构建数据库的 audit.runs：{exc}")
    try:
        writer.log_event(get_settings(), context.run_id, reason)
    except OSError as exc:
        context.log.error(f"未能把失败写入运行日志 {get_settings().run_log}：{exc}")


CITY_PARTITIONS = dg.StaticPartitionsDefinition(partitions.partition_keys())
BY_CITY = "ledger_by_city"


@dg.asset(group_name=BY_CITY, partitions_def=CITY_PARTITIONS, deps=[validated_registries, policy_catalogue],
          description="The ledger of one city's beneficiaries (or of the programme budgets) in its own DuckDB file, "
                      "reading the build database read-only: partitions run in parallel processes or pods.")
def city_ledger(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    path = partitions.build_partition(get_settings(), load_catalogue_files(), context.partition_key,
                                      context.run.run_id, today().year)
    return dg.MaterializeResult(metadata={"file": str(path)})


@dg.asset(group_name=BY_CITY, deps=[city_ledger], automation_condition=dg.AutomationCondition.eager(),
          description="The city partitions combined (ledger_by_city.liabilities); a check compares it with the "
                      "unpartitioned ledger line by line.")
def combined_city_ledger(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        rows = partitions.combine(conn, get_settings(), CITY_PARTITIONS.get_partition_keys())
    context.log.info(f"combined {rows:,} ledger lines from {len(CITY_PARTITIONS.get_partition_keys())} partitions")
    return dg.MaterializeResult(metadata={"ledger_rows": rows})


@dg.asset_check(asset=combined_city_ledger, description="The combined partitions equal the unpartitioned ledger.")
def partitions_match_the_ledger(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        diff = partitions.differences(conn)
    return dg.AssetCheckResult(passed=diff == 0, metadata={"differing_lines": diff})


ASSETS = [reference_data, policy_catalogue, landing_files, staged_registries, validated_registries,
          talent_candidates, liability_ledger, driver_forecasts, forecast_liabilities, forecast_backtest,
          scenario_results, dashboard_site, published_warehouse]
CHECKS = [rows_accounted_for, no_refused_files, every_registry_arrived, no_unconfirmed_drop,
          quarantine_share_below_threshold, shares_reconcile_to_the_fen, no_negative_amounts, forecast_reconciles]
