"""Each rule shape against the policy text's own numbers, written out by hand (never computed by the code).

Amounts are in 元 with fen; levels and paying regions as the text assigns them.
"""

from __future__ import annotations

from datetime import date

from tests.conftest import enterprise, lines

A, B, C, D = "91150622AAAAAAAAA1", "91150622BBBBBBBBB2", "91150622CCCCCCCCC3", "91150602DDDDDDDDD4"


def milk(uscc: str, year: int, tonnes: str) -> dict:
    return {"uscc": uscc, "year": year, "metric": "raw_milk_processed_t", "value": tonnes, "unit": "吨"}


def test_nmg2024_item11_200_yuan_per_tonne_of_increase_region_and_city_half_each(ledger_from):
    # NMG2024 item 11: 以上一年度生鲜乳加工量为基数，每增加1吨补贴200元，自治区和盟市各承担50%.
    conn = ledger_from({
        "enterprises": [enterprise(A), enterprise(B), enterprise(C), enterprise(D)],
        "enterprise_metrics": [
            milk(A, 2023, "12000.50"), milk(A, 2024, "13500.75"),  # +1500.25 t -> 300,050.00 元
            milk(B, 2023, "9000"), milk(B, 2024, "8000"),  # a fall earns nothing
            milk(D, 2023, "7000"), milk(D, 2024, "7000"),  # no increase (equal to the base): nothing
            milk(C, 2024, "5000"),  # no 2023 base: nothing
        ],
    })
    # Paid the year after the processing year (the increase is known only when the year closes).
    assert lines(conn, "NMG2024-11A") == [
        (A, 2025, "city", "150600", "150025.00"),
        (A, 2025, "region", "150000", "150025.00"),
    ]


def project(pid: str, ptype: str, completed: str, equipment: str = "0", area: str | None = None,
            region: str = "150622", uscc: str = A) -> dict:
    return {"project_id": pid, "uscc": uscc, "project_name": pid, "project_type": ptype, "region_code": region,
            "start_date": date(2022, 1, 1), "completion_date": date.fromisoformat(completed),
            "equipment_investment_yuan": equipment, "total_investment_yuan": equipment, "area_mu": area}


def test_nmg2024_item12_ten_percent_of_equipment_capped_at_50_million(ledger_from):
    # NMG2024 item 12: 按照设备投资总额的10%给予最高5000万元补贴 (cheese, whey, lactoferrin projects).
    conn = ledger_from({"enterprises": [enterprise(A)], "projects": [
        project("P1", "cheese", "2024-06-30", "400000000"),  # 10% = 40,000,000.00
        project("P2", "whey", "2024-09-01", "500000010"),  # 10% = 50,000,001.00, just above the cap
        project("P3", "lactoferrin", "2024-12-31", "123456.78"),  # 10% = 12,345.678 -> 12,345.68 (half-up)
        project("P4", "manufacturing", "2024-06-30", "400000000"),  # not a dairy deep-processing project
        project("P5", "cheese", "2023-12-31", "400000000"),  # completed before the 2024 list
    ]})
    # The text names no split: booked to the region by the documented default and flagged.
    assert lines(conn, "NMG2024-12A") == [
        ("P1", 2024, "region", "150000", "40000000.00"),
        ("P2", 2024, "region", "150000", "50000000.00"),
        ("P3", 2024, "region", "150000", "12345.68"),
    ]
    flags = conn.execute("SELECT DISTINCT split_specified FROM ledger.liabilities WHERE rule_id='NMG2024-12A'")
    assert flags.fetchall() == [(False,)]
    outcome = conn.execute("SELECT outcome FROM ledger.awards WHERE object_id = 'P2'").fetchone()[0]
    assert outcome == "capped_per_award"


def test_nmg2024_item6_potato_variety_tiers_one_off(ledger_from):
    # NMG2024 item 6: 年推广面积在10万亩以上的一次性奖补500万元；30万亩以上的一次性奖补1000万元.
    conn = ledger_from({"enterprises": [enterprise(A)], "projects": [
        project("V1", "potato_variety", "2024-10-01", area="99999"),  # below 10万亩: nothing
        project("V2", "potato_variety", "2024-10-01", area="100000"),  # exactly 10万亩 (以上 includes it)
        project("V3", "potato_variety", "2024-10-01", area="299999"),
        project("V4", "potato_variety", "2024-10-01", area="300000"),  # exactly 30万亩
        project("V5", "potato_variety", "2024-10-01", area="450000"),
    ]})
    assert lines(conn, "NMG2024-06") == [
        ("V2", 2024, "region", "150000", "5000000.00"),
        ("V3", 2024, "region", "150000", "5000000.00"),
        ("V4", 2024, "region", "150000", "10000000.00"),
        ("V5", 2024, "region", "150000", "10000000.00"),
    ]


def test_nmg2024_item10_alfalfa_1000_yuan_per_mu_over_three_years(ledger_from):
    # NMG2024 item 10: 集中连片标准化种植500亩以上……分3年共给予每亩1000元补贴.
    conn = ledger_from({"enterprises": [enterprise(A)], "projects": [
        project("F1", "alfalfa", "2024-05-20", area="1000"),  # 1,000,000.00 in all
        project("F2", "alfalfa", "2024-05-20", area="500"),  # exactly 500亩: 500,000.00
        project("F3", "alfalfa", "2024-05-20", area="499"),  # below 500亩: nothing
    ]})
    assert lines(conn, "NMG2024-10") == [
        ("F1", 2024, "region", "150000", "333333.33"),
        ("F1", 2025, "region", "150000", "333333.33"),
        ("F1", 2026, "region", "150000", "333333.34"),  # the last instalment takes the remainder
        ("F2", 2024, "region", "150000", "166666.66"),
        ("F2", 2025, "region", "150000", "166666.67"),
        ("F2", 2026, "region", "150000", "166666.67"),
    ]
    future = conn.execute("""SELECT DISTINCT payment_year, timing FROM ledger.liabilities
                             WHERE rule_id='NMG2024-10' ORDER BY 1""").fetchall()
    assert future == [(2024, "due"), (2025, "due"), (2026, "due")]


def talent(tid: str, category: str, arrived: str, employment: str = "full_time", left: str | None = None,
           region: str = "150602") -> dict:
    return {"talent_id": tid, "person_key": f"pk-{tid}", "name_masked": "张**", "id_masked": "150602********0000",
            "category": category, "field": "science", "employer_uscc": A, "region_code": region,
            "arrival_date": date.fromisoformat(arrived), "departure_date": date.fromisoformat(left) if left else None,
            "employment": employment, "degree": "doctorate", "title": "senior", "annual_salary_yuan": "500000",
            "birth_year": 1985}


def test_ord_talent_item2_settlement_subsidy_b_to_f(ledger_from):
    # ORD-TALENT item 2: 全职引进的B、C、D、E、F类分别给予300万元、250万元、200万元、100万元、80万元安家补贴.
    conn = ledger_from({"enterprises": [enterprise(A, region="150602")], "talents": [
        talent("T1", "B", "2024-03-15"), talent("T2", "C", "2024-07-01"), talent("T3", "D", "2025-01-02"),
        talent("T4", "E", "2025-06-30"), talent("T5", "F", "2026-02-01"),
        talent("T6", "B", "2024-03-15", employment="flexible"),  # 柔性引进: not 全职, nothing
        talent("T7", "A", "2024-03-15"),  # A is item 1 (不低于300万), not this entry
        talent("T8", "C", "2023-12-31"),  # arrived before the policy
        talent("T9", "B", "2024-03-15", region="150102"),  # works in Hohhot: not an Ordos policy's to pay
    ]})
    assert lines(conn, "ORD-TALENT-02A") == [
        ("T1", 2024, "city", "150600", "3000000.00"),
        ("T2", 2024, "city", "150600", "2500000.00"),
        ("T3", 2025, "city", "150600", "2000000.00"),
        ("T4", 2025, "city", "150600", "1000000.00"),
        ("T5", 2026, "city", "150600", "800000.00"),
    ]


def trade(uscc: str, year: int, trade_yuan: str, fees: str) -> list[dict]:
    return [{"uscc": uscc, "year": year, "metric": "import_export_value_yuan", "value": trade_yuan, "unit": "元"},
            {"uscc": uscc, "year": year, "metric": "port_fees_yuan", "value": fees, "unit": "元"}]


def test_ord_ftrade_item7_port_fees_city_and_banner_one_to_one_paid_next_year(ledger_from):
    # ORD-FTRADE 七: 新引进年进出口额1亿元以上……港务费按照实际费用的50%给予支持，单个企业年度上限200万元;
    # 所需资金市、旗区按照1:1承担; 每年度第一季度兑现上一年度补贴资金.
    park = "1506P1"
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="51", registered="2024-03-01"),
                        enterprise(B, industry="51", registered="2024-03-01"),
                        enterprise(C, industry="51", registered="2024-02-06"),  # before the policy: not 新引进
                        enterprise(D, region=park, industry="51", registered="2025-01-10")],
        "enterprise_metrics": [
            *trade(A, 2024, "100000000", "1000000"),  # exactly 1亿: 50% of 1,000,000 = 500,000.00
            *trade(A, 2025, "99999999.99", "1000000"),  # just under 1亿: nothing
            *trade(B, 2025, "800000000", "4000002"),  # 50% = 2,000,001.00, just above the 200万 cap
            *trade(C, 2024, "300000000", "1000000"),
            *trade(D, 2025, "150000000", "300000.01"),  # 150,000.005 -> 150,000.01 (half-up), in a park
        ],
    })
    assert lines(conn, "ORD-FTRADE-07") == [
        (D, 2026, "banner", park, "75000.01"),  # the park pays the banner share; the last level takes the odd fen
        (D, 2026, "city", "150600", "75000.00"),  # city: floor of 7,500,000.5 fen; together 150,000.01
        (A, 2025, "banner", "150622", "250000.00"),
        (A, 2025, "city", "150600", "250000.00"),
        (B, 2026, "banner", "150622", "1000000.00"),
        (B, 2026, "city", "150600", "1000000.00"),
    ]
