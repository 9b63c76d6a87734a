"""The scale-out path: the ledger partitioned by city as Dagster partitions, run in parallel processes, then
combined, equals the unpartitioned ledger line for line."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import dagster as dg
import duckdb

from dagster_project import pipeline
from dagster_project.defs import by_city, liabilities, registries
from dagster_project.settings import get_settings

UPSTREAM = [registries.reference_data, registries.policy_catalogue, registries.landing_files,
            registries.staged_registries, registries.validated_registries, liabilities.liability_ledger]


def materialize_partition(key: str) -> bool:
    """One partition as its own Dagster run in its own process, as a backfill launches them."""
    return dg.materialize([by_city.city_ledger], partition_key=key, instance=dg.DagsterInstance.ephemeral(),
                          resources={"night": pipeline.night_settings(get_settings())}, raise_on_error=False).success


def test_partitioned_ledger_equals_the_unpartitioned_one(run_env, monkeypatch):
    monkeypatch.setenv("NMG_ENTERPRISES", "2000")
    resources = pipeline.resources(get_settings())
    assert dg.materialize(UPSTREAM, resources=resources, instance=dg.DagsterInstance.ephemeral()).success
    keys = by_city.CITY_PARTITIONS.get_partition_keys()
    assert len(keys) == 13 and "150600" in keys and "programme" in keys
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:  # two cities at a time
        assert all(pool.map(materialize_partition, keys))
    result = dg.materialize([by_city.combined_city_ledger, by_city.partitions_match_the_ledger],
                            resources=resources, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert [c.passed for c in checks] == [True]  # partitions_match_the_ledger: no differing line
    with duckdb.connect(str(get_settings().build_db), read_only=True) as conn:
        per_part = dict(conn.execute("SELECT partition_key, count(*) FROM ledger_by_city.liabilities GROUP BY 1")
                        .fetchall())
        total = conn.execute("SELECT count(*) FROM ledger.liabilities").fetchone()[0]
    assert sum(per_part.values()) == total and per_part["150600"] > 0 and per_part["programme"] > 0
