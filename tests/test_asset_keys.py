"""A snapshot of what the code location defines: renaming an asset, a check, a job, the schedule or the sensor
changes the UI, run history and the operators' documents, so it must be done on purpose (update this list)."""

import dagster as dg

from dagster_project.definitions import defs

ASSETS = ["city_ledger", "combined_city_ledger", "dashboard_site", "driver_forecasts", "forecast_backtest",
          "forecast_liabilities", "landing_files", "liability_ledger", "policy_catalogue", "published_warehouse",
          "reference_data", "scenario_results", "staged_registries", "talent_candidates", "validated_registries"]
CHECKS = ["combined_city_ledger:partitions_match_the_ledger", "forecast_liabilities:forecast_reconciles",
          "liability_ledger:no_negative_amounts", "liability_ledger:shares_reconcile_to_the_fen",
          "validated_registries:every_registry_arrived", "validated_registries:no_refused_files",
          "validated_registries:no_unconfirmed_drop", "validated_registries:quarantine_share_below_threshold",
          "validated_registries:rows_accounted_for"]
JOBS = ["combine_city_ledgers", "ledger_by_city", "nightly"]
SCHEDULES = ["nightly_0200_asia_shanghai"]
SENSORS = ["default_automation_condition_sensor", "run_failure_alert"]  # the first: combined_city_ledger is eager
KINDS = {"duckdb", "polars", "plotly", "statsmodels"}


def test_the_code_location_defines_exactly_these_names():
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    assert sorted(k.to_user_string() for k in graph.get_all_asset_keys()) == ASSETS
    assert sorted(c.to_user_string() for c in graph.asset_check_keys) == CHECKS
    assert sorted(j.name for j in repo.get_all_jobs() if not j.name.startswith("__")) == JOBS
    assert sorted(s.name for s in repo.schedule_defs) == SCHEDULES
    assert sorted(s.name for s in repo.sensor_defs) == SENSORS


def test_every_asset_has_an_owner_and_its_kinds():
    graph = defs.get_repository_def().asset_graph
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners == ["team:fiscal-data"], key
        assert node.kinds and node.kinds <= KINDS, (key, node.kinds)
    assert set().union(*(graph.get(k).kinds for k in graph.get_all_asset_keys())) == KINDS


def test_the_nightly_job_is_every_asset_but_the_city_partitions():
    job = defs.resolve_job_def("nightly")
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert keys == set(ASSETS) - {"city_ledger", "combined_city_ledger"}
    assert dg.AssetKey("published_warehouse") in job.asset_layer.executable_asset_keys
