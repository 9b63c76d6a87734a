"""ORD2024 sections 三 to 六 (seeds/catalogue/ORD2024.part3.yaml) against the text's own numbers, by hand.

Amounts are in 元 with fen. Expected values are worked out by hand from the clauses, never by the code. Firms sit in
准格尔旗 (150622, city 150600) unless a test says otherwise; 1506P1 is the city-level high-tech zone (its banner
share is paid by the park); 150102 is a Hohhot district (city 150100), outside Ordos.
"""

from __future__ import annotations

from datetime import date

from tests.conftest import enterprise, lines

PART = "ORD2024.part3.yaml"
# The files holding the link targets (ORD-TALENT ids, NMG2024-74A/74C in part2, 91C/91D/98B/98C in part3, and
# ORD2024-2-1-01 in ORD2024 part 2, which 4.3.4 restates, with the NMG2024 part 1 targets of part 2).
TARGETS = ("ORD-TALENT.yaml", "NMG2024.part1.yaml", "NMG2024.part2.yaml", "NMG2024.part3.yaml",
           "ORD2024.part2.yaml")
ORDOS, ZHUNGEER, PARK, HOHHOT = "150600", "150622", "1506P1", "150102"


def uscc(n: int) -> str:
    return f"91150622O3{n:08d}"


def firm(n: int, region: str = ZHUNGEER, industry: str = "72", registered: str = "2010-05-01") -> dict:
    return enterprise(uscc(n), region=region, industry=industry, registered=registered)


def metric(n: int, year: int, code: str, value: str, unit: str = "元") -> dict:
    return {"uscc": uscc(n), "year": year, "metric": code, "value": value, "unit": unit}


def event(n: int, year: int, code: str, value: str = "1") -> dict:
    return metric(n, year, code, value, "次")


def split_half(n: int, year: int, total_half: str, region: str = ZHUNGEER) -> list[tuple]:
    """City and banner 1:1 (the default for a city clause that names no payer): the two lines of one payment."""
    return [(uscc(n), year, "banner", region, total_half), (uscc(n), year, "city", ORDOS, total_half)]


ITEMS = {"3.1.1", "3.1.2", "3.1.3", "3.2.1", "3.2.2", "3.2.3", "3.2.4", "4.1.1", "4.1.2", "4.2.1", "4.2.2", "4.2.3",
         "4.2.4", "4.3.1", "4.3.2", "4.3.3", "4.3.4", "4.3.5", *(f"4.4.{i}" for i in range(1, 13)),
         "5.1.1", "5.1.2", "5.1.3", *(f"5.2.{i}" for i in range(1, 7)), "6.1", "6.2", "6.3"}


def test_part3_loads_accounts_for_every_item_and_links_restatements(catalogue_of):
    from dagster_project import catalogue

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


def hq(n: int, capital: str, tax: str, year: int = 2024, recognised: bool = True) -> list[dict]:
    rows = [metric(n, year, CAP, capital), metric(n, year, TAX, tax)]
    return rows + ([event(n, year, HQ)] if recognised else [])


def test_3_1_2_headquarters_award_bands_and_cliffs_paid_by_the_city_next_year(ledger_from, catalogue_of):
    # 实缴10亿（含）以上且年纳税1亿（含）以上 3500万; 5亿（含）-10亿且纳税6000万（含）以上 2500万; 1亿（含）-5亿且纳税
    # 4000万（含）以上 1500万; 1亿以下按实际纳税40%. 旗区先行兑付，市本级通过体制结算全额奖补.
    conn = ledger_from({
        "enterprises": [firm(i) for i in range(1, 12)] + [firm(13, region=PARK)],
        "enterprise_metrics": [
            *hq(1, "1000000000", "100000000"),  # exactly 10亿 and 1亿: 35,000,000.00
            *hq(2, "1000000000", "99999999.99"),  # 10亿 but tax just under 1亿: the 6000万 band, 25,000,000.00
            *hq(3, "999999999.99", "200000000"),  # just under 10亿: 5-10亿 band, 25,000,000.00
            *hq(4, "500000000", "60000000"),  # exactly 5亿 and 6000万: 25,000,000.00
            *hq(5, "500000000", "59999999"),  # 5亿, tax under 6000万 but over 4000万: 15,000,000.00
            *hq(6, "100000000", "40000000"),  # exactly 1亿 and 4000万: 15,000,000.00
            *hq(7, "100000000", "39999999.99"),  # 1亿 and tax just under 4000万: nothing (cliff)
            *hq(8, "99999999.99", "39999999.99"),  # under 1亿: 40% = 15,999,999.996 -> 16,000,000.00
            *hq(9, "50000000", "1234567.89"),  # 40% = 493,827.156 -> 493,827.16
            *hq(10, "2000000000", "200000000", recognised=False),  # not a recognised HQ
            *hq(11, "2000000000", "200000000", year=2023),  # recognised in 2023, before the 2024 list
            *hq(13, "1000000000", "100000000"),  # in the high-tech zone: the city still pays it all
        ],
    }, catalogue_of(PART, *TARGETS))
    city = [(uscc(n), 2025, "city", ORDOS, amount) for n, amount in [
        (1, "35000000.00"), (2, "25000000.00"), (3, "25000000.00"), (4, "25000000.00"), (5, "15000000.00"),
        (6, "15000000.00"), (8, "16000000.00"), (9, "493827.16"), (13, "35000000.00")]]
    assert lines(conn, "ORD2024-3-1-02A") == city


def test_3_1_2_a_firm_outside_ordos_gets_nothing(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": [firm(1, region=HOHHOT)],
                        "enterprise_metrics": hq(1, "1000000000", "100000000")}, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-3-1-02A") == []


RET = "local_fiscal_contribution_city_retained_yuan"


def test_3_1_3a_city_retained_share_handed_to_the_banner_for_first_full_tax_year_2024(ledger_from, catalogue_of):
    # 新引进的……现代服务业企业，自企业注册后第一个完整纳税年度起，在本政策执行期内，将其年度地方财力贡献的市本级
    # 留成部分通过体制结算全额奖补属地旗区.
    conn = ledger_from({
        "enterprises": [
            firm(1, industry="72", registered="2023-06-01"),  # first full tax year 2024
            firm(2, industry="59", registered="2024-01-01"),  # registered on 1 January: 2024 is a full year
            firm(3, industry="72", registered="2023-01-01"),  # first full tax year 2023: not new to this list
            firm(4, industry="72", registered="2024-01-02"),  # first full tax year 2025: after the list
            firm(5, industry="06", registered="2023-06-01"),  # coal mining: not a modern service
            firm(6, industry="62", registered="2023-06-01"),  # catering: not named
            firm(7, region=HOHHOT, industry="72", registered="2023-06-01"),  # not in Ordos
            firm(8, region=PARK, industry="54", registered="2023-09-30"),  # road freight in the high-tech zone
        ],
        "enterprise_metrics": [
            metric(1, 2023, RET, "5000"), metric(1, 2024, RET, "123456.78"), metric(1, 2025, RET, "999"),
            metric(2, 2024, RET, "1000000"), metric(3, 2024, RET, "1000000"), metric(4, 2024, RET, "1000000"),
            metric(5, 2024, RET, "1000000"), metric(6, 2024, RET, "1000000"), metric(7, 2024, RET, "1000000"),
            metric(8, 2024, RET, "0.01"),
        ],
    }, catalogue_of(PART, *TARGETS))
    # Settled at the year-end 体制结算: 2024's share is booked in 2025, all of it to the city.
    assert lines(conn, "ORD2024-3-1-03A") == [
        (uscc(1), 2025, "city", ORDOS, "123456.78"),
        (uscc(2), 2025, "city", ORDOS, "1000000.00"),
        (uscc(8), 2025, "city", ORDOS, "0.01"),
    ]
    kinds = conn.execute("SELECT DISTINCT kind FROM ledger.liabilities WHERE rule_id = 'ORD2024-3-1-03A'").fetchall()
    assert kinds == [("revenue_forgone",)]


def test_3_1_3b_financial_institution_opening_year_and_the_next(ledger_from, catalogue_of):
    # 自其开业年度起，两年内地方财力贡献的市本级留成部分通过体制结算全额奖补属地旗区.
    opened = "financial_institution_opened"
    conn = ledger_from({
        "enterprises": [firm(1), firm(2), firm(3)],
        "enterprise_metrics": [
            event(1, 2024, opened), metric(1, 2024, RET, "1000000"), metric(1, 2025, RET, "2000000.50"),
            metric(1, 2026, RET, "3000000"),  # third year: outside 两年内
            event(2, 2023, opened), metric(2, 2023, RET, "1000000"), metric(2, 2024, RET, "1000000"),  # opened 2023
            event(3, 2025, opened), metric(3, 2025, RET, "1000000"),  # opened after the 2024 list
        ],
    }, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-3-1-03B") == [
        (uscc(1), 2025, "city", ORDOS, "1000000.00"),
        (uscc(1), 2026, "city", ORDOS, "2000000.50"),
    ]


def test_3_1_3c_equity_fund_one_per_mille_of_paid_in_from_50_yi(ledger_from, catalogue_of):
    # 完成基金业协会备案且实缴资金达到50亿元（含）以上的，按照实缴资金的0.1%给予奖励，市本级体制结算全额奖补.
    filed, paid = "equity_fund_filed", "equity_fund_filed_paid_in_yuan"
    conn = ledger_from({
        "enterprises": [firm(1), firm(2), firm(3), firm(4)],
        "enterprise_metrics": [
            event(1, 2024, filed), metric(1, 2024, paid, "5000000000"),  # exactly 50亿: 5,000,000.00
            event(2, 2024, filed), metric(2, 2024, paid, "4999999999.99"),  # just under: nothing
            event(3, 2024, filed), metric(3, 2024, paid, "12345678901.23"),  # 12,345,678.90123 -> 12,345,678.90
            metric(4, 2024, paid, "9000000000"),  # paid-in but no filing event: nothing
        ],
    }, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-3-1-03C") == [
        (uscc(1), 2025, "city", ORDOS, "5000000.00"),
        (uscc(3), 2025, "city", ORDOS, "12345678.90"),
    ]


def test_3_2_2_silver_age_vouchers_are_a_2024_city_budget_of_5_million(ledger_from, catalogue_of):
    # 2024年，发放“银龄乐购”消费券500万元.
    conn = ledger_from({}, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-3-2-02") == [("ORD2024-3-2-02/2024", 2024, "city", ORDOS, "5000000.00")]


def test_3_2_3_quality_awards_top_up_the_region(ledger_from, catalogue_of):
    # 在享受自治区相关奖励政策的基础上，对新获得中国质量奖、自治区主席质量奖的企业，分别再给予200万元、100万元；
    # 新获得市长质量奖的企业，给予50万元.
    conn = ledger_from({
        "enterprises": [firm(1, industry="14"), firm(2, industry="14"), firm(3), firm(4, region=PARK),
                        firm(5, region=HOHHOT)],
        "enterprise_metrics": [
            event(1, 2024, "china_quality_award_won"),
            event(2, 2024, "chairman_quality_award_won"),  # a dairy manufacturer: no region money (74C is
            event(3, 2024, "mayor_quality_award_won"),  # for service firms), but the city's 100万
            event(4, 2024, "mayor_quality_award_won"),  # in the high-tech zone: the park pays the banner half
            event(5, 2024, "china_quality_award_won"),  # a Hohhot winner: region money only
            event(3, 2025, "mayor_quality_award_won"),  # after the 2024 list
        ],
    }, catalogue_of(PART, *TARGETS))
    # No payer named: city and banner 1:1 (default, flagged).
    assert lines(conn, "ORD2024-3-2-03A") == split_half(1, 2024, "1000000.00")
    assert lines(conn, "ORD2024-3-2-03B") == split_half(2, 2024, "500000.00")
    assert lines(conn, "ORD2024-3-2-03C") == split_half(3, 2024, "250000.00") + split_half(4, 2024, "250000.00", PARK)
    # The region's own award is paid as well: the city amount is on top of it.
    assert lines(conn, "NMG2024-74A") == [(uscc(1), 2024, "region", "150000", "5000000.00"),
                                          (uscc(5), 2024, "region", "150000", "5000000.00")]
    assert lines(conn, "NMG2024-74C") == []
    flags = conn.execute("SELECT DISTINCT split_specified FROM ledger.liabilities WHERE rule_id LIKE 'ORD2024-3-2-03%'")
    assert flags.fetchall() == [(False,)]


def project(pid: str, ptype: str, completed: str, equipment: str, region: str = ZHUNGEER) -> dict:
    return {"project_id": pid, "uscc": uscc(1), "project_name": pid, "project_type": ptype, "region_code": region,
            "start_date": date(2022, 1, 1), "completion_date": date.fromisoformat(completed),
            "equipment_investment_yuan": equipment, "total_investment_yuan": equipment}


def test_4_2_2_water_quota_leader_retrofit_20_percent_capped_at_2_million_from_2023(ledger_from, catalogue_of):
    # 2023年起，通过技术改造达到取用水定额领跑值的企业，给予节水技改项目设备投入的20%作为奖励，单个项目不超过200万元.
    t = "water_quota_leader_retrofit"
    conn = ledger_from({"enterprises": [firm(1)], "projects": [
        project("W1", t, "2023-01-01", "5000000"),  # 1,000,000.00, completed on the first day of 2023
        project("W2", t, "2024-12-31", "10000000"),  # exactly the cap: 2,000,000.00
        project("W3", t, "2024-06-30", "10000000.05"),  # 2,000,000.01 -> capped at 2,000,000.00
        project("W4", t, "2024-06-30", "1234.57"),  # 246.914 -> 246.91: city 123.45, banner 123.46
        project("W5", t, "2022-12-31", "5000000"),  # before 2023
        project("W6", t, "2025-01-01", "5000000"),  # after the 2024 list
        project("W7", t, "2024-06-30", "5000000", region=HOHHOT),  # not in Ordos
        project("W8", "water_saving_retrofit", "2024-06-30", "5000000"),  # the region's type, not this one
    ]}, catalogue_of(PART, *TARGETS))
    # Paid the year after completion; no payer named: city/banner 1:1.
    assert lines(conn, "ORD2024-4-2-02") == [
        ("W1", 2024, "banner", ZHUNGEER, "500000.00"), ("W1", 2024, "city", ORDOS, "500000.00"),
        ("W2", 2025, "banner", ZHUNGEER, "1000000.00"), ("W2", 2025, "city", ORDOS, "1000000.00"),
        ("W3", 2025, "banner", ZHUNGEER, "1000000.00"), ("W3", 2025, "city", ORDOS, "1000000.00"),
        ("W4", 2025, "banner", ZHUNGEER, "123.46"), ("W4", 2025, "city", ORDOS, "123.45"),
    ]


def test_4_2_3_energy_benchmark_retrofit_20_percent_capped_at_5_million(ledger_from, catalogue_of):
    # 通过技术改造达到能效标杆值的企业，给予节能技改项目设备投入的20%作为奖励，单个项目不超过500万元.
    t = "energy_benchmark_retrofit"
    conn = ledger_from({"enterprises": [firm(1)], "projects": [
        project("E1", t, "2024-04-29", "25000000"),  # the list's first day; exactly the cap: 5,000,000.00
        project("E2", t, "2024-04-28", "25000000"),  # the day before the list: nothing
        project("E3", t, "2024-12-31", "25000000.05"),  # 5,000,000.01 -> capped at 5,000,000.00
        project("E4", t, "2024-09-01", "7777777.77"),  # 1,555,555.554 -> 1,555,555.55
    ]}, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-4-2-03") == [
        ("E1", 2025, "banner", ZHUNGEER, "2500000.00"), ("E1", 2025, "city", ORDOS, "2500000.00"),
        ("E3", 2025, "banner", ZHUNGEER, "2500000.00"), ("E3", 2025, "city", ORDOS, "2500000.00"),
        ("E4", 2025, "banner", ZHUNGEER, "777777.78"), ("E4", 2025, "city", ORDOS, "777777.77"),
    ]


def test_4_3_1_listing_awards_paid_by_the_city_on_top_of_the_region(ledger_from, catalogue_of):
    # 沪深北上市分阶段总额1000万; 香港联交所500万; 新三板挂牌100万; 转板900万; 天骏板30万; 市外上市公司迁入1000万.
    conn = ledger_from({
        "enterprises": [firm(i, industry="38") for i in range(1, 9)] + [firm(9, region=HOHHOT, industry="38")],
        "enterprise_metrics": [
            event(1, 2024, "ipo_listed_domestic"), event(2, 2024, "ipo_listed_hkex"), event(3, 2024, "neeq_listed"),
            event(4, 2024, "neeq_transfer_listed"), event(5, 2024, "tianjun_board_listed"),
            event(6, 2024, "listed_company_relocated_in"),
            event(7, 2025, "ipo_listed_domestic"),  # after the 2024 list
            event(8, 2024, "ipo_listed_overseas"),  # New York or NASDAQ: region money only, not the city's HKEX award
            event(9, 2024, "ipo_listed_domestic"),  # a Hohhot firm
        ],
    }, catalogue_of(PART, *TARGETS))
    expected = {"ORD2024-4-3-01A": (1, "10000000.00"), "ORD2024-4-3-01B": (2, "5000000.00"),
                "ORD2024-4-3-01C": (3, "1000000.00"), "ORD2024-4-3-01D": (4, "9000000.00"),
                "ORD2024-4-3-01E": (5, "300000.00"), "ORD2024-4-3-01F": (6, "10000000.00")}
    for rule_id, (n, amount) in expected.items():  # 市级再次给予奖补: the city pays it all
        assert lines(conn, rule_id) == [(uscc(n), 2024, "city", ORDOS, amount)], rule_id
    assert lines(conn, "NMG2024-91C") == [(uscc(1), 2024, "region", "150000", "10000000.00"),
                                          (uscc(9), 2024, "region", "150000", "10000000.00")]


def test_4_4_1_and_4_4_2_talent_team_floor_and_hiring_subsidy_per_whole_person(ledger_from, catalogue_of):
    # 对认定的市级产业创新创业人才团队给予不低于50万元资助; 重点群体……按每人1500元的标准给予企业一次性用工补贴.
    hires = "coalchem_key_group_hires_n"
    conn = ledger_from({
        "enterprises": [firm(1, industry="75"), firm(2, industry="26"), firm(3, industry="26"), firm(4, industry="26")],
        "enterprise_metrics": [
            event(1, 2024, "talent_team_recognised"),
            metric(2, 2024, hires, "37", "人"),  # 37 x 1500 = 55,500.00
            metric(3, 2024, hires, "1", "人"),  # exactly one person: 1,500.00
            metric(4, 2024, hires, "0", "人"),  # nobody hired: nothing
        ],
    }, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-4-4-01F") == split_half(1, 2024, "250000.00")
    assert lines(conn, "ORD2024-4-4-02") == split_half(2, 2024, "27750.00") + split_half(3, 2024, "750.00")
    basis = conn.execute("SELECT basis FROM catalogue.rules WHERE rule_id = 'ORD2024-4-4-01F'").fetchone()[0]
    assert basis == "lower_bound"


def test_4_4_5_skills_awards_per_person_on_the_employer(ledger_from, catalogue_of):
    # 中华技能大奖10万、全国技术能手5万; 自治区三项荣誉2万; 全区技术能手1万; 鄂尔多斯工匠5万; 世赛等选手最高20万、
    # 辅导老师最高5万.
    named = {"china_skill_award_named": (1, "1"), "national_technical_expert_named": (2, "2"),
             "region_skill_honour_named": (3, "1"), "region_technical_expert_named": (4, "1"),
             "ordos_craftsman_named": (5, "3"), "skills_competition_winner_named": (6, "1"),
             "skills_competition_coach_named": (7, "2")}
    conn = ledger_from({
        "enterprises": [firm(i, industry="06") for i in range(1, 8)],
        "enterprise_metrics": [metric(n, 2024, code, count, "人") for code, (n, count) in named.items()]
        + [metric(5, 2023, "ordos_craftsman_named", "1", "人")],  # 2023: before the 2024 list
    }, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-4-4-05A") == split_half(1, 2024, "50000.00")  # 1 x 10万
    assert lines(conn, "ORD2024-4-4-05B") == split_half(2, 2024, "50000.00")  # 2 x 5万
    assert lines(conn, "ORD2024-4-4-05C") == split_half(3, 2024, "10000.00")  # 1 x 2万
    assert lines(conn, "ORD2024-4-4-05D") == split_half(4, 2024, "5000.00")  # 1 x 1万
    assert lines(conn, "ORD2024-4-4-05E") == split_half(5, 2024, "75000.00")  # 3 x 5万
    assert lines(conn, "ORD2024-4-4-05F") == split_half(6, 2024, "100000.00")  # 1 x 20万 (ceiling)
    assert lines(conn, "ORD2024-4-4-05G") == split_half(7, 2024, "50000.00")  # 2 x 5万 (ceiling)


def test_4_4_6_young_talents_postdocs_on_the_employer(ledger_from, catalogue_of):
    # 明日之星最高20万; 博士后每人每年5万元生活补贴; 出站留用博士后最高30万元.
    conn = ledger_from({
        "enterprises": [firm(1, industry="73"), firm(2, industry="73"), firm(3, industry="73")],
        "enterprise_metrics": [
            metric(1, 2024, "tomorrow_star_selected_n", "2", "人"),  # 2 x 20万 = 400,000.00
            metric(2, 2024, "postdocs_in_station_n", "3", "人"),  # 3 x 5万 = 150,000.00
            metric(2, 2025, "postdocs_in_station_n", "3", "人"),  # 2025: after the 2024 list
            metric(3, 2024, "postdoc_retained_named", "1", "人"),  # 30万
        ],
    }, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-4-4-06A") == split_half(1, 2024, "200000.00")
    assert lines(conn, "ORD2024-4-4-06B") == split_half(2, 2024, "75000.00")
    assert lines(conn, "ORD2024-4-4-06C") == split_half(3, 2024, "150000.00")


def doctor(tid: str, arrived: str, degree: str = "doctorate", employment: str = "full_time",
           region: str = "150602") -> dict:
    return {"talent_id": tid, "person_key": f"pk-{tid}", "name_masked": "李**", "id_masked": "150602********0000",
            "category": None, "field": "science", "employer_uscc": uscc(1), "region_code": region,
            "arrival_date": date.fromisoformat(arrived), "departure_date": None, "employment": employment,
            "degree": degree, "title": "none", "annual_salary_yuan": "200000", "birth_year": 1992}


def test_4_4_6d_full_time_doctor_start_up_grant_booked_at_the_10_wan_floor(ledger_from, catalogue_of):
    # 在具备科研条件的企事业单位全职工作的博士，可申请10-30万元科研启动经费.
    conn = ledger_from({"enterprises": [firm(1, region="150602")], "talents": [
        doctor("D1", "2024-04-29"),  # the list's first day: 100,000.00 (the floor of 10万-30万)
        doctor("D2", "2024-12-31"),  # the list's last day
        doctor("D3", "2024-04-28"),  # before the list
        doctor("D4", "2024-07-01", degree="master"),  # not a doctor
        doctor("D5", "2024-07-01", employment="flexible"),  # not 全职
        doctor("D6", "2024-07-01", region=HOHHOT),  # works in Hohhot
    ]}, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-4-4-06D") == [
        ("D1", 2024, "banner", "150602", "50000.00"), ("D1", 2024, "city", ORDOS, "50000.00"),
        ("D2", 2024, "banner", "150602", "50000.00"), ("D2", 2024, "city", ORDOS, "50000.00"),
    ]


def test_3_2_4_car_subsidies_2000_per_vehicle_counted_on_the_dealers_invoices(ledger_from, catalogue_of):
    # 对在本市购买新能源汽车并开具本地发票,每车给予2000元补贴。
    # 对农牧民购买微型或轻型货车(含皮卡)、1.6升及以下排量乘用车,
    # 每车给予2000元补贴。No payer named: city and banner 1:1 (flagged), paid in the year of purchase.
    nev, herder = "nev_sold_local_invoice_n", "herder_light_vehicle_sold_n"
    conn = ledger_from({"enterprises": [firm(1), firm(2, region=PARK), firm(3, region=HOHHOT), firm(4)],
                        "enterprise_metrics": [
        metric(1, 2024, nev, "301", "辆"),  # 301 x 2000 = 602,000
        metric(1, 2024, herder, "1", "辆"),  # exactly one vehicle: 2,000
        metric(2, 2024, nev, "12.6", "辆"),  # 12 whole cars: 24,000, the park pays the banner half
        metric(3, 2024, nev, "50", "辆"),  # a Hohhot dealer issues no Ordos invoice: nothing
        metric(4, 2024, nev, "0.9", "辆"),  # not one whole car: nothing
        metric(4, 2023, herder, "40", "辆"),  # before the list: nothing
    ]}, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-3-2-04A") == (split_half(1, 2024, "301000.00")
                                              + split_half(2, 2024, "12000.00", region=PARK))
    assert lines(conn, "ORD2024-3-2-04B") == split_half(1, 2024, "1000.00")
    flagged = conn.execute("SELECT DISTINCT split_specified FROM ledger.liabilities WHERE rule_id LIKE "
                           "'ORD2024-3-2-04%'").fetchall()
    assert flagged == [(False,)]


# --------------------------------------------------------------------- issue 16: clauses with an amount, costed


def test_4_4_1_outstanding_team_progressive_support_and_industrialisation_award_at_half_the_ceiling(
        ledger_from, catalogue_of):
    # 获评后经济社会效益显著的团队给予累进支持经费，同一团队支持经费总额最高为500万元 (half assumed: 250万, 1:2:3 over
    # three years); 新引进团队项目实现产业化后……给予团队依托单位最高500万元奖励 (half: 250万, once).
    conn = ledger_from({"enterprises": [firm(1, industry="73"), firm(2, industry="73"), firm(3, region=HOHHOT)],
                        "enterprise_metrics": [
        event(1, 2024, "talent_team_outstanding_named", "1"),
        event(2, 2024, "talent_team_project_industrialised", "1"),
        event(3, 2024, "talent_team_outstanding_named", "1"),  # a Hohhot unit: not the city's
        event(2, 2025, "talent_team_project_industrialised", "1"),  # after the 2024 list
    ]}, catalogue_of(PART, *TARGETS))
    # 250万 in 1:2:3: 416,666.66 + 833,333.34 + 1,250,000.00 (each year halved between city and banner)
    assert lines(conn, "ORD2024-4-4-01G") == (split_half(1, 2024, "208333.33") + split_half(1, 2025, "416666.67")
                                              + split_half(1, 2026, "625000.00"))
    assert lines(conn, "ORD2024-4-4-01H") == split_half(2, 2024, "1250000.00")
    ceiling = conn.execute("SELECT ceiling_yuan, award_yuan FROM ledger.awards WHERE rule_id = 'ORD2024-4-4-01G'")
    assert ceiling.fetchall() == [(5000000, 2500000)]


def test_4_4_6e_graduate_start_ups_at_each_of_the_four_grades(ledger_from, catalogue_of):
    # 分别给予5万元、10万元、15万元、20万元四个等级的一次性资助.
    grade = {5: "graduate_startup_grade_5w_n", 10: "graduate_startup_grade_10w_n",
             15: "graduate_startup_grade_15w_n", 20: "graduate_startup_grade_20w_n"}
    conn = ledger_from({"enterprises": [firm(i, industry="65") for i in range(1, 6)] + [firm(6, region=HOHHOT)],
                        "enterprise_metrics": [
        event(1, 2024, grade[5]), event(2, 2024, grade[10]), event(3, 2024, grade[15]), event(4, 2024, grade[20]),
        event(5, 2024, grade[5]), event(5, 2024, grade[20], "2"),  # three projects: 5万 + 2 x 20万 = 45万
        event(6, 2024, grade[20]),  # Hohhot
        event(1, 2023, grade[20]),  # before the list
    ]}, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-4-4-06E") == (split_half(1, 2024, "25000.00") + split_half(2, 2024, "50000.00")
                                              + split_half(3, 2024, "75000.00") + split_half(4, 2024, "100000.00")
                                              + split_half(5, 2024, "225000.00"))


def test_4_4_7_rural_talents_teams_and_certificates_per_level(ledger_from, catalogue_of):
    # 对入选乡村振兴人才一次性奖励2万元，对入选团队最高资助30万元 (half: 15万); 新取得初级、中级、高级、技师、高级技师
    # ……分别给予2000元、3000元、5000元、8000元和10000元技能提升补贴.
    cert = {5: "rural_talent_cert_level5_n", 4: "rural_talent_cert_level4_n", 3: "rural_talent_cert_level3_n",
            2: "rural_talent_cert_level2_n", 1: "rural_talent_cert_level1_n"}
    conn = ledger_from({"enterprises": [firm(i, industry="03") for i in range(1, 12)], "enterprise_metrics": [
        event(1, 2024, "rural_revitalisation_talent_selected_n", "3"),  # 3 x 2万 = 6万
        event(2, 2024, "rural_revitalisation_team_selected", "1"),  # 30万 x 0.5 = 15万
        *[metric(2 + lv, 2024, cert[lv], "1", "人") for lv in (5, 4, 3, 2, 1)],  # one certificate per level
        # firm 8: 10 x 2000 + 3 x 3000 + 1 (of 1.5) x 5000 + 1 x 8000 + 2 x 10000 = 62,000
        *[metric(8, 2024, cert[lv], n, "人") for lv, n in ((5, "10"), (4, "3"), (3, "1.5"), (2, "1"), (1, "2"))],
        metric(9, 2024, cert[5], "0.9", "人"),  # not one whole person: nothing
        metric(10, 2023, cert[1], "5", "人"),  # before the list
    ]}, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-4-4-07A") == split_half(1, 2024, "30000.00")
    assert lines(conn, "ORD2024-4-4-07B") == split_half(2, 2024, "75000.00")
    # level 5 (firm 7) 2000, level 4 (6) 3000, level 3 (5) 5000, level 2 (4) 8000, level 1 (3) 10000
    assert lines(conn, "ORD2024-4-4-07C") == (split_half(3, 2024, "5000.00") + split_half(4, 2024, "4000.00")
                                              + split_half(5, 2024, "2500.00") + split_half(6, 2024, "1500.00")
                                              + split_half(7, 2024, "1000.00") + split_half(8, 2024, "31000.00"))


def test_4_4_8b_4_4_9_and_5_2_4_ceilings_booked_at_half(ledger_from, catalogue_of):
    # 银龄计划 一次性最高15万元 per firm; 产业人才引进培养项目最高50万元; 一事一议最高100万元; 标准化 最高100万元.
    conn = ledger_from({"enterprises": [firm(1, industry="34"), firm(2, industry="34"), firm(3, industry="34"),
                                        firm(4, industry="34"), firm(5, region=PARK, industry="34"),
                                        firm(6, region=HOHHOT, industry="34")], "enterprise_metrics": [
        event(1, 2024, "silver_age_engineer_hired", "2"),  # two engineers, one award per firm: 7.5万
        event(2, 2024, "industry_talent_project_funded", "2"),  # 2 x 50万 x 0.5 = 50万
        event(3, 2024, "trainee_national_honour_named", "1"),  # 100万 x 0.5 = 50万
        event(4, 2024, "standardisation_achievement_awarded", "1"),  # 50万
        event(5, 2024, "standardisation_achievement_awarded", "1"),  # in the park: the park pays the banner half
        event(6, 2024, "standardisation_achievement_awarded", "1"),  # Hohhot
    ]}, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-4-4-08B") == split_half(1, 2024, "37500.00")
    assert lines(conn, "ORD2024-4-4-09A") == split_half(2, 2024, "250000.00")
    assert lines(conn, "ORD2024-4-4-09B") == split_half(3, 2024, "250000.00")
    assert lines(conn, "ORD2024-5-2-04") == split_half(4, 2024, "250000.00") + split_half(5, 2024, "250000.00",
                                                                                           region=PARK)
    shares = conn.execute("SELECT DISTINCT basis, expected_share FROM catalogue.rules WHERE rule_id IN "
                          "('ORD2024-4-4-08B', 'ORD2024-4-4-09A', 'ORD2024-4-4-09B', 'ORD2024-5-2-04')").fetchall()
    assert [(b, float(s)) for b, s in shares] == [("expected_value", 0.5)]


def recruit(tid: str, arrived: str, months: str | None, category: str | None = "C", **fields) -> dict:
    row = doctor(tid, arrived) | {"category": category, "scheme": "high_level" if category else "youth",
                                  "spouse_unemployed_months": months}
    return row | fields


def test_4_4_11_spouse_without_work_over_6_months_1000_a_month_at_most_24(ledger_from, catalogue_of):
    # 刚性引进高层次人才配偶连续超过6个月未就业的，按每月1000元标准给予生活补贴，最长补贴24个月 (booked the year after
    # arrival; city and banner 1:1, the banner is 东胜区 150602).
    conn = ledger_from({"enterprises": [firm(1, region="150602")], "talents": [
        recruit("S1", "2024-04-29", "7"),  # 7 months: 7,000.00
        recruit("S2", "2024-06-01", "6"),  # exactly 6: not more than 6
        recruit("S3", "2024-06-01", "6.5"),  # more than 6, six whole months: 6,000.00
        recruit("S4", "2024-12-31", "24"),  # 24,000.00
        recruit("S5", "2024-06-01", "30"),  # at most 24 months: 24,000.00
        recruit("S6", "2024-06-01", "12", employment="flexible"),  # 柔性, not 刚性引进
        recruit("S7", "2024-06-01", "12", cultivated_in_city="yes"),  # certified in the city, not recruited
        recruit("S8", "2024-04-28", "12"),  # before the list
        recruit("S9", "2024-06-01", "12", category=None),  # a youth graduate, not a high-level talent
        recruit("S10", "2024-06-01", "12", region_code=HOHHOT),  # works in Hohhot
    ]}, catalogue_of(PART, *TARGETS))
    assert lines(conn, "ORD2024-4-4-11") == [
        ("S1", 2025, "banner", "150602", "3500.00"), ("S1", 2025, "city", ORDOS, "3500.00"),
        ("S3", 2025, "banner", "150602", "3000.00"), ("S3", 2025, "city", ORDOS, "3000.00"),
        ("S4", 2025, "banner", "150602", "12000.00"), ("S4", 2025, "city", ORDOS, "12000.00"),
        ("S5", 2025, "banner", "150602", "12000.00"), ("S5", 2025, "city", ORDOS, "12000.00"),
    ]
