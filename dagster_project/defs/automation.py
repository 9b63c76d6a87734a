"""Jobs, the 02:00 schedule (it names the night it runs in the run config) and the run-failure alert."""

import dagster as dg

from .. import alerts
from ..alerts import AlertChannel, record_failed_run
from ..pipeline import BY_CITY, NIGHT, TZ, WRITER_TAG

nightly_job = dg.define_asset_job(
    "nightly", selection=dg.AssetSelection.all() - dg.AssetSelection.groups(BY_CITY),
    executor_def=dg.in_process_executor, tags=WRITER_TAG, hooks={record_failed_run},
    description="Whole pipeline: registries -> validation -> ledger -> dashboards -> published warehouse. "
                "The night: resources.night.config.as_of (YYYY-MM-DD; empty: today in Asia/Shanghai).",
)


def night_run_config(night: str) -> dict:
    """The run config naming the night a run computes (what the schedule sends; the same in the Launchpad)."""
    return {"resources": {NIGHT: {"config": {"as_of": night}}}}


@dg.schedule(name="nightly_0200_asia_shanghai", job=nightly_job, cron_schedule="0 2 * * *",
             execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
             description="The nightly run at 02:00 Asia/Shanghai, for that date (as_of in the run config).")
def nightly_0200_asia_shanghai(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    night = context.scheduled_execution_time.astimezone(TZ).date().isoformat()
    return dg.RunRequest(run_key=f"nightly-{night}", run_config=night_run_config(night), tags={"nmg/as_of": night})


# The scale-out path: one run per city partition (a backfill), run in parallel by the run launcher (here
# processes; on a cluster the K8sRunLauncher, docs/operations.md), then the combination.
city_ledger_job = dg.define_asset_job(
    "ledger_by_city", selection=dg.AssetSelection.assets("city_ledger"),  # no hook: partitions hold no lock
    description="The ledger of one city partition (backfill all partitions to run the cities in parallel).")
combine_job = dg.define_asset_job(
    "combine_city_ledgers", selection=dg.AssetSelection.assets("combined_city_ledger"), tags=WRITER_TAG,
    hooks={record_failed_run},
    description="Combine the city partitions and compare them with the unpartitioned ledger.")


@dg.run_failure_sensor(name="run_failure_alert", monitored_jobs=[nightly_job, city_ledger_job, combine_job],
                       default_status=dg.DefaultSensorStatus.RUNNING,
                       description="Records a failed run in audit.runs and the run log if the run could not, and "
                                   "sends a notice (NMG_ALERT_WEBHOOK or SMTP; docs/operations.md, 'Alerts').")
def run_failure_alert(context: dg.RunFailureSensorContext, alert_channel: AlertChannel) -> None:
    alerts.on_run_failure(context, alert_channel)
