"""Auditors read the published warehouse from another process while the nightly run publishes a new one:
the reader is never blocked nor broken, and the run is never blocked by the reader."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb

from dagster_project.settings import get_settings
from tests.conftest import run_nightly

READER = textwrap.dedent("""
    import sys, duckdb
    conn = duckdb.connect(sys.argv[1], read_only=True)
    query = "SELECT run_id, (SELECT count(*) FROM ledger.liabilities) FROM audit.runs WHERE status = 'succeeded'"
    print(conn.execute(query).fetchall(), flush=True)
    sys.stdin.readline()  # hold the file open until the test has published the next run
    print(conn.execute(query).fetchall(), flush=True)
""")


def test_a_reader_in_another_process_neither_blocks_nor_is_broken_by_publication(run_env, monkeypatch):
    monkeypatch.setenv("NMG_ENTERPRISES", "2000")
    first = run_nightly()
    assert first.success
    published = str(get_settings().published_db)
    reader = subprocess.Popen([sys.executable, "-c", READER, published], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        before = reader.stdout.readline().strip()
        assert first.run_id in before
        second = run_nightly()  # publishes while the other process holds the old file open
        assert second.success
        reader.stdin.write("\n")
        reader.stdin.flush()
        during = reader.stdout.readline().strip()
        assert during == before  # the reader still sees the snapshot it opened, whole
    finally:
        reader.kill()
        reader.wait()
    with duckdb.connect(published, read_only=True) as conn:
        runs = {r[0] for r in conn.execute("SELECT run_id FROM audit.runs WHERE status = 'succeeded'").fetchall()}
    assert second.run_id in runs  # a new reader sees the new run
    snapshots = sorted(get_settings().snapshots_dir.glob("warehouse-*.duckdb"))
    assert len(snapshots) == 2  # both runs kept for "as of" queries
