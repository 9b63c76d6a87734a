"""Small helpers around the DuckDB warehouse: SQL files from sql/, frames in and out, schemas."""

from __future__ import annotations

import time
from string import Template

import duckdb
import polars as pl

from .settings import SQL_DIR

SCHEMAS = ("ref", "staging", "registry", "catalogue", "ledger", "marts", "forecast", "scenarios", "audit")
# staging holds clear personal data and is never published
PUBLISHED_SCHEMAS = ("ref", "registry", "catalogue", "ledger", "marts", "forecast", "scenarios", "audit")


LOCK_CONTENTION = "Could not set lock on file"  # DuckDB's words when another process has the file open
LOCK_RETRIES = 8  # 0.1 s doubling: about 25 s in all


class BuildDatabaseUnavailable(RuntimeError):
    """The build database cannot be opened for writing (permissions, read-only or full disk, or held too long)."""


def connect_writer(path: str, config: dict) -> duckdb.DuckDBPyConnection:
    """A read-write connection to the build database. Only lock contention (a reader or partition run holding the
    file) is waited out, briefly; a permission, read-only or full-disk error fails at once: retrying cannot help."""
    delay = 0.1
    for attempt in range(LOCK_RETRIES + 1):
        try:
            return duckdb.connect(path, read_only=False, config=config)
        except duckdb.IOException as exc:
            if LOCK_CONTENTION not in str(exc):
                raise BuildDatabaseUnavailable(f"无法以写方式打开构建数据库 {path}：{exc}。"
                                               f"{_what_to_do(str(exc))}运行立即停止，不重试。") from exc
            if attempt == LOCK_RETRIES:
                raise BuildDatabaseUnavailable(f"构建数据库 {path} 被另一个进程占用（{exc}）："
                                               "关闭打开它的会话（审计人员只应打开已发布的仓库），"
                                               "或等分区运行结束后重新运行。") from exc
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def _what_to_do(error: str) -> str:
    lowered = error.lower()
    if "no space" in lowered or "disk full" in lowered:
        return ("磁盘已满：删除 data/warehouse/snapshots 中较早的快照或 data/build/tmp 中的溢出文件，"
                "腾出空间后重新运行。")
    if "read-only" in lowered or "permission" in lowered:
        return "数据文件夹不可写（只读挂载或权限不足）：恢复运行账户对数据文件夹的写权限后重新运行。"
    return "检查数据文件夹所在磁盘后重新运行。"


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
