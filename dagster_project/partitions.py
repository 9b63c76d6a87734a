"""The ledger partitioned by city (盟市), the scale-out path (docs/operations.md, "Scale-out").

Each partition computes the ledger of the beneficiaries of one city — firms registered there, the projects of
those firms, the talents they employ (a talent with no employer: by workplace) — in its own DuckDB file,
reading the build database read-only, so partitions run in parallel processes (or pods). Programme budgets,
which belong to no firm, are one more partition. Partitioning by the beneficiary firm's city keeps every cap
per beneficiary or employer and every stacking group inside one partition, so the combined ledger equals the
unpartitioned one (tests/test_partitions.py).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import duckdb

from . import reference
from .catalogue import Catalogue
from .ledger import build_ledger, write_catalogue
from .reference import REFERENCE_TABLES
from .settings import Settings
from .warehouse import ensure_schemas

PROGRAMME = "programme"
CITY = "CASE WHEN g.level = 'city' THEN g.region_code ELSE g.parent_code END"


def partition_keys() -> list[str]:
    regions = reference.load("regions")
    return [*regions.filter(regions["level"] == "city")["region_code"].to_list(), PROGRAMME]


def partition_file(settings: Settings, key: str) -> Path:
    return settings.data_dir / "build" / "partitions" / f"ledger_{key}.duckdb"


def partition_catalogue(cat: Catalogue, key: str) -> Catalogue:
    keep = [r for r in cat.costed() if (r.beneficiary == "programme") == (key == PROGRAMME)]
    return dataclasses.replace(cat, rules=tuple(keep))


def build_partition(settings: Settings, cat: Catalogue, key: str, run_id: str, as_of_year: int) -> Path:
    """The ledger of one partition in its own file (written whole, then renamed into place)."""
    target = partition_file(settings, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    config = {**settings.duckdb_config, "temp_directory": str(target.parent / f"tmp-{key}")}  # one per process
    with duckdb.connect(str(tmp), config=config) as conn:
        ensure_schemas(conn)
        conn.execute(f"ATTACH '{settings.build_db}' AS build (READ_ONLY)")
        for table in REFERENCE_TABLES:
            conn.execute(f"CREATE TABLE ref.{table} AS SELECT * FROM build.ref.{table}")
        firms = ("SELECT e.* FROM build.registry.enterprises AS e JOIN build.ref.regions AS g "
                 f"ON g.region_code = e.region_code WHERE {CITY} = ?")
        conn.execute(f"CREATE TABLE registry.enterprises AS {firms}", [key])
        conn.execute("""CREATE TABLE registry.enterprise_metrics AS SELECT * FROM build.registry.enterprise_metrics
                        WHERE uscc IN (SELECT uscc FROM registry.enterprises)""")
        conn.execute("""CREATE TABLE registry.projects AS SELECT * FROM build.registry.projects
                        WHERE uscc IN (SELECT uscc FROM registry.enterprises)""")
        conn.execute(f"""CREATE TABLE registry.talents AS SELECT t.* FROM build.registry.talents AS t
                         JOIN build.ref.regions AS g ON g.region_code = t.region_code
                         WHERE t.employer_uscc IN (SELECT uscc FROM registry.enterprises)
                            OR (t.employer_uscc IS NULL AND {CITY} = ?)""", [key])  # e.g. scholarship students
        conn.execute("DETACH build")
        part = partition_catalogue(cat, key)
        write_catalogue(conn, part, run_id)
        build_ledger(conn, part, run_id, as_of_year)
    os.replace(tmp, target)
    return target


def combine(conn: duckdb.DuckDBPyConnection, settings: Settings, keys: list[str]) -> int:
    """ledger_by_city.liabilities: the partitions' ledgers side by side (no line is in two partitions)."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS ledger_by_city")
    parts = []
    for i, key in enumerate(keys):
        path = partition_file(settings, key)
        if not path.exists():
            raise FileNotFoundError(f"partition {key} has not been materialized ({path})")
        conn.execute(f"ATTACH '{path}' AS part{i} (READ_ONLY)")
        parts.append(f"SELECT {key!r} AS partition_key, * FROM part{i}.ledger.liabilities")
    try:
        conn.execute("CREATE OR REPLACE TABLE ledger_by_city.liabilities AS " + " UNION ALL ".join(parts))
    finally:
        for i in range(len(keys)):
            conn.execute(f"DETACH part{i}")
    return conn.execute("SELECT count(*) FROM ledger_by_city.liabilities").fetchone()[0]


def differences(conn: duckdb.DuckDBPyConnection) -> int:
    """Lines in the unpartitioned ledger and not in the combined one, or the other way round (run id aside)."""
    cols = [c for (c,) in conn.execute("SELECT column_name FROM (DESCRIBE ledger.liabilities)").fetchall()
            if c != "run_id"]
    select = ", ".join(f'"{c}"' for c in cols)
    return conn.execute(f"""SELECT count(*) FROM (
        (SELECT {select} FROM ledger.liabilities EXCEPT ALL SELECT {select} FROM ledger_by_city.liabilities)
        UNION ALL
        (SELECT {select} FROM ledger_by_city.liabilities EXCEPT ALL SELECT {select} FROM ledger.liabilities))
        """).fetchone()[0]
