"""A nightly run killed in the middle (SIGKILL, no chance to clean up) leaves the last published warehouse and
pages intact, and the next run completes, publishes, and records the killed run as interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import duckdb

from dagster_project.settings import REPO_ROOT as REPO


def start_run(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dagster_project", "run"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def test_a_run_killed_half_way_leaves_the_published_warehouse_and_the_next_run_completes(tmp_path, fit_cache):
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # an ephemeral Dagster instance
    env |= {"NMG_DATA_DIR": str(tmp_path / "data"), "NMG_DASHBOARDS_DIR": str(tmp_path / "dashboards"),
            "NMG_ENTERPRISES": "2000", "NMG_AS_OF": "2026-11-27", "NMG_CACHE_DIR": str(fit_cache),
            "NMG_FORECAST_WORKERS": "1"}
    published = tmp_path / "data" / "warehouse" / "warehouse.duckdb"
    first = start_run(env)
    assert first.wait(timeout=1800) == 0, first.stdout.read()
    before = published.read_bytes()

    run = start_run(env)
    seen = []
    killed_id = None
    for line in run.stdout:  # wait until the run is writing the ledger, then kill it outright
        if line.startswith("nightly run "):
            killed_id = line.split()[2].rstrip(":")
        seen.append(line)
        if "liability_ledger" in line or "forecast drivers" in line:
            os.killpg(run.pid, signal.SIGKILL)
            break
    run.wait(timeout=60)
    assert run.returncode == -signal.SIGKILL, "".join(seen[-20:])
    assert published.read_bytes() == before  # auditors still read the last good warehouse, whole
    assert not list(published.parent.glob(".*.tmp"))  # no half-written snapshot took its place
    index = tmp_path / "dashboards" / "index.html"
    pages_before = index.read_text(encoding="utf-8")
    assert killed_id and killed_id not in pages_before  # the pages still show the published run

    after = start_run(env)
    output = after.stdout.read()
    assert after.wait(timeout=1800) == 0, output
    assert "finished in" in output and published.read_bytes() != before
    with duckdb.connect(str(published), read_only=True) as conn:
        status = dict(conn.execute("SELECT run_id, status FROM audit.runs").fetchall())
        latest = conn.execute("SELECT run_id FROM catalogue.version").fetchone()[0]
    assert status[killed_id] == "interrupted" and status[latest] == "published"  # the run log tells the truth
    assert sorted(status.values()) == ["interrupted", "published", "published"]
    assert f"<span id='run-id'>{latest}</span>" in index.read_text(encoding="utf-8")
    log = [json.loads(line) for line in (published.parent / "runs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["status"] for e in log if e["run_id"] == killed_id] == ["started", "interrupted"]
    assert not list(published.parent.glob(".*.tmp*"))
