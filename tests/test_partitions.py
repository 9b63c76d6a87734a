"""The scale-out path: the ledger partitioned by city as Dagster partitions, run in parallel processes, then
combined, equals the unpartitioned ledger line for line."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import dagster as dg
import duckdb

from dagster_project import pipeline
from dagster_project.definitions import duckdb_resource
from dagster_project.settings import get_settings

UPSTREAM = [pipeline.reference_data, pipeline.policy_catalogue, pipeline.landing_files, pipeline.staged_registries,
            pipeline.validated_registries, pipeline.liability_ledger]


def materialize_partition(key: str) -> bool:
    """One partition as its own Dagster run in its own process, as a backfill launches them."""
    return dg.materialize([pipeline.city_ledger], partition_key=key, instance=dg.DagsterInstance.ephemeral(),
                          raise_on_error=False).success


def test_partitioned_ledger_equals_the_unpartitioned_one(run_env, monkeypatch):
    monkeypatch.setenv("NMG_ENTERPRISES", "2000")
    resources = {"duckdb": duckdb_resource(get_settings())}
    assert dg.materialize(UPSTREAM, resources=resources, instance=dg.DagsterInstance.ephemeral()).success
    keys = pipeline.CITY_PARTITIONS.get_partition_keys()
    assert len(keys) == 13 and "150600" in keys and "programme" in keys
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:  # two cities at a time
        assert all(pool.map(materialize_partition, keys))
    result = dg.materialize([pipeline.combined_city_ledger, pipeline.partitions_match_the_ledger],
                            resources=resources, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert [c.passed for c in checks] == [True]  # partitions_match_the_ledger: no differing line
    with duckdb.connect(str(get_settings().build_db), read_only=True) as conn:
        per_part = dict(conn.execute("SELECT partition_key, count(*) FROM ledger_by_city.liabilities GROUP BY 1")
                        .fetchall())
        total = conn.execute("SELECT count(*) FROM ledger.liabilities").fetchone()[0]
    assert sum(per_part.values()) == total and per_part["150600"] > 0 and per_part["programme"] > 0
