"""NMG-AGPROC (内政办发〔2024〕10号, lines 1601-1811), NMG-FACAG and NMG-FACLS (内政办发〔2024〕4号, lines 1812-1984 and
1985-2116): every item accounted for, not-costable entries book nothing, and what the entries state.

The hand-worked amounts of the costed entries are YAML cases, run by tests/test_cases.py: tests/cases/NMG-AGPROC/,
tests/cases/NMG-FACAG/ and tests/cases/NMG-FACLS/ (issue 20); every costed entry must have one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dagster_project import catalogue
from tests.conftest import enterprise, lines

AGPROC, FACAG, FACLS = "NMG-AGPROC.yaml", "NMG-FACAG.yaml", "NMG-FACLS.yaml"
A = "91150622AAAAAAAAA1"
CASES = Path(__file__).parent / "cases"


def test_agproc_every_item_accounted_for_and_not_costable_book_nothing(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": [enterprise(A, industry="13")]}, catalogue_of(AGPROC))
    for rule_id in ("NMG-AGPROC-02A", "NMG-AGPROC-04A", "NMG-AGPROC-04B", "NMG-AGPROC-04C", "NMG-AGPROC-07A",
                    "NMG-AGPROC-08", "NMG-AGPROC-09A", "NMG-AGPROC-09B"):
        assert lines(conn, rule_id) == [], rule_id
    # 17 clauses: 9 costed (01A 01B 02B 03A 03B 05 06A 06B 07B), 8 not; all 9 items hold a fiscal clause.
    cov = conn.execute("""SELECT clauses, costed, not_costable, costed_split_unspecified, programme, revenue_forgone,
                                 items_with_fiscal_clauses, items_without_fiscal_clause
                          FROM catalogue.coverage WHERE document = 'NMG-AGPROC'""").fetchone()
    assert cov == (17, 9, 8, 9, 1, 2, 9, "")
    doc = conn.execute("SELECT issued, line_first, line_last FROM catalogue.documents WHERE document = 'NMG-AGPROC'")
    assert doc.fetchone() == ("2024-02-25", 1601, 1811)


def test_facag_every_item_accounted_for(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": [enterprise(A, industry="01")]}, catalogue_of(FACAG))
    for rule_id in ("NMG-FACAG-03B", "NMG-FACAG-03C", "NMG-FACAG-04A", "NMG-FACAG-04B", "NMG-FACAG-05",
                    "NMG-FACAG-07A", "NMG-FACAG-07B"):
        assert lines(conn, rule_id) == [], rule_id
    # 13 clauses: 6 costed (01A-01E, 03A), 7 not; items 2 and 6 hold none.
    cov = conn.execute("""SELECT clauses, costed, not_costable, costed_split_unspecified, programme, revenue_forgone,
                                 items_with_fiscal_clauses, items_without_fiscal_clause
                          FROM catalogue.coverage WHERE document = 'NMG-FACAG'""").fetchone()
    assert cov == (13, 6, 7, 6, 1, 2, 5, "2, 6")
    doc = conn.execute("SELECT issued, line_first, line_last FROM catalogue.documents WHERE document = 'NMG-FACAG'")
    assert doc.fetchone() == ("2024-02-07", 1812, 1984)


def test_facls_every_item_accounted_for(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": [enterprise(A, industry="03")]}, catalogue_of(FACLS))
    for rule_id in ("NMG-FACLS-02", "NMG-FACLS-03A", "NMG-FACLS-03B", "NMG-FACLS-04B",
                    "NMG-FACLS-04C", "NMG-FACLS-05A", "NMG-FACLS-05B", "NMG-FACLS-06B"):
        assert lines(conn, rule_id) == [], rule_id
    # 13 clauses: 5 costed (01A, 01B, 03C, 04A, 06A), 8 not; all 6 items hold a fiscal clause.
    cov = conn.execute("""SELECT clauses, costed, not_costable, costed_split_unspecified, programme, revenue_forgone,
                                 items_with_fiscal_clauses, items_without_fiscal_clause
                          FROM catalogue.coverage WHERE document = 'NMG-FACLS'""").fetchone()
    assert cov == (13, 5, 8, 4, 2, 2, 6, "")
    doc = conn.execute("SELECT issued, line_first, line_last FROM catalogue.documents WHERE document = 'NMG-FACLS'")
    assert doc.fetchone() == ("2024-02-07", 1985, 2116)


@pytest.mark.parametrize("file", [AGPROC, FACAG, FACLS])
def test_every_costed_entry_has_a_case(catalogue_of, file):
    document = file.removesuffix(".yaml")
    cased = {rule for path in (CASES / document).glob("*.yaml")
             for case in yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["cases"]
             for rule in case["rules"]}
    costed = {r.id for r in catalogue.load(catalogue_of(file)).costed()}
    assert costed <= cased, sorted(costed - cased)


def test_interest_top_ups_and_machinery_subsidy_are_booked_at_the_top_of_the_range(catalogue_of):
    # FACAG 三: 自治区各级财政再贴息10%—20%, booked at 20%; FACLS 三: 按照不高于上年度平均销售价格30%, booked at 30%.
    rules = {r.id: r for r in catalogue.load(catalogue_of(FACAG, FACLS)).rules}
    assert rules["NMG-FACAG-03A"].basis == "upper_bound"
    assert rules["NMG-FACLS-03C"].basis == "upper_bound"
