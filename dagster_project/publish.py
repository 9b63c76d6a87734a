"""Publication of the auditors' warehouse: a new snapshot file, then an atomic rename over the old one.

Readers that have the previous file open keep reading it (the rename does not touch their open file), a
failed run never reaches this step, and no reader ever sees half a run. The last N snapshots are kept
for "as of" queries. The staging schema (clear personal data) is never published.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from .settings import Settings
from .warehouse import PUBLISHED_SCHEMAS, sql_text


def publish(conn: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> Path:
    target = settings.published_db
    target.parent.mkdir(parents=True, exist_ok=True)
    settings.snapshots_dir.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a run killed while publishing
        stale.unlink()
    tmp = target.with_name(f".{target.name}.{run_id}.tmp")
    conn.execute(f"ATTACH '{tmp}' AS pub")
    try:
        tables = conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name IN "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) ORDER BY ALL").fetchall()
        for schema in PUBLISHED_SCHEMAS:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS pub.{schema}")
        for schema, table in tables:
            conn.execute(f"CREATE TABLE pub.{schema}.{table} AS SELECT * FROM {schema}.{table}")
        conn.execute(sql_text("table_comments"))
        conn.execute(sql_text("column_comments"))
        conn.execute("CHECKPOINT pub")
    finally:
        conn.execute("DETACH pub")
    _fsync(tmp)
    snapshot = settings.snapshots_dir / f"warehouse-{run_id}.duckdb"
    if not snapshot.exists():
        os.link(tmp, snapshot)  # the snapshot shares the published file's data: no second copy
    os.replace(tmp, target)  # atomic on POSIX: readers see the old file or the new one, never a mix
    _prune(settings.snapshots_dir, settings.keep_snapshots)
    return target


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(folder: Path, keep: int) -> None:
    snaps = sorted(folder.glob("warehouse-*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in snaps[keep:]:
        old.unlink()
