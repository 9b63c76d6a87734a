"""ORD2024 section 二、推动新型工业化发展: what seeds/catalogue/ORD2024.part2.yaml holds. The hand-worked amounts of
its clauses are cases in tests/cases/ORD2024/2_industry.yaml, run by tests/test_cases.py (issue 20).
"""

from __future__ import annotations

FILE = "ORD2024.part2.yaml"
LINKED = ("NMG2024.part1.yaml", "NMG2024.part2.yaml")  # link targets: NMG2024-19, -43B, -47B, -47C


def test_catalogue_counts_and_links(catalogue_of):
    from dagster_project import catalogue

    cat = catalogue.load(catalogue_of(FILE, *LINKED))
    mine = [r for r in cat.rules if r.id.startswith("ORD2024-2-")]
    assert (len(mine), sum(r.costed for r in mine)) == (42, 32)
    assert cat.rule("ORD2024-2-1-05A").links == {"restates": "NMG2024-43B"}
    assert cat.rule("ORD2024-2-1-06A").links == {"restates": "NMG2024-19"}
    assert cat.rule("ORD2024-2-1-05B").links == {"tops_up": "NMG2024-47C"}
    assert cat.rule("ORD2024-2-1-05C").links == {"tops_up": "NMG2024-47B"}
