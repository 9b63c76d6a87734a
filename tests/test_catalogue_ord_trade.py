"""ORD-FTRADE (鄂府发〔2024〕9号) and ORD-BULK (鄂府发〔2024〕8号): every costed entry against amounts written by hand
from the texts' own numbers.

Both documents: paid in Q1 of the year after the award year (每年度第一季度兑现上一年度补贴资金), city and banner 1:1
(所需资金市、旗区按照1:1承担: the odd fen goes to the banner, the last level), only firms of Ordos (city 150600).
Firms sit in 准格尔旗 (150622) unless said otherwise; 1506P1 is the 高新区 and 1506P2 the 空港物流园区, which pay the
banner half themselves. ORD-FTRADE-07 is tested in tests/test_rules.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import enterprise, lines

CITY, BANNER = "150600", "150622"
UNITS = {
    "import_export_value_yuan": "元", "ftrade_leased_area_m2": "平方米", "ftrade_rent_paid_yuan": "元",
    "chain_leader_import_export_yuan": "元", "chain_member_import_export_yuan": "元",
    "chain_supply_to_leader_yuan": "元", "logistics_3a_rated_new": "次", "logistics_4a_rated_new": "次",
    "logistics_5a_new": "次", "port_hub_logistics_fees_yuan": "元", "ftrade_platform_served_trade_yuan": "元",
    "customs_declaration_fees_yuan": "元", "testing_certification_fees_yuan": "元",
    "sme_intl_market_fund_received": "次", "regional_trade_hq_import_export_yuan": "元",
    "commodity_cluster_rent_paid_yuan": "元", "cars_exported_n": "辆", "car_export_value_usd": "USD",
    "car_export_value_yuan": "元", "ne_mineral_import_value_yuan": "元", "general_mineral_import_value_usd": "USD",
    "ne_product_export_value_usd": "USD", "chemical_export_t": "吨", "chemical_export_value_usd": "USD",
    "timber_import_m3": "立方米", "grain_agri_import_t": "吨", "air_port_fruit_seafood_import_t": "吨",
    "aeo_advanced_certified": "次", "rcep_approved_exporter_recognised": "次", "commodity_trade_loan_yuan": "元",
    "commodity_trade_loan_interest_yuan": "元",
}


def m(uscc: str, year: int, metric: str, value: str) -> dict:
    return {"uscc": uscc, "year": year, "metric": metric, "value": value, "unit": UNITS[metric]}


def firm(uscc: str, region: str = BANNER, industry: str = "51", registered: str = "2010-05-01") -> dict:
    return enterprise(uscc, region=region, industry=industry, registered=registered)


def project(pid: str, ptype: str, completed: str, total: str = "0", equipment: str = "0", quantity: str | None = None,
            region: str = BANNER, uscc: str = "91150622PRJ000000X") -> dict:
    return {"project_id": pid, "uscc": uscc, "project_name": pid, "project_type": ptype, "region_code": region,
            "start_date": date(2023, 1, 1), "completion_date": date.fromisoformat(completed),
            "equipment_investment_yuan": equipment, "total_investment_yuan": total, "area_mu": None,
            "quantity": quantity, "quantity_unit": "元" if quantity is not None else None}


def half(obj: str, year: int, city: str, banner: str, banner_code: str = BANNER) -> list[tuple]:
    """The two ledger lines of one payment: banner (sorted first) and city, amounts written by hand."""
    return [(obj, year, "banner", banner_code, banner), (obj, year, "city", CITY, city)]


def outcome(conn, rule_id: str, object_id: str, award_year: int) -> str:
    return conn.execute("SELECT outcome FROM ledger.awards WHERE rule_id = ? AND object_id = ? AND award_year = ?",
                        [rule_id, object_id, award_year]).fetchone()[0]


@pytest.fixture
def trade_ledger(ledger_from, catalogue_of):
    def build(enterprises: list[dict], metrics: list[dict] = (), projects: list[dict] = ()):
        owner = firm("91150622PRJ000000X")
        return ledger_from({"enterprises": [owner, *enterprises], "enterprise_metrics": list(metrics),
                            "projects": list(projects)}, catalogue_of("ORD-FTRADE.yaml", "ORD-BULK.yaml"))
    return build


# ====================================================================== ORD-FTRADE

def test_ftrade_1_construction_over_20_million_and_equipment_from_5_million(trade_ledger):
    # 基础建设投资额超过2000万的按10%，最高5000万；购买设备500万元以上的按30%，最高3000万.
    # total = construction + equipment.
    t = "ftrade_new_firm_facility"
    conn = trade_ledger([], projects=[
        project("F1", t, "2024-06-30", total="80000000", equipment="20000000"),  # 6000万 building, 2000万 equipment
        project("F2", t, "2025-03-01", total="24999999.99", equipment="4999999.99"),  # exactly 2000万: not 超过; <500万
        project("F3", t, "2026-12-31", total="25000000.01", equipment="5000000"),  # 2000万 + 1分; 500万 exactly
        project("F4", t, "2025-05-01", total="700000000", equipment="150000000", region="1506P1"),  # both caps
        project("F5", t, "2024-02-06", total="80000000", equipment="20000000"),  # the day before the policy
        project("F6", t, "2027-02-07", total="80000000", equipment="20000000"),  # the day after its three years
        project("F7", t, "2024-06-30", total="80000000", equipment="20000000", region="150102"),  # Hohhot
        project("F8", "manufacturing", "2024-06-30", total="80000000", equipment="20000000"),
        project("F9", t, "2027-02-06", total="30000000", equipment="10000000"),  # last day; building exactly 2000万
    ])
    assert lines(conn, "ORD-FTRADE-01A") == [
        *half("F1", 2025, "3000000.00", "3000000.00"),  # 10% x 6000万 = 600万
        *half("F3", 2027, "1000000.00", "1000000.00"),  # 10% x 20,000,000.01 = 2,000,000.001 -> 2,000,000.00
        *half("F4", 2026, "25000000.00", "25000000.00", "1506P1"),  # 10% x 5.5亿 = 5500万 -> cap 5000万; park pays
    ]
    assert lines(conn, "ORD-FTRADE-01B") == [
        *half("F1", 2025, "3000000.00", "3000000.00"),  # 30% x 2000万 = 600万
        *half("F3", 2027, "750000.00", "750000.00"),  # 30% x 500万 = 150万
        *half("F4", 2026, "15000000.00", "15000000.00", "1506P1"),  # 30% x 1.5亿 = 4500万 -> cap 3000万
        *half("F9", 2028, "1500000.00", "1500000.00"),  # 30% x 1000万 = 300万, completed on the last day
    ]
    assert outcome(conn, "ORD-FTRADE-01A", "F4", 2025) == "capped_per_award"


def test_ftrade_2_rent_subsidy_by_lease_year_cliffs_actual_rent_and_yearly_cap(trade_ledger):
    # 第一年进出口额≥10000元/平米: 100元/平米/月 (1200/年); 第二年≥20000: 80 (960/年); 第三年≥40000: 50 (600/年);
    # 实缴租金低于补贴标准的按实缴租金; 不超过3年; 年度上限50万.
    a, b, c, d = "91150622RENT00001A", "91150622RENT00002B", "91150622RENT00003C", "91150622RENT00004D"
    rows = []
    for uscc, year, area, rent, trade in [
        (a, 2024, "300", "300000", "3000000"),  # year 1: 3,000,000 = 10000 x 300 exactly; rent 30万 < 36万 standard
        (a, 2025, "300", "400000", "5999999"),  # year 2: below 20000 x 300 = 6,000,000: nothing
        (a, 2026, "300", "400000", "12000000"),  # year 3: 40000 x 300 exactly; 600 x 300 = 18万 < rent 40万
        (b, 2025, "600", "900000", "100000000"),  # year 1: 1200 x 600 = 72万 -> cap 50万
        (b, 2026, "600", "900000", "100000000"),  # year 2: 960 x 600 = 57.6万 -> cap 50万
        (c, 2024, "300", "300000", "3000000"),  # registered the day before the policy: not 新引进
        (d, 2021, "300", "300000", "90000000"), (d, 2022, "300", "300000", "90000000"),
        (d, 2023, "300", "300000", "90000000"), (d, 2024, "300", "300000", "90000000"),  # 4th lease year
    ]:
        rows += [m(uscc, year, "ftrade_leased_area_m2", area), m(uscc, year, "ftrade_rent_paid_yuan", rent),
                 m(uscc, year, "import_export_value_yuan", trade)]
    conn = trade_ledger([firm(a, registered="2024-03-01"), firm(b, registered="2024-02-07"),
                         firm(c, registered="2024-02-06"), firm(d, registered="2024-02-07")], rows)
    assert lines(conn, "ORD-FTRADE-02") == [
        *half(a, 2025, "150000.00", "150000.00"),  # 2024: 30万 actual rent
        *half(a, 2027, "90000.00", "90000.00"),  # 2026: 18万
        *half(b, 2026, "250000.00", "250000.00"),  # 2025: 50万 cap
        *half(b, 2027, "250000.00", "250000.00"),  # 2026: 50万 cap
    ]
    assert outcome(conn, "ORD-FTRADE-02", b, 2025) == "capped_per_beneficiary_year"


def test_ftrade_3_1_chain_leader_and_member_first_reach_milestones(trade_ledger):
    # 链主首次达到5亿、10亿、20亿: 50万、100万、200万; 链上企业首次达到1亿、5亿、10亿: 10万、50万、100万.
    l1, l2, l3, l4, l5, l6, l7, l8 = (f"91150622LEAD0000{i}X" for i in range(1, 9))
    k1, k2, k3 = (f"91150622MEMB0000{i}X" for i in range(1, 4))
    lead, memb = "chain_leader_import_export_yuan", "chain_member_import_export_yuan"
    rows = [
        m(l1, 2020, lead, "300000000"), m(l1, 2023, lead, "480000000"),
        m(l1, 2024, lead, "500000000"),  # first 5亿 exactly: 50万
        m(l1, 2025, lead, "1200000000"),  # first 10亿: 100万
        m(l2, 2019, lead, "600000000"), m(l2, 2023, lead, "400000000"),
        m(l2, 2024, lead, "2100000000"),  # 5亿 reached in 2019; 10亿 and 20亿 first: 100万 + 200万
        m(l3, 2015, lead, "2500000000"), m(l3, 2024, lead, "2600000000"),  # every tier reached before: nothing
        m(l4, 2024, lead, "499999999.99"),  # below 5亿
        m(l5, 2024, lead, "5000000000"),  # all three tiers at once: 350万
        m(l6, 2015, lead, "600000000"), m(l6, 2026, lead, "700000000"),  # 2015 is within the 11-year look-back
        m(l7, 2014, lead, "600000000"), m(l7, 2026, lead, "700000000"),  # 2014 is not (registry starts 2015)
        m(l8, 2024, lead, "500000000"), m(l8, 2024, memb, "1000000000"),  # both roles: stacking, highest wins
        m(k1, 2023, memb, "90000000"), m(k1, 2024, memb, "100000000"),  # first 1亿 exactly: 10万
        m(k1, 2025, memb, "600000000"),  # first 5亿: 50万
        m(k2, 2024, memb, "1000000000"),  # 1亿 + 5亿 + 10亿 at once: 160万
        m(k3, 2024, memb, "99999999.99"),
    ]
    conn = trade_ledger([firm(u) for u in (l1, l2, l3, l4, l5, l6, l7, l8, k1, k2, k3)], rows)
    assert lines(conn, "ORD-FTRADE-03A") == sorted([
        *half(l1, 2025, "250000.00", "250000.00"), *half(l1, 2026, "500000.00", "500000.00"),
        *half(l2, 2025, "1500000.00", "1500000.00"),
        *half(l5, 2025, "1750000.00", "1750000.00"),
        *half(l7, 2027, "250000.00", "250000.00"),
    ])
    assert lines(conn, "ORD-FTRADE-03B") == sorted([
        *half(k1, 2025, "50000.00", "50000.00"), *half(k1, 2026, "250000.00", "250000.00"),
        *half(k2, 2025, "800000.00", "800000.00"),
        *half(l8, 2025, "800000.00", "800000.00"),  # 160万 as a 链上企业 beats 50万 as 链主
    ])
    assert outcome(conn, "ORD-FTRADE-03A", l8, 2024) == "stacked_out: ORD-FTRADE-03B"


def test_ftrade_3_2_referral_award_and_new_key_chain_project_award(trade_ledger):
    # 引荐: 2000万元以上, 3‰, 最高500万; 新引进: 2000万元以上, 3%, 最高1000万.
    r, k = "ftrade_chain_referred_project", "key_chain_new_firm_project"
    conn = trade_ledger([], projects=[
        project("R1", r, "2024-09-01", total="20000000"),  # exactly 2000万: 3‰ = 6万
        project("R2", r, "2024-09-01", total="19999999.99"),
        project("R3", r, "2025-05-05", total="2000000000"),  # 3‰ x 20亿 = 600万 -> cap 500万
        project("R4", r, "2024-09-01", total="33333333.33"),  # 99,999.99999 -> 100,000.00
        project("K1", k, "2024-09-01", total="20000000"),  # 3% = 60万
        project("K2", k, "2026-01-15", total="333333334"),  # 10,000,000.02 -> cap 1000万
        project("K3", k, "2024-09-01", total="19999999"),
    ])
    assert lines(conn, "ORD-FTRADE-03C") == [
        *half("R1", 2025, "30000.00", "30000.00"),
        *half("R3", 2026, "2500000.00", "2500000.00"),
        *half("R4", 2025, "50000.00", "50000.00"),
    ]
    assert lines(conn, "ORD-FTRADE-03D") == [
        *half("K1", 2025, "300000.00", "300000.00"),
        *half("K2", 2027, "5000000.00", "5000000.00"),
    ]


def test_ftrade_3_3_supply_to_chain_leader_milestones(trade_ledger):
    # 首次达到5000万元、1亿元、5亿元、10亿元: 50万元、80万元、150万元、200万元.
    s1, s2, s3 = "91150622SUPP00001X", "91150622SUPP00002X", "91150622SUPP00003X"
    sup = "chain_supply_to_leader_yuan"
    conn = trade_ledger([firm(s1), firm(s2), firm(s3)], [
        m(s1, 2024, sup, "50000000"),  # 5000万 exactly: 50万
        m(s1, 2025, sup, "100000000"),  # 1亿: 80万
        m(s2, 2018, sup, "120000000"), m(s2, 2024, sup, "1000000000"),  # 5000万 and 1亿 before; 5亿 + 10亿: 350万
        m(s3, 2024, sup, "49999999.99"),
    ])
    assert lines(conn, "ORD-FTRADE-03E") == sorted([
        *half(s1, 2025, "250000.00", "250000.00"), *half(s1, 2026, "400000.00", "400000.00"),
        *half(s2, 2025, "1750000.00", "1750000.00"),
    ])


def test_ftrade_4_relocation_costs_80_percent_capped_at_2_million(trade_ledger):
    # 单个企业不超过200万元: a cap per firm (one firm's several projects: tests/test_reading_classes.py)
    t = "ftrade_industry_transfer"
    o1, o2, o3 = (f"91150622RELO0000{i}X" for i in range(1, 4))
    conn = trade_ledger([firm(o1), firm(o2), firm(o3)], projects=[
        project("T1", t, "2024-08-01", quantity="2500000", uscc=o1),  # 80% = 200万 exactly
        project("T2", t, "2024-08-01", quantity="2500001", uscc=o2),  # 2,000,000.80 -> cap 200万
        project("T3", t, "2025-08-01", quantity="1000000.01", uscc=o3),  # 800,000.008 -> 800,000.01; odd fen: banner
    ])
    assert lines(conn, "ORD-FTRADE-04") == [
        *half("T1", 2025, "1000000.00", "1000000.00"),
        *half("T2", 2025, "1000000.00", "1000000.00"),
        *half("T3", 2026, "400000.00", "400000.01"),
    ]


def test_ftrade_5_logistics_ratings_and_port_hub_freight(trade_ledger):
    # 3A、4A、5A: 20万、50万、80万 once each; 非物流外贸企业 logistics costs 50%, 年度上限300万.
    g1, g2, g3 = "91150622LOGI00001X", "91150622LOGI00002X", "91150102LOGI00003X"
    f1, f2, f3, f4 = (f"91150622FRGT0000{i}X" for i in range(1, 5))
    fee = "port_hub_logistics_fees_yuan"
    conn = trade_ledger(
        [firm(g1, industry="54"), firm(g2, industry="59"), firm(g3, region="150102", industry="54"),
         firm(f1), firm(f2), firm(f3), firm(f4, industry="58")],
        [m(g1, 2024, "logistics_3a_rated_new", "1"), m(g1, 2026, "logistics_4a_rated_new", "1"),
         m(g2, 2025, "logistics_5a_new", "1"), m(g3, 2024, "logistics_5a_new", "1"),
         m(f1, 2024, fee, "6000000"),  # 300万 exactly
         m(f2, 2024, fee, "6000002"),  # 3,000,001 -> cap 300万
         m(f3, 2024, fee, "123456.78"),  # 61,728.39: city 30,864.19, banner 30,864.20
         m(f4, 2024, fee, "6000000")])  # a freight-agency firm (division 58) is a logistics firm
    assert lines(conn, "ORD-FTRADE-05A3") == [*half(g1, 2025, "100000.00", "100000.00")]  # 3A 20万
    assert lines(conn, "ORD-FTRADE-05A4") == [*half(g1, 2027, "250000.00", "250000.00")]  # 4A 50万
    assert lines(conn, "ORD-FTRADE-05A") == [*half(g2, 2026, "400000.00", "400000.00")]  # 5A 80万
    assert lines(conn, "ORD-FTRADE-05B") == [
        *half(f1, 2025, "1500000.00", "1500000.00"),
        *half(f2, 2025, "1500000.00", "1500000.00"),
        *half(f3, 2025, "30864.19", "30864.20"),
    ]


def test_ftrade_6_platform_milestones_and_customs_fees(trade_ledger):
    p1, p2 = "91150622PLAT00001X", "91150622PLAT00002X"
    n1, n2, n3, o1 = "91150622CUST00001X", "91150622CUST00002X", "91150622CUST00003X", "91150622CUST00004X"
    srv = "ftrade_platform_served_trade_yuan"
    rows = [m(p1, 2023, srv, "900000000"), m(p1, 2024, srv, "1000000000"),  # 10亿 exactly: 100万
            m(p1, 2025, srv, "5000000000"),  # 20亿 and 50亿 first: 200万 + 300万
            m(p2, 2022, srv, "2500000000"), m(p2, 2024, srv, "2400000000")]  # reached before: nothing
    for uscc, trade, fees in [(n1, "100000000", "4000002"),  # 1亿 exactly; 2,000,001 -> cap 200万
                              (n2, "99999999.99", "300000"),  # below 1亿
                              (n3, "150000000", "300000"),  # 15万
                              (o1, "150000000", "300000")]:  # registered 2020: not 新引进
        rows += [m(uscc, 2024, "import_export_value_yuan", trade), m(uscc, 2024, "customs_declaration_fees_yuan", fees)]
    conn = trade_ledger([firm(p1), firm(p2), firm(n1, registered="2024-05-01"), firm(n2, registered="2024-05-01"),
                         firm(n3, registered="2024-05-01"), firm(o1, registered="2020-05-01")], rows)
    assert lines(conn, "ORD-FTRADE-06A") == [
        *half(p1, 2025, "500000.00", "500000.00"), *half(p1, 2026, "2500000.00", "2500000.00"),
    ]
    assert lines(conn, "ORD-FTRADE-06B") == [
        *half(n1, 2025, "1000000.00", "1000000.00"),
        *half(n3, 2025, "75000.00", "75000.00"),
    ]


def test_ftrade_8_testing_and_certification_fees(trade_ledger):
    # 新引进, 年进出口额100万元以上, 未享受中央国际市场开拓资金: 80%, 年度上限50万.
    e1, e2, e3, e4, e5 = (f"91150622TEST0000{i}X" for i in range(1, 6))
    rows = []
    for uscc, trade, fees in [(e1, "1000000", "625000"),  # 100万 exactly; 80% = 50万 exactly
                              (e2, "50000000", "700000"),  # 56万 -> cap 50万
                              (e3, "50000000", "10000.01"),  # 8,000.008 -> 8,000.01
                              (e4, "999999.99", "10000"),  # below 100万
                              (e5, "50000000", "10000")]:  # had the central fund that year
        rows += [m(uscc, 2024, "import_export_value_yuan", trade),
                 m(uscc, 2024, "testing_certification_fees_yuan", fees)]
    rows.append(m(e5, 2024, "sme_intl_market_fund_received", "1"))
    conn = trade_ledger([firm(u, registered="2024-06-01") for u in (e1, e2, e3, e4, e5)], rows)
    assert lines(conn, "ORD-FTRADE-08") == [
        *half(e1, 2025, "250000.00", "250000.00"),
        *half(e2, 2025, "250000.00", "250000.00"),
        *half(e3, 2025, "4000.00", "4000.01"),
    ]


# ====================================================================== ORD-BULK

def test_bulk_1_regional_trade_hq_landing_award_in_its_first_year(trade_ledger):
    # 设立当年进出口额达到10亿元以上: 最高500万 (the ceiling is booked).
    h1, h2, h3, h4 = (f"91150622HQHQ0000{i}X" for i in range(1, 5))
    hq = "regional_trade_hq_import_export_yuan"
    conn = trade_ledger(
        [firm(h1, registered="2024-02-07"), firm(h2, registered="2024-02-06"), firm(h3, registered="2025-06-01"),
         firm(h4, registered="2026-01-01")],
        [m(h1, 2024, hq, "1000000000"),  # set up on the policy date, 10亿 exactly
         m(h1, 2025, hq, "2000000000"),  # not its first year
         m(h2, 2024, hq, "3000000000"),  # set up the day before the policy
         m(h3, 2025, hq, "999999999.99"),
         m(h4, 2026, hq, "1500000000")])
    assert lines(conn, "ORD-BULK-01") == [
        *half(h1, 2025, "2500000.00", "2500000.00"),
        *half(h4, 2027, "2500000.00", "2500000.00"),
    ]


def test_bulk_2_cluster_rent_80_percent_in_the_two_parks_and_stacking_with_ftrade_2(trade_ledger):
    c1, c2, c3, c4, c5 = (f"91150600CLUS0000{i}X" for i in range(1, 6))
    rent = "commodity_cluster_rent_paid_yuan"
    rows = []
    for uscc, year, trade, paid in [(c1, 2024, "100000000", "1000000"),  # 1亿 exactly: 80万
                                    (c2, 2024, "500000000", "2500001"),  # 2,000,000.80 -> cap 200万
                                    (c2, 2026, "500000000", "1000000"),
                                    (c3, 2024, "500000000", "1000000"),  # 准格尔旗: not in a cluster
                                    (c4, 2024, "99999999.99", "1000000"),
                                    (c5, 2024, "100000000", "300000")]:
        rows += [m(uscc, year, "import_export_value_yuan", trade), m(uscc, year, rent, paid)]
    # c5 is also a 新引进 foreign-trade firm renting 300 平米 for 30万: ORD-FTRADE-02 gives 30万, ORD-BULK-02 24万.
    rows += [m(c5, 2024, "ftrade_leased_area_m2", "300"), m(c5, 2024, "ftrade_rent_paid_yuan", "300000")]
    conn = trade_ledger([firm(c1, region="1506P1"), firm(c2, region="1506P2"), firm(c3), firm(c4, region="1506P1"),
                         firm(c5, region="1506P1", registered="2024-03-01")], rows)
    assert lines(conn, "ORD-BULK-02") == [
        *half(c1, 2025, "400000.00", "400000.00", "1506P1"),
        *half(c2, 2025, "1000000.00", "1000000.00", "1506P2"),
        *half(c2, 2027, "400000.00", "400000.00", "1506P2"),
    ]
    assert lines(conn, "ORD-FTRADE-02") == half(c5, 2025, "150000.00", "150000.00", "1506P1")
    assert outcome(conn, "ORD-BULK-02", c5, 2024) == "stacked_out: ORD-FTRADE-02"


def test_bulk_3_digital_platform_30_percent_of_development_cost(trade_ledger):
    # 单个企业最高不超过300万元: a cap per firm (two platforms of one firm: tests/test_reading_classes.py)
    t = "commodity_digital_platform"
    o1, o2 = "91150622PLAT00011X", "91150622PLAT00012X"
    conn = trade_ledger([firm(o1), firm(o2)], projects=[
        project("D1", t, "2024-10-01", total="1000000", quantity="500000000", uscc=o1),  # both thresholds exactly: 30万
        project("D2", t, "2025-10-01", total="10000001", quantity="1000000000", uscc=o2),  # 3,000,000.30 -> 300万
        project("D3", t, "2024-10-01", total="999999.99", quantity="1000000000"),
        project("D4", t, "2024-10-01", total="5000000", quantity="499999999"),
    ])
    assert lines(conn, "ORD-BULK-03") == [
        *half("D1", 2025, "150000.00", "150000.00"),
        *half("D2", 2026, "1500000.00", "1500000.00"),
    ]


def test_bulk_4_car_exports_cliffs_on_the_whole_value_milestones_and_the_100_million_cap(trade_ledger):
    # ≤2万辆: 0.05元/美元; 2万—5万（含）: 0.06; 5万以上: 0.08 — on the whole export value;
    # 在此基础上 首次达到10亿、20亿、50亿元: 200万、500万、800万; 单个企业年度上限1亿元.
    v1, v2, v3, v4, v5, v6 = (f"91150622CARS0000{i}X" for i in range(1, 7))

    def cars(uscc, year, n, usd, yuan):
        return [m(uscc, year, "cars_exported_n", n), m(uscc, year, "car_export_value_usd", usd),
                m(uscc, year, "car_export_value_yuan", yuan)]
    conn = trade_ledger([firm(v1), firm(v2), firm(v3), firm(v4), firm(v5), firm(v6, region="150102")], [
        m(v1, 2023, "car_export_value_yuan", "900000000"),
        *cars(v1, 2024, "20000", "300000000", "2130000000"),  # 0.05 x 3亿 = 1500万 + 200万 + 500万 = 2200万
        *cars(v2, 2024, "20001", "100000000", "710000000"),  # 0.06 x 1亿 = 600万
        *cars(v3, 2024, "50000", "100000000", "710000000"),  # 5万 is in the middle bracket: 600万
        *cars(v4, 2024, "50001", "100000000", "710000000"),  # 0.08 x 1亿 = 800万
        *cars(v5, 2024, "30000", "560000000", "4000000000"),  # 0.06 x 5.6亿 = 3360万 + 200万 + 500万 = 4060万
        *cars(v5, 2025, "80000", "1300000000", "9230000000"),  # 0.08 x 13亿 = 10400万 + 800万 -> cap 1亿
        *cars(v6, 2024, "20000", "300000000", "2130000000"),  # Hohhot
    ])
    assert lines(conn, "ORD-BULK-04") == [
        *half(v1, 2025, "11000000.00", "11000000.00"),
        *half(v2, 2025, "3000000.00", "3000000.00"),
        *half(v3, 2025, "3000000.00", "3000000.00"),
        *half(v4, 2025, "4000000.00", "4000000.00"),
        *half(v5, 2025, "20300000.00", "20300000.00"),
        *half(v5, 2026, "50000000.00", "50000000.00"),
    ]
    assert outcome(conn, "ORD-BULK-04", v5, 2025) == "capped_per_beneficiary_year"
    tiers = dict(conn.execute("SELECT object_id, tier FROM ledger.awards WHERE rule_id = 'ORD-BULK-04' "
                              "AND award_year = 2024").fetchall())
    assert tiers[v3] == "2万—5万（含）辆 0.06元/美元" and tiers[v4] == "5万辆以上 0.08元/美元"


def test_bulk_5_new_energy_minerals_general_minerals_and_new_energy_products(trade_ledger):
    i1, i2, i3, i4, i5 = (f"91150622NEMI0000{i}X" for i in range(1, 6))
    g1, g2, e1, e2 = "91150622GMIN00001X", "91150622GMIN00002X", "91150622NEEX00001X", "91150622NEEX00002X"
    ne, gm, nx = "ne_mineral_import_value_yuan", "general_mineral_import_value_usd", "ne_product_export_value_usd"
    conn = trade_ledger([firm(u) for u in (i1, i2, i3, i4, i5, g1, g2, e1, e2)], [
        m(i1, 2024, ne, "100000000"),  # 1亿 exactly: 100万
        m(i2, 2024, ne, "299999999.99"),  # still 100万
        m(i3, 2024, ne, "300000000"),  # 300万
        m(i4, 2024, ne, "1000000000"),  # 1000万
        m(i5, 2024, ne, "99999999.99"),  # nothing
        m(g1, 2024, gm, "50000000"),  # 0.06 x 5000万 USD = 300万
        m(g2, 2024, gm, "100000000"),  # 600万 -> cap 500万
        m(e1, 2024, nx, "62500000"),  # 0.08 x 6250万 = 500万 exactly
        m(e2, 2024, nx, "10000000.5"),  # 800,000.04
    ])
    assert lines(conn, "ORD-BULK-05A") == [
        *half(i1, 2025, "500000.00", "500000.00"), *half(i2, 2025, "500000.00", "500000.00"),
        *half(i3, 2025, "1500000.00", "1500000.00"), *half(i4, 2025, "5000000.00", "5000000.00"),
    ]
    assert lines(conn, "ORD-BULK-05B") == [
        *half(g1, 2025, "1500000.00", "1500000.00"), *half(g2, 2025, "2500000.00", "2500000.00"),
    ]
    assert lines(conn, "ORD-BULK-05C") == [
        *half(e1, 2025, "2500000.00", "2500000.00"), *half(e2, 2025, "400000.02", "400000.02"),
    ]


def test_bulk_6_to_8_chemicals_timber_grain_and_air_port_imports(trade_ledger):
    ch1, ch2, ch3 = "91150622CHEM00001X", "91150622CHEM00002X", "91150622CHEM00003X"
    w1, w2, w3 = "91150622WOOD00001X", "91150622WOOD00002X", "91150622WOOD00003X"
    r1, r2, r3, r4 = (f"91150622GRAI0000{i}X" for i in range(1, 5))
    a1, a2, a3 = "91150622FRUI00001X", "91150622FRUI00002X", "91150622FRUI00003X"
    rows = []
    for uscc, t, usd in [(ch1, "10000", "9000000"),  # 1万吨 exactly: 0.06 x 900万 USD = 54万
                         (ch2, "9999.99", "9000000"),  # below 1万吨: nothing
                         (ch3, "100000", "100000000")]:  # 600万 -> cap 500万
        rows += [m(uscc, 2024, "chemical_export_t", t), m(uscc, 2024, "chemical_export_value_usd", usd)]
    rows += [m(w1, 2024, "timber_import_m3", "10000"),  # 100万
             m(w2, 2024, "timber_import_m3", "9999"),
             m(w3, 2024, "timber_import_m3", "50001"),  # 5,000,100 -> cap 500万
             m(r1, 2024, "grain_agri_import_t", "1000"),  # 8万
             m(r2, 2024, "grain_agri_import_t", "999.9"),
             m(r3, 2024, "grain_agri_import_t", "62500"),  # 500万 exactly
             m(r4, 2024, "grain_agri_import_t", "70000"),  # 560万 -> cap
             m(a1, 2024, "air_port_fruit_seafood_import_t", "500"),  # 100万
             m(a2, 2024, "air_port_fruit_seafood_import_t", "499.99"),
             m(a3, 2024, "air_port_fruit_seafood_import_t", "2600")]  # 520万 -> cap
    conn = trade_ledger([firm(u) for u in (ch1, ch2, ch3, w1, w2, w3, r1, r2, r3, r4, a1, a2, a3)], rows)
    assert lines(conn, "ORD-BULK-06") == [
        *half(ch1, 2025, "270000.00", "270000.00"), *half(ch3, 2025, "2500000.00", "2500000.00"),
    ]
    assert lines(conn, "ORD-BULK-07") == [
        *half(w1, 2025, "500000.00", "500000.00"), *half(w3, 2025, "2500000.00", "2500000.00"),
    ]
    assert lines(conn, "ORD-BULK-08A") == [
        *half(r1, 2025, "40000.00", "40000.00"), *half(r3, 2025, "2500000.00", "2500000.00"),
        *half(r4, 2025, "2500000.00", "2500000.00"),
    ]
    assert lines(conn, "ORD-BULK-08B") == [
        *half(a1, 2025, "500000.00", "500000.00"), *half(a3, 2025, "2500000.00", "2500000.00"),
    ]


def test_bulk_9_aeo_and_rcep_and_10_loan_interest(trade_ledger):
    x1, x2 = "91150622AEOR00001X", "91150622AEOR00002X"
    b1, b2, b3, b4 = (f"91150622LOAN0000{i}X" for i in range(1, 5))
    rows = [m(x1, 2024, "aeo_advanced_certified", "1"), m(x1, 2024, "rcep_approved_exporter_recognised", "1"),
            m(x2, 2025, "rcep_approved_exporter_recognised", "1")]  # RCEP without AEO: still 10万
    for uscc, trade, loan, interest in [(b1, "200000000", "5000000", "172500"),  # both thresholds exactly: 60%
                                        (b2, "199999999.99", "5000000", "172500"),
                                        (b3, "300000000", "4999999.99", "172500"),
                                        (b4, "3000000000", "200000000", "5000001")]:  # 3,000,000.60 -> cap 300万
        rows += [m(uscc, 2024, "import_export_value_yuan", trade), m(uscc, 2024, "commodity_trade_loan_yuan", loan),
                 m(uscc, 2024, "commodity_trade_loan_interest_yuan", interest)]
    conn = trade_ledger([firm(u) for u in (x1, x2, b1, b2, b3, b4)], rows)
    assert lines(conn, "ORD-BULK-09A") == half(x1, 2025, "150000.00", "150000.00")
    assert lines(conn, "ORD-BULK-09B") == [*half(x1, 2025, "50000.00", "50000.00"),
                                           *half(x2, 2026, "50000.00", "50000.00")]
    assert lines(conn, "ORD-BULK-10") == [
        *half(b1, 2025, "51750.00", "51750.00"),  # 60% x 172,500 = 103,500
        *half(b4, 2025, "1500000.00", "1500000.00"),
    ]
