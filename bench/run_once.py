"""One nightly run in this process for bench/bench.py: prints a JSON line with each Dagster step's duration,
the whole run's wall time, the registry rows read and this process's peak resident memory."""

from __future__ import annotations

import json
import os
import resource
import threading
import time

import dagster as dg
import duckdb

from dagster_project.definitions import build_defs
from dagster_project.settings import get_settings


def sample_rss(samples: list[tuple[float, float]], stop: threading.Event) -> None:
    """(time, resident GiB) of this process every 0.2 s, to tell which step holds the peak."""
    page = os.sysconf("SC_PAGE_SIZE")
    while not stop.wait(0.2):
        with open(f"/proc/{os.getpid()}/statm") as statm:
            samples.append((time.time(), int(statm.read().split()[1]) * page / 1024**3))


def main() -> None:
    settings = get_settings()
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    threading.Thread(target=sample_rss, args=(samples, stop), daemon=True).start()
    started = time.perf_counter()
    instance = dg.DagsterInstance.ephemeral()
    result = build_defs(settings).resolve_job_def("nightly").execute_in_process(instance=instance,
                                                                                 raise_on_error=True)
    wall = time.perf_counter() - started
    stop.set()
    starts, steps, peaks = {}, {}, {}
    for entry in instance.all_logs(result.run_id):  # the event log's entries carry the time of each event
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in starts:
            steps[event.step_key] = entry.timestamp - starts[event.step_key]
            during = [gib for t, gib in samples if starts[event.step_key] <= t <= entry.timestamp]
            peaks[event.step_key] = max(during, default=0.0)
    with duckdb.connect(str(settings.published_db), read_only=True) as conn:
        rows_in, ledger = conn.execute("""SELECT (SELECT sum(rows_in) FROM audit.input_files WHERE run_id = ?),
                                                 (SELECT count(*) FROM ledger.liabilities)""",
                                       [result.run_id]).fetchone()
    # Linux reports KiB; the model-fitting worker processes are children, counted on their own
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024**2
    print(json.dumps({"enterprises": settings.enterprises, "rows_in": int(rows_in), "ledger_rows": ledger,
                      "wall_s": wall, "peak_rss_gib": peak, "steps": steps, "step_peak_rss_gib": peaks}))


if __name__ == "__main__":
    main()
