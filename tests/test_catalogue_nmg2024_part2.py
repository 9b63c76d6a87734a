"""NMG2024 items 38-75 (seeds/catalogue/NMG2024.part2.yaml) against the text's own numbers, written out by hand
(never computed by the code).

Amounts in 元 with fen. The text names no split for most clauses: those are booked to the region (150000) by the
documented default and flagged. Item 57 is paid by the firm's league or city (由各盟市制定实施).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import enterprise, lines

FILE = "NMG2024.part2.yaml"
A, B, C, D = "91150622AAAAAAAAA1", "91150622BBBBBBBBB2", "91150622CCCCCCCCC3", "91150102DDDDDDDDD4"
REGION = "150000"


def ev(uscc: str, year: int, metric: str, value: str = "1", unit: str = "次") -> dict:
    return {"uscc": uscc, "year": year, "metric": metric, "value": value, "unit": unit}


def proj(pid: str, ptype: str, completed: str | None = None, started: str = "2022-01-01", total: str = "0",
         quantity: str | None = None, unit: str | None = None, uscc: str = A, region: str = "150622") -> dict:
    return {"project_id": pid, "uscc": uscc, "project_name": pid, "project_type": ptype, "region_code": region,
            "start_date": date.fromisoformat(started),
            "completion_date": date.fromisoformat(completed) if completed else None,
            "equipment_investment_yuan": total, "total_investment_yuan": total, "area_mu": None,
            "quantity": quantity, "quantity_unit": unit}


def split_flags(conn, rule_id: str) -> list[tuple]:
    return conn.execute("SELECT DISTINCT split_specified FROM ledger.liabilities WHERE rule_id = ?",
                        [rule_id]).fetchall()


# One-off awards for a recognition or designation of 2024: the text's amount, once, in 2024, to the region.
ONE_OFF = [
    ("NMG2024-39C", "hitech_zone_national_approved", "20000000.00"),  # 一次性最高2000万元 (booked at the ceiling)
    ("NMG2024-39E", "hitech_zone_region_approved", "10000000.00"),  # 新获批的自治区级高新区 1000万元
    ("NMG2024-40A", "industrial_demo_base_national_recognised", "5000000.00"),  # 国家示范基地 500万元
    ("NMG2024-40B", "industrial_demo_base_region_recognised", "3000000.00"),  # 自治区级示范基地 300万元
    ("NMG2024-42B", "mfg_innovation_centre_region_created", "5000000.00"),  # 自治区制造业创新中心 500万元
    ("NMG2024-42C", "industrial_design_centre_national_recognised", "1000000.00"),  # 国家级工业设计中心 100万元
    ("NMG2024-42D", "industrial_design_centre_region_recognised", "500000.00"),  # 自治区级工业设计中心 50万元
    ("NMG2024-42E", "enterprise_tech_centre_region_recognised", "500000.00"),  # 自治区级企业技术中心 50万元
    ("NMG2024-42F", "tech_innovation_demo_enterprise_national_recognised", "1000000.00"),  # 100万元
    ("NMG2024-42G", "quality_benchmark_national_recognised", "1000000.00"),  # 全国"质量标杆" 100万元
    ("NMG2024-43A", "single_champion_region_recognised", "1000000.00"),  # 自治区级单项冠军 100万元
    ("NMG2024-43B", "single_champion_national_recognised", "2000000.00"),  # 国家级单项冠军 200万元
    ("NMG2024-47A", "innovative_sme_recognised", "200000.00"),  # 创新型中小企业 20万元
    ("NMG2024-47B", "specialised_sme_recognised", "500000.00"),  # "专精特新"中小企业 50万元
    ("NMG2024-47C", "little_giant_recognised", "1000000.00"),  # "小巨人" 100万元
    ("NMG2024-48A", "hitech_enterprise_first_recognised", "300000.00"),  # 首次认定高新技术企业 30万元
    ("NMG2024-48B", "tech_leading_enterprise_first_recognised", "3000000.00"),  # 科技领军企业 300万元
    ("NMG2024-50A", "sme_cluster_region_recognised", "3000000.00"),  # 自治区级特色产业集群 300万元
    ("NMG2024-50B", "sme_cluster_national_recognised", "5000000.00"),  # 国家级特色产业集群 500万元
    ("NMG2024-51A", "tech_transfer_training_base_national_approved", "1000000.00"),  # 100万元后补助
    ("NMG2024-55A", "transport_integration_demo_county_national_named", "3000000.00"),  # 国家示范县 300万元
    ("NMG2024-55B", "transport_integration_demo_county_region_named", "2000000.00"),  # 自治区级示范县 200万元
    ("NMG2024-56A", "rural_road_demo_county_national_named", "10000000.00"),  # 全国"四好农村路"示范县 1000万元
    ("NMG2024-56B", "rural_road_demo_county_region_named", "5000000.00"),  # 自治区级示范旗县 500万元
    ("NMG2024-72B", "childcare_demo_area_named", "100000000.00"),  # 普惠托育示范项目地区 1亿元
    ("NMG2024-74A", "china_quality_award_won", "5000000.00"),  # 中国质量奖 500万元
    ("NMG2024-74B", "china_quality_award_nomination_won", "2000000.00"),  # 中国质量奖提名奖 200万元
]


@pytest.mark.parametrize("rule_id, metric, amount", ONE_OFF, ids=[r for r, _, _ in ONE_OFF])
def test_one_off_award_for_a_2024_recognition(ledger_from, catalogue_of, rule_id, metric, amount):
    conn = ledger_from({
        "enterprises": [enterprise(A), enterprise(B), enterprise(C), enterprise(D, region="150102")],
        "enterprise_metrics": [
            ev(A, 2024, metric),  # recognised in 2024: paid once, that year
            ev(B, 2023, metric),  # before the 2024 list: nothing
            ev(C, 2025, metric),  # after it (a later list would replace it): nothing
            ev(D, 2024, metric),  # a Hohhot unit: still the region pays (no split named)
        ],
    }, catalogue_of(FILE))
    assert lines(conn, rule_id) == [
        (D, 2024, "region", REGION, amount),  # (sorted by USCC: 91150102… before 91150622…)
        (A, 2024, "region", REGION, amount),
    ]
    assert split_flags(conn, rule_id) == [(False,)]


def test_item39_ranking_either_fact_earns_10_million_once(ledger_from, catalogue_of):
    # 对进入全国排名前60名、年度排名提升5位以上……给予一次性1000万元研发经费支持.
    conn = ledger_from({
        "enterprises": [enterprise(A), enterprise(B), enterprise(C), enterprise(D, region="150102")],
        "enterprise_metrics": [
            ev(A, 2024, "hitech_zone_national_top60_entered"),
            ev(B, 2024, "hitech_zone_national_rank_up5"),
            ev(C, 2024, "hitech_zone_national_top60_entered"), ev(C, 2024, "hitech_zone_national_rank_up5"),
            ev(D, 2023, "hitech_zone_national_top60_entered"),  # 2023: not this list
        ],
    }, catalogue_of(FILE))
    assert lines(conn, "NMG2024-39D") == [
        (A, 2024, "region", REGION, "10000000.00"),
        (B, 2024, "region", REGION, "10000000.00"),
        (C, 2024, "region", REGION, "10000000.00"),  # both facts in one year: 一次性, once
    ]


def test_item41_and_item70_fixed_budgets_in_2024(ledger_from, catalogue_of):
    # 安排7亿元资金; 安排自治区自然科学基金1.2亿元; 三个中心各1亿元; 安排不低于50亿元资金.
    conn = ledger_from({"enterprises": [enterprise(A)]}, catalogue_of(FILE))
    assert lines(conn, "NMG2024-41A") == [("NMG2024-41A/2024", 2024, "region", REGION, "700000000.00")]
    assert lines(conn, "NMG2024-41B") == [("NMG2024-41B/2024", 2024, "region", REGION, "120000000.00")]
    assert lines(conn, "NMG2024-41E") == [("NMG2024-41E/2024", 2024, "region", REGION, "300000000.00")]
    assert lines(conn, "NMG2024-70") == [("NMG2024-70/2024", 2024, "region", REGION, "5000000000.00")]
    assert split_flags(conn, "NMG2024-41A") == [(True,)]
    assert split_flags(conn, "NMG2024-70") == [(False,)]  # whose money the 50亿 is: not said
    kinds = conn.execute("""SELECT DISTINCT kind FROM ledger.liabilities
                            WHERE rule_id IN ('NMG2024-41A', 'NMG2024-41B', 'NMG2024-41E', 'NMG2024-70')""")
    assert kinds.fetchall() == [("programme",)]


def test_item42_national_innovation_centre_10_million_a_year_for_5_years(ledger_from, catalogue_of):
    # 对获批国家级制造业创新中心，连续5年每年给予1000万元研发经费奖补.
    conn = ledger_from({
        "enterprises": [enterprise(A), enterprise(B)],
        "enterprise_metrics": [ev(A, 2024, "mfg_innovation_centre_national_approved"),
                               # approved in 2023: no approval date in the clause, so its years 2-5 (2024-2027)
                               ev(B, 2023, "mfg_innovation_centre_national_approved")],
    }, catalogue_of(FILE))
    assert lines(conn, "NMG2024-42A") == [
        (A, 2024, "region", REGION, "10000000.00"),
        (A, 2025, "region", REGION, "10000000.00"),
        (A, 2026, "region", REGION, "10000000.00"),
        (A, 2027, "region", REGION, "10000000.00"),
        (A, 2028, "region", REGION, "10000000.00"),  # the fifth and last year
        (B, 2024, "region", REGION, "10000000.00"),
        (B, 2025, "region", REGION, "10000000.00"),
        (B, 2026, "region", REGION, "10000000.00"),
        (B, 2027, "region", REGION, "10000000.00"),
    ]
    timing = conn.execute("""SELECT payment_year, timing FROM ledger.liabilities WHERE rule_id = 'NMG2024-42A'
                             AND object_id = ? ORDER BY payment_year""", [A]).fetchall()
    assert timing == [(2024, "due"), (2025, "due"), (2026, "due"), (2027, "committed_future"),
                      (2028, "committed_future")]


def test_item42_two_recognitions_of_one_sentence_are_both_paid(ledger_from, catalogue_of):
    # 国家技术创新示范企业、全国"质量标杆"企业，给予100万元: a firm named both in 2024 earns 100万元 for each.
    conn = ledger_from({
        "enterprises": [enterprise(A)],
        "enterprise_metrics": [ev(A, 2024, "tech_innovation_demo_enterprise_national_recognised"),
                               ev(A, 2024, "quality_benchmark_national_recognised")],
    }, catalogue_of(FILE))
    assert lines(conn, "NMG2024-42F") == [(A, 2024, "region", REGION, "1000000.00")]
    assert lines(conn, "NMG2024-42G") == [(A, 2024, "region", REGION, "1000000.00")]


def revenue(uscc: str, year: int, value: str) -> dict:
    return ev(uscc, year, "furnace_gas_utilisation_revenue_yuan", value, "元")


def test_item44_five_percent_of_sales_for_five_years_capped_at_5_million_a_year(ledger_from, catalogue_of):
    # 自实现销售收入年度起，5年内按销售收入的5%给予奖补，每年最高奖补500万元. First sales in 2024: years 2024-2028,
    # each paid the year after (the year's revenue is known when it closes).
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="31"), enterprise(B, industry="31"), enterprise(C, industry="31")],
        "enterprise_metrics": [
            revenue(A, 2024, "40000000"),  # 5% = 2,000,000.00
            revenue(A, 2025, "100000000"),  # 5% = 5,000,000.00, exactly the yearly cap
            revenue(A, 2026, "100000020"),  # 5% = 5,000,001.00, just above: 5,000,000.00
            revenue(A, 2027, "0"),  # no sales: nothing
            revenue(A, 2028, "12345.67"),  # 5th year: 617.2835 -> 617.28
            revenue(A, 2029, "1000000"),  # 6th year: outside 5年内
            # first sales 2023: the clause has no start date, so its years 2 and 3 (2024, 2025) are paid here
            revenue(B, 2023, "10000000"), revenue(B, 2024, "10000000"), revenue(B, 2025, "10000000"),
            revenue(C, 2023, "0"), revenue(C, 2024, "8000000.10"),  # a reported 0 is no sales: 2024 is first
        ],
    }, catalogue_of(FILE))
    assert lines(conn, "NMG2024-44") == [
        (A, 2025, "region", REGION, "2000000.00"),
        (A, 2026, "region", REGION, "5000000.00"),
        (A, 2027, "region", REGION, "5000000.00"),
        (A, 2029, "region", REGION, "617.28"),
        (B, 2025, "region", REGION, "500000.00"),  # 5% of 10,000,000
        (B, 2026, "region", REGION, "500000.00"),
        (C, 2025, "region", REGION, "400000.01"),  # 400,000.005 half-up
    ]
    outcome = conn.execute("""SELECT outcome FROM ledger.awards WHERE rule_id = 'NMG2024-44' AND award_year = 2026
                              AND object_id = ?""", [A]).fetchone()[0]
    assert outcome == "capped_per_award"


def test_item46_twenty_percent_of_completed_investment_capped_at_5_million(ledger_from, catalogue_of):
    # 按实际完成投资额的20%给予一次性奖补，单个项目最高不超过500万元.
    t = "new_tech_industrialisation"
    conn = ledger_from({"enterprises": [enterprise(A)], "projects": [
        proj("N1", t, "2024-06-30", total="10000000"),  # 2,000,000.00
        proj("N2", t, "2024-06-30", total="25000000"),  # 5,000,000.00, exactly the cap
        proj("N3", t, "2024-06-30", total="25000005"),  # 5,000,001.00 -> 5,000,000.00
        proj("N4", t, "2024-01-20", total="10000000"),  # completed the day before the list: nothing
        proj("N5", t, "2024-01-21", total="1234567.89"),  # the list's first day: 246,913.578 -> 246,913.58
        proj("N6", "manufacturing", "2024-06-30", total="10000000"),  # not a listed innovation project
        proj("N7", t, None, total="10000000"),  # not completed
    ]}, catalogue_of(FILE))
    assert lines(conn, "NMG2024-46") == [
        ("N1", 2024, "region", REGION, "2000000.00"),
        ("N2", 2024, "region", REGION, "5000000.00"),
        ("N3", 2024, "region", REGION, "5000000.00"),
        ("N5", 2024, "region", REGION, "246913.58"),
    ]


def test_item52_twenty_percent_capped_at_3_million_per_firm_each_sentence(ledger_from, catalogue_of):
    # 首版次软件: 实际销售总额的20%，单个企业补助金额最高不超过300万元;
    # 工业软件（工业APP）: 研发实际投入金额的20%，单个企业最高不超过300万元.
    conn = ledger_from({"enterprises": [enterprise(A), enterprise(B)], "projects": [
        proj("S1", "first_version_software", "2024-04-01", quantity="10000000", unit="元"),  # 2,000,000.00
        proj("S2", "first_version_software", "2024-08-01", quantity="8000000", unit="元"),  # 1,600,000 -> 1,000,000
        proj("S3", "first_version_software", "2024-05-01", quantity="15000005", unit="元", uscc=B),  # 3,000,001
        proj("S4", "first_version_software", "2023-12-01", quantity="1000000", unit="元"),  # before the list
        proj("W1", "industrial_software", "2024-03-01", total="4000000"),  # 800,000.00 (own cap, not S1/S2's)
        proj("W2", "industrial_software", "2024-09-01", total="20000000", uscc=B),  # 4,000,000 -> 3,000,000.00
    ]}, catalogue_of(FILE))
    assert lines(conn, "NMG2024-52A") == [
        ("S1", 2024, "region", REGION, "2000000.00"),
        ("S2", 2024, "region", REGION, "1000000.00"),  # what is left of firm A's 300万元
        ("S3", 2024, "region", REGION, "3000000.00"),
    ]
    assert lines(conn, "NMG2024-52B") == [
        ("W1", 2024, "region", REGION, "800000.00"),
        ("W2", 2024, "region", REGION, "3000000.00"),
    ]


def stations(uscc: str, year: int, metric: str, n: str) -> dict:
    return ev(uscc, year, metric, n, "个")


def test_item55_yearly_operating_subsidy_per_station(ledger_from, catalogue_of):
    # 旗县（市、区）客运站给予年度运营补贴20万元; 投入运营的苏木乡镇客运站给予年度运营补贴3万元.
    banner, town = "rural_passenger_stations_banner_n", "township_passenger_stations_n"
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="54"), enterprise(B, industry="54"), enterprise(C, industry="54"),
                        enterprise(D, region="150102", industry="54")],
        "enterprise_metrics": [
            stations(A, 2024, banner, "3"),  # 3 x 200,000 = 600,000.00
            stations(B, 2024, banner, "2.99"),  # whole stations: 2 x 200,000 = 400,000.00
            stations(C, 2024, banner, "0.5"),  # no whole station: nothing
            stations(A, 2023, banner, "3"),  # 2023 operating year: not this list
            stations(A, 2024, town, "5"),  # 5 x 30,000 = 150,000.00
            stations(D, 2024, town, "1"),  # exactly one station: 30,000.00
        ],
    }, catalogue_of(FILE))
    assert lines(conn, "NMG2024-55C") == [
        (A, 2024, "region", REGION, "600000.00"),
        (B, 2024, "region", REGION, "400000.00"),
    ]
    assert lines(conn, "NMG2024-55D") == [
        (D, 2024, "region", REGION, "30000.00"),
        (A, 2024, "region", REGION, "150000.00"),
    ]


def test_item57_at_most_0_3_yuan_per_village_parcel_paid_by_the_city_next_year(ledger_from, catalogue_of):
    # 按照每单不超过0.3元的标准，由各盟市制定实施差异化后补贴政策: booked at the ceiling, to the firm's city.
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="59"), enterprise(B, industry="59"),
                        enterprise(D, region="150102", industry="59")],
        "enterprise_metrics": [
            ev(A, 2024, "village_express_parcels", "1000000", "件"),  # 300,000.00, Ordos (150600)
            ev(D, 2024, "village_express_parcels", "333333.9", "件"),  # 333,333 whole parcels: 99,999.90, Hohhot
            ev(B, 2025, "village_express_parcels", "1000000", "件"),  # 2025 deliveries: not this list
        ],
    }, catalogue_of(FILE))
    assert lines(conn, "NMG2024-57") == [
        (D, 2025, "city", "150100", "99999.90"),
        (A, 2025, "city", "150600", "300000.00"),
    ]
    assert split_flags(conn, "NMG2024-57") == [(True,)]


def test_item59_multimodal_demonstration_10_million_on_acceptance(ledger_from, catalogue_of):
    # 列为国家多式联运示范工程并验收合格的项目，每个给予1000万元资金奖补.
    t = "multimodal_demo_project"
    conn = ledger_from({"enterprises": [enterprise(A, industry="54")], "projects": [
        proj("M1", t, "2024-09-30", total="300000000"),
        proj("M2", t, "2024-12-31", total="1000"),  # the amount does not depend on the investment
        proj("M3", t, "2025-03-01", total="300000000"),  # accepted in 2025: not this list
        proj("M4", t, None, total="300000000"),  # not yet accepted
    ]}, catalogue_of(FILE))
    assert lines(conn, "NMG2024-59") == [
        ("M1", 2024, "region", REGION, "10000000.00"),
        ("M2", 2024, "region", REGION, "10000000.00"),
    ]


def test_item71_and_72_per_bed_and_per_place_on_listing(ledger_from, catalogue_of):
    # 居家社区型和医养结合型按照每张床位2万元，旅居型按照每张床位1万元; 按每个托位1万元.
    conn = ledger_from({"enterprises": [enterprise(A, industry="72")], "projects": [
        proj("E1", "eldercare_community", started="2024-03-01", quantity="100", unit="床"),  # 2,000,000.00
        proj("E2", "eldercare_medical", started="2024-12-31", quantity="50", unit="床"),  # 1,000,000.00
        proj("E3", "eldercare_sojourn", started="2024-06-01", quantity="80", unit="床"),  # 800,000.00
        proj("E4", "eldercare_community", started="2023-12-31", quantity="100", unit="床"),  # listed in 2023
        proj("E5", "manufacturing", started="2024-03-01", quantity="100"),  # not a listed eldercare project
        proj("K1", "childcare_inclusive", started="2024-05-01", quantity="60", unit="托位"),  # 600,000.00
        proj("K2", "childcare_inclusive", started="2025-01-01", quantity="60", unit="托位"),  # 2025: not this list
    ]}, catalogue_of(FILE))
    assert lines(conn, "NMG2024-71") == [
        ("E1", 2024, "region", REGION, "2000000.00"),
        ("E2", 2024, "region", REGION, "1000000.00"),
        ("E3", 2024, "region", REGION, "800000.00"),
    ]
    assert lines(conn, "NMG2024-72A") == [("K1", 2024, "region", REGION, "600000.00")]


def test_item74_chairman_quality_award_only_for_service_firms(ledger_from, catalogue_of):
    # 对新获得自治区主席质量奖的服务业企业给予100万元资助资金.
    e = "chairman_quality_award_won"
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="51"), enterprise(B, industry="14"), enterprise(C, industry="43"),
                        enterprise(D, region="150102", industry="06")],
        "enterprise_metrics": [ev(A, 2024, e), ev(B, 2024, e), ev(C, 2024, e), ev(D, 2024, e)],
    }, catalogue_of(FILE))
    assert lines(conn, "NMG2024-74C") == [
        (A, 2024, "region", REGION, "1000000.00"),  # wholesale: tertiary
        (C, 2024, "region", REGION, "1000000.00"),  # 43 equipment repair: tertiary by 三次产业划分规定
    ]  # B (food manufacturing) and D (coal mining) are not service firms


def test_item58_village_delivery_posts_500_yuan_a_post_month_until_2025(ledger_from, catalogue_of):
    # Item 58: 设立村级寄递物流综合服务公益性岗位，补助标准为500元/月，补贴至2025年.
    t = "village_delivery_post_months"
    conn = ledger_from({"enterprises": [enterprise(A), enterprise(B), enterprise(C), enterprise(D, region="150102")],
                        "enterprise_metrics": [
        ev(A, 2024, t, "24", "月"),  # 2 posts all year: 24 x 500 = 12,000.00
        ev(A, 2025, t, "18", "月"),  # 2025 is still paid: 9,000.00
        ev(A, 2026, t, "24", "月"),  # 2026: after 补贴至2025年, nothing
        ev(B, 2024, t, "6.9", "月"),  # whole post-months only: 6 x 500 = 3,000.00
        ev(C, 2024, t, "0.5", "月"),  # less than one month: nothing
        ev(D, 2024, t, "1", "月"),  # Hohhot: one month, 500.00
        ev(C, 2023, t, "12", "月"),  # 2023: before the list
    ]}, catalogue_of(FILE))
    assert sorted(lines(conn, "NMG2024-58")) == [
        (D, 2024, "region", REGION, "500.00"),
        (A, 2024, "region", REGION, "12000.00"), (A, 2025, "region", REGION, "9000.00"),
        (B, 2024, "region", REGION, "3000.00"),
    ]
    assert split_flags(conn, "NMG2024-58") == [(False,)]


def test_item60a_etc_discount_five_percent_of_full_rate_tolls_forgone_open_ended(ledger_from, catalogue_of):
    # Item 60: 继续对通行自治区内高速公路ETC客货车给予5%通行费折扣优惠，长期执行.
    t = "expressway_etc_tolls_full_rate_yuan"
    conn = ledger_from({"enterprises": [enterprise(A), enterprise(B), enterprise(C)], "enterprise_metrics": [
        ev(A, 2024, t, "200000000", "元"),  # 5% = 10,000,000.00
        ev(A, 2026, t, "200000000.10", "元"),  # 长期执行: 10,000,000.005 -> 10,000,000.01
        ev(B, 2024, t, "0.09", "元"),  # 0.0045 -> 0.00: an award of nothing books no line
        ev(C, 2023, t, "100000000", "元"),  # 2023: before the list
    ]}, catalogue_of(FILE))
    assert lines(conn, "NMG2024-60A") == [
        (A, 2024, "region", REGION, "10000000.00"), (A, 2026, "region", REGION, "10000000.01"),
    ]
    assert conn.execute("SELECT DISTINCT kind FROM ledger.liabilities WHERE rule_id = 'NMG2024-60A'").fetchall() == [
        ("revenue_forgone",)]


def test_item51b_broker_award_two_percent_over_one_million_at_most_200_thousand_per_broker(ledger_from, catalogue_of):
    # Item 51: 对技术经纪人（经理人）年度内累计促成技术转移转化交易金额超过100万元的，按技术交易合同实际成交额的2%，
    # 给予最高20万元奖励. Brokers counted on their agency (one qualifying broker unless stated).
    n, v = "tech_broker_qualifying_n", "tech_broker_qualifying_deal_value_yuan"
    conn = ledger_from({"enterprises": [enterprise(x, industry="75") for x in (A, B, C)]
                        + [enterprise(D, region="150102", industry="75")], "enterprise_metrics": [
        ev(A, 2024, n, "1", "人"), ev(A, 2024, v, "1000000", "元"),  # exactly 100万: not 超过
        ev(B, 2024, n, "1", "人"), ev(B, 2024, v, "1000000.01", "元"),  # 20,000.0002 -> 20,000.00
        ev(C, 2024, n, "1", "人"), ev(C, 2024, v, "10000000.50", "元"),  # 200,000.01: one fen over the cap
        ev(D, 2024, n, "2", "人"), ev(D, 2024, v, "15000000", "元"),  # two brokers: 300,000.00 under 2 x 20万
        ev(A, 2025, n, "1", "人"), ev(A, 2025, v, "5000000", "元"),  # 2025: after the 2024 list
    ]}, catalogue_of(FILE))
    assert sorted(lines(conn, "NMG2024-51B")) == [
        (D, 2024, "region", REGION, "300000.00"),  # Hohhot's USCC sorts first
        (B, 2024, "region", REGION, "20000.00"), (C, 2024, "region", REGION, "200000.00"),
    ]
    assert split_flags(conn, "NMG2024-51B") == [(False,)]


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
