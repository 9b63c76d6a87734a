"""One writer at a time, one published state: the data folder's lock, pages and warehouse published together, no
foreign WAL replayed onto the published file, a run log that tells the truth, leftovers and full disks, the
pseudonym secret and the permissions of the build folder.

One real nightly run (the command line, as `make run` starts it, with no configuration at all) is shared by the
module: a second command started 1.5 s after it must be refused. The other tests publish the same build again
under new run ids (publish.publish, as the published_warehouse asset calls it) with faults injected."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project import publish, stages, validate, writer
from dagster_project.definitions import duckdb_resource
from dagster_project.settings import REPO_ROOT, SaltError, Settings, get_settings
from dagster_project.warehouse import BuildDatabaseUnavailable
from tests.conftest import run_nightly

COUNT = "SELECT count(*), sum(amount_yuan) FROM ledger.liabilities"


def start_cli(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dagster_project", "run"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


@pytest.fixture(scope="module")
def night(tmp_path_factory, fit_cache):
    """Run A from the command line on a fresh data folder with no NMG_PSEUDONYM_SALT; run B started 1.5 s after A
    began its first step. Yields (environment, A's run id, B's output, B's seconds until it exited)."""
    base = tmp_path_factory.mktemp("one-writer")
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "NMG_PSEUDONYM_SALT")}
    env |= {"NMG_DATA_DIR": str(base / "data"), "NMG_DASHBOARDS_DIR": str(base / "dashboards"),
            "NMG_ENTERPRISES": "2000", "NMG_AS_OF": "2026-11-27", "NMG_CACHE_DIR": str(fit_cache),
            "NMG_FORECAST_WORKERS": "1"}
    first = start_cli(env)
    head = [first.stdout.readline()]
    while not head[-1].startswith("nightly run "):
        head.append(first.stdout.readline())
        assert head[-1], "".join(head)
    run_a = head[-1].split()[2].rstrip(":")
    while " - landing_files - " not in head[-1] and " - reference_data - " not in head[-1]:
        head.append(first.stdout.readline())
        assert head[-1], "".join(head)
    time.sleep(1.5)
    began = time.monotonic()
    second = start_cli(env)
    out_b = second.communicate(timeout=300)[0]
    took_b = time.monotonic() - began
    rest = first.communicate(timeout=1800)[0]
    assert first.returncode == 0, "".join(head) + rest
    assert second.returncode == 1, out_b
    with pytest.MonkeyPatch.context() as mp:
        for key in ("NMG_DATA_DIR", "NMG_DASHBOARDS_DIR", "NMG_ENTERPRISES", "NMG_AS_OF", "NMG_CACHE_DIR",
                    "NMG_FORECAST_WORKERS"):
            mp.setenv(key, env[key])
        mp.delenv("NMG_PSEUDONYM_SALT", raising=False)
        yield env, run_a, out_b, took_b


def published_id(settings: Settings) -> str:
    return publish.published_run(settings.published_db)[0]


def page_run(settings: Settings) -> str:
    """The run id the live pages show (the run stamp of index.html, read through dashboards/index.html)."""
    text = (settings.dashboards_dir / "index.html").read_text(encoding="utf-8")
    return text.split("<span id='run-id'>")[1].split("</span>")[0]


def stage_run(settings: Settings, run_id: str) -> None:
    """What the nightly run does before publication for a new run id: its `started` row and its built pages."""
    with duckdb.connect(str(settings.build_db)) as conn:
        stages.record_run(conn, run_id, stages.STARTED, started_at=time.time())
    live = settings.dashboards_dir / publish.SITE / publish.site_run(settings)
    site = settings.dashboards_dir / publish.SITE / run_id
    shutil.copytree(live, site)
    index = site / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace(publish.site_run(settings), run_id), encoding="utf-8")


def republish(settings: Settings, run_id: str) -> publish.Published:
    stage_run(settings, run_id)
    with duckdb.connect(str(settings.build_db)) as conn:
        return publish.publish(conn, settings, run_id)


def log_lines(settings: Settings) -> list[dict]:
    return [json.loads(line) for line in settings.run_log.read_text(encoding="utf-8").splitlines()]


# --- 6: one writer -------------------------------------------------------------------------------------------------

def test_a_second_command_line_run_is_refused_naming_the_first(night):
    _, run_a, out_b, took_b = night
    assert "正被另一个运行写入" in out_b and run_a in out_b and "进程号" in out_b, out_b
    assert took_b < 120  # refused at its start, not after running beside the first
    settings = get_settings()
    assert published_id(settings) == run_a == page_run(settings)
    with duckdb.connect(str(settings.published_db), read_only=True) as conn:
        assert {r for (r,) in conn.execute("SELECT DISTINCT run_id FROM ledger.liabilities").fetchall()} == {run_a}
        assert conn.execute("SELECT run_id FROM catalogue.version").fetchone()[0] == run_a



# --- 12: permissions (first: the tests below publish again from this process) ---------------------------------------

def test_build_files_are_private_and_the_published_ones_readable_not_writable(night):
    settings = get_settings()
    build = settings.build_db.parent
    assert stat.S_IMODE(build.stat().st_mode) == 0o700
    loose = [str(p) for p in build.rglob("*") if not p.is_symlink()
             and stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert loose == []  # staging Parquet (clear names, ID numbers), scratch copies, the build database
    assert stat.S_IMODE(settings.published_db.stat().st_mode) == 0o444
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o444 for p in settings.snapshots_dir.glob("*.duckdb"))
    assert stat.S_IMODE(settings.published_db.parent.stat().st_mode) == 0o755
    assert stat.S_IMODE(settings.run_log.stat().st_mode) == 0o644
    assert stat.S_IMODE((settings.dashboards_dir / "index.html").resolve().stat().st_mode) == 0o644


HOLDER = textwrap.dedent("""
    import sys, time
    from dagster_project import writer
    from dagster_project.settings import get_settings
    writer.acquire(get_settings(), "holder-run", "nightly")
    print("held", flush=True)
    time.sleep(600)
""")


def test_every_launch_path_takes_the_lock_and_a_dead_holder_frees_it(night):
    """The lock is taken inside the run, by the build-database resource: an in-process run and `dagster job
    execute` (the daemon's runs execute the same way) are refused while another process holds the folder, and
    touch nothing; when the holder dies, the OS frees the folder."""
    settings = get_settings()
    build_before = settings.build_db.stat().st_mtime_ns
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        began = time.monotonic()
        result = run_nightly()
        assert not result.success and time.monotonic() - began < 60
        from dagster_project.cli import _errors

        message = " ".join(_errors(result))
        assert "holder-run" in message and str(holder.pid) in message, message
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # an ephemeral instance
        cli = subprocess.run([str(Path(sys.executable).parent / "dagster"), "job", "execute", "-m",
                              "dagster_project.definitions", "-j", "nightly"], cwd=REPO_ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
        assert cli.returncode != 0 and "正被另一个运行写入" in cli.stdout + cli.stderr, cli.stderr[-2000:]
        assert settings.build_db.stat().st_mtime_ns == build_before  # the refused runs wrote nothing
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    fd = writer.acquire(settings, "after-holder-died", "test")  # the OS dropped the dead holder's lock
    writer.release(fd)


# --- 7: pages and warehouse as one --------------------------------------------------------------------------------

class FailingOs:
    """`os` as publish.py sees it, with os.replace failing for one kind of destination (a full disk, a kill)."""

    def __init__(self, fails_for: str):
        self.fails_for = fails_for

    def __getattr__(self, name):
        return getattr(os, name)

    def replace(self, src, dst):
        if str(dst).endswith(self.fails_for):
            raise OSError(28, "No space left on device (injected)")
        return os.replace(src, dst)


def test_a_publication_failing_after_the_pages_are_built_leaves_pages_and_warehouse_of_the_earlier_run(
        night, monkeypatch):
    settings = get_settings()
    before = published_id(settings)
    assert page_run(settings) == before
    monkeypatch.setattr(publish, "os", FailingOs("warehouse.duckdb"))  # the warehouse rename fails
    result = run_nightly()
    assert not result.success
    assert published_id(settings) == before and page_run(settings) == before  # both still name the earlier run
    assert not list(settings.published_db.parent.glob(".*.tmp*"))  # the copy and its WAL are gone
    assert not (settings.snapshots_dir / f"warehouse-{result.run_id}.duckdb").exists()
    with duckdb.connect(str(settings.build_db), read_only=True) as conn:
        status = conn.execute("SELECT status FROM audit.runs WHERE run_id = ?", [result.run_id]).fetchone()[0]
    assert status.startswith("failed at published_warehouse")
    assert [e["status"][:29] for e in log_lines(settings) if e["run_id"] == result.run_id] == [
        "started", "failed at published_warehouse"]


def test_a_kill_between_the_warehouse_rename_and_the_pages_is_finished_by_the_next_run(night, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(publish, "os", FailingOs(publish.CURRENT))  # dies right after the warehouse rename
    with pytest.raises(OSError):
        republish(settings, "cut-after-rename")
    monkeypatch.undo()
    assert published_id(settings) == "cut-after-rename" != page_run(settings)
    held = writer.begin(settings, "next-run", "nightly", {}, "test", duckdb_resource(settings).get_connection)
    writer.end(settings, held, "next-run", duckdb_resource(settings).get_connection)
    assert page_run(settings) == "cut-after-rename" == published_id(settings)
    assert (settings.snapshots_dir / "warehouse-cut-after-rename.duckdb").exists()
    with duckdb.connect(str(settings.build_db), read_only=True) as conn:
        assert conn.execute("SELECT status FROM audit.runs WHERE run_id = 'cut-after-rename'").fetchone()[0] == \
            "published"


# --- 8: no stale WAL replayed, a read-only file -----------------------------------------------------------------

AUDITOR = textwrap.dedent("""
    import os, sys, duckdb
    conn = duckdb.connect(sys.argv[1])  # a default (read-write) connection, as a careless auditor opens it
    conn.execute("DELETE FROM ledger.liabilities WHERE payment_year % 2 = 0")
    os._exit(0)  # the session dies: its write-ahead log stays beside the file
""")


def test_a_write_ahead_log_left_by_an_auditor_is_not_replayed_onto_the_next_warehouse(night):
    settings = get_settings()
    target = settings.published_db
    assert stat.S_IMODE(target.stat().st_mode) == 0o444  # published read-only: other accounts cannot open it rw
    os.chmod(target, 0o644)  # as its owner (or root, whom 0444 does not stop) could
    subprocess.run([sys.executable, "-c", AUDITOR, str(target)], check=True)
    os.chmod(target, 0o444)
    assert target.with_name(target.name + ".wal").exists()
    with duckdb.connect(str(settings.build_db), read_only=True) as conn:
        expected = conn.execute(COUNT).fetchone()
    republish(settings, "after-foreign-wal")
    assert not target.with_name(target.name + ".wal").exists()
    with duckdb.connect(str(target), read_only=True) as conn:
        assert conn.execute(COUNT).fetchone() == expected
    assert published_id(settings) == "after-foreign-wal"


# --- 9: the run log -------------------------------------------------------------------------------------------------

def test_the_run_log_says_started_then_published_and_the_published_file_agrees(night):
    _, run_a, _, _ = night
    settings = get_settings()
    with duckdb.connect(str(settings.snapshots_dir / f"warehouse-{run_a}.duckdb"), read_only=True) as conn:
        rows = conn.execute("SELECT run_id, status, started_at < finished_at FROM audit.runs").fetchall()
    assert (run_a, "published", True) in rows and all(s != "started" for _, s, _ in rows)
    assert [e["status"] for e in log_lines(settings) if e["run_id"] == run_a] == ["started", "published"]
    with duckdb.connect(str(settings.build_db), read_only=True) as conn:
        assert conn.execute("SELECT status FROM audit.runs WHERE run_id = ?", [run_a]).fetchone()[0] == "published"


def test_a_run_that_vanished_is_recorded_as_interrupted_and_a_cut_publication_leaves_no_snapshot(night, monkeypatch):
    settings = get_settings()
    with duckdb.connect(str(settings.build_db)) as conn:  # a run killed outright: its `started` row and nothing else
        stages.record_run(conn, "killed-run", stages.STARTED, started_at=time.time())
    monkeypatch.setattr(publish, "os", FailingOs("warehouse.duckdb"))
    with pytest.raises(OSError):
        republish(settings, "cut-before-rename")
    monkeypatch.undo()
    assert not (settings.snapshots_dir / "warehouse-cut-before-rename.duckdb").exists()  # linked only after rename
    republish(settings, "next-good-run")
    with duckdb.connect(str(settings.published_db), read_only=True) as conn:
        status = dict(conn.execute("SELECT run_id, status FROM audit.runs").fetchall())
    assert status["next-good-run"] == "published"
    held = writer.begin(settings, "later-run", "nightly", {}, "test", duckdb_resource(settings).get_connection)
    writer.end(settings, held, "later-run", duckdb_resource(settings).get_connection)
    with duckdb.connect(str(settings.build_db), read_only=True) as conn:
        status = dict(conn.execute("SELECT run_id, status FROM audit.runs").fetchall())
    assert status["killed-run"] == "interrupted" and status["cut-before-rename"] == "interrupted"
    assert status["later-run"] == "unpublished"  # held the folder, published nothing, said so


# --- 10: leftovers, full disk, fail fast ---------------------------------------------------------------------------

def test_leftovers_of_an_interrupted_publication_are_cleaned_when_a_run_starts(night):
    settings = get_settings()
    folder = settings.published_db.parent
    junk = [folder / ".warehouse.duckdb.dead.tmp", folder / ".warehouse.duckdb.dead.tmp.wal"]
    for path in junk:
        path.write_bytes(b"x" * 1000)
    half_site = settings.dashboards_dir / publish.SITE / "dead.tmp"
    half_site.mkdir()
    held = writer.begin(settings, "cleaning-run", "nightly", {}, "test", duckdb_resource(settings).get_connection)
    writer.end(settings, held, "cleaning-run", duckdb_resource(settings).get_connection)
    assert not any(p.exists() for p in junk) and not half_site.exists()


def test_too_little_free_space_stops_publication_before_anything_changes_and_says_what_to_delete(night, monkeypatch):
    settings = get_settings()
    before = settings.published_db.read_bytes()
    monkeypatch.setattr(publish.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10**12, 10**12 - 1000, 1000))
    with pytest.raises(publish.PublicationError, match="可删除") as refused:
        republish(settings, "no-space")
    assert str(settings.snapshots_dir) in str(refused.value)
    assert settings.published_db.read_bytes() == before and not list(settings.published_db.parent.glob(".*.tmp*"))


@pytest.mark.parametrize(("error", "attempts"), [
    ("IO Error: Cannot open file \"x\": Permission denied", 1),
    ("IO Error: Cannot open file \"x\": Read-only file system", 1),
    ("IO Error: Could not set lock on file \"x\": Conflicting lock is held", 9),
])
def test_permission_and_disk_errors_fail_at_once_only_lock_contention_is_retried(tmp_path, monkeypatch, error,
                                                                                 attempts):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise duckdb.IOException(error)

    monkeypatch.setattr(duckdb, "connect", refuse)
    monkeypatch.setattr(time, "sleep", lambda _: None)
    monkeypatch.setenv("NMG_DATA_DIR", str(tmp_path))
    with pytest.raises(BuildDatabaseUnavailable), duckdb_resource(get_settings()).get_connection():
        pass
    assert len(calls) == attempts


# --- 11: the pseudonym secret -------------------------------------------------------------------------------------

def test_a_fresh_installation_makes_its_own_secret_and_the_public_development_salt_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NMG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NMG_PSEUDONYM_SALT", raising=False)
    salt = get_settings().pseudonym_salt
    secret = get_settings().salt_file
    assert len(salt) == 64 and salt != "nmg-fiscal-dev" and get_settings().pseudonym_salt == salt  # kept
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and stat.S_IMODE(secret.parent.stat().st_mode) == 0o700
    monkeypatch.setenv("NMG_DATA_DIR", str(tmp_path / "other"))
    assert get_settings().pseudonym_salt != salt  # per installation
    for public in ("nmg-fiscal-dev", "short"):
        monkeypatch.setenv("NMG_PSEUDONYM_SALT", public)
        with pytest.raises(SaltError, match="假名化密钥"):
            get_settings().pseudonym_salt  # noqa: B018
    monkeypatch.delenv("NMG_PSEUDONYM_SALT")
    os.chmod(get_settings().salt_file, 0o644)
    with pytest.raises(SaltError, match="chmod 600"):
        get_settings().pseudonym_salt  # noqa: B018


def test_the_nightly_run_made_and_used_the_installation_secret(night):
    settings = get_settings()
    assert stat.S_IMODE(settings.salt_file.stat().st_mode) == 0o600
    with duckdb.connect() as conn:
        conn.execute(f"ATTACH '{settings.build_db}' AS build (READ_ONLY)")
        conn.execute(f"ATTACH '{settings.published_db}' AS pub (READ_ONLY)")
        talent_id, id_number, key = conn.execute(
            "SELECT s.talent_id, s.id_number, p.person_key FROM build.staging.talents AS s "
            "JOIN pub.registry.talents AS p USING (talent_id) WHERE length(trim(s.id_number)) = 18 "
            "AND COALESCE(s.id_type, '') IN ('', 'resident_id', '身份证', '居民身份证') "
            "ORDER BY talent_id LIMIT 1").fetchone()
    assert key == validate.pseudonym("resident_id", id_number.strip().upper(), settings.pseudonym_salt), talent_id
