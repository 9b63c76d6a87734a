"""One writer per data folder, private build files, and a run log that tells the truth.

Every run that writes the build database (the nightly job from the CLI, `dagster job execute`, a run launched by
the daemon, an asset materialised in the UI) sets up the build-database resource first; that set-up calls
`begin`, which takes an exclusive flock on `<data>/.run.lock` for the whole run, and the resource's tear-down
calls `end`, failed run or not. A process that dies loses its flock to the OS, so a killed run never leaves the
folder locked. While holding the lock a run also: restricts the build folders (0700/0600, umask 077), cleans
what an interrupted publication left, finishes a publication that was cut off after the warehouse rename, marks
runs that vanished without a word as `interrupted`, and records itself as `started`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import stat
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from . import publish, stages
from .settings import Settings

TZ = ZoneInfo("Asia/Shanghai")
SAME_RUN_WAIT = 3600.0  # steps of one run in separate processes (multiprocess executor) take turns


class RunRefused(RuntimeError):
    """Another run holds the data folder."""


@dataclass
class Held:
    fd: int
    umask: int


def now_text() -> str:
    return datetime.now(TZ).isoformat(timespec="seconds")


def acquire(settings: Settings, run_id: str, job: str) -> int:
    """The flock on the data folder's lock file, with this run written into the file; or RunRefused naming the
    holder once settings.lock_wait_seconds have passed."""
    path = settings.lock_file
    publish.public_dir(settings.data_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    started = time.monotonic()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = _holder(fd)
            patience = SAME_RUN_WAIT if holder.get("run_id") == run_id else settings.lock_wait_seconds
            if time.monotonic() - started >= patience:
                os.close(fd)
                raise RunRefused(refusal(settings, holder)) from None
            time.sleep(min(1.0, patience))
    info = {"run_id": run_id, "job": job, "pid": os.getpid(), "host": socket.gethostname(), "started": now_text()}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info, ensure_ascii=False).encode(), 0)
    os.fchmod(fd, 0o644)
    return fd


def release(fd: int) -> None:
    os.ftruncate(fd, 0)  # nobody holds it: a waiting run must not read this run as the holder
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def _holder(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (ValueError, OSError):
        return {}


def refusal(settings: Settings, holder: dict) -> str:
    get = {k: holder.get(k, "未知") for k in ("run_id", "job", "pid", "host", "started")}
    who = (f"运行编号 {get['run_id']}（作业 {get['job']}），进程号 {get['pid']}，主机 {get['host']}，"
           f"开始于 {get['started']}")
    return (f"数据文件夹 {settings.data_dir} 正被另一个运行写入：{who}。同一数据文件夹同一时间只允许一个运行，"
            "本次运行未做任何改动即退出。请等该运行结束后再运行（或设置 NMG_LOCK_WAIT=秒数，让新运行排队等待）；"
            f"锁文件 {settings.lock_file} 由操作系统持有，进程结束（包括被强行终止）时自动释放，不要手工删除。")


def begin(settings: Settings, run_id: str, job: str, params: dict, code_version: str,
          connect) -> Held:
    """Everything a run does before its first step; `connect()` opens the build database for writing."""
    fd = acquire(settings, run_id, job)
    umask = os.umask(0o077)  # every file the run creates is the run account's alone unless made public explicitly
    held = Held(fd, umask)
    try:
        restrict(settings)
        settings.pseudonym_salt  # noqa: B018 - made on first use, or refused (public or readable) before any work
        with connect() as conn:
            recover(settings, conn, run_id)
            stages.record_run(conn, run_id, stages.STARTED, started_at=time.time(), params=params,
                              code_version=code_version)
        log_event(settings, run_id, stages.STARTED, job=job, pid=os.getpid())
    except BaseException as exc:
        _record_failed_start(settings, run_id, exc, connect)
        release(held.fd)
        os.umask(umask)
        raise
    return held


def _record_failed_start(settings: Settings, run_id: str, exc: BaseException, connect) -> None:
    status = f"failed at run start: {type(exc).__name__}: {exc}"[:2000]
    for write in (lambda: _record_in_build(run_id, status, connect), lambda: log_event(settings, run_id, status)):
        with contextlib.suppress(Exception):  # a read-only or full disk: the run's own error says so
            write()


def _record_in_build(run_id: str, status: str, connect) -> None:
    with connect() as conn:
        stages.record_run(conn, run_id, status)


def end(settings: Settings, held: Held, run_id: str, connect) -> None:
    """A run that neither failed nor published (a subset of assets, the city combination) says so; then the
    lock is released and the umask restored, whatever happened."""
    try:
        with connect() as conn:
            if stages.record_run(conn, run_id, stages.UNPUBLISHED):
                log_event(settings, run_id, stages.UNPUBLISHED)
    except Exception:  # noqa: BLE001 - the run's own error (disk, permissions) is already reported
        pass
    finally:
        release(held.fd)
        os.umask(held.umask)


def restrict(settings: Settings) -> None:
    """The build folder (staging Parquet with clear names and ID numbers, scratch copies, the build database,
    DuckDB's spill files) and the synthetic registries: folders 0700, files 0600, also those of earlier runs."""
    build = settings.build_db.parent
    build.mkdir(parents=True, exist_ok=True)
    for top in (build, settings.synthetic_dir):
        if not top.exists():
            continue
        os.chmod(top, 0o700)
        for folder, dirs, files in os.walk(top):
            for name in dirs:
                _chmod(Path(folder) / name, 0o700)
            for name in files:
                _chmod(Path(folder) / name, 0o600)


def _chmod(path: Path, mode: int) -> None:
    try:
        if not stat.S_ISLNK(path.lstat().st_mode):
            os.chmod(path, mode)
    except FileNotFoundError:  # a partition run's spill file, gone meanwhile
        pass


def recover(settings: Settings, conn: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Put the folder and the run log right after whatever stopped earlier runs: leftovers of a publication,
    a publication cut off after the rename (pages and snapshot still to do), runs that died without a word."""
    publish.clean_leftovers(settings)
    published = publish.published_run(settings.published_db)
    if published is not None:
        published_id, finished = published
        publish.finish(settings, published_id)  # no-op unless a kill came between the rename and the pages
        if stages.record_run(conn, published_id, stages.PUBLISHED, finished_at=finished):
            log_event(settings, published_id, stages.PUBLISHED, note="recorded by the next run")
    stages.ensure_runs_table(conn)
    vanished = [r for (r,) in conn.execute("SELECT run_id FROM audit.runs WHERE status = ? AND run_id <> ?",
                                           [stages.STARTED, run_id]).fetchall()]
    for old in vanished:
        stages.record_run(conn, old, stages.INTERRUPTED)
        log_event(settings, old, stages.INTERRUPTED, note=f"found by run {run_id}")


def log_event(settings: Settings, run_id: str, status: str, **detail) -> None:
    """Append one line to the JSON run log beside the warehouse (readable without opening DuckDB)."""
    path = settings.run_log
    publish.public_dir(path.parent)
    line = json.dumps({"run_id": run_id, "status": status, "at": now_text(), **detail}, ensure_ascii=False)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.fchmod(fd, 0o644)
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
