"""Partitioned against unpartitioned ledger on registries a nightly run has built:
`NMG_DATA_DIR=bench/out/1000000/data python bench/partitions.py [processes]` times the unpartitioned
`liability_ledger` asset, then the 13 `city_ledger` partitions (each its own Dagster run in its own process,
`processes` at a time, as the run queue launches a backfill) plus `combined_city_ledger` with its check that
the combined ledger equals the unpartitioned one line by line. Figures go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import dagster as dg

from dagster_project import pipeline
from dagster_project.defs import by_city, liabilities
from dagster_project.settings import get_settings


def partition(key: str) -> tuple[str, bool, float]:
    started = time.perf_counter()
    ok = dg.materialize([by_city.city_ledger], partition_key=key, instance=dg.DagsterInstance.ephemeral(),
                        resources={"night": pipeline.night_settings(get_settings())}, raise_on_error=False).success
    return key, ok, time.perf_counter() - started


def main(processes: int) -> None:
    resources = pipeline.resources(get_settings())
    started = time.perf_counter()
    assert dg.materialize([liabilities.liability_ledger], resources=resources,
                          instance=dg.DagsterInstance.ephemeral()).success
    whole = time.perf_counter() - started
    started = time.perf_counter()
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = list(pool.map(partition, by_city.CITY_PARTITIONS.get_partition_keys()))
    in_parallel = time.perf_counter() - started
    assert all(ok for _, ok, _ in parts), [key for key, ok, _ in parts if not ok]
    started = time.perf_counter()
    result = dg.materialize([by_city.combined_city_ledger, by_city.partitions_match_the_ledger],
                            resources=resources, instance=dg.DagsterInstance.ephemeral())
    combine = time.perf_counter() - started
    same = [c.passed for c in result.get_asset_check_evaluations()] == [True]
    print(f"unpartitioned liability_ledger: {whole:.1f} s")
    print(f"13 city_ledger partitions, {processes} processes: {in_parallel:.1f} s "
          f"(slowest partition {max(s for *_, s in parts):.1f} s, sum {sum(s for *_, s in parts):.1f} s)")
    print(f"combined_city_ledger + check: {combine:.1f} s; identical to the unpartitioned ledger: {same}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
