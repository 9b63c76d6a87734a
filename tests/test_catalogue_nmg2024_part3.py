"""NMG2024 items 76-110 (seeds/catalogue/NMG2024.part3.yaml) against the text's own numbers, written out by hand.

Amounts are in 元 with fen. Expected values are worked out by hand from the clause, never by the code.
"""

from __future__ import annotations

from tests.conftest import enterprise, lines

PART = "NMG2024.part3.yaml"


def firm(n: int, region: str = "150622", industry: str = "72") -> dict:
    return enterprise(f"91150622P3{n:08d}", region=region, industry=industry)


def uscc(n: int) -> str:
    return f"91150622P3{n:08d}"


def metric(n: int, year: int, code: str, value: str, unit: str = "元") -> dict:
    return {"uscc": uscc(n), "year": year, "metric": code, "value": value, "unit": unit}


LIAB, PREM = "guarantee_new_liability_sm_agri_yuan", "guarantee_premium_sm_agri_yuan"


def test_catalogue_part3_loads_and_accounts_for_every_item(catalogue_of):
    from dagster_project import catalogue

    cat = catalogue.load(catalogue_of(PART))
    assert len(cat.rules) == 26 and len(cat.costed()) == 13
    doc = next(d for d in cat.documents if d["document"] == "NMG2024")
    with_entry = {int(r.citation["item"]) for r in cat.rules}
    without = {int(i) for i in doc["items_without_fiscal_clause"]}
    assert with_entry | without == set(range(76, 111)) and not with_entry & without


def test_item83a_one_percent_of_new_guarantee_liability_capped_at_5_million_per_company(ledger_from, catalogue_of):
    # 按照其当年新增小微企业和"三农三牧"主体担保（再担保）责任金额的1%进行风险补偿，单户最高不超500万元.
    conn = ledger_from({
        "enterprises": [firm(i) for i in range(1, 7)],
        "enterprise_metrics": [
            metric(1, 2024, LIAB, "300000000"),  # 3亿 x 1% = 3,000,000.00
            metric(2, 2024, LIAB, "500000000"),  # 5亿 x 1% = 5,000,000.00, exactly the cap
            metric(3, 2024, LIAB, "500000100"),  # 5,000,001.00, just above the cap: 5,000,000.00
            metric(4, 2024, LIAB, "123456.78"),  # 1,234.5678 -> 1,234.57 (half-up)
            metric(5, 2023, LIAB, "300000000"),  # 2023 is not a year of the 2024 list
            metric(6, 2025, LIAB, "300000000"),  # nor is 2025
        ],
    }, catalogue_of(PART))
    # Known when 2024 closes: paid in 2025. No split named: the region pays (default, flagged).
    assert lines(conn, "NMG2024-83A") == [
        (uscc(1), 2025, "region", "150000", "3000000.00"),
        (uscc(2), 2025, "region", "150000", "5000000.00"),
        (uscc(3), 2025, "region", "150000", "5000000.00"),
        (uscc(4), 2025, "region", "150000", "1234.57"),
    ]
    outcome = conn.execute("SELECT outcome FROM ledger.awards WHERE rule_id = 'NMG2024-83A' AND object_id = ?",
                           [uscc(3)]).fetchone()[0]
    assert outcome == "capped_per_beneficiary_year"
    flags = conn.execute("SELECT DISTINCT split_specified FROM ledger.liabilities WHERE rule_id = 'NMG2024-83A'")
    assert flags.fetchall() == [(False,)]


def test_item83b_ten_percent_of_premium_where_fee_rate_is_at_most_one_percent(ledger_from, catalogue_of):
    # 对当年收取新增小微企业和"三农三牧"主体担保（再担保）费率1%（含）以下的，
    # 按照当年保费收入（不含税金）的10%给予保费补助.
    conn = ledger_from({
        "enterprises": [firm(i) for i in range(1, 7)],
        "enterprise_metrics": [
            metric(1, 2024, LIAB, "300000000"), metric(1, 2024, PREM, "3000000"),  # exactly 1% (含): 300,000.00
            metric(2, 2024, LIAB, "500000000"), metric(2, 2024, PREM, "5000000.01"),  # just above 1%: nothing
            metric(3, 2024, LIAB, "500000100"), metric(3, 2024, PREM, "2500000"),  # 0.5%: 250,000.00
            metric(4, 2024, LIAB, "123456.78"), metric(4, 2024, PREM, "1234.56"),  # 123.456 -> 123.46
            metric(5, 2024, LIAB, "9000000000"), metric(5, 2024, PREM, "60000000"),  # 6,000,000.00: no cap here
            metric(6, 2024, PREM, "100000"),  # no liability figure: the rate cannot be shown, nothing
        ],
    }, catalogue_of(PART))
    assert lines(conn, "NMG2024-83B") == [
        (uscc(1), 2025, "region", "150000", "300000.00"),
        (uscc(3), 2025, "region", "150000", "250000.00"),
        (uscc(4), 2025, "region", "150000", "123.46"),
        (uscc(5), 2025, "region", "150000", "6000000.00"),
    ]


def test_item85a_central_45_and_region_30_percent_of_the_grain_insurance_premium(ledger_from, catalogue_of):
    # 中央和自治区分别承担45%和30%的保险费补贴; the other 25% is the farmer's own premium (not booked).
    g = "grain_full_cost_insurance_premium_yuan"
    conn = ledger_from({
        "enterprises": [firm(i, region="150102", industry="01") for i in range(1, 5)],
        "enterprise_metrics": [
            metric(1, 2024, g, "100000"),  # central 45,000.00 + region 30,000.00 = 75,000.00
            # each level's own share, rounded on its own: central 45% = 450.0045 -> 450.00, region 30% = 300.003 ->
            # 300.00 (rounding 75% = 750.0075 -> 750.01 first and splitting it gave the region 300.01, a fen over)
            metric(2, 2024, g, "1000.01"),
            metric(3, 2023, g, "100000"),  # before the 2024 list
            metric(4, 2024, g, "0"),  # no premium, nothing
        ],
    }, catalogue_of(PART))
    assert lines(conn, "NMG2024-85A") == [
        (uscc(1), 2024, "central", "100000", "45000.00"),
        (uscc(1), 2024, "region", "150000", "30000.00"),
        (uscc(2), 2024, "central", "100000", "450.00"),
        (uscc(2), 2024, "region", "150000", "300.00"),
    ]


def test_item87a_guidance_fund_200_million_in_2024_paid_by_the_region(ledger_from, catalogue_of):
    # 2024年安排自治区重点产业发展引导基金2亿元.
    conn = ledger_from({}, catalogue_of(PART))
    assert lines(conn, "NMG2024-87A") == [("NMG2024-87A/2024", 2024, "region", "150000", "200000000.00")]
    kind = conn.execute("SELECT DISTINCT kind FROM ledger.liabilities WHERE rule_id = 'NMG2024-87A'").fetchall()
    assert kind == [("equity",)]


def test_item91_listing_awards_by_stage(ledger_from, catalogue_of):
    # 辅导备案100万元; 申报材料获得受理200万元; 沪深北首发上市1000万元; 境外上市一次性500万元.
    conn = ledger_from({
        "enterprises": [firm(i, industry="38") for i in range(1, 6)],
        "enterprise_metrics": [
            metric(1, 2024, "listing_tutoring_filed", "1", "次"),
            metric(2, 2024, "ipo_application_accepted", "1", "次"),  # accepted and listed in the same year:
            metric(2, 2024, "ipo_listed_domestic", "1", "次"),  # both stages are paid (no 就高不重复 in the text)
            metric(3, 2024, "ipo_listed_overseas", "1", "次"),
            metric(4, 2023, "listing_tutoring_filed", "1", "次"),  # filed in 2023: not under the 2024 list
            metric(5, 2024, "listing_tutoring_filed", "0", "次"),  # reported, but no filing
        ],
    }, catalogue_of(PART))
    assert lines(conn, "NMG2024-91A") == [(uscc(1), 2024, "region", "150000", "1000000.00")]
    assert lines(conn, "NMG2024-91B") == [(uscc(2), 2024, "region", "150000", "2000000.00")]
    assert lines(conn, "NMG2024-91C") == [(uscc(2), 2024, "region", "150000", "10000000.00")]
    assert lines(conn, "NMG2024-91D") == [(uscc(3), 2024, "region", "150000", "5000000.00")]


def test_item92_five_times_the_national_prize(ledger_from, catalogue_of):
    # 获得国家科学技术奖的个人、组织，自治区按照国家奖金额度的5倍给予奖金和科研经费支持.
    p = "national_sti_award_prize_yuan"
    conn = ledger_from({
        "enterprises": [firm(i, industry="73") for i in range(1, 5)],
        "enterprise_metrics": [
            metric(1, 2024, p, "300000"),  # 5 x 300,000 = 1,500,000.00
            metric(2, 2024, p, "123456.79"),  # 5 x 123,456.79 = 617,283.95
            metric(3, 2023, p, "300000"),  # a 2023 prize: not under the 2024 list
            metric(4, 2024, p, "0"),
        ],
    }, catalogue_of(PART))
    # The text names the payer (自治区): region 100%, split specified.
    assert lines(conn, "NMG2024-92") == [
        (uscc(1), 2024, "region", "150000", "1500000.00"),
        (uscc(2), 2024, "region", "150000", "617283.95"),
    ]
    flags = conn.execute("SELECT DISTINCT split_specified FROM ledger.liabilities WHERE rule_id = 'NMG2024-92'")
    assert flags.fetchall() == [(True,)]


def test_item96_craftsmen_200k_and_100k_per_person(ledger_from, catalogue_of):
    # 对"大国工匠"、"北疆工匠"分别按20万元、10万元标准给予一次性奖励.
    great, north = "great_craftsman_named", "beijiang_craftsman_named"
    conn = ledger_from({
        "enterprises": [firm(i, industry="34") for i in range(1, 5)],
        "enterprise_metrics": [
            metric(1, 2024, great, "1", "人"), metric(1, 2024, north, "1", "人"),  # 200,000 + 100,000, not stacked
            metric(2, 2024, great, "2", "人"),  # two of the firm's workers: 400,000.00
            metric(3, 2024, north, "3", "人"),  # 300,000.00
            metric(4, 2023, great, "1", "人"),  # named in 2023: not under the 2024 list
        ],
    }, catalogue_of(PART))
    assert lines(conn, "NMG2024-96A") == [
        (uscc(1), 2024, "region", "150000", "200000.00"),
        (uscc(2), 2024, "region", "150000", "400000.00"),
    ]
    assert lines(conn, "NMG2024-96B") == [
        (uscc(1), 2024, "region", "150000", "100000.00"),
        (uscc(3), 2024, "region", "150000", "300000.00"),
    ]


def test_item98c_truck_vehicle_tax_half_forgone(ledger_from, catalogue_of):
    # 货车、挂车、专用作业车、轮式专用机械车车船税适用税额按照现行车船税适用税额的50%征收: the other 50% is forgone.
    t = "truck_vehicle_tax_full_rate_yuan"
    conn = ledger_from({
        "enterprises": [firm(i, industry="54") for i in range(1, 5)],
        "enterprise_metrics": [
            metric(1, 2024, t, "24000"),  # 12,000.00
            metric(1, 2027, t, "1200.01"),  # no end date: 600.005 -> 600.01 (half-up)
            metric(2, 2024, t, "0"),  # no such vehicles: nothing
            metric(3, 2023, t, "24000"),  # 2023: before the list
        ],
    }, catalogue_of(PART))
    assert lines(conn, "NMG2024-98C") == [
        (uscc(1), 2024, "region", "150000", "12000.00"),
        (uscc(1), 2027, "region", "150000", "600.01"),
    ]
    assert conn.execute("SELECT DISTINCT kind FROM ledger.liabilities WHERE rule_id = 'NMG2024-98C'").fetchall() == [
        ("revenue_forgone",)]


def test_item98a_small_low_profit_firms_local_income_tax_share_forgone(ledger_from, catalogue_of):
    # 对年应纳税所得额低于100万元（含100万元）的小型微利企业免征企业所得税地方分享部分, to 2025-12-31: assumed
    # 5% tax (25% of the income at 20%) x 40% local share = 2% of the taxable income.
    t = "small_low_profit_taxable_income_yuan"
    conn = ledger_from({
        "enterprises": [firm(i, industry="51") for i in range(1, 6)],
        "enterprise_metrics": [
            metric(1, 2024, t, "1000000"),  # exactly 100万: 20,000.00
            metric(2, 2024, t, "1000000.01"),  # one fen over: nothing
            metric(3, 2025, t, "123456.78"),  # 2,469.1356 -> 2,469.14
            metric(4, 2026, t, "500000"),  # 2026: after 2025-12-31
            metric(5, 2024, t, "0"),  # no taxable income: nothing
        ],
    }, catalogue_of(PART))
    assert lines(conn, "NMG2024-98A") == [
        (uscc(1), 2024, "region", "150000", "20000.00"),
        (uscc(3), 2025, "region", "150000", "2469.14"),
    ]
    from dagster_project import catalogue

    rule = next(r for r in catalogue.load(catalogue_of(PART)).rules if r.id == "NMG2024-98A")
    assert "40%" in rule.assumption and "5%" in rule.assumption
