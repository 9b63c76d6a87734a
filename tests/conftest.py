"""Shared fixtures: a ledger computed from hand-written registry rows, and a small generated registry."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dagster_project import catalogue, stages
from dagster_project.contract import REGISTRIES
from dagster_project.ledger import build_ledger, reconciliation_failures, write_catalogue
from dagster_project.warehouse import write_table

AS_OF = 2026
TEST_SALT = "test-salt-not-a-secret-0123456789"  # tests only; a real installation makes its own (settings.py)
ENT = "enterprises"


def typed_frame(registry: str, rows: list[dict]) -> pl.DataFrame:
    """Registry rows as the validated, typed table holds them (money as exact decimals)."""
    spec = REGISTRIES[registry]
    schema = {}
    for col in spec.columns:
        if col.personal:
            continue
        schema[col.name] = {"date": pl.Date, "year": pl.Int32, "decimal": pl.Decimal(20, 4)}.get(col.kind, pl.String)
    if registry == "talents":
        schema |= {"person_key": pl.String, "name_masked": pl.String, "id_masked": pl.String, "birth_year": pl.Int32}
    full = [{k: (Decimal(str(v)) if schema.get(k) == pl.Decimal(20, 4) and v is not None else v)
             for k, v in {**{c: None for c in schema}, **r}.items() if k in schema} for r in rows]
    return pl.DataFrame(full, schema=schema)


def enterprise(uscc: str, region: str = "150622", industry: str = "14", registered: str = "2010-05-01") -> dict:
    from datetime import date

    return {"uscc": uscc, "name": f"测试企业{uscc[-4:]}", "region_code": region, "industry_code": industry,
            "registered_on": date.fromisoformat(registered), "ownership": "private"}


FIRM_A = "91150622AAAAAAAAA1"  # the firm of the project and talent rows below


def project(pid: str, ptype: str, completed: str, equipment: str = "0", area: str | None = None,
            region: str = "150622", uscc: str = FIRM_A) -> dict:
    """A project row started 2022-01-01 whose total investment equals its equipment investment."""
    from datetime import date

    return {"project_id": pid, "uscc": uscc, "project_name": pid, "project_type": ptype, "region_code": region,
            "start_date": date(2022, 1, 1), "completion_date": date.fromisoformat(completed),
            "equipment_investment_yuan": equipment, "total_investment_yuan": equipment, "area_mu": area}


def talent(tid: str, category: str, arrived: str, employment: str = "full_time", left: str | None = None,
           region: str = "150602") -> dict:
    """A talent row (as the typed registry holds it, masked) employed by FIRM_A."""
    from datetime import date

    return {"talent_id": tid, "person_key": f"pk-{tid}", "name_masked": "张**", "id_masked": "150602********0000",
            "category": category, "field": "science", "employer_uscc": FIRM_A, "region_code": region,
            "arrival_date": date.fromisoformat(arrived), "departure_date": date.fromisoformat(left) if left else None,
            "employment": employment, "degree": "doctorate", "title": "senior", "annual_salary_yuan": "500000",
            "birth_year": 1985}


def ledger_of(cat: catalogue.Catalogue, registries: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    """A connection with the reference tables, the catalogue, the typed registry rows and the ledger built, the
    levels reconciled to the fen (the caller closes it)."""
    conn = duckdb.connect()
    stages.load_reference(conn)
    write_catalogue(conn, cat, "test-run")
    for name in REGISTRIES:
        write_table(conn, f"registry.{name}", typed_frame(name, registries.get(name, [])))
    build_ledger(conn, cat, "test-run", AS_OF)
    assert reconciliation_failures(conn).is_empty(), "level amounts do not add up to the awards"
    return conn


@pytest.fixture
def ledger_from():
    """ledger_from(registries={name: rows}, catalogue_dir=None) -> duckdb connection with the ledger built."""
    conns = []

    def build(registries: dict[str, list[dict]], catalogue_dir: Path | None = None):
        conn = ledger_of(catalogue.load(catalogue_dir) if catalogue_dir else catalogue.load(), registries)
        conns.append(conn)
        return conn

    yield build
    for c in conns:
        c.close()


def lines(conn, rule_id: str) -> list[tuple]:
    """(object_id, payment_year, paying_level, paying_region_code, amount as str) sorted, for one rule."""
    return [(o, y, lvl, reg, str(a)) for o, y, lvl, reg, a in conn.execute(
        """SELECT object_id, payment_year, paying_level, paying_region_code, amount_yuan FROM ledger.liabilities
           WHERE rule_id = ? ORDER BY object_id, payment_year, paying_level""", [rule_id]).fetchall()]


@pytest.fixture
def catalogue_of(tmp_path):
    """catalogue_of("NMG2024.part2.yaml", ...) -> a catalogue folder holding only those files (and defaults.yaml),
    so a test of some rules does not depend on every other file of seeds/catalogue."""
    import shutil

    from dagster_project.catalogue import CATALOGUE_DIR

    def make(*names: str) -> Path:
        folder = tmp_path / "only" / "seeds" / "catalogue"
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("defaults.yaml", *names):
            shutil.copy(CATALOGUE_DIR / name, folder / name)
        return folder

    return make


@pytest.fixture(scope="session")
def fit_cache(tmp_path_factory) -> Path:
    """Driver model fits are a pure function of the series: runs on the same registry in one test session share
    them (as nightly re-runs of the same data do in data/cache). Under pytest-xdist the folder is shared by the
    workers (the session's common base folder); a cache file is written whole and renamed into place."""
    import os

    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "fit-cache"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def run_env(tmp_path, monkeypatch, fit_cache):
    """A nightly run in a temporary data folder on the default registry size, dated 2026-11-27."""
    monkeypatch.setenv("NMG_CACHE_DIR", str(fit_cache))
    monkeypatch.setenv("NMG_FORECAST_WORKERS", "1")  # pytest-xdist already keeps every core busy
    monkeypatch.setenv("NMG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NMG_DASHBOARDS_DIR", str(tmp_path / "dashboards"))
    monkeypatch.setenv("NMG_ENTERPRISES", "20000")  # the default registry: every costed rule must book lines
    monkeypatch.setenv("NMG_AS_OF", "2026-11-27")
    monkeypatch.setenv("NMG_PSEUDONYM_SALT", TEST_SALT)  # fixed, so pseudonyms are the same in every test run
    return tmp_path


def run_nightly():
    """The nightly job in-process on an ephemeral Dagster instance, with the current environment's settings."""
    import dagster as dg

    from dagster_project.definitions import build_defs
    from dagster_project.settings import get_settings

    return build_defs(get_settings()).resolve_job_def("nightly").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


@pytest.fixture(scope="session")
def nightly_site(tmp_path_factory, fit_cache) -> tuple[Path, Path]:
    """(site folder, published warehouse) of ONE nightly run (2,000 enterprises, dated 2026-11-27) that every test
    which only reads a whole night's output shares: the pages' and the browser tests. Under pytest-xdist the first
    worker to ask runs it under a file lock and the others wait and read the same folder; read it, never write."""
    import os

    from filelock import FileLock

    from dagster_project.settings import get_settings

    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-nightly"
    with FileLock(f"{folder}.lock"):
        done = folder / "published.txt"
        if not done.exists():
            with pytest.MonkeyPatch.context() as mp:
                for key, value in {"NMG_DATA_DIR": folder / "data", "NMG_DASHBOARDS_DIR": folder / "dashboards",
                                   "NMG_ENTERPRISES": 2000, "NMG_AS_OF": "2026-11-27", "NMG_CACHE_DIR": fit_cache,
                                   "NMG_FORECAST_WORKERS": 1, "NMG_PSEUDONYM_SALT": TEST_SALT}.items():
                    mp.setenv(key, str(value))
                assert run_nightly().success, "the shared nightly run failed"
                settings = get_settings()
                done.write_text(f"{settings.dashboards_dir}\n{settings.published_db}\n", encoding="utf-8")
        site, db = done.read_text(encoding="utf-8").split()
    return Path(site), Path(db)
