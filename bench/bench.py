"""Whole-run benchmark: `python bench/bench.py 20000 1000000` runs the nightly job once per size in a fresh
data folder and prints wall time and peak memory (max RSS of the run's process). Not a unit test.

Per-stage timings and the scaling exponent come with the performance issue; for now the Dagster log of each
run (bench/out/<size>/run.log) carries each step's start and end.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(size: int) -> tuple[float, float]:
    out = ROOT / "bench" / "out" / str(size)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NMG_ENTERPRISES": str(size), "NMG_DATA_DIR": str(out / "data"),
           "NMG_DASHBOARDS_DIR": str(out / "dashboards")}
    env.pop("DAGSTER_HOME", None)  # ephemeral Dagster instance: nothing but the run is measured
    started = time.perf_counter()
    with (out / "run.log").open("w") as log:
        subprocess.run([sys.executable, "-m", "dagster_project", "run"], cwd=ROOT, env=env, stdout=log,
                       stderr=subprocess.STDOUT, check=True)
    wall = time.perf_counter() - started
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    return wall, peak_gib


def main(sizes: list[int]) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| enterprises | wall (s) | peak RSS (GiB) |\n|---:|---:|---:|")
    for size in sizes:
        wall, peak = run(size)
        print(f"| {size:,} | {wall:.1f} | {peak:.2f} |", flush=True)


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [20_000])
