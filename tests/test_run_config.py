"""Settings as Dagster config: every NMG_* setting is a field of the run's NightSettings resource (bound to its
environment variable when set, the documented default otherwise), and the night is run config that the schedule
fills from its scheduled time in Asia/Shanghai and the Launchpad can set to re-run a past night."""

import json
from dataclasses import fields
from datetime import UTC, datetime

import dagster as dg
import duckdb
import pytest

from dagster_project import pipeline
from dagster_project.definitions import build_defs
from dagster_project.defs.automation import night_run_config, nightly_0200_asia_shanghai
from dagster_project.defs.registries import reference_data
from dagster_project.settings import SettingError, Settings, get_settings, to_env
from tests.conftest import TEST_SALT


def test_every_setting_is_a_field_of_the_resource_and_reads_back_from_its_text():
    assert set(pipeline.NightSettings.model_fields) == {f.name for f in fields(Settings)}
    env = {"NMG_ENTERPRISES": "500", "NMG_CONFIRM_DROP": "talents, projects", "NMG_USE_LANDING": "1",
           "NMG_AS_OF": "2026-11-20", "NMG_BAD_ROW_SHARE": "0.02", "NMG_DATA_DIR": "/srv/nmg/data"}
    settings = Settings.from_env(env)
    assert settings.enterprises == 500 and settings.confirmed_drops == ("talents", "projects")
    assert settings.use_landing_as_is and str(settings.as_of) == "2026-11-20" and settings.seed == 20240121
    assert Settings.from_env(to_env(settings)) == settings
    assert set(to_env(settings)) == set(env)  # the defaults are not repeated
    with pytest.raises(SettingError, match="NMG_AS_OF.*2026-13-01"):
        Settings.from_env({"NMG_AS_OF": "2026-13-01"})


def test_a_variable_set_when_the_code_location_loads_is_bound_as_env_var(monkeypatch):
    for f in fields(Settings):
        monkeypatch.delenv(f.metadata["env"], raising=False)
    monkeypatch.setenv("NMG_ENTERPRISES", "500")
    monkeypatch.setenv("NMG_PSEUDONYM_SALT", TEST_SALT)
    bound = pipeline.night_settings(get_settings()).data
    assert bound == {"enterprises": dg.EnvVar("NMG_ENTERPRISES"), "salt": dg.EnvVar("NMG_PSEUDONYM_SALT")}
    assert all(isinstance(v, dg.EnvVar) for v in bound.values())  # the secret's value is not in the run config
    assert pipeline.NightSettings().resolve().as_of == datetime.now(pipeline.TZ).date()  # no night given: today


def test_the_schedule_names_the_night_of_its_scheduled_time_in_asia_shanghai():
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 26, 18, 0, tzinfo=UTC))
    request = nightly_0200_asia_shanghai(context)  # 02:00 on 27 November in Asia/Shanghai
    assert request.run_config == {"resources": {"night": {"config": {"as_of": "2026-11-27"}}}}
    assert request.run_key == "nightly-2026-11-27" and request.tags["nmg/as_of"] == "2026-11-27"
    nightly = build_defs(get_settings()).resolve_job_def("nightly")
    assert dg.validate_run_config(nightly, request.run_config)["resources"]["night"]["config"]["as_of"] == \
        "2026-11-27"


def test_a_past_night_in_the_run_config_is_the_night_the_run_records(tmp_path, monkeypatch):
    monkeypatch.setenv("NMG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NMG_PSEUDONYM_SALT", TEST_SALT)
    monkeypatch.setenv("NMG_AS_OF", "2026-11-27")  # the default; the run config wins over it
    instance = dg.DagsterInstance.ephemeral()
    past = dg.materialize([reference_data], resources=pipeline.resources(get_settings()), instance=instance,
                          run_config=night_run_config("2026-11-20"))
    default = dg.materialize([reference_data], resources=pipeline.resources(get_settings()), instance=instance)
    assert past.success and default.success
    assert instance.get_run_by_id(past.run_id).run_config["resources"]["night"]["config"] == {"as_of": "2026-11-20"}
    with duckdb.connect(str(get_settings().build_db), read_only=True) as conn:
        rows = dict(conn.execute("SELECT run_id, parameters FROM audit.runs").fetchall())
    assert json.loads(rows[past.run_id])["as_of"] == "2026-11-20"
    assert json.loads(rows[default.run_id])["as_of"] == "2026-11-27"
    bad = dg.materialize([reference_data], resources=pipeline.resources(get_settings()), instance=instance,
                         run_config=night_run_config("2026-13-01"), raise_on_error=False)
    assert not bad.success and not bad.get_asset_materialization_events()
    errors = [str(e.event_specific_data.error) for e in bad.all_events
              if getattr(e.event_specific_data, "error", None)]
    assert any("NMG_AS_OF" in m and "2026-13-01" in m for m in errors)  # refused before any step, naming it
