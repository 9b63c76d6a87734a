"""The code location's definitions, one module per stage, loaded by dg.load_from_defs_folder (definitions.py):
registries (reference data, catalogue, landing, staging, validation, talent candidates), liabilities (the
ledger), forecasting (drivers, forecast, backtest, scenarios), publication (pages and warehouse), by_city (the
scale-out partitions) and automation (jobs, the 02:00 schedule, the failure alert). No `from __future__ import
annotations` here: Dagster reads the context and resource annotations as types."""
