"""NMG-PRIV (内蒙古自治区党委自治区人民政府关于支持民营经济高质量发展的意见, lines 1259-1600): the catalogue's
coverage of the document. The hand-worked amounts (item 5's fund, the not-costable clauses booking nothing) are cases
in tests/cases/NMG-PRIV/ (run by tests/test_cases.py).
"""

from __future__ import annotations

FILE = "NMG-PRIV.yaml"


def test_every_item_is_accounted_for(ledger_from, catalogue_of):
    # 20 items: 7 with fiscal clauses (5, 6, 7, 12, 14, 16, 17), 13 read and found to hold none.
    conn = ledger_from({}, catalogue_of(FILE))
    cov = conn.execute("""SELECT clauses, costed, not_costable, programme, revenue_forgone, items_with_fiscal_clauses,
                                 items_without_fiscal_clause
                          FROM catalogue.coverage WHERE document = 'NMG-PRIV'""").fetchone()
    assert cov == (11, 1, 10, 2, 1, 7, "1, 2, 3, 4, 8, 9, 10, 11, 13, 15, 18, 19, 20")
    doc = conn.execute("SELECT issued, line_first, line_last FROM catalogue.documents WHERE document = 'NMG-PRIV'")
    assert doc.fetchone() == ("2024-01-01", 1259, 1600)
