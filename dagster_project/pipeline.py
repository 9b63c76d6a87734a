"""What the Dagster definitions in defs/ share: the run's settings as a resource whose fields are run config
(NightSettings: the night's date and every NMG_* setting), the build database with the run's hold on the data
folder (BuildDatabase), the run's parameters as audit.runs records them, and the published tables' metadata.
The assets themselves are in defs/, one module per stage, each a thin call into stages.py and the modules it uses.
"""

# no `from __future__ import annotations`: Dagster reads ResourceDependency[NightSettings] as a type
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
from pydantic import Field, PrivateAttr

from . import writer
from .settings import REPO_ROOT, Settings, to_env
from .warehouse import connect_writer

TZ = ZoneInfo("Asia/Shanghai")
GROUP = "nightly"
BY_CITY = "ledger_by_city"
OWNERS = ["team:fiscal-data"]
WRITER_TAG = {"nmg/warehouse-writer": "build"}  # the daemon's run queue runs one of these at a time
NIGHT = "night"  # the resource key of NightSettings (run config: resources.night.config.as_of)


def _setting(var: str, what: str) -> Any:
    return Field(default=None, description=f"{what} ({var}; empty: the environment's value when the code location "
                                           "loaded, else the default in docs/operations.md)")


class NightSettings(dg.ConfigurableResource):
    """The run's settings as run config. Each field is an NMG_* setting (settings.Settings): bound to its
    environment variable (dg.EnvVar) when the code location loads with it set, left to the documented default
    otherwise; any field can be changed for one run in the Launchpad. `as_of` is the night the run computes: the
    schedule fills it from its scheduled time; empty, the run takes its date in Asia/Shanghai when it starts."""

    as_of: str | None = Field(default=None, description="The night to compute, YYYY-MM-DD (NMG_AS_OF); empty: the "
                                                        "date in Asia/Shanghai when the run starts. Set it to "
                                                        "re-run a past night.")
    data_dir: str | None = _setting("NMG_DATA_DIR", "Data folder (landing, build, warehouse)")
    dashboards_dir: str | None = _setting("NMG_DASHBOARDS_DIR", "Folder of the published pages")
    enterprises: str | None = _setting("NMG_ENTERPRISES", "Synthetic registry size")
    seed: str | None = _setting("NMG_SEED", "Synthetic registry seed")
    bad_row_share: str | None = _setting("NMG_BAD_ROW_SHARE", "Share of bad rows in the synthetic registries")
    max_quarantine_share: str | None = _setting("NMG_MAX_QUARANTINE_SHARE", "Highest quarantined share per registry")
    use_landing_as_is: str | None = _setting("NMG_USE_LANDING", "1: read data/landing instead of synthetic data")
    duckdb_memory: str | None = _setting("NMG_DUCKDB_MEMORY", "DuckDB's memory ceiling for the build")
    validate_chunk_rows: str | None = _setting("NMG_VALIDATE_CHUNK_ROWS", "Rows per validation part")
    max_row_drop_share: str | None = _setting("NMG_MAX_ROW_DROP_SHARE", "Largest unconfirmed fall of a registry")
    confirmed_drops: str | None = _setting("NMG_CONFIRM_DROP", "Registries whose fall is confirmed, comma-separated")
    keep_snapshots: str | None = _setting("NMG_KEEP_SNAPSHOTS", "Published snapshots kept")
    lock_wait_seconds: str | None = _setting("NMG_LOCK_WAIT", "Seconds to wait for another run on the data folder")
    cache_root: str | None = _setting("NMG_CACHE_DIR", "Folder of cached model fits")
    forecast_workers: str | None = _setting("NMG_FORECAST_WORKERS", "Processes for the model fits")
    salt: str | None = _setting("NMG_PSEUDONYM_SALT", "Pseudonym secret: give it only through the environment")

    _settings: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._settings = self.resolve()  # the night is fixed once, when the run starts

    @property
    def settings(self) -> Settings:
        if self._settings is None:  # used outside a run (a direct call in a test)
            self._settings = self.resolve()
        return self._settings

    def resolve(self) -> Settings:
        given = {f.metadata["env"]: getattr(self, f.name) for f in fields(Settings)}
        settings = Settings.from_env({var: text for var, text in given.items() if text is not None})
        return settings if settings.as_of else replace(settings, as_of=datetime.now(TZ).date())


def night_settings(settings: Settings, at_launch: bool = True) -> Any:
    """The resource giving `settings`: a setting the environment gives as it stands is bound as dg.EnvVar (the UI
    shows the variable, not its value, so the pseudonym secret stays out of the run config), any other setting
    that is not its default as its text. `at_launch`: every field stays changeable per run (run config)."""
    bound: dict[str, str | dg.EnvVar] = {}
    given = to_env(settings)
    for f in fields(Settings):
        var = f.metadata["env"]
        text = given.get(var)
        if text is None:
            continue
        env = os.environ.get(var)
        same = env is not None and Settings.from_env({var: env}) == Settings.from_env({var: text})
        bound[f.name] = dg.EnvVar(var) if same and at_launch else text
    return NightSettings.configure_at_launch(**bound) if at_launch else NightSettings(**bound)


class BuildDatabase(dg.ConfigurableResource):
    """The build database, and the run's hold on the data folder: set up once per run (in-process executor) by
    every launch path (CLI, `dagster job execute`, the daemon, the UI), it takes the data folder's lock before
    the first step and gives it back after the last, failed or not (writer.begin / writer.end). Connections
    fail at once on permission or disk errors; only lock contention is waited out (warehouse.connect_writer)."""

    night: dg.ResourceDependency[NightSettings]
    _held: writer.Held | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.run
        if run is None:  # built outside a run (a direct call in a test): nothing to hold
            return
        settings = self.night.settings
        self._held = writer.begin(settings, run.run_id, run.job_name, run_parameters(settings), code_version(),
                                  self.get_connection)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._held is not None:
            writer.end(self.night.settings, self._held, context.run.run_id, self.get_connection)
            self._held = None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        settings = self.night.settings
        conn = connect_writer(str(settings.build_db), {"custom_user_agent": "dagster", **settings.duckdb_config})
        try:
            yield conn
        finally:
            conn.close()


def resources(settings: Settings) -> dict[str, Any]:
    """The resources of every job, for `settings`: the night's settings (run config) and the build database."""
    night = night_settings(settings)
    return {NIGHT: night, "duckdb": BuildDatabase(night=night)}


def code_version() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_parameters(settings: Settings) -> dict:
    """The run's parameters as audit.runs records them (as_of: the night from the run config)."""
    return {"enterprises": settings.enterprises, "seed": settings.seed, "bad_row_share": settings.bad_row_share,
            "as_of": str(settings.as_of)}


def settings_of_run(run_config: Mapping) -> Settings:
    """The settings a run used, seen from outside it (the failure sensor): the code location's environment with
    the run's own config of the night resource on top."""
    given = ((run_config.get("resources") or {}).get(NIGHT) or {}).get("config") or {}
    env = dict(os.environ)
    for f in fields(Settings):
        value = given.get(f.name)
        if isinstance(value, Mapping):  # {"env": "NMG_…"} in the run config
            value = os.environ.get(str(value.get("env")))
        if value is not None:
            env[f.metadata["env"]] = str(value)
    return Settings.from_env(env)


def warehouse_metadata(published: Path) -> dict:
    """The published file's tables for the asset catalogue: dagster/column_schema with every published column
    (`schema.table.column`, its type and the warehouse's column comment) and the row count of every table."""
    with duckdb.connect(str(published), read_only=True) as conn:
        columns = conn.execute("""SELECT schema_name || '.' || table_name, column_name, data_type, comment
                                  FROM duckdb_columns() WHERE database_name = current_database()
                                  ORDER BY schema_name, table_name, column_index""").fetchall()
        tables = list(dict.fromkeys(t for t, *_ in columns))
        rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    schema = dg.TableSchema(columns=[dg.TableColumn(f"{t}.{c}", kind, description=comment or None)
                                     for t, c, kind, comment in columns])
    return {"dagster/column_schema": schema, "row_counts": dg.MetadataValue.json(rows)}


def table_rows(conn: duckdb.DuckDBPyConnection, table: str) -> dict:
    """dagster/row_count of an asset that writes one table."""
    return {"dagster/row_count": conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]}
