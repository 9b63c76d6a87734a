"""The Dagster code location: the definitions in defs/ (one module per stage, found by dg.load_from_defs_folder)
with the resources of a given set of settings: the night's settings as run config, the build database, the
alert channel."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from .alerts import alert_channel
from .pipeline import BuildDatabase, night_settings, resources
from .settings import Settings, get_settings


def duckdb_resource(settings: Settings) -> BuildDatabase:
    """The build database of `settings`, for direct use outside Dagster's resource set-up (tests, bench)."""
    return BuildDatabase(night=night_settings(settings, at_launch=False))


def build_defs(settings: Settings | None = None) -> dg.Definitions:
    """Every definition of defs/, with resources for `settings` (default: the environment's)."""
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(resources={**resources(settings or get_settings()), "alert_channel": alert_channel()},
                       executor=dg.in_process_executor),  # one process per run: the run's lock and umask cover it
    )


defs = build_defs()
