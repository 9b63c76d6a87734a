"""Reference data, the policy catalogue, the landing files, staging and validation (with its blocking checks),
and the talent candidates."""

import dagster as dg

from .. import stages, talent_classifier
from ..pipeline import GROUP, OWNERS, BuildDatabase, NightSettings, table_rows


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"duckdb"},
          description="Reference data from seeds/reference into ref.* (regions, industries, metrics).")
def reference_data(context: dg.AssetExecutionContext, duckdb: BuildDatabase) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        counts = stages.load_reference(conn)
    context.log.info(f"reference tables loaded: {counts}")
    return dg.MaterializeResult(metadata={f"rows_{k}": v for k, v in counts.items()})


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"duckdb"},
          description="The policy catalogue (seeds/catalogue/*.yaml), checked and written to catalogue.*.")
def policy_catalogue(context: dg.AssetExecutionContext, duckdb: BuildDatabase) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        cat = stages.load_catalogue(conn, context.run.run_id)
    context.log.info(f"catalogue {cat.version}: {len(cat.rules)} rules, {len(cat.costed())} costed")
    return dg.MaterializeResult(metadata={"catalogue_version": cat.version, "rules": len(cat.rules),
                                          "costed": len(cat.costed())})


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"},
          description="Registry exports in the landing folder (synthetic unless NMG_USE_LANDING=1).")
def landing_files(context: dg.AssetExecutionContext, night: NightSettings) -> dg.MaterializeResult:
    paths = stages.prepare_landing(night.settings, context.log.info)
    return dg.MaterializeResult(metadata={"files": ", ".join(p.name for p in paths)})


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars", "duckdb"}, deps=[landing_files],
          description="Every landing file read as text into staging.* (never published), "
                      "fingerprinted in audit.input_files.")
def staged_registries(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                      night: NightSettings) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        log = stages.ingest_landing(conn, night.settings, context.run.run_id, context.log.info)
    status = log["status"].value_counts()
    return dg.MaterializeResult(metadata={"files": log.height, "rows_in": int(log["rows_in"].sum() or 0),
                                          **{f"files_{s}": n for s, n in status.iter_rows()}})


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars", "duckdb"}, deps=[staged_registries, reference_data],
          description="Pandera-validated, typed registries (registry.*); failing rows in audit.quarantine.")
def validated_registries(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                         night: NightSettings) -> dg.MaterializeResult:
    settings = night.settings
    with duckdb.get_connection() as conn:
        acc = stages.validate_registries(conn, settings, context.run.run_id, settings.as_of, context.log.info)
        stages.compare_with_last_published(conn, settings, context.run.run_id)
    return dg.MaterializeResult(metadata={"rows_in": int(acc["rows_in"].sum()),
                                          "rows_accepted": int(acc["rows_accepted"].sum()),
                                          "rows_quarantined": int(acc["rows_quarantined"].sum())})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="Every row is either accepted or quarantined (rows in = accepted + quarantined).")
def rows_accounted_for(context: dg.AssetCheckExecutionContext, duckdb: BuildDatabase) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        bad = conn.execute("""
            SELECT f.file, f.rows_in, f.rows_accepted, f.rows_quarantined
            FROM audit.input_files f WHERE f.run_id = ? AND f.status = 'read'
              AND f.rows_in <> COALESCE(f.rows_accepted, 0) + COALESCE(f.rows_quarantined, 0)""",
            [context.op_execution_context.run.run_id]).fetchall()
    return dg.AssetCheckResult(passed=not bad, metadata={"mismatched_files": str(bad)})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="No landing file was refused whole (unreadable, empty, missing a required column).")
def no_refused_files(context: dg.AssetCheckExecutionContext, duckdb: BuildDatabase) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        refused = conn.execute("SELECT file, message FROM audit.input_files WHERE run_id = ? AND status = 'refused'",
                               [context.op_execution_context.run.run_id]).fetchall()
    return dg.AssetCheckResult(passed=not refused, metadata={"refused": "\n".join(f"{f}: {m}" for f, m in refused)})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="Every registry of the data contract arrived: at least one of its files was read.")
def every_registry_arrived(context: dg.AssetCheckExecutionContext, duckdb: BuildDatabase) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        missing = [r for (r,) in conn.execute("SELECT registry FROM audit.registry_arrivals WHERE run_id = ? "
                                              "AND status = 'missing' ORDER BY registry",
                                              [context.op_execution_context.run.run_id]).fetchall()]
    return dg.AssetCheckResult(passed=not missing, metadata={"missing": ", ".join(missing) or "none", "what_to_do": (
        "登记库未到：请把这些登记库的导出放入接收目录后重新运行" if missing else "")})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="No registry's accepted rows fell sharply against the last published run "
                            "(NMG_MAX_ROW_DROP_SHARE) unless a person confirmed it (NMG_CONFIRM_DROP).")
def no_unconfirmed_drop(context: dg.AssetCheckExecutionContext, duckdb: BuildDatabase) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        held = conn.execute("""SELECT registry, rows_accepted, previous_rows_accepted, drop_share
                               FROM audit.registry_arrivals WHERE run_id = ? AND status = 'held' ORDER BY registry""",
                            [context.op_execution_context.run.run_id]).fetchall()
    lines = [f"{r}: {n:,} 行（上次发布 {p:,} 行，下降 {d:.0%}）" for r, n, p, d in held]
    return dg.AssetCheckResult(passed=not held, metadata={"held": "\n".join(lines) or "none", "what_to_do": (
        "核实导出是否完整；确认无误后设置 NMG_CONFIRM_DROP=<登记库>（或在启动运行时设置 confirmed_drops）重新运行"
        if held else "")})


@dg.asset_check(asset=validated_registries, blocking=True,
                description="Quarantined share of each registry stays under NMG_MAX_QUARANTINE_SHARE.")
def quarantine_share_below_threshold(context: dg.AssetCheckExecutionContext, duckdb: BuildDatabase,
                                     night: NightSettings) -> dg.AssetCheckResult:
    limit = night.settings.max_quarantine_share
    with duckdb.get_connection() as conn:
        rows = conn.execute("""SELECT registry, sum(rows_in), sum(rows_quarantined) FROM audit.input_files
                               WHERE run_id = ? AND status = 'read' GROUP BY registry ORDER BY registry""",
                            [context.op_execution_context.run.run_id]).fetchall()
    shares = {r: (q / n if n else 0.0) for r, n, q in rows}
    worst = max(shares.values(), default=0.0)
    return dg.AssetCheckResult(passed=worst <= limit, metadata={"limit": limit, **{f"share_{r}": round(s, 4)
                                                                                   for r, s in shares.items()}})


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"duckdb"}, deps=[validated_registries],
          description="Candidate talent categories from the annex's criteria (registry.talent_candidates), "
                      "kept apart from the certified category.")
def talent_candidates(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                      night: NightSettings) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        talent_classifier.classify(conn, night.settings.as_of.year)
        rows = conn.execute("SELECT assessment, count(*) FROM registry.talent_candidates GROUP BY 1 ORDER BY 1")
        counts = dict(rows.fetchall())
        table = table_rows(conn, "registry.talent_candidates")
    context.log.info(f"talent candidates: {counts}")
    return dg.MaterializeResult(metadata={**{k.replace(" ", "_"): v for k, v in counts.items()}, **table})
