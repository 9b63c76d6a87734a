"""The Dagster code location: assets, checks, the nightly job and schedule, the DuckDB resource."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from .pipeline import (
    ASSETS,
    BY_CITY,
    CHECKS,
    city_ledger,
    combined_city_ledger,
    partitions_match_the_ledger,
    record_failed_run,
)
from .settings import Settings, get_settings

WRITER_TAG = {"nmg/warehouse-writer": "build"}  # dagster_home/dagster.yaml limits runs with this tag to one


def duckdb_resource(settings: Settings) -> DuckDBResource:
    """The build database of this run; auditors never open it (they read the published snapshot)."""
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(settings.build_db), connection_config=settings.duckdb_config)


nightly_job = dg.define_asset_job(
    "nightly", selection=dg.AssetSelection.all() - dg.AssetSelection.groups(BY_CITY),
    executor_def=dg.in_process_executor, tags=WRITER_TAG,
    hooks={record_failed_run},
    description="Whole pipeline: registries -> validation -> ledger -> dashboards -> published warehouse.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_0200_asia_shanghai", job=nightly_job, cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
)


# The scale-out path: one run per city partition (a backfill), run in parallel by the run launcher (here
# processes; on a cluster the K8sRunLauncher, docs/operations.md), then the combination.
city_ledger_job = dg.define_asset_job(
    "ledger_by_city", selection=dg.AssetSelection.assets(city_ledger),
    description="The ledger of one city partition (backfill all partitions to run the cities in parallel).")
combine_job = dg.define_asset_job(
    "combine_city_ledgers", selection=dg.AssetSelection.assets(combined_city_ledger), tags=WRITER_TAG,
    description="Combine the city partitions and compare them with the unpartitioned ledger.")


def build_defs(settings: Settings | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=[*ASSETS, city_ledger, combined_city_ledger], asset_checks=[*CHECKS, partitions_match_the_ledger],
        jobs=[nightly_job, city_ledger_job, combine_job], schedules=[nightly_schedule],
        resources={"duckdb": duckdb_resource(settings or get_settings())},
    )


defs = build_defs()
