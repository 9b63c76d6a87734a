"""Command line: `python -m dagster_project run | summary | explain | scenario | generate | check-catalogue |
coverage | new-document | new-rule | schema`."""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

import duckdb
import polars as pl

from .settings import get_settings


def _instance():
    from dagster import DagsterInstance

    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def cmd_run(_: argparse.Namespace) -> int:
    from .definitions import build_defs
    from .publish import published_run

    settings = get_settings()
    defs = build_defs(settings)
    started = time.perf_counter()
    run_id = str(uuid.uuid4())
    print(f"nightly run {run_id}: {settings.enterprises:,} synthetic enterprises, data in {settings.data_dir}",
          flush=True)
    result = defs.resolve_job_def("nightly").execute_in_process(
        instance=_instance(), raise_on_error=False, run_id=run_id,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"\nRUN FAILED (steps: {failed}); the last published warehouse and pages are unchanged: "
              f"{settings.published_db}", file=sys.stderr)
        for message in _errors(result):
            print(f"  {message}", file=sys.stderr)
        return 1
    checks = [e.event_specific_data for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed_checks = [c.check_name for c in checks if not c.passed]
    published = published_run(settings.published_db)
    if failed_checks or published is None or published[0] != run_id:
        print(f"\nRUN STOPPED: asset check(s) failed: {failed_checks}; nothing published.", file=sys.stderr)
        return 1
    print(f"\nrun {result.run_id} finished in {time.perf_counter() - started:.1f}s")
    return cmd_summary(None)


def _errors(result) -> list[str]:
    """The first line of each error the run reported (a refused lock, a step's exception), once each."""
    seen: list[str] = []
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        while error is not None:
            line = (error.message or "").strip().splitlines()[0] if error.message else ""
            if line.startswith("dagster_project."):  # our own errors: the message is what to read
                line = line.split(": ", 1)[-1]
            if line and line not in seen and "error occurred" not in line and "resource_fn" not in line:
                seen.append(line)
            error = error.cause
    return seen


def cmd_summary(_: argparse.Namespace | None) -> int:
    from .stages import other_kinds, summary

    settings = get_settings()
    if not settings.published_db.exists():
        print(f"no published warehouse at {settings.published_db}; run `make run` first", file=sys.stderr)
        return 1
    with duckdb.connect(str(settings.published_db), read_only=True) as conn:
        run = conn.execute("SELECT run_id, finished_at, catalogue_version FROM audit.runs "
                           "WHERE status IN ('published', 'succeeded') ORDER BY finished_at DESC LIMIT 1").fetchone()
        table = summary(conn)
        others = other_kinds(conn)
        outlook = conn.execute("""
            SELECT CAST(payment_year AS VARCHAR) AS year,
                   CAST(sum(committed_yuan) / 10000 AS DECIMAL(18, 2)) AS committed,
                   CAST(sum(forecast_p50_yuan) / 10000 AS DECIMAL(18, 2)) AS forecast,
                   CAST(sum(total_p50_yuan) / 10000 AS DECIMAL(18, 2)) AS total,
                   CAST(sum(total_p10_yuan) / 10000 AS DECIMAL(18, 2)) || ' – '
                       || CAST(sum(total_p90_yuan) / 10000 AS DECIMAL(18, 2)) AS "80% interval",
                   CAST(sum(total_p025_yuan) / 10000 AS DECIMAL(18, 2)) || ' – '
                       || CAST(sum(total_p975_yuan) / 10000 AS DECIMAL(18, 2)) AS "95% interval"
            FROM forecast.by_year_level GROUP BY ALL ORDER BY ALL""").pl()
        backtest = conn.execute("SELECT method, mape FROM forecast.backtest_summary WHERE level = 'all'").fetchall()
        scen = conn.execute("""SELECT scenario, CAST(sum(delta_yuan) / 10000 AS DECIMAL(18, 2)) FROM
                               scenarios.by_year_level GROUP BY 1 ORDER BY 1""").fetchall()
        files = conn.execute("SELECT registry, sum(rows_in), sum(rows_accepted), sum(rows_quarantined) "
                             "FROM audit.input_files WHERE run_id = ? GROUP BY 1 ORDER BY 1", [run[0]]).fetchall()
    print(f"\nwarehouse (read-only for auditors): {settings.published_db}")
    print(f"dashboards: {settings.dashboards_dir / 'index.html'}")
    print(f"run {run[0]} at {run[1]}, catalogue {run[2]}")
    print("\nrows per registry: in / accepted / quarantined")
    for reg, n, a, q in files:
        print(f"  {reg:<20} {n:>10,} {a:>10,} {q:>8,}")
    print("\nbudget spending per payment year and paying level (万元; subsidies, awards, programme budgets):")
    with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                   thousands_separator=True, float_precision=2):
        print(table)
    for kind, wan in others.iter_rows():
        print(f"  not budget spending, shown apart: {kind} {wan:,} 万元")
    print("\nforecast of budget spending (万元): committed payments + new take-up (median), with intervals:")
    with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                   thousands_separator=True, tbl_width_chars=200):
        print(outlook)
    print("  backtest MAPE (total, held-out years): " + ", ".join(f"{m} {v:.1%}" for m, v in backtest))
    for name, delta in scen:
        print(f"  scenario {name}: {delta:,} 万元 against the baseline over the forecast years")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .synthetic import write_landing

    written = write_landing(Path(args.out), args.seed, args.enterprises, args.bad_share)
    for name, paths in written.items():
        for path in paths:
            print(f"{name}: {path} ({path.stat().st_size:,} bytes)")
    return 0


def _catalogue_or_none():
    """The catalogue, or None after saying why it was rejected (file, rule, field)."""
    from .catalogue import CatalogueError, load

    try:
        return load()
    except CatalogueError as exc:
        print(f"政策目录未通过检查：{exc}", file=sys.stderr)
        return None


def cmd_check_catalogue(_: argparse.Namespace) -> int:
    """The catalogue, then every other YAML file of seeds/ the nightly reads: forecast settings, talent criteria,
    scenarios (each applied to the catalogue). Exit 2 if any is refused; each refusal names file, rule, field."""
    from . import forecast, scenarios, talent_classifier

    cat = _catalogue_or_none()
    if cat is None:
        return 2
    print(f"政策目录 {cat.version}：{len(cat.rules)} 条，其中 {len(cat.costed())} 条计算")
    refused = []
    checks = [("预测设置", lambda: forecast.load_config(documents={d["document"] for d in cat.documents})),
              ("人才分类标准", talent_classifier.load)]
    for label, check in checks:
        try:
            check()
            print(f"{label}：通过")
        except ValueError as exc:  # ForecastConfigError, CriteriaError
            refused.append(f"{label}：未通过：{exc}")
    for path, failure in scenarios.check_files(cat):
        if failure:
            refused.append(f"情景 {path.name}：未通过：{failure}")
        else:
            print(f"情景 {path.name}：通过")
    for line in refused:
        print(line, file=sys.stderr)
    return 2 if refused else 0


def cmd_coverage(_: argparse.Namespace) -> int:
    """Per document: fiscal clauses found, costed (of which on a stated assumption), not costable (with reasons);
    then the assumptions, then every entry."""
    from .ledger import write_catalogue
    from .warehouse import ensure_schemas

    cat = _catalogue_or_none()
    if cat is None:
        return 2
    with duckdb.connect() as conn:
        ensure_schemas(conn)
        write_catalogue(conn, cat, "coverage")
        cov = conn.execute("SELECT document, clauses, costed, costed_on_assumption AS on_assumption, not_costable, "
                           "costed_split_unspecified AS "
                           "split_unspecified, revenue_forgone, equity, programme, items_without_fiscal_clause "
                           "FROM catalogue.coverage").pl()
        rules = conn.execute("SELECT rule_id, item, line_first || '-' || line_last AS lines, status, kind, basis, "
                             "title, COALESCE(reason, '') AS reason, COALESCE(assumption, '') AS assumption "
                             "FROM catalogue.rules ORDER BY document, "
                             "line_first, rule_id").pl()
    with pl.Config(tbl_rows=1000, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                   fmt_str_lengths=80, tbl_width_chars=250, tbl_cols=-1):
        print(f"catalogue {cat.version}: {len(cat.rules)} entries, {len(cat.costed())} costed\n")
        print(cov)
        print("\nnot costable, with the reason:")
        print(rules.filter(pl.col("status") == "not_costable").select("rule_id", "lines", "title", "reason"))
        print("\ncosted on a stated assumption:")
        print(rules.filter(pl.col("assumption") != "").select("rule_id", "lines", "title", "assumption"))
        print("\nall entries:")
        print(rules.select("rule_id", "item", "lines", "status", "kind", "basis", "title"))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """docs/schema/*.json and the docs' format tables, generated from dagster_project/yaml_format.py."""
    from . import yaml_format
    from .settings import REPO_ROOT

    if args.check:
        stale = yaml_format.stale(REPO_ROOT)
        for path in stale:
            print(f"未更新：{path.relative_to(REPO_ROOT)}（请运行 python -m dagster_project schema）", file=sys.stderr)
        return 1 if stale else 0
    for path in yaml_format.write_all(REPO_ROOT):
        print(f"已写入：{path.relative_to(REPO_ROOT)}")
    return 0


def _published(path: str | None) -> Path | None:
    db = Path(path) if path else get_settings().published_db
    if not db.exists():
        print(f"no warehouse at {db}; run `make run` first (or give --warehouse)", file=sys.stderr)
        return None
    return db


def cmd_explain(args: argparse.Namespace) -> int:
    """Print why one ledger or forecast row holds its amount."""
    from . import explain

    db = _published(args.warehouse)
    if db is None:
        return 1
    with duckdb.connect(str(db), read_only=True) as conn:
        try:
            if args.what == "ledger":
                text = explain.ledger_row(conn, args.rule, args.key, args.year)
            else:
                text = explain.forecast_row(conn, args.rule, int(args.key), args.level, args.region)
        except explain.NotFound as exc:
            print(f"not found: {exc}", file=sys.stderr)
            return 1
    print(text)
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    """Run scenario files against the last build (the nightly run's forecast) and print their differences."""
    from datetime import date

    from . import forecast, scenarios
    from .catalogue import load

    settings = get_settings()
    if not settings.build_db.exists():
        print(f"no build database at {settings.build_db}; run `make run` first", file=sys.stderr)
        return 1
    cat = load()
    cfg = forecast.load_config(documents={d["document"] for d in cat.documents})
    with duckdb.connect(str(settings.build_db), read_only=True) as conn:
        as_of = conn.execute("SELECT CAST(json_extract_string(parameters, '$.as_of') AS DATE) FROM audit.runs "
                             "WHERE status IN ('published', 'succeeded') ORDER BY finished_at DESC LIMIT 1"
                             ).fetchone()
        built = conn.execute("SELECT catalogue_version FROM catalogue.version").fetchone()[0]
        if as_of is None or built != cat.version:
            print("the last build is missing or used another catalogue: run `make run` first", file=sys.stderr)
            return 1
    win = forecast.window_for(as_of[0] if isinstance(as_of[0], date) else date.fromisoformat(str(as_of[0])), cfg)
    with duckdb.connect(str(settings.build_db)) as conn:
        scenarios.run_all(conn, cat, cfg, win, "on-demand", [Path(p) for p in args.files])
        failed = conn.execute("SELECT message FROM scenarios.definitions WHERE status = 'failed'").fetchall()
        table = conn.execute("SELECT scenario, CAST(payment_year AS VARCHAR) AS payment_year, paying_level, "
                             "baseline_yuan, scenario_yuan, delta_yuan "
                             "FROM scenarios.by_year_level WHERE delta_yuan <> 0 ORDER BY ALL").pl()
    with pl.Config(tbl_rows=200, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                   thousands_separator=True, tbl_width_chars=200):
        print(table)
    print("(written to scenarios.* in the build database; the nightly run publishes seeds/scenarios/*.yaml)")
    for (message,) in failed:
        print(f"情景未计算：{message}", file=sys.stderr)
    return 2 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the whole nightly job in-process and print the summary")
    sub.add_parser("summary", help="print the summary of the published warehouse")
    sub.add_parser("check-catalogue", help="load and check seeds/catalogue")
    sub.add_parser("coverage", help="the catalogue's coverage report per document")
    schema = sub.add_parser("schema", help="write docs/schema/*.json and the docs' format tables from the YAML models")
    schema.add_argument("--check", action="store_true", help="only say which generated files are out of date (exit 1)")
    exp = sub.add_parser("explain", help="why a ledger or forecast row holds its amount")
    exp.add_argument("what", choices=["ledger", "forecast"])
    exp.add_argument("rule", help="rule id, e.g. NMG2024-11A")
    exp.add_argument("key", help="ledger: the object or beneficiary id (USCC, project id, talent id); "
                                 "forecast: the payment year")
    exp.add_argument("--year", type=int, help="ledger: the award year")
    exp.add_argument("--level", choices=["central", "region", "city", "banner"], help="forecast: one paying level")
    exp.add_argument("--region", help="forecast: one paying region code")
    exp.add_argument("--warehouse", help="a warehouse file (default: the published one; snapshots work too)")
    scen = sub.add_parser("scenario", help="run scenario YAML files against the last build")
    scen.add_argument("files", nargs="+")
    gen = sub.add_parser("generate", help="write synthetic registries to a folder")
    settings = get_settings()
    gen.add_argument("--out", default=str(settings.synthetic_dir))
    gen.add_argument("--enterprises", type=int, default=settings.enterprises)
    gen.add_argument("--seed", type=int, default=settings.seed)
    gen.add_argument("--bad-share", type=float, default=settings.bad_row_share)
    from . import scaffold

    scaffold.add_commands(sub)
    args = parser.parse_args(argv)
    handler = {"run": cmd_run, "summary": cmd_summary, "generate": cmd_generate, "schema": cmd_schema,
               "check-catalogue": cmd_check_catalogue, "coverage": cmd_coverage, "explain": cmd_explain,
               "scenario": cmd_scenario, "new-document": scaffold.cmd_new_document,
               "new-rule": scaffold.cmd_new_rule}[args.command]
    return handler(args)
