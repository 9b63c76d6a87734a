"""A tiny code location for tests/test_services.py: the daemon's scheduler and run queue without the pipeline.

Its schedule fires every minute and asks for three runs at once: two carry the warehouse-writer tag the nightly
job carries (the instance's tag limit must launch the second only after the first has ended) and one, asked for
last, carries another tag (the queue must launch it before the held writer: without the limit the queue would
take the runs in the order asked, so the writers' order is the limit's doing).
"""

# no `from __future__ import annotations`: Dagster reads the op's context annotation as a type
import time

import dagster as dg

WRITER_KEY = "nmg/warehouse-writer"  # tests/test_services.py checks the nightly job carries this key
HOLD_SECONDS = 5.0


@dg.op(config_schema={"hold": float})
def probe(context: dg.OpExecutionContext) -> None:
    time.sleep(context.op_config["hold"])  # the first writer is in progress while the queue looks again


@dg.job(executor_def=dg.in_process_executor)  # one process per run, as the nightly job
def probe_job() -> None:
    probe()


@dg.schedule(cron_schedule="* * * * *", job=probe_job, default_status=dg.DefaultScheduleStatus.RUNNING)
def every_minute(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    tick = int(context.scheduled_execution_time.timestamp())
    config = {"ops": {"probe": {"config": {"hold": HOLD_SECONDS}}}}
    asked = [("writer-a", {WRITER_KEY: "build"}), ("writer-b", {WRITER_KEY: "build"}),
             ("reader", {"nmg/test-reader": "read"})]
    return [dg.RunRequest(run_key=f"{name}-{tick}", tags=tags, run_config=config) for name, tags in asked]


defs = dg.Definitions(jobs=[probe_job], schedules=[every_minute])
