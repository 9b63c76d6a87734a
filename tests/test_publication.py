"""Auditors read the published warehouse from another process while the nightly run publishes a new one:
the reader is never blocked nor broken, and the run is never blocked by the reader."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb

from dagster_project.settings import REPO_ROOT, get_settings
from tests.conftest import run_nightly

READER = textwrap.dedent("""
    import sys, duckdb
    conn = duckdb.connect(sys.argv[1], read_only=True)
    query = "SELECT run_id, (SELECT count(*) FROM ledger.liabilities) FROM audit.runs WHERE status = 'published'"
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
        runs = dict(conn.execute("SELECT run_id, status FROM audit.runs").fetchall())
    assert runs == {first.run_id: "published", second.run_id: "published"}  # a new reader sees the new run
    stamp = (get_settings().dashboards_dir / "index.html").read_text(encoding="utf-8")
    assert f"<span id='run-id'>{second.run_id}</span>" in stamp  # and the pages show the same run
    snapshots = sorted(get_settings().snapshots_dir.glob("warehouse-*.duckdb"))
    assert len(snapshots) == 2  # both runs kept for "as of" queries
    # The same inputs and catalogue reproduce the same ledger and forecast exactly (only the run id differs).
    first_snap = next(s for s in snapshots if first.run_id in s.name)
    with duckdb.connect() as conn:
        conn.execute(f"ATTACH '{first_snap}' AS a (READ_ONLY)")
        conn.execute(f"ATTACH '{published}' AS b (READ_ONLY)")
        for table in ("ledger.liabilities", "ledger.awards", "forecast.liabilities", "scenarios.by_year_level"):
            cols = [c for (c,) in conn.execute(f"SELECT column_name FROM (DESCRIBE a.{table})").fetchall()
                    if c != "run_id"]
            select = ", ".join(f'"{c}"' for c in cols)
            diff = conn.execute(f"SELECT count(*) FROM ((SELECT {select} FROM a.{table} EXCEPT ALL "
                                f"SELECT {select} FROM b.{table}) UNION ALL (SELECT {select} FROM b.{table} "
                                f"EXCEPT ALL SELECT {select} FROM a.{table}))").fetchone()[0]
            rows = conn.execute(f"SELECT count(*) FROM b.{table}").fetchone()[0]
            assert diff == 0 and rows > 0, f"{table} differs between two runs on the same inputs"
    # The example audit queries of sql/audit/ run on the published warehouse and say what they should.
    audit = {p.stem: p.read_text(encoding="utf-8") for p in (REPO_ROOT / "sql" / "audit").glob("*.sql")}
    with duckdb.connect(published, read_only=True) as conn:
        bad = [r for r in conn.execute(audit["totals_reconcile"]).fetchall() if r[-1] != 0]
        assert bad == []
        uscc = conn.execute("SELECT beneficiary_id FROM ledger.liabilities WHERE beneficiary_kind = 'enterprise' "
                            "ORDER BY amount_yuan DESC LIMIT 1").fetchone()[0]
        conn.execute(f"SET VARIABLE uscc = '{uscc}'")
        payments = conn.execute(audit["payments_to_one_enterprise"]).fetchall()
        assert payments and all(row[11] for row in payments)  # each with the clause's quoted text
        conn.execute(f"ATTACH '{first_snap}' AS prev (READ_ONLY)")
        assert conn.execute(audit["changes_since_previous_run"]).fetchall() == []  # same inputs: nothing changed
        assert conn.execute(audit["quarantine_of_a_run"]).fetchall()
