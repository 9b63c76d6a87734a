"""The benchmark keeps working: one tiny run through bench/bench.py's measurement, with the floors of its stages
(bench/floors.py) beside it (the real sizes are run by hand and written down in bench/RESULTS.md)."""

from __future__ import annotations

import importlib.util

from dagster_project.settings import REPO_ROOT


def test_bench_measures_every_stage_on_a_tiny_registry(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench", REPO_ROOT / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setenv("NMG_AS_OF", "2026-11-27")
    monkeypatch.setenv("NMG_FORECAST_WORKERS", "1")
    report = bench.measure(300, tmp_path)
    stages = bench.stage_times(report["steps"])
    assert report["rows_in"] > 300 and report["ledger_rows"] > 0 and 0 < report["peak_rss_gib"] < 8
    assert all(stages[s] > 0 for s in ("generate", "ingest", "validate", "ledger", "forecast", "dashboards",
                                       "publish"))
    assert stages["other"] < 1  # every Dagster step is assigned to a stage
    # memory is sampled while each step runs, so the stage holding the peak can be named
    assert 0 < report["step_peak_rss_gib"]["validated_registries"] <= report["peak_rss_gib"]
    # every stage has its floor, measured on the run's data folder after the run, and its ratio to it
    assert set(report["floors"]) == set(bench.STAGES) and all(report["floors"][s] > 0 for s in bench.STAGES)
    assert all(report["ratios"][s] == round(stages[s] / report["floors"][s], 2) for s in bench.STAGES)
    assert report["floor_volume"]["ledger_lines"] > 0 and report["floor_volume"]["forecast_path_lines"] > 0
    assert set(report["forecast_steps"]) == set(bench.FORECAST_STEPS)
    assert all(row["floor"] > 0 and row["ratio"] > 0 for row in report["forecast_steps"].values())
    assert not report["floor_notes"]
    assert not list((tmp_path / "300" / "data").glob(".floors-*"))  # the floors' scratch folder is removed
