"""ORD2024 sections 三 to 六: what seeds/catalogue/ORD2024.part3.yaml holds. The hand-worked amounts of its clauses
are cases in tests/cases/ORD2024/3_services.yaml, 4_factors.yaml and 4_4_talent.yaml, run by tests/test_cases.py
(issue 20).
"""

from __future__ import annotations

import duckdb

from dagster_project import catalogue, stages
from dagster_project.ledger import write_catalogue

PART = "ORD2024.part3.yaml"
# The files holding the link targets (ORD-TALENT ids, NMG2024-74A/74C in part2, 91C/91D/98B/98C in part3, and
# ORD2024-2-1-01 in ORD2024 part 2, which 4.3.4 restates, with the NMG2024 part 1 targets of part 2).
TARGETS = ("ORD-TALENT.yaml", "NMG2024.part1.yaml", "NMG2024.part2.yaml", "NMG2024.part3.yaml",
           "ORD2024.part2.yaml")
ITEMS = {"3.1.1", "3.1.2", "3.1.3", "3.2.1", "3.2.2", "3.2.3", "3.2.4", "4.1.1", "4.1.2", "4.2.1", "4.2.2", "4.2.3",
         "4.2.4", "4.3.1", "4.3.2", "4.3.3", "4.3.4", "4.3.5", *(f"4.4.{i}" for i in range(1, 13)),
         "5.1.1", "5.1.2", "5.1.3", *(f"5.2.{i}" for i in range(1, 7)), "6.1", "6.2", "6.3"}


def test_part3_loads_accounts_for_every_item_and_links_restatements(catalogue_of):
    cat = catalogue.load(catalogue_of(PART, *TARGETS))
    mine = [r for r in cat.rules if r.id.startswith("ORD2024-") and str(r.citation["item"])[0] in "3456"]
    assert len(mine) == 70 and len([r for r in mine if r.costed]) == 42
    doc = next(d for d in cat.documents if d["document"] == "ORD2024")
    with_entry = {str(r.citation["item"]) for r in mine}
    without = {i for i in doc["items_without_fiscal_clause"] if str(i)[0] in "3456"}  # part 2 is loaded too
    assert with_entry | without == ITEMS and not with_entry & without
    restated = {r.id: r.links["restates"] for r in mine if "restates" in r.links}
    assert restated == {
        "ORD2024-4-4-01A": "ORD-TALENT-01A", "ORD2024-4-4-01B": "ORD-TALENT-01B", "ORD2024-4-4-01C": "ORD-TALENT-01C",
        "ORD2024-4-4-01D": "ORD-TALENT-01D", "ORD2024-4-4-01E": "ORD-TALENT-01E", "ORD2024-4-4-03A": "ORD-TALENT-07A",
        "ORD2024-4-4-03B": "ORD-TALENT-09A", "ORD2024-4-4-04A": "ORD-TALENT-04A", "ORD2024-4-4-04B": "ORD-TALENT-04B",
        "ORD2024-4-4-08A": "ORD-TALENT-06B", "ORD2024-4-4-10": "ORD-TALENT-02A", "ORD2024-5-1-01A": "NMG2024-98B",
        "ORD2024-5-1-01B": "NMG2024-98C", "ORD2024-4-3-04": "ORD2024-2-1-01"}
    assert all(not r.costed for r in mine if r.id in restated)
    assert {r.id: r.links["tops_up"] for r in mine if "tops_up" in r.links} == {
        "ORD2024-3-2-03A": "NMG2024-74A", "ORD2024-3-2-03B": "NMG2024-74C",
        "ORD2024-4-3-01A": "NMG2024-91C", "ORD2024-4-3-01B": "NMG2024-91D"}
    # Every registry-driven costed city rule is restricted to Ordos.
    assert all("city_code" in r.eligibility_sql and "'150600'" in r.eligibility_sql
               for r in mine if r.costed and r.beneficiary != "programme")


HQ, CAP, TAX = "hq_recognised", "hq_paid_in_capital_yuan", "hq_annual_tax_yuan"


def test_floor_and_half_ceiling_readings_are_written_with_the_catalogue(catalogue_of):
    # 不低于50万元 is booked at the floor (lower_bound); 最高15万/50万/100万元 ceilings are booked at half
    # (expected_value, expected_share 0.5): the amounts are the cases in tests/cases/ORD2024/4_4_talent.yaml.
    conn = duckdb.connect()
    stages.load_reference(conn)
    write_catalogue(conn, catalogue.load(catalogue_of(PART, *TARGETS)), "test-run")
    basis = conn.execute("SELECT basis FROM catalogue.rules WHERE rule_id = 'ORD2024-4-4-01F'").fetchone()[0]
    assert basis == "lower_bound"
    shares = conn.execute("SELECT DISTINCT basis, expected_share FROM catalogue.rules WHERE rule_id IN "
                          "('ORD2024-4-4-08B', 'ORD2024-4-4-09A', 'ORD2024-4-4-09B', 'ORD2024-5-2-04')").fetchall()
    assert [(b, float(s)) for b, s in shares] == [("expected_value", 0.5)]
    conn.close()
