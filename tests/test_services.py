"""The production-shaped services (deploy/, scripts/serve.sh, scripts/postgres.sh; docs/operations.md, "Services").

- the nightly schedule's definition (02:00 Asia/Shanghai, job `nightly`, on by default, the writer tag);
- deploy/dagster.yaml and deploy/k8s/dagster.yaml pass Dagster's own config checks (and a broken copy does not);
- the compose file and the systemd units describe the same layout (systemd-analyze verifies the units);
- a real dagster-daemon against a scratch instance: a schedule tick launches runs, and of two writer runs queued
  at once the second is launched only after the first has ended, while an untagged run asked for after them
  overtakes the held one;
- `scripts/serve.sh start` (what `make serve` runs) brings up PostgreSQL, the code server, the webserver and one
  daemon, and `scripts/serve.sh stop` ends them all.
"""

from __future__ import annotations

import configparser
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from dagster._config import process_config, resolve_to_config_type
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef

from tests.services_location import WRITER_KEY

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent
STORAGE_KEYS = ("run_storage", "event_log_storage", "schedule_storage")
PG_ENV = {"DAGSTER_PG_HOST": "db.example", "DAGSTER_PG_PORT": "5432", "DAGSTER_PG_USERNAME": "dagster",
          "DAGSTER_PG_PASSWORD": "secret", "DAGSTER_PG_DB": "dagster", "NMG_JOB_IMAGE": "registry/nmg-fiscal:abc123"}


# --- the nightly schedule ------------------------------------------------------------------------------------------

def test_the_nightly_schedule_fires_at_0200_in_shanghai_on_by_default_and_its_job_is_a_queued_writer():
    import dagster as dg

    from dagster_project.definitions import defs

    repo = defs.get_repository_def()
    nightly = [s for s in repo.schedule_defs if s.job_name == "nightly"]
    assert len(nightly) == 1, [s.name for s in repo.schedule_defs]
    schedule = nightly[0]
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING  # a fresh `make serve` fires without a click
    assert WRITER_KEY in repo.get_job("nightly").tags  # the tag the queue limits, as in the daemon test below
    for instance_file in (DEPLOY / "dagster.yaml", REPO / "dagster_home" / "dagster.yaml"):
        queue = yaml.safe_load(instance_file.read_text(encoding="utf-8"))["run_queue"]
        assert {"key": WRITER_KEY, "limit": 1} in queue["tag_concurrency_limits"], instance_file


# --- instance configs through Dagster's own loader -----------------------------------------------------------------

def validate_instance(path: Path) -> dict:
    """Dagster's checks of an instance file: the instance schema (dagster_instance_config), then each configurable
    class against its own config_type(), as ConfigurableClassData.rehydrate does before building it (building the
    K8s launcher or the Postgres storage would contact the cluster or the database). Raises
    DagsterInvalidConfigError."""
    with tempfile.TemporaryDirectory() as home:
        shutil.copy(path, Path(home) / "dagster.yaml")
        config, _ = dagster_instance_config(home)
    for key in ("run_launcher", "run_coordinator", *STORAGE_KEYS):
        if key in config:
            klass = getattr(importlib.import_module(config[key]["module"]), config[key]["class"])
            result = process_config(resolve_to_config_type(klass.config_type()), config[key].get("config") or {})
            if not result.success:
                raise DagsterInvalidConfigError(f"{path.name}: {key}", result.errors, config[key])
    return config


@pytest.mark.parametrize("instance_file", ["dagster.yaml", "k8s/dagster.yaml"])
def test_the_deploy_instance_files_pass_dagsters_config_validation(instance_file, monkeypatch):
    for name, value in PG_ENV.items():
        monkeypatch.setenv(name, value)
    config = validate_instance(DEPLOY / instance_file)
    for key in STORAGE_KEYS:  # Postgres, connection from the environment
        assert config[key]["module"].startswith("dagster_postgres"), key
        db = config[key]["config"]["postgres_db"]
        assert db["username"] == {"env": "DAGSTER_PG_USERNAME"} and db["password"] == {"env": "DAGSTER_PG_PASSWORD"}
    assert {"key": WRITER_KEY, "limit": 1} in config["run_queue"]["tag_concurrency_limits"]


def test_the_k8s_launcher_is_the_one_dagster_checks_and_without_its_instance_config_map_it_fails(tmp_path, monkeypatch):
    for name, value in PG_ENV.items():
        monkeypatch.setenv(name, value)
    config = validate_instance(DEPLOY / "k8s" / "dagster.yaml")
    launcher = config["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    assert launcher["config"]["instance_config_map"] == "nmg-dagster-instance"
    assert {"service_account_name", "job_image", "postgres_password_secret"} <= set(launcher["config"])

    broken = yaml.safe_load((DEPLOY / "k8s" / "dagster.yaml").read_text(encoding="utf-8"))
    del broken["run_launcher"]["config"]["instance_config_map"]
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    with pytest.raises(DagsterInvalidConfigError, match="instance_config_map"):
        validate_instance(tmp_path / "dagster.yaml")
    monkeypatch.delenv("NMG_JOB_IMAGE")  # an unset image variable is caught too, not left for the first run
    with pytest.raises(DagsterInvalidConfigError, match="NMG_JOB_IMAGE"):
        validate_instance(DEPLOY / "k8s" / "dagster.yaml")


# --- compose and systemd: the same layout --------------------------------------------------------------------------

def test_the_compose_file_runs_postgres_a_code_server_a_webserver_and_one_daemon_with_the_storage_env():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "migrate", "code_server", "webserver", "daemon"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:15")
    commands = {name: " ".join(s.get("command", [])) for name, s in services.items()}
    assert [n for n, c in commands.items() if c.startswith("dagster-daemon run")] == ["daemon"]
    assert "replicas" not in json.dumps(services["daemon"])  # one daemon per deployment
    assert "-m dagster_project.definitions" in commands["code_server"]
    assert "-w deploy/workspace.yaml" in commands["webserver"] and "-w deploy/workspace.yaml" in commands["daemon"]
    for name in ("migrate", "code_server", "webserver", "daemon"):
        env = services[name]["environment"]
        assert {"DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD",
                "DAGSTER_PG_DB", "DAGSTER_CODE_SERVER_HOST", "DAGSTER_CODE_SERVER_PORT"} <= set(env), name
        assert env["DAGSTER_PG_HOST"] == "postgres" and env["DAGSTER_CODE_SERVER_HOST"] == "code_server"
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    for name in ("webserver", "daemon"):  # tables made once, by `migrate`, before the two would race
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert 'cp deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml"' in dockerfile and "uv sync --frozen" in dockerfile
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text(encoding="utf-8"))
    assert workspace["load_from"][0]["grpc_server"]["port"] == {"env": "DAGSTER_CODE_SERVER_PORT"}


def test_docker_compose_accepts_the_file():
    if shutil.which("docker") is None or subprocess.run(["docker", "compose", "version"],
                                                        capture_output=True).returncode != 0:
        pytest.skip("docker compose is not installed here; the layout is checked at YAML level above")
    result = subprocess.run(["docker", "compose", "-f", str(DEPLOY / "docker-compose.yml"), "config", "-q"],
                            capture_output=True, text=True, env={**os.environ, "DAGSTER_PG_PASSWORD": "x"})
    assert result.returncode == 0, result.stderr


UNITS = ["nmg-dagster-postgres.service", "nmg-dagster-code-server.service", "nmg-dagster-webserver.service",
         "nmg-dagster-daemon.service"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def test_the_systemd_units_start_the_same_layout_as_a_non_root_account():
    target = unit("nmg-dagster.target")
    assert target["Unit"]["Wants"].split() == UNITS
    execs = {name: unit(name)["Service"]["ExecStart"] for name in UNITS}
    assert execs["nmg-dagster-postgres.service"].endswith("scripts/postgres.sh run")
    assert "dagster code-server start -m dagster_project.definitions" in execs["nmg-dagster-code-server.service"]
    assert execs["nmg-dagster-daemon.service"].endswith("dagster-daemon run -w /srv/nmg-fiscal/deploy/workspace.yaml")
    assert "dagster-webserver" in execs["nmg-dagster-webserver.service"]
    for name in UNITS:
        service = unit(name)
        assert service["Service"]["User"] not in ("", "root") and service["Install"]["WantedBy"] == "nmg-dagster.target"
        if name != "nmg-dagster-postgres.service":
            assert "nmg-dagster-postgres.service" in service["Unit"]["Requires"]
            assert "nmg-dagster-postgres.service" in service["Unit"]["After"]
    env_keys = {line.split("=")[0] for line in (DEPLOY / "systemd" / "dagster.env.example").read_text(
        encoding="utf-8").splitlines() if "=" in line and not line.startswith("#")}
    assert set(PG_ENV) - {"NMG_JOB_IMAGE"} <= env_keys


def test_systemd_analyze_verifies_the_units(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    env_file = tmp_path / "dagster.env"
    shutil.copy(DEPLOY / "systemd" / "dagster.env.example", env_file)
    for path in (DEPLOY / "systemd").glob("nmg-dagster*"):  # the paths of this checkout instead of /srv/nmg-fiscal
        text = path.read_text(encoding="utf-8").replace("/etc/nmg-fiscal/dagster.env", str(env_file))
        (tmp_path / path.name).write_text(text.replace("/srv/nmg-fiscal", str(REPO)), encoding="utf-8")
    units = sorted(str(p) for p in tmp_path.glob("nmg-dagster*"))
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr  # unknown keys only warn
    daemon = tmp_path / "nmg-dagster-daemon.service"
    daemon.write_text(daemon.read_text(encoding="utf-8").replace("Restart=", "Restrat="), encoding="utf-8")
    broken = subprocess.run(["systemd-analyze", "verify", str(daemon)], capture_output=True, text=True)
    assert "Restrat" in broken.stderr  # the check above would have seen a typo


# --- a real daemon: a schedule tick, and the queue's one writer ----------------------------------------------------

def stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def scratch_instance(home: Path) -> None:
    """deploy/dagster.yaml with SQLite storage instead of Postgres: the same run queue and writer limit."""
    config = yaml.safe_load((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"))
    for key in STORAGE_KEYS:
        del config[key]
    (home / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (home / "workspace.yaml").write_text(yaml.safe_dump({"load_from": [{"python_file": {
        "relative_path": str(REPO / "tests" / "services_location.py"), "working_directory": str(REPO),
        "location_name": "services_test"}}]}), encoding="utf-8")


def first_tick_runs(instance) -> dict:
    """The runs the schedule's first tick asked for, by name (writer-a, writer-b, reader)."""
    from dagster import RunsFilter

    records = instance.get_run_records(RunsFilter(tags={"dagster/schedule_name": "every_minute"}))
    by_tick: dict[str, dict] = {}
    for record in records:
        name, tick = record.dagster_run.tags["dagster/run_key"].rsplit("-", 1)
        by_tick.setdefault(tick, {})[name] = record
    return by_tick[min(by_tick)] if by_tick else {}


def launched_at(instance, run_id: str) -> float:
    """When the queue let the run go (its RUN_STARTING event), before its process even started."""
    from dagster import DagsterEventType

    (event,) = instance.all_logs(run_id, of_type=DagsterEventType.RUN_STARTING)
    return event.timestamp


def test_the_daemon_fires_a_schedule_tick_and_the_queue_runs_one_writer_at_a_time(tmp_path):
    """Why this proves the nightly schedule's mechanism without running the nightly job (minutes of work):
    the instance is deploy/dagster.yaml's (same run queue, same nmg/warehouse-writer limit; only the storage is
    SQLite), the writer runs carry the nightly job's tag (checked in the first test), and the daemon, the scheduler
    and the queue are the same code whatever the job does. The schedule fires every minute instead of at 02:00."""
    from dagster import DagsterInstance, DagsterRunStatus
    from dagster._core.run_coordinator import QueuedRunCoordinator

    home = tmp_path / "home"
    home.mkdir()
    scratch_instance(home)
    instance_ref = InstanceRef.from_dir(str(home))
    coordinator = instance_ref.run_coordinator
    assert isinstance(coordinator, QueuedRunCoordinator)
    assert coordinator.get_run_queue_config().tag_concurrency_limits == [{"key": WRITER_KEY, "limit": 1}]

    env = {**os.environ, "DAGSTER_HOME": str(home), "DAGSTER_DISABLE_TELEMETRY": "1"}
    log_path = tmp_path / "daemon.log"
    with log_path.open("w") as log, DagsterInstance.from_ref(instance_ref) as instance:
        daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", str(home / "workspace.yaml")],
                                  cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300  # the next minute (<= 60 s), then three run processes on a busy machine
        try:
            while time.monotonic() < deadline:
                runs = first_tick_runs(instance)
                if len(runs) == 3 and all(r.dagster_run.is_finished for r in runs.values()):
                    break
                assert daemon.poll() is None, log_path.read_text()[-3000:]
                time.sleep(2)
        finally:
            stop_group(daemon)
        assert len(runs) == 3, f"the schedule's tick did not launch its runs in time: {sorted(runs)}\n" + \
            log_path.read_text()[-3000:]
        assert {n: r.dagster_run.status for n, r in runs.items()} == dict.fromkeys(runs, DagsterRunStatus.SUCCESS)
        launched = {name: launched_at(instance, r.dagster_run.run_id) for name, r in runs.items()}
    first, second = sorted(("writer-a", "writer-b"), key=launched.get)
    assert launched[second] >= runs[first].end_time, (launched, runs[first].end_time)  # held until it ended
    assert runs[second].start_time >= runs[first].end_time
    assert launched["reader"] < launched[second]  # asked for last, it overtook the held writer


# --- make serve ----------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie (a container's init may not reap the services it inherits)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", json.dumps({"query": query}).encode(),
                                     {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request, timeout=30))["data"]


def serve(command: str, env: dict, timeout: float = 660) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPO / "scripts" / "serve.sh"), command], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def check_serving(url: str, home: Path, env: dict) -> dict[str, int]:
    """The UI answers on Postgres storage with the code location loaded and the nightly schedule running; a second
    start leaves the one daemon alone; the daemon heartbeats. Returns the services' pids."""
    assert json.load(urllib.request.urlopen(f"{url}/server_info", timeout=10))["dagster_version"]
    data = graphql(url, """{ instance { info } workspaceOrError { ... on Workspace { locationEntries { name
        locationOrLoadError { __typename ... on RepositoryLocation { repositories { schedules {
          cronSchedule executionTimezone scheduleState { status } } } } } } } } }""")
    assert "PostgresRunStorage" in data["instance"]["info"]
    assert "PostgresEventLogStorage" in data["instance"]["info"]
    (location,) = data["workspaceOrError"]["locationEntries"]
    assert (location["name"], location["locationOrLoadError"]["__typename"]) == ("nmg_fiscal", "RepositoryLocation")
    schedules = location["locationOrLoadError"]["repositories"][0]["schedules"]
    assert [(s["executionTimezone"], s["scheduleState"]["status"]) for s in schedules
            if s["cronSchedule"] == "0 2 * * *"] == [("Asia/Shanghai", "RUNNING")]
    pids = {name: int((home / "run" / f"{name}.pid").read_text()) for name in ("code-server", "webserver", "daemon")}

    again = serve("start", env)  # a second `make serve` starts no second daemon
    assert again.returncode == 0 and "daemon 已在运行" in again.stdout, again.stdout + again.stderr
    assert int((home / "run" / "daemon.pid").read_text()) == pids["daemon"]
    assert serve("status", env).returncode == 0
    deadline, healthy = time.monotonic() + 90, set()  # the daemon writes its heartbeats into Postgres
    while time.monotonic() < deadline and not {"SCHEDULER", "QUEUED_RUN_COORDINATOR"} <= healthy:
        time.sleep(2)
        health = graphql(url, "{ instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }")
        healthy = {d["daemonType"] for d in health["instance"]["daemonHealth"]["allDaemonStatuses"] if d["healthy"]}
    assert {"SCHEDULER", "QUEUED_RUN_COORDINATOR"} <= healthy, healthy
    return pids


def test_serve_starts_postgres_the_code_server_the_webserver_and_one_daemon_and_stop_ends_them():
    pg_bin = next((d for d in (os.environ.get("PG_BIN"), "/usr/lib/postgresql/15/bin") if d and
                   Path(d, "pg_ctl").exists()), None) or shutil.which("pg_ctl")
    if not pg_bin:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql-15)")
    home = Path(tempfile.mkdtemp(prefix="nmg-serve-"))  # not under pytest's 0700 folder: the server account
    home.chmod(0o755)                                     # (postgres, when we are root) must reach pgdata/
    web_port = free_port()
    env = {**os.environ, "NMG_SERVE_HOME": str(home), "DAGSTER_PG_PORT": str(free_port()),
           "NMG_WEBSERVER_PORT": str(web_port), "DAGSTER_CODE_SERVER_PORT": str(free_port()),
           # should a 02:00 tick fall inside the test, its run writes here, not into the checkout's data/
           "NMG_DATA_DIR": str(home / "data"), "NMG_DASHBOARDS_DIR": str(home / "dashboards"),
           "NMG_SERVE_WAIT": "300"}  # per step, an upper bound for a suite running beside other tests
    env.pop("DAGSTER_HOME", None)
    url = f"http://127.0.0.1:{web_port}"
    try:
        started = serve("start", env)
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"Dagster 界面：{url}" in started.stdout
        pids = check_serving(url, home, env)
    finally:
        stopped = serve("stop", env, timeout=300)
        status = serve("status", env)
        shutil.rmtree(home, ignore_errors=True)
    assert stopped.returncode == 0 and "PostgreSQL 已停止" in stopped.stdout, stopped.stdout + stopped.stderr
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert status.returncode == 3, status.stdout
