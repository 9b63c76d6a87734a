"""Small helpers around the DuckDB warehouse: SQL files from sql/, frames in and out, schemas."""

from __future__ import annotations

from string import Template

import duckdb
import polars as pl

from .settings import SQL_DIR

SCHEMAS = ("ref", "staging", "registry", "catalogue", "ledger", "marts", "forecast", "scenarios", "audit")
# staging holds clear personal data and is never published
PUBLISHED_SCHEMAS = ("ref", "registry", "catalogue", "ledger", "marts", "forecast", "scenarios", "audit")


def ensure_schemas(conn: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def sql_text(name: str, **params: str) -> str:
    """The text of sql/<name>.sql with ${param} placeholders filled (values must already be safe SQL)."""
    return Template((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")).substitute(params)


def run_sql(conn: duckdb.DuckDBPyConnection, name: str, **params: str) -> None:
    conn.execute(sql_text(name, **params))


def write_table(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Replace `schema.table` with the frame's rows (DuckDB reads the Arrow data without a copy)."""
    arrow = frame.to_arrow()  # noqa: F841  (referenced by name in the SQL below)
    conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM arrow")


def append_table(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    arrow = frame.to_arrow()  # noqa: F841
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema || '.' || table_name = ?", [table]
    ).fetchone()[0]
    if exists:
        conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM arrow")
    else:
        conn.execute(f"CREATE TABLE {table} AS SELECT * FROM arrow")


def query(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return conn.execute(sql, params or []).pl()
