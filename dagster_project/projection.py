"""Run the ledger engine on another catalogue or another registry, apart from the nightly ledger.

The forecast, its backtest and the scenarios all push their inputs through the same catalogue code and the
same sql/ transforms as the actual ledger: they run in a scratch in-memory database attached to the build
connection (USE scratch), where `catalogue.*`, `ledger.*` and `projection.*` are the scratch's own tables and
`ref.*` are views of the build database's reference tables. Nothing in the build database is touched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import duckdb
import polars as pl

from .catalogue import Catalogue, Rule
from .ledger import build_ledger, reconciliation_failures, write_catalogue
from .reference import REFERENCE_TABLES
from .warehouse import run_sql, write_table

SCRATCH_SCHEMAS = ("ref", "catalogue", "ledger", "marts", "projection")


class EngineError(RuntimeError):
    """A projected or scenario ledger that does not reconcile: a bug, never silently published."""


@contextmanager
def scratch(conn: duckdb.DuckDBPyConnection, alias: str = "scratch") -> Iterator[str]:
    """Attach an empty in-memory database and make it current; yields the build database's name."""
    main = conn.execute("SELECT current_database()").fetchone()[0]
    conn.execute(f"ATTACH ':memory:' AS {alias}")
    conn.execute(f"USE {alias}")
    try:
        for schema in SCRATCH_SCHEMAS:
            conn.execute(f"CREATE SCHEMA {schema}")
        for table in REFERENCE_TABLES:
            conn.execute(f"CREATE VIEW ref.{table} AS SELECT * FROM {main}.ref.{table}")
        yield main
    finally:
        conn.execute(f"USE {main}")
        conn.execute(f"DETACH {alias}")


def run_engine(conn: duckdb.DuckDBPyConnection, cat: Catalogue, registry_schema: str, run_id: str,
               as_of_year: int) -> None:
    """The nightly ledger's transforms on `cat` and `registry_schema`, inside a scratch database."""
    write_catalogue(conn, cat, run_id)
    build_ledger(conn, cat, run_id, as_of_year, registry_schema)
    bad = reconciliation_failures(conn)
    if not bad.is_empty():
        raise EngineError(f"{bad.height} projected awards do not reconcile by level, e.g. {bad.row(0)}")


def with_validity(cat: Catalogue, first: date, last: date, keep_end: set[str] | None = None,
                  renewed: set[str] = frozenset()) -> Catalogue:
    """The costed, non-programme rules of `cat` clipped to [first, last], as a catalogue of their own.

    A rule keeps its own validity inside the window, except that rules of a `renewed` document run to `last`
    (unless their id is in `keep_end`: a scenario that sets valid.to); rules with nothing left are dropped.
    Programme budgets are not take-up: they stay in the actual ledger, year by year as the text gives them.
    """
    keep_end = keep_end or set()
    rules: list[Rule] = []
    for r in cat.costed():
        if r.beneficiary == "programme":
            continue
        renews = r.document in renewed and r.id not in keep_end and not r.ended_by_parameter  # a list's null holds
        end = last if renews else min(r.valid_to or last, last)
        start = max(r.valid_from, first)
        if start <= end:
            rules.append(r.stretched(valid_from=start, valid_to=end, cohorts_from=None))
    return dataclasses.replace(cat, rules=tuple(rules))


def write_targets(conn: duckdb.DuckDBPyConnection, targets: pl.DataFrame, templates: pl.DataFrame) -> None:
    write_table(conn, "projection.targets", targets.select("driver_kind", "driver_key", "year", "target"))
    write_table(conn, "projection.templates", templates.select("driver_kind", "driver_key", "value"))


def project_registry(conn: duckdb.DuckDBPyConnection, main: str, registry: str, template_year: int,
                     pool_years: int) -> None:
    """projection.* registries for the years in projection.targets (sql/forecast_projected_registry.sql)."""
    run_sql(conn, "forecast_projected_registry", main=main, registry=registry, template_year=str(template_year),
            pool_years=str(pool_years))
