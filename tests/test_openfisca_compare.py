"""bench/openfisca_compare.py keeps working without OpenFisca (which the tests never install: bench/openfisca/setup.sh
makes a throwaway environment for it): its input export reads a warehouse, writes the same rows to Parquet and to
the .npz, and our side, on the exported files and the catalogue restricted to the seven rules, awards exactly what
the full catalogue's ledger awarded for those rules. A hand-made registry, so the test stays cheap."""

from __future__ import annotations

import importlib.util
from datetime import date

import duckdb
import numpy as np
import polars as pl

from dagster_project import catalogue, stages
from dagster_project.contract import REGISTRIES
from dagster_project.ledger import build_ledger, write_catalogue
from dagster_project.settings import REPO_ROOT
from dagster_project.warehouse import write_table
from tests.conftest import AS_OF, enterprise, typed_frame

FIRMS = {  # uscc -> (region, industry, registered on)
    "91150622DAIRY00001": ("150622", "14", "2010-05-01"),  # milk increase, grain insurance premium
    "911506P1TRADE0002": ("1506P1", "51", "2024-03-01"),  # Ordos park: port fees, mineral imports, waste, R&D
    "91150622AGPRO0003": ("150622", "14", "2010-05-01"),  # processor: revenue and loan, capped interest
    "91150102NODAT0004": ("150102", "14", "2010-05-01"),  # milk in 2024 only: nothing
}
METRICS = [  # (firm, year, metric, value, unit)
    ("91150622DAIRY00001", 2023, "raw_milk_processed_t", "12000.5", "吨"),
    ("91150622DAIRY00001", 2024, "raw_milk_processed_t", "13500.75", "吨"),
    ("91150622DAIRY00001", 2024, "grain_full_cost_insurance_premium_yuan", "1000.01", "元"),
    ("911506P1TRADE0002", 2024, "import_export_value_yuan", "200000000", "元"),
    ("911506P1TRADE0002", 2024, "port_fees_yuan", "300000.01", "元"),
    ("911506P1TRADE0002", 2025, "import_export_value_yuan", "150000000", "元"),
    ("911506P1TRADE0002", 2025, "port_fees_yuan", "9000000", "元"),
    ("911506P1TRADE0002", 2024, "ne_mineral_import_value_yuan", "400000000", "元"),
    ("911506P1TRADE0002", 2024, "general_solid_waste_utilised_net_t", "60000", "吨"),
    ("911506P1TRADE0002", 2023, "new_rd_institution_rd_net_of_grants_yuan", "1000000.05", "元"),
    ("911506P1TRADE0002", 2024, "new_rd_institution_rd_net_of_grants_yuan", "2000000", "元"),
    ("91150622AGPRO0003", 2024, "main_business_revenue_yuan", "300000000", "元"),
    ("91150622AGPRO0003", 2024, "agproc_working_rd_loan_yuan", "150000000", "元"),
    ("91150102NODAT0004", 2024, "raw_milk_processed_t", "500", "吨"),
]


def _compare_module():
    spec = importlib.util.spec_from_file_location("openfisca_compare", REPO_ROOT / "bench" / "openfisca_compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _warehouse(path) -> list[tuple]:
    """A warehouse with the reference tables, the hand-made registry and the full catalogue's ledger; returns the
    ledger's awards."""
    with duckdb.connect(str(path)) as conn:
        stages.load_reference(conn)
        cat = catalogue.load()
        write_catalogue(conn, cat, "test-run")
        rows = {"enterprises": [enterprise(u, region, industry, registered) for u, (region, industry, registered)
                                in FIRMS.items()],
                "enterprise_metrics": [dict(zip(("uscc", "year", "metric", "value", "unit"), m, strict=True))
                                       for m in METRICS]}
        for name in REGISTRIES:
            write_table(conn, f"registry.{name}", typed_frame(name, rows.get(name, [])))
        build_ledger(conn, cat, "test-run", AS_OF)
        return conn.execute("SELECT rule_id, object_id, award_year, award_fen FROM ledger.awards "
                            "WHERE award_fen > 0 ORDER BY ALL").fetchall()


def test_export_and_our_side_agree_with_the_full_ledger(tmp_path):
    bench = _compare_module()
    cat = bench.restricted_catalogue()
    assert [r.id for r in cat.rules] == list(bench.RULES)
    night = [a for a in _warehouse(tmp_path / "wh.duckdb") if a[0] in bench.RULES]
    assert {a[0] for a in night} == set(bench.RULES)  # every rule awards something here
    out = tmp_path / "out"
    info = bench.export_inputs(tmp_path / "wh.duckdb", out)
    npz = np.load(out / "openfisca_inputs.npz")
    metrics = pl.read_parquet(out / "enterprise_metrics.parquet")
    # the same rows on both sides: every firm, the rules' metrics only, as many rows in the .npz, the same values
    assert info["enterprises"] == len(FIRMS) == len(npz["uscc"]) == pl.read_parquet(out / "enterprises.parquet").height
    assert info["metric_rows"] == metrics.height == len(npz["m_value"]) == len(METRICS)
    assert sorted(npz["m_value"].tolist()) == sorted(float(v) for _, _, _, v, _ in METRICS)
    assert npz["registered_on"][list(npz["uscc"]).index("911506P1TRADE0002")] == np.datetime64(date(2024, 3, 1))
    assert tuple(info["award_years"]) == (2024, 2025)
    timing, conn = bench.ours_once(out, cat)
    try:
        ours = conn.execute("SELECT rule_id, object_id, award_year, award_fen FROM ledger.awards "
                            "WHERE award_fen > 0 ORDER BY ALL").fetchall()
    finally:
        conn.close()
    assert ours == night
    assert timing["e2e_s"] >= timing["compute_s"] > 0
