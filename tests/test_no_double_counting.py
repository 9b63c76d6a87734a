"""No liability is counted twice across the region, city and talent catalogues (docs/catalogue.md, "the rule
that keeps a liability from being counted twice"), shown on beneficiaries that qualify under both."""

from __future__ import annotations

from tests.conftest import enterprise, lines, talent

A = "91150602AAAAAAAAA1"  # a firm in 东胜区, Ordos


def event(uscc: str, metric: str, year: int = 2024) -> dict:
    return {"uscc": uscc, "year": year, "metric": metric, "value": "1", "unit": _unit(metric)}


def _unit(metric: str) -> str:
    from dagster_project import reference

    return dict(reference.load("metrics").select("metric", "unit").iter_rows())[metric]


def test_a_restated_talent_subsidy_is_paid_once(ledger_from, catalogue_of):
    # ORD-TALENT item 2 and ORD2024 4.4.10 both promise a full-time B-class recruit 300万元 安家补贴. The talent
    # policy's entry pays it; ORD2024's restatement is linked and books nothing: 3,000,000.00 once.
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": [talent("T1", "B", "2024-06-01")]},
                       catalogue_of("ORD-TALENT.yaml", "ORD2024.part3.yaml", "ORD2024.part2.yaml", "NMG2024.yaml",
                                    "NMG2024.part1.yaml",
                                    "NMG2024.part2.yaml", "NMG2024.part3.yaml"))
    assert lines(conn, "ORD-TALENT-02A") == [("T1", 2024, "city", "150600", "3000000.00")]
    assert lines(conn, "ORD2024-4-4-10") == []
    settlement = conn.execute("""SELECT sum(amount_yuan) FROM ledger.liabilities
                                 WHERE object_id = 'T1' AND rule_id IN ('ORD-TALENT-02A', 'ORD2024-4-4-10')""")
    assert str(settlement.fetchone()[0]) == "3000000.00"


def test_a_city_top_up_is_paid_on_top_of_the_region_award_each_once(ledger_from, catalogue_of):
    # A firm in Ordos lists on the Shanghai exchange in 2024: NMG2024 item 91 pays 1000万 (region default, no split
    # named) and ORD2024 4.3.1 "市级再次给予" another 1000万 from the city: 20,000,000.00 in all, each once.
    conn = ledger_from({"enterprises": [enterprise(A)], "enterprise_metrics": [event(A, "ipo_listed_domestic")]},
                       catalogue_of("NMG2024.yaml", "NMG2024.part3.yaml", "ORD2024.part3.yaml", "ORD2024.part2.yaml",
                                    "ORD-TALENT.yaml",
                                    "NMG2024.part1.yaml", "NMG2024.part2.yaml"))
    assert lines(conn, "NMG2024-91C") == [(A, 2024, "region", "150000", "10000000.00")]
    assert lines(conn, "ORD2024-4-3-01A") == [(A, 2024, "city", "150600", "10000000.00")]


def test_region_and_city_awards_of_the_same_kind_pay_only_the_highest(ledger_from, catalogue_of):
    # A firm in Ordos newly rated 5A in 2024: NMG-AGPROC item 6 pays 100万; ORD-FTRADE item 5 pays 80万 for a 5A
    # rating, 就高不重复 with region measures of the same kind: only the region's 1,000,000.00 is paid.
    conn = ledger_from({"enterprises": [enterprise(A, registered="2024-03-01")],
                        "enterprise_metrics": [event(A, "logistics_5a_new")]},
                       catalogue_of("NMG-AGPROC.yaml", "ORD-FTRADE.yaml"))
    assert lines(conn, "NMG-AGPROC-06B") == [(A, 2024, "region", "150000", "1000000.00")]
    assert lines(conn, "ORD-FTRADE-05A") == []
    outcome = conn.execute("SELECT outcome FROM ledger.awards WHERE rule_id = 'ORD-FTRADE-05A'").fetchone()[0]
    assert outcome == "stacked_out: NMG-AGPROC-06B"


def test_a_hong_kong_listing_earns_the_region_award_and_the_city_top_up(ledger_from, catalogue_of):
    # NMG2024 item 91: 境外（香港、纽约、纳斯达克证券交易所）上市 一次性奖补500万元 (region default); ORD2024 4.3.1:
    # 香港联交所上市 the city adds 500万: 5,000,000.00 each, once each.
    conn = ledger_from({"enterprises": [enterprise(A)], "enterprise_metrics": [event(A, "ipo_listed_hkex")]},
                       catalogue_of("NMG2024.yaml", "NMG2024.part3.yaml", "ORD2024.part3.yaml", "ORD2024.part2.yaml",
                                    "ORD-TALENT.yaml",
                                    "NMG2024.part1.yaml", "NMG2024.part2.yaml"))
    assert lines(conn, "NMG2024-91D") == [(A, 2024, "region", "150000", "5000000.00")]
    assert lines(conn, "ORD2024-4-3-01B") == [(A, 2024, "city", "150600", "5000000.00")]
