"""Benchmark of the nightly job: `python bench/bench.py 10000 100000 1000000` runs the whole job once per size,
each in a fresh process and data folder, and prints a table of wall time per stage, the whole run and the peak
resident memory, plus the scaling exponent between sizes (wall ~ rows^k). Figures go to bench/RESULTS.md by
hand, with the machine. Not a unit test: tests/test_bench.py runs a tiny size so that this keeps working.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"  # generated data, logs and reports (not committed)
# Dagster steps grouped into the stages of issue 9 (steps not listed are counted under "other").
STAGES = {
    "generate": ["landing_files"],
    "ingest": ["staged_registries"],
    "validate": ["validated_registries", "validated_registries_rows_accounted_for",
                 "validated_registries_no_refused_files", "validated_registries_quarantine_share_below_threshold"],
    "ledger": ["policy_catalogue", "reference_data", "liability_ledger", "liability_ledger_shares_reconcile_to_the_fen",
               "liability_ledger_no_negative_amounts", "talent_candidates"],
    "forecast": ["driver_forecasts", "forecast_backtest", "forecast_liabilities",
                 "forecast_liabilities_forecast_reconciles", "scenario_results"],
    "dashboards": ["dashboard_site"],
    "publish": ["published_warehouse"],
}


def measure(size: int, out_root: Path = OUT) -> dict:
    """One nightly run in a child process (bench/run_once.py); returns its JSON report."""
    out = out_root / str(size)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NMG_ENTERPRISES": str(size), "NMG_DATA_DIR": str(out / "data"),
           "NMG_DASHBOARDS_DIR": str(out / "dashboards"), "NMG_CACHE_DIR": str(out / "cache")}
    env.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance: nothing but the run is measured
    for cached in (out / "cache").glob("*.parquet"):  # fits are measured too, not reused
        cached.unlink()
    with (out / "run.log").open("w") as log:
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("run_once.py"))], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=log, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def stage_times(steps: dict[str, float]) -> dict[str, float]:
    known = {s for group in STAGES.values() for s in group}
    times = {stage: sum(steps.get(s, 0.0) for s in group) for stage, group in STAGES.items()}
    times["other"] = sum(v for s, v in steps.items() if s not in known)
    return times


def exponent(small: dict, large: dict, key: str) -> float:
    """k in wall ~ rows^k between two sizes, rows = all registry rows read."""
    return math.log(large[key] / small[key]) / math.log(large["rows_in"] / small["rows_in"])


def main(sizes: list[int]) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    reports = []
    names = [*STAGES, "other"]
    print("| enterprises | rows read | " + " | ".join(names) + " | whole run (s) | peak RSS (GiB) |")
    print("|---:|---:|" + "---:|" * (len(names) + 2))
    for size in sizes:
        rep = measure(size)
        rep["stages"] = stage_times(rep["steps"])
        reports.append(rep)
        cells = " | ".join(f"{rep['stages'][n]:.1f}" for n in names)
        print(f"| {size:,} | {rep['rows_in']:,} | {cells} | {rep['wall_s']:.1f} | {rep['peak_rss_gib']:.2f} |",
              flush=True)
    print("peak resident memory of the run process per stage (GiB; model-fitting workers not included):")
    for rep in reports:
        peaks = {stage: max((rep["step_peak_rss_gib"].get(s, 0.0) for s in group), default=0.0)
                 for stage, group in STAGES.items()}
        print(f"  {rep['enterprises']:,}: " + ", ".join(f"{k} {v:.2f}" for k, v in peaks.items()), flush=True)
    for small, large in zip(reports, reports[1:], strict=False):
        ks = {n: exponent({"rows_in": small["rows_in"], n: small["stages"][n]},
                          {"rows_in": large["rows_in"], n: large["stages"][n]}, n)
              for n in names if small["stages"][n] > 0.5}
        whole = exponent(small, large, "wall_s")
        print(f"scaling exponent {small['rows_in']:,} -> {large['rows_in']:,} rows: whole run {whole:.2f}; "
              + ", ".join(f"{n} {k:.2f}" for n, k in ks.items()), flush=True)
    (OUT / "reports.json").write_text(json.dumps(reports, indent=1))


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [10_000])
