"""NMG2024 items 1-37 (seeds/catalogue/NMG2024.part1.yaml): the file itself and what its entries state.

The hand-worked amounts of this file's costed entries are YAML cases, run by tests/test_cases.py:
tests/cases/NMG2024/part1_agriculture.yaml and part1_industry.yaml (issue 20). This module keeps the checks on the
catalogue entries that the cases rely on but cannot state: every costed entry has a case, the basis and the
assumption texts behind the amounts booked from another text or at a bound.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dagster_project import catalogue

FILE = "NMG2024.part1.yaml"
CASES = Path(__file__).parent / "cases" / "NMG2024"


def test_every_costed_entry_of_this_file_has_a_case_and_not_costable_ones_a_reason():
    from dagster_project.catalogue import CATALOGUE_DIR

    data = yaml.safe_load((CATALOGUE_DIR / FILE).read_text(encoding="utf-8"))
    cased = {rule for path in CASES.glob("*.yaml")  # the C loader: the case files are large for the pure-Python one
             for case in yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["cases"]
             for rule in case["rules"]}
    costed = {r["id"] for r in data["rules"] if r["status"] == "costed"}
    assert costed <= cased, sorted(costed - cased)
    assert all(r.get("reason") for r in data["rules"] if r["status"] == "not_costable")
    # Items 6, 10, 11 and 12 keep their first clauses in NMG2024.yaml; this file must not repeat them.
    assert not {"NMG2024-06", "NMG2024-10", "NMG2024-11A", "NMG2024-12A"} & {r["id"] for r in data["rules"]}


def test_entries_state_the_basis_and_the_assumption_their_cases_rely_on(catalogue_of):
    rules = {r.id: r for r in catalogue.load(catalogue_of(FILE)).rules}
    # Item 8: the sire-ranking amount, 1000万元, is the Ordos text's (lines 3506-3508): 在自治区奖补1000万元的基础上.
    assert "1000万元" in rules["NMG2024-08B"].assumption and "3506" in rules["NMG2024-08B"].assumption
    # Item 8: the Ordos text (lines 3516-3518) states the region's part for sexed embryos as 每支市场价格补贴50%.
    assert "50%" in rules["NMG2024-08E"].assumption
    # Item 23: one pilot league each (1个盟市), booked as a lower bound.
    for rid in ("NMG2024-23A", "NMG2024-23B"):
        assert rules[rid].basis == "lower_bound" and "1个盟市" in rules[rid].assumption
    # Item 25: 原则上单个品种奖补总额不超过300万元, no rate: the ceiling is booked.
    assert rules["NMG2024-25B"].basis == "upper_bound"
