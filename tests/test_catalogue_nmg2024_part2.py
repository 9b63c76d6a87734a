"""NMG2024 items 38-75 (seeds/catalogue/NMG2024.part2.yaml): every item accounted for, and not-costable entries book
nothing.

The hand-worked amounts of this file's costed entries are YAML cases, run by tests/test_cases.py:
tests/cases/NMG2024/part2_recognitions.yaml and part2_industry_transport_services.yaml (issue 20); every costed
entry of the file must have one.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import lines

FILE = "NMG2024.part2.yaml"
CASES = Path(__file__).parent / "cases" / "NMG2024"


NOT_COSTABLE = ["NMG2024-38A", "NMG2024-38B", "NMG2024-39A", "NMG2024-39B", "NMG2024-41C", "NMG2024-41D",
                "NMG2024-45", "NMG2024-53", "NMG2024-54", "NMG2024-60B",
                "NMG2024-61", "NMG2024-62", "NMG2024-63", "NMG2024-64", "NMG2024-65", "NMG2024-67", "NMG2024-68",
                "NMG2024-69A", "NMG2024-69B", "NMG2024-74D"]


def test_every_item_38_to_75_is_accounted_for(ledger_from, catalogue_of):
    conn = ledger_from({}, catalogue_of(FILE))
    rules = conn.execute("SELECT rule_id, status, item FROM catalogue.rules").fetchall()
    assert sorted(r for r, s, _ in rules if s == "not_costable") == NOT_COSTABLE
    assert len(rules) == 67 and sum(s == "costed" for _, s, _ in rules) == 47
    items = {int(i) for _, _, i in rules}
    without = {49, 66, 73, 75}
    assert items | without == set(range(38, 76)) and not items & without
    for rule_id in NOT_COSTABLE:
        assert lines(conn, rule_id) == [], rule_id
    cov = conn.execute("""SELECT clauses, costed, not_costable, items_without_fiscal_clause
                          FROM catalogue.coverage WHERE document = 'NMG2024'""").fetchone()
    assert cov == (67, 47, 20, "49, 66, 73, 75")



def test_every_costed_entry_of_this_file_has_a_case():
    from dagster_project.catalogue import CATALOGUE_DIR

    data = yaml.safe_load((CATALOGUE_DIR / FILE).read_text(encoding="utf-8"))
    cased = {rule for path in CASES.glob("*.yaml")  # the C loader: the case files are large for the pure-Python one
             for case in yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["cases"]
             for rule in case["rules"]}
    costed = {r["id"] for r in data["rules"] if r["status"] == "costed"}
    assert costed <= cased, sorted(costed - cased)
