"""Digests of a night's money: every ledger, forecast and scenario row, hashed in a canonical order, plus totals
by rule, year and level so that a difference can be found. tests/golden/before_parameters.json was written by
`python -m tests.golden.digest <warehouse> > …` from the last commit before the catalogue's amounts became named
parameters (issue 20), on the default registry (20,000 enterprises, dated 2026-11-27, the test salt);
tests/test_pipeline.py compares every night of that registry with it."""

from __future__ import annotations

import hashlib
import json
import sys

import duckdb

# table -> (columns left out: run stamps, which change every night, and columns added later)
TABLES = {
    "ledger.awards": (),
    "ledger.payments": (),
    "ledger.liabilities": ("run_id", "catalogue_version"),
    "forecast.liabilities": ("run_id",),
    "forecast.bands": ("run_id",),
    "forecast.by_year_level": (),
    "scenarios.by_year_level": (),
    "scenarios.rule_deltas": (),
}
TOTALS = {
    "ledger.liabilities": "SELECT rule_id, payment_year, paying_level, sum(amount_yuan)::VARCHAR "
                          "FROM ledger.liabilities GROUP BY ALL ORDER BY ALL",
    "forecast.liabilities": "SELECT rule_id, payment_year, paying_level, part, sum(amount_p50)::VARCHAR "
                            "FROM forecast.liabilities GROUP BY ALL ORDER BY ALL",
}


def _columns(conn: duckdb.DuckDBPyConnection, table: str, left_out: tuple[str, ...]) -> list[str]:
    schema, name = table.split(".")
    found = conn.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                         "ORDER BY column_index", [schema, name]).fetchall()
    return [c for (c,) in found if c not in left_out]


def digest(conn: duckdb.DuckDBPyConnection, columns: dict[str, list[str]] | None = None) -> dict:
    """{table: {rows, sha256, columns}} and {totals: {table: [[key…, amount]]}}; `columns` fixes each table's
    columns (those of the golden file) so that a column added since is not compared."""
    out: dict = {"tables": {}, "totals": {}}
    for table, left_out in TABLES.items():
        cols = (columns or {}).get(table) or _columns(conn, table, left_out)
        listed = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
        h = hashlib.sha256()
        rows = conn.execute(f"SELECT {listed} FROM {table} ORDER BY ALL").fetchall()
        for row in rows:
            h.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        out["tables"][table] = {"rows": len(rows), "sha256": h.hexdigest(), "columns": cols}
    for table, sql in TOTALS.items():
        out["totals"][table] = [list(r) for r in conn.execute(sql).fetchall()]
    return out


if __name__ == "__main__":
    with duckdb.connect(sys.argv[1], read_only=True) as c:
        json.dump(digest(c), sys.stdout, ensure_ascii=False, indent=0)
