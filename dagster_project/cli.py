"""Command line: `python -m dagster_project run | summary | generate | check-catalogue`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

from .settings import get_settings


def _instance():
    from dagster import DagsterInstance

    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def cmd_run(_: argparse.Namespace) -> int:
    from .definitions import build_defs

    settings = get_settings()
    defs = build_defs(settings)
    started = time.perf_counter()
    print(f"nightly run: {settings.enterprises:,} synthetic enterprises, data in {settings.data_dir}", flush=True)
    result = defs.resolve_job_def("nightly").execute_in_process(
        instance=_instance(), raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"\nRUN FAILED (steps: {failed}); the last published warehouse is unchanged: {settings.published_db}",
              file=sys.stderr)
        return 1
    checks = [e.event_specific_data for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed_checks = [c.check_name for c in checks if not c.passed]
    if failed_checks or not settings.published_db.exists():
        print(f"\nRUN STOPPED: asset check(s) failed: {failed_checks}; nothing published.", file=sys.stderr)
        return 1
    print(f"\nrun {result.run_id} finished in {time.perf_counter() - started:.1f}s")
    return cmd_summary(None)


def cmd_summary(_: argparse.Namespace | None) -> int:
    from .stages import other_kinds, summary

    settings = get_settings()
    if not settings.published_db.exists():
        print(f"no published warehouse at {settings.published_db}; run `make run` first", file=sys.stderr)
        return 1
    with duckdb.connect(str(settings.published_db), read_only=True) as conn:
        run = conn.execute("SELECT run_id, finished_at, catalogue_version FROM audit.runs "
                           "ORDER BY finished_at DESC LIMIT 1").fetchone()
        table = summary(conn)
        others = other_kinds(conn)
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
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .synthetic import write_landing

    written = write_landing(Path(args.out), args.seed, args.enterprises, args.bad_share)
    for name, path in written.items():
        print(f"{name}: {path} ({path.stat().st_size:,} bytes)")
    return 0


def _catalogue_or_none():
    """The catalogue, or None after saying why it was rejected (file, rule, field)."""
    from .catalogue import CatalogueError, load

    try:
        return load()
    except CatalogueError as exc:
        print(f"catalogue rejected: {exc}", file=sys.stderr)
        return None


def cmd_check_catalogue(_: argparse.Namespace) -> int:
    cat = _catalogue_or_none()
    if cat is None:
        return 2
    print(f"catalogue {cat.version}: {len(cat.rules)} rules, {len(cat.costed())} costed")
    return 0


def cmd_coverage(_: argparse.Namespace) -> int:
    """Per document: fiscal clauses found, costed, not costable (with reasons); then every entry."""
    from .ledger import write_catalogue
    from .warehouse import ensure_schemas

    cat = _catalogue_or_none()
    if cat is None:
        return 2
    with duckdb.connect() as conn:
        ensure_schemas(conn)
        write_catalogue(conn, cat, "coverage")
        cov = conn.execute("SELECT document, clauses, costed, not_costable, costed_split_unspecified AS "
                           "split_unspecified, revenue_forgone, equity, programme, items_without_fiscal_clause "
                           "FROM catalogue.coverage").pl()
        rules = conn.execute("SELECT rule_id, item, line_first || '-' || line_last AS lines, status, kind, basis, "
                             "title, COALESCE(reason, '') AS reason FROM catalogue.rules ORDER BY document, "
                             "line_first, rule_id").pl()
    with pl.Config(tbl_rows=1000, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                   fmt_str_lengths=80, tbl_width_chars=250, tbl_cols=-1):
        print(f"catalogue {cat.version}: {len(cat.rules)} entries, {len(cat.costed())} costed\n")
        print(cov)
        print("\nnot costable, with the reason:")
        print(rules.filter(pl.col("status") == "not_costable").select("rule_id", "lines", "title", "reason"))
        print("\nall entries:")
        print(rules.select("rule_id", "item", "lines", "status", "kind", "basis", "title"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the whole nightly job in-process and print the summary")
    sub.add_parser("summary", help="print the summary of the published warehouse")
    sub.add_parser("check-catalogue", help="load and check seeds/catalogue")
    sub.add_parser("coverage", help="the catalogue's coverage report per document")
    gen = sub.add_parser("generate", help="write synthetic registries to a folder")
    settings = get_settings()
    gen.add_argument("--out", default=str(settings.synthetic_dir))
    gen.add_argument("--enterprises", type=int, default=settings.enterprises)
    gen.add_argument("--seed", type=int, default=settings.seed)
    gen.add_argument("--bad-share", type=float, default=settings.bad_row_share)
    args = parser.parse_args(argv)
    handler = {"run": cmd_run, "summary": cmd_summary, "generate": cmd_generate,
               "check-catalogue": cmd_check_catalogue, "coverage": cmd_coverage}[args.command]
    return handler(args)
