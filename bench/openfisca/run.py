"""OpenFisca side of bench/openfisca_compare.py: the seven rules of system.py on the exported registry, timed.

Run with the throwaway environment's Python (bench/openfisca/setup.sh), never the project's:

    bench/out/openfisca-venv/bin/python bench/openfisca/run.py INPUTS.npz --dtype float64 --runs 5 --out RESULTS.npz

Each run, from the inputs on disk to the per-firm, per-level amounts in memory: load the arrays (np.load), build the
tax-benefit system and a simulation of one firm per registry row, turn the long metric rows into one array per
metric and year (the registry may hold a metric twice for a firm and year: the largest counts, as the engine's
max(value)) and set them as inputs; calculate every rule's award and paying-level variables for every award year;
collect the firms with an award. Prints one JSON line with the time of each part of each run; writes the last run's
awards and level amounts (firm index and value, firms with a non-zero award only) to --out.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

started = time.perf_counter()
import numpy as np  # noqa: E402  (the import time is measured)
from openfisca_core.simulations import SimulationBuilder  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from system import RULES, build_system  # noqa: E402

IMPORT_S = time.perf_counter() - started
DTYPES = {"float64": np.float64, "float32": np.float32}


def load(path: Path, dtype: type, timing: dict) -> tuple:
    """(simulation, award years) with every input set."""
    t0 = time.perf_counter()
    with np.load(path) as npz:
        data = {k: npz[k] for k in npz.files if k != "uscc"}  # the firms' ids are not needed to compute
    t1 = time.perf_counter()
    n = data["region_code"].shape[0]
    system = build_system(dtype, dict(zip(data["regions_code"].tolist(), data["regions_parent"].tolist(),
                                          strict=True)))
    simulation = SimulationBuilder().build_default_simulation(system, n)
    t2 = time.perf_counter()
    for name in ("region_code", "industry_code", "registered_on"):
        simulation.set_input(name, "eternity", data[name])
    firm, year, metric, value = data["m_firm"], data["m_year"], data["m_metric"], data["m_value"]
    order = np.lexsort((year, metric))
    keys = metric[order].astype(np.int64) * 10000 + year[order]
    bounds = np.flatnonzero(np.diff(keys)) + 1
    for group in np.split(order, bounds):
        if group.size == 0:
            continue
        column = np.full(n, np.nan)
        np.fmax.at(column, firm[group], value[group])  # NaN where not reported; the largest of repeated rows
        simulation.set_input(str(data["metric_names"][metric[group[0]]]), str(int(year[group[0]])), column)
    t3 = time.perf_counter()
    timing.update(read_s=t1 - t0, rules_s=t2 - t1, inputs_s=t3 - t2)
    return simulation, [int(y) for y in data["award_years"]]


def compute(simulation, years: list[int]) -> dict[tuple[str, int, str], np.ndarray]:
    out = {}
    for rule, (prefix, levels) in RULES.items():
        for year in years:
            for part in ("award", *levels):
                out[(rule, year, part)] = simulation.calculate(f"{prefix}_{part}", str(year))
    return out


def collect(values: dict[tuple[str, int, str], np.ndarray]) -> dict[str, np.ndarray]:
    """The firms with an award, per rule and year: firm index, award and each level's amount."""
    out = {}
    for rule, (_, levels) in RULES.items():
        years = sorted({y for r, y, _ in values if r == rule})
        for year in years:
            award = values[(rule, year, "award")]
            idx = np.flatnonzero(award)
            out[f"{rule}|{year}|firm"] = idx
            for part in ("award", *levels):
                out[f"{rule}|{year}|{part}"] = values[(rule, year, part)][idx]
    return out


def one_run(path: Path, dtype: type) -> tuple[dict, dict]:
    timing: dict[str, float] = {}
    t0 = time.perf_counter()
    simulation, years = load(path, dtype, timing)
    t1 = time.perf_counter()
    values = compute(simulation, years)
    t2 = time.perf_counter()
    results = collect(values)
    t3 = time.perf_counter()
    timing.update(load_s=t1 - t0, compute_s=t2 - t1, collect_s=t3 - t2, e2e_s=t3 - t0)
    return timing, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", type=Path)
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="float64")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    runs, results = [], {}
    for _ in range(args.runs):
        timing, results = one_run(args.inputs, DTYPES[args.dtype])
        runs.append(timing)
    if args.out:
        np.savez(args.out, **results)
    from importlib.metadata import version
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(json.dumps({"side": f"openfisca-{args.dtype}", "openfisca_core": version("openfisca-core"),
                      "numpy": version("numpy"), "import_s": IMPORT_S, "runs": runs, "peak_rss_gib": peak}))


if __name__ == "__main__":
    main()
