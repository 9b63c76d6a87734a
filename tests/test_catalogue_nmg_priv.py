"""NMG-PRIV (内蒙古自治区党委自治区人民政府关于支持民营经济高质量发展的意见, lines 1259-1600) against the text's own
numbers, written out by hand (never computed by the code).

Only item 5 names an amount (设立不低于1亿元的民营中小微企业信用融资风险分担资金); the other fiscal clauses are
catalogued as not costable and must book nothing.
"""

from __future__ import annotations

from datetime import date

from tests.conftest import enterprise, lines

FILE = "NMG-PRIV.yaml"
A = "91150622AAAAAAAAA1"


def test_item5_risk_sharing_fund_one_hundred_million_booked_once_to_the_region(ledger_from, catalogue_of):
    # Item 5: 设立不低于 1 亿元的民营中小微企业信用融资风险分担资金. The floor, 100,000,000.00 元, once, in 2024
    # (the undated document's assumed year), all paid by the region (item 17: region funds paid directly).
    conn = ledger_from({}, catalogue_of(FILE))
    assert lines(conn, "NMG-PRIV-05") == [
        ("NMG-PRIV-05/2024", 2024, "region", "150000", "100000000.00"),
    ]
    row = conn.execute("""SELECT DISTINCT kind, split_specified, timing FROM ledger.liabilities
                          WHERE rule_id = 'NMG-PRIV-05'""").fetchall()
    assert row == [("programme", True, "due")]  # the run's year is 2026: a 2024 line is due


def test_item5_fund_does_not_depend_on_the_registry(ledger_from, catalogue_of):
    # A fixed fund: private firms and projects in the registry neither add to it nor split it to their city.
    firm = enterprise(A, region="150622", registered="2024-03-01")
    proj = {"project_id": "P1", "uscc": A, "project_name": "P1", "project_type": "manufacturing",
            "region_code": "150622", "start_date": date(2024, 1, 1), "completion_date": date(2024, 6, 30),
            "equipment_investment_yuan": "1000000", "total_investment_yuan": "1000000", "area_mu": None}
    conn = ledger_from({"enterprises": [firm], "projects": [proj]}, catalogue_of(FILE))
    assert lines(conn, "NMG-PRIV-05") == [
        ("NMG-PRIV-05/2024", 2024, "region", "150000", "100000000.00"),
    ]
    total = conn.execute("SELECT sum(amount_yuan) FROM ledger.liabilities WHERE document = 'NMG-PRIV'").fetchone()[0]
    assert str(total) == "100000000.00"


def test_not_costable_clauses_book_nothing(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": [enterprise(A)]}, catalogue_of(FILE))
    for rule_id in ("NMG-PRIV-06A", "NMG-PRIV-06B", "NMG-PRIV-07", "NMG-PRIV-12A", "NMG-PRIV-12B", "NMG-PRIV-12C",
                    "NMG-PRIV-14A", "NMG-PRIV-14B", "NMG-PRIV-16", "NMG-PRIV-17"):
        assert lines(conn, rule_id) == [], rule_id


def test_every_item_is_accounted_for(ledger_from, catalogue_of):
    # 20 items: 7 with fiscal clauses (5, 6, 7, 12, 14, 16, 17), 13 read and found to hold none.
    conn = ledger_from({}, catalogue_of(FILE))
    cov = conn.execute("""SELECT clauses, costed, not_costable, programme, revenue_forgone, items_with_fiscal_clauses,
                                 items_without_fiscal_clause
                          FROM catalogue.coverage WHERE document = 'NMG-PRIV'""").fetchone()
    assert cov == (11, 1, 10, 2, 1, 7, "1, 2, 3, 4, 8, 9, 10, 11, 13, 15, 18, 19, 20")
    doc = conn.execute("SELECT issued, line_first, line_last FROM catalogue.documents WHERE document = 'NMG-PRIV'")
    assert doc.fetchone() == ("2024-01-01", 1259, 1600)
