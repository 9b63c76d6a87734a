"""Benchmark of the nightly job: `python bench/bench.py 10000 100000 1000000` runs the whole job once per size,
each in a fresh process and data folder, and prints a table of wall time per stage, the whole run and the peak
resident memory, plus the scaling exponent between sizes (wall ~ rows^k). After each size's run, the floors of its
stages (bench/floors.py: reading the same bytes, one pass with DuckDB/Polars, writing the same volume) are measured
in a process of their own on the run's data folder, and a table stage | time | floor | ratio is printed; the
reports (bench/out/reports.json) hold the floors and the ratios too. Figures go to bench/RESULTS.md by hand, with
the machine. Not a unit test: tests/test_bench.py runs a tiny size so that this keeps working.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
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


# The forecast's steps, each beside its part of the forecast floor (the blocking check goes with its asset).
FORECAST_STEPS = {"driver_forecasts": ["driver_forecasts"], "forecast_backtest": ["forecast_backtest"],
                  "forecast_liabilities": ["forecast_liabilities", "forecast_liabilities_forecast_reconciles"],
                  "scenario_results": ["scenario_results"]}


def measure(size: int, out_root: Path = OUT, floors: bool = True) -> dict:
    """One nightly run in a child process (bench/run_once.py), then the floors of its stages in another
    (bench/floors.py); returns the run's JSON report with its stage times, the floors and the ratios."""
    out = out_root / str(size)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NMG_ENTERPRISES": str(size), "NMG_DATA_DIR": str(out / "data"),
           "NMG_DASHBOARDS_DIR": str(out / "dashboards"), "NMG_CACHE_DIR": str(out / "cache")}
    env.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance: nothing but the run is measured
    for cached in (out / "cache").glob("*.parquet"):  # fits are measured too, not reused
        cached.unlink()
    for cached in (out / "cache").glob("backtest-*"):  # and so is the backtest (a folder per entry)
        shutil.rmtree(cached, ignore_errors=True)
    with (out / "run.log").open("w") as log:
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("run_once.py"))], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=log, text=True, check=True)
    rep = json.loads(done.stdout.strip().splitlines()[-1])
    rep["stages"] = stage_times(rep["steps"])
    if floors:
        rep.update(measure_floors(out, env))
        rep.update(ratios(rep))
    return rep


def measure_floors(out: Path, env: dict[str, str]) -> dict:
    """bench/floors.py on the run's data folder, in a fresh process with the run's DuckDB memory limit
    (NMG_DUCKDB_MEMORY, as the run: 4GB unless set) and 2 threads."""
    env = {**env, "NMG_DUCKDB_MEMORY": env.get("NMG_DUCKDB_MEMORY", "4GB"), "POLARS_MAX_THREADS": "2"}
    with (out / "floors.log").open("w") as log:
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("floors.py")), str(out / "data"),
                               "--dashboards", str(out / "dashboards"), "--json"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=log, text=True)
    if done.returncode == 0:
        return json.loads(done.stdout.strip().splitlines()[-1])
    # the run's own figures stand without them
    return {"floors": dict.fromkeys(STAGES), "floor_parts": {s: {} for s in STAGES}, "floor_volume": {},
            "floor_notes": [f"the floors failed (exit {done.returncode}): see {out / 'floors.log'}"]}


def ratios(rep: dict) -> dict:
    """Stage time / floor per stage, and per forecast step (None where a floor is missing)."""
    def ratio(time: float, floor: float | None) -> float | None:
        return round(time / floor, 2) if floor else None

    steps = {step: {"time": sum(rep["steps"].get(s, 0.0) for s in keys),
                    "floor": rep["floor_parts"]["forecast"].get(step)} for step, keys in FORECAST_STEPS.items()}
    for row in steps.values():
        row["ratio"] = ratio(row["time"], row["floor"])
    return {"ratios": {stage: ratio(rep["stages"][stage], rep["floors"].get(stage)) for stage in STAGES},
            "forecast_steps": steps}


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
    for rep in reports:
        print_floors(rep)
    (OUT / "reports.json").write_text(json.dumps(reports, indent=1))


def print_floors(rep: dict) -> None:
    """stage | time | floor | ratio (bench/floors.py defines the floors), the forecast's steps apart."""
    def cell(v: float | None, digits: int = 2) -> str:
        return "–" if v is None else f"{v:,.{digits}f}"

    print(f"floors at {rep['enterprises']:,} enterprises (ratio = stage time / floor; bench/floors.py):")
    print("| stage | time (s) | floor (s) | ratio |")
    print("|---|---:|---:|---:|")
    for stage in STAGES:
        print(f"| {stage} | {rep['stages'][stage]:.1f} | {cell(rep['floors'].get(stage))} | "
              f"{cell(rep['ratios'].get(stage), 1)} |")
        if stage == "forecast":
            for step, row in rep["forecast_steps"].items():
                print(f"| &nbsp;&nbsp;{step} | {row['time']:.1f} | {cell(row['floor'])} | {cell(row['ratio'], 1)} |")
    for note in rep.get("floor_notes", []):
        print(f"  note: {note}")
    print("  the model fits (driver_forecasts, forecast_backtest) and the forecast bands are computation without a "
          "floor: their steps' ratios include them", flush=True)


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [10_000])
