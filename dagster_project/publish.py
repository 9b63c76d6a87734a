"""Publication of the auditors' warehouse and the leaders' pages, as one.

Everything that can fail happens before the rename, so a failure or a kill leaves the previous warehouse and the
previous pages, both of the same earlier run:

1. leftovers of an interrupted publication are removed (`.tmp`, `.tmp.wal`); free space is checked against the
   size of the last warehouse; this run's pages must already be built (`dashboards/.site/<run_id>`);
2. the published schemas are copied into `.warehouse.duckdb.<run_id>.tmp`, the run is marked `published` in that
   copy's `audit.runs`, the copy is checkpointed, detached, made read-only (0444) and fsynced;
3. the copy is opened read-only and compared with the build (run id, ledger lines and total, forecast lines,
   input files, quarantined rows);
4. a `warehouse.duckdb.wal` beside the target (left by a read-write session on the published file) is removed,
   so it cannot be replayed onto the new file; the copy is renamed over `warehouse.duckdb` (atomic on POSIX) and
   the folder fsynced; the published file is verified again, and put back to the previous one if it differs;
5. `finish`: the pages are switched to this run's site (one symlink renamed over `.site/current`), the snapshot is
   hard-linked, old snapshots and sites are pruned. A kill between 4 and 5 is finished by the next run
   (writer.recover), which reads the published file to know which run it holds.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .formulas import sql_literal
from .settings import Settings
from .warehouse import PUBLISHED_SCHEMAS, sql_text

SITE = ".site"  # dashboards/.site/<run_id>/ holds each run's pages; dashboards/.site/current names the published one
CURRENT = "current"
SPACE_MARGIN = 1.2
MB = 1024 * 1024
FINGERPRINT = """SELECT (SELECT count(*) FROM ledger.liabilities), (SELECT COALESCE(sum(amount_yuan), 0)
                 FROM ledger.liabilities), (SELECT count(*) FROM forecast.liabilities),
                 (SELECT count(*) FROM audit.input_files), (SELECT count(*) FROM audit.quarantine)"""
LAST_PUBLISHED = """SELECT run_id, finished_at FROM audit.runs WHERE status IN ('published', 'succeeded')
                    ORDER BY finished_at DESC LIMIT 1"""


class PublicationError(RuntimeError):
    """Publication stopped before the rename (or was put back): the previous warehouse and pages stay."""


@dataclass(frozen=True)
class Published:
    path: Path
    finished_at: datetime


def publish(conn: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, log=print) -> Published:
    target = settings.published_db
    public_dir(target.parent)
    clean_leftovers(settings)
    if not (settings.dashboards_dir / SITE / run_id).is_dir():
        raise PublicationError(f"本次运行（{run_id}）的看板页面尚未生成，仓库不单独发布：先物化 dashboard_site，"
                               "或运行整个 nightly 作业。")
    need = int(target.stat().st_size * SPACE_MARGIN) if target.exists() else 0
    _ensure_space(target.parent, need, f"发布新仓库约需 {need // MB + 1} MB（上次发布的仓库大小的 1.2 倍）。"
                  f"可删除 {settings.snapshots_dir} 中较早的快照（或调小 NMG_KEEP_SNAPSHOTS），以及没有运行时 "
                  f"{settings.build_db.parent / 'tmp'} 中 DuckDB 的溢出文件，腾出空间后重新运行")
    tmp = target.with_name(f".{target.name}.{run_id}.tmp")
    finished = datetime.now(UTC)
    expected = (run_id, *conn.execute(FINGERPRINT).fetchone())
    rollback = None
    try:
        _write_copy(conn, tmp, run_id, finished)
        os.chmod(tmp, 0o444)
        _fsync(tmp)
        _verify(tmp, expected)
        rollback = _keep_previous(target)
        _drop_foreign_wal(target, log)
        os.replace(tmp, target)  # atomic on POSIX: readers see the old file or the new one, never a mix
        _fsync(target.parent)
    except BaseException:
        _remove(tmp, _wal(tmp), *([rollback] if rollback else []))
        raise
    _check_published(target, expected, rollback, log)
    finish(settings, run_id)
    return Published(target, finished)


def _write_copy(conn: duckdb.DuckDBPyConnection, tmp: Path, run_id: str, finished: datetime) -> None:
    """The published schemas copied into a new file, with this run marked published in its audit.runs: the file
    becomes visible only by the rename, so whoever sees it sees a published run."""
    conn.execute(f"ATTACH {sql_literal(str(tmp))} AS pub")
    try:
        tables = conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name IN "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) ORDER BY ALL").fetchall()
        for schema in PUBLISHED_SCHEMAS:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS pub.{schema}")
        for schema, table in tables:
            conn.execute(f"CREATE TABLE pub.{schema}.{table} AS SELECT * FROM {schema}.{table}")
        marked = conn.execute("UPDATE pub.audit.runs SET status = 'published', finished_at = ? WHERE run_id = ?",
                              [finished, run_id]).fetchone()[0]
        if marked != 1:
            raise PublicationError(f"audit.runs 中没有本次运行（{run_id}）的记录，不能发布。")
        conn.execute(sql_text("table_comments"))
        conn.execute(sql_text("column_comments"))
        conn.execute("CHECKPOINT pub")
    finally:
        conn.execute("DETACH pub")


def _verify(path: Path, expected: tuple) -> None:
    found = _fingerprint(path)
    if found != expected:
        raise PublicationError(f"发布文件 {path} 与构建库不一致（运行编号、台账行数与合计、预测行数、"
                               f"输入文件数、隔离行数）：应为 {expected}，实为 {found}。")


def _fingerprint(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as pub:
        run = pub.execute(LAST_PUBLISHED).fetchone()
        return (run[0] if run else None, *pub.execute(FINGERPRINT).fetchone())


def _check_published(target: Path, expected: tuple, rollback: Path | None, log) -> None:
    """The file readers now open must be the one written: a WAL left beside it would be replayed onto it."""
    try:
        _verify(target, expected)
    except PublicationError:
        _drop_foreign_wal(target, log)
        try:
            _verify(target, expected)
        except PublicationError:
            if rollback is not None:
                os.replace(rollback, target)
            raise
    if rollback is not None:
        rollback.unlink(missing_ok=True)


def _keep_previous(target: Path) -> Path | None:
    """A second name for the file being replaced, to put it back if the published file fails verification."""
    if not target.exists():
        return None
    keep = target.with_name(f".{target.name}.previous.tmp")
    keep.unlink(missing_ok=True)
    os.link(target, keep)
    return keep


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _drop_foreign_wal(target: Path, log) -> None:
    """The pipeline only ever opens the published file read-only; a WAL beside it is an auditor's read-write
    session's, and DuckDB would replay it onto whatever file bears the name next."""
    wal = _wal(target)
    if wal.exists():
        wal.unlink()
        log(f"removed {wal}: a write-ahead log left by a read-write connection to the published warehouse "
            "(open it with read_only=True)")


def clean_leftovers(settings: Settings) -> None:
    """What a publication killed or failed half-way left: hidden copies, their WALs, a foreign WAL, site folders
    being built, a pointer being switched."""
    target = settings.published_db
    if target.parent.exists():
        _remove(*target.parent.glob(f".{target.name}.*.tmp"), *target.parent.glob(f".{target.name}.*.tmp.wal"),
                _wal(target))
    root = settings.dashboards_dir / SITE
    if root.exists():
        for leftover in root.glob("*.tmp"):
            shutil.rmtree(leftover, ignore_errors=True)
        _remove(*root.glob(f".{CURRENT}.*.tmp"))


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def published_run(path: Path) -> tuple[str, datetime] | None:
    """(run id, finished_at) of the run the published file holds, or None if there is none (or it is unreadable:
    a damaged file must not stop the run that replaces it)."""
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as pub:
            return pub.execute(LAST_PUBLISHED).fetchone()
    except duckdb.Error:
        return None


def finish(settings: Settings, run_id: str) -> None:
    """After the rename (or, if a kill came first, at the next run's start): pages, snapshot, pruning."""
    previous = _switch_site(settings, run_id)
    snapshot = settings.snapshots_dir / f"warehouse-{run_id}.duckdb"
    public_dir(settings.snapshots_dir)
    if not snapshot.exists():
        os.link(settings.published_db, snapshot)  # shares the published file's data: no second copy
    _prune(settings.snapshots_dir, settings.keep_snapshots)
    _prune_sites(settings.dashboards_dir / SITE, {run_id, previous})


# --- the pages -------------------------------------------------------------------------------------------------

def site_dir(settings: Settings, run_id: str) -> Path:
    """An empty folder to build this run's pages in (dashboards/.site/<run_id>.tmp); the live pages stay."""
    root = settings.dashboards_dir / SITE
    public_dir(settings.dashboards_dir)
    public_dir(root)
    live = root / CURRENT
    need = int(max(_tree_size(live.resolve()) if live.exists() else 0, 8 * MB) * SPACE_MARGIN)
    _ensure_space(root, need, f"生成看板页面约需 {need // MB + 1} MB。可删除 {root} 中 current 以外的旧版本，"
                  "腾出空间后重新运行")
    staged = root / f"{run_id}.tmp"
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir()
    return staged


def seal_site(staged: Path) -> Path:
    """The built pages, readable by the web server and the leaders (0755/0644), renamed to .site/<run_id>; they
    go live only when publication switches .site/current to them."""
    for folder, _dirs, files in os.walk(staged):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder) / name, 0o644)
    built = staged.with_name(staged.name.removesuffix(".tmp"))
    shutil.rmtree(built, ignore_errors=True)  # the same run materialised again
    os.replace(staged, built)
    return built


def site_run(settings: Settings) -> str | None:
    """The run whose pages are live."""
    link = settings.dashboards_dir / SITE / CURRENT
    return os.readlink(link) if link.is_symlink() else None


def _switch_site(settings: Settings, run_id: str) -> str | None:
    """Point .site/current at this run's pages (one rename); the top-level pages are fixed symlinks through it."""
    root = settings.dashboards_dir / SITE
    built = root / run_id
    previous = site_run(settings)
    if not built.is_dir():
        return previous  # a warehouse published before pages were built this way: its pages stay as they are
    if previous != run_id:
        tmp = root / f".{CURRENT}.{run_id}.tmp"
        tmp.unlink(missing_ok=True)
        os.symlink(run_id, tmp)
        os.replace(tmp, root / CURRENT)
        _fsync(root)
    _expose(settings.dashboards_dir, built)
    return previous


def _expose(out: Path, built: Path) -> None:
    """dashboards/index.html -> .site/current/index.html, and so on for every page and static/ (made once)."""
    for child in sorted(built.iterdir()):
        entry, link = out / child.name, f"{SITE}/{CURRENT}/{child.name}"
        if entry.is_symlink() and os.readlink(entry) == link:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)  # static/ as written in place by earlier versions
        tmp = out / f".{child.name}.link.tmp"
        tmp.unlink(missing_ok=True)
        os.symlink(link, tmp)
        os.replace(tmp, entry)
    for entry in out.iterdir():  # a page the site no longer has
        if entry.is_symlink() and os.readlink(entry).startswith(f"{SITE}/{CURRENT}/") and not entry.exists():
            entry.unlink()


def _prune_sites(root: Path, keep: set) -> None:
    """Sites of earlier runs go; the live one and the one it replaced (a reader may be loading it) stay."""
    if not root.exists():
        return
    for folder in root.iterdir():
        if folder.is_dir() and not folder.is_symlink() and folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)


# --- files -------------------------------------------------------------------------------------------------------

def _ensure_space(folder: Path, need: int, advice: str) -> None:
    free = shutil.disk_usage(folder).free
    if free < need:
        raise PublicationError(f"{folder} 所在磁盘只剩 {free // MB} MB 可用。{advice}；已发布的仓库和页面保持不变。")


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def public_dir(path: Path) -> None:
    """Folders auditors and the web server read (created 0755 whatever the run's umask)."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o755)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(folder: Path, keep: int) -> None:
    snaps = sorted(folder.glob("warehouse-*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in snaps[keep:]:
        old.unlink()
