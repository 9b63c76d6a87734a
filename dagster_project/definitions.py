"""The Dagster code location: assets, checks, the nightly job and schedule, the DuckDB resource."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from . import writer
from .pipeline import (
    ASSETS,
    BY_CITY,
    CHECKS,
    city_ledger,
    code_version,
    combined_city_ledger,
    partitions_match_the_ledger,
    record_failed_run,
    run_parameters,
)
from .settings import Settings, get_settings
from .warehouse import connect_writer

WRITER_TAG = {"nmg/warehouse-writer": "build"}  # dagster_home/dagster.yaml queues runs with this tag (daemon only)


class BuildDatabase(DuckDBResource):
    """The build database, and the run's hold on the data folder: set up once per run (in-process executor) by
    every launch path (CLI, `dagster job execute`, the daemon, the UI), it takes the data folder's lock before
    the first step and gives it back after the last, failed or not (writer.begin / writer.end). Connections
    fail at once on permission or disk errors; only lock contention is waited out (warehouse.connect_writer)."""

    _held: writer.Held | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.run
        if run is None:  # built outside a run (a direct call in a test): nothing to hold
            return
        self._held = writer.begin(get_settings(), run.run_id, run.job_name, run_parameters(), code_version(),
                                  self.get_connection)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._held is not None:
            writer.end(get_settings(), self._held, context.run.run_id, self.get_connection)
            self._held = None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = connect_writer(self.database, {"custom_user_agent": "dagster", **self.connection_config})
        try:
            yield conn
        finally:
            conn.close()


def duckdb_resource(settings: Settings) -> BuildDatabase:
    """The build database of this run; auditors never open it (they read the published snapshot)."""
    return BuildDatabase(database=str(settings.build_db), connection_config=settings.duckdb_config)


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
        executor=dg.in_process_executor,  # one process per run: the run's lock and umask cover every step
    )


defs = build_defs()
