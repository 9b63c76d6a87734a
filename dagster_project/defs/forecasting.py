"""Driver forecasts (statsmodels), forecast liabilities with their blocking check, the backtest, the scenarios."""

import dagster as dg

from .. import backtest, forecast, scenarios
from ..catalogue import Catalogue
from ..catalogue import load as load_catalogue_files
from ..pipeline import GROUP, OWNERS, BuildDatabase, NightSettings


def _forecast_config(cat: Catalogue | None = None) -> forecast.ForecastConfig:
    cat = cat or load_catalogue_files()
    return forecast.load_config(documents={d["document"] for d in cat.documents})


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"statsmodels", "duckdb"}, deps=["validated_registries"],
          description="Driver series from the registries' history (forecast.driver_history) and their statsmodels "
                      "forecasts with the model chosen per driver (forecast.driver_forecasts).")
def driver_forecasts(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                     night: NightSettings) -> dg.MaterializeResult:
    settings = night.settings
    with duckdb.get_connection() as conn:
        stats = forecast.fit_stage(conn, _forecast_config(), settings.as_of, context.run.run_id, settings.cache_dir,
                                   context.log.info, settings.forecast_workers)
    return dg.MaterializeResult(metadata=stats)


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"duckdb"}, deps=[driver_forecasts, "liability_ledger"],
          description="Committed and forecast liabilities by year, level, region and rule, with 80%/95% intervals "
                      "(forecast.liabilities and marts): forecast drivers pushed through the catalogue and ledger SQL.")
def forecast_liabilities(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                         night: NightSettings) -> dg.MaterializeResult:
    cat = load_catalogue_files()
    with duckdb.get_connection() as conn:
        stats = forecast.project_stage(conn, cat, _forecast_config(cat), night.settings.as_of, context.run.run_id,
                                       context.log.info)
    return dg.MaterializeResult(metadata=stats)


@dg.asset_check(asset=forecast_liabilities, blocking=True,
                description="Forecast figures add up: regions to levels, levels to the total, per quantile; the "
                            "committed part equals the ledger's payments due in those years.")
def forecast_reconciles(duckdb: BuildDatabase) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        bad = forecast.reconciliation_failures(conn)
    return dg.AssetCheckResult(passed=not bad, metadata={"failures": "\n".join(bad) or "none"})


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"statsmodels", "duckdb"}, deps=[driver_forecasts, "policy_catalogue"],
          description="Backtest: the last complete years held out, the driver forecast against naive baselines "
                      "(forecast.backtest, forecast.backtest_summary).")
def forecast_backtest(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                      night: NightSettings) -> dg.MaterializeResult:
    cat = load_catalogue_files()
    settings = night.settings
    with duckdb.get_connection() as conn:
        stats = backtest.run_backtest(conn, cat, _forecast_config(cat), settings.as_of, context.run.run_id,
                                      settings.cache_dir, context.log.info, settings.forecast_workers)
    return dg.MaterializeResult(metadata=stats)


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"duckdb"}, deps=[forecast_liabilities],
          description="Every scenario in seeds/scenarios against the baseline by year and level (scenarios.*).")
def scenario_results(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                     night: NightSettings) -> dg.MaterializeResult:
    cat = load_catalogue_files()
    cfg = _forecast_config(cat)
    with duckdb.get_connection() as conn:
        table = scenarios.run_all(conn, cat, cfg, forecast.window_for(night.settings.as_of, cfg), context.run.run_id,
                                  log=context.log.info)
    return dg.MaterializeResult(metadata={"scenarios": table["scenario"].n_unique(),
                                          "delta_yuan": str(table["delta_yuan"].sum())})
