"""NMG-AGPROC (内政办发〔2024〕10号, lines 1601-1811), NMG-FACAG and NMG-FACLS (内政办发〔2024〕4号, lines 1812-1984 and
1985-2116) against the texts' own numbers, written out by hand (never computed by the code).

None of the three documents names a split between levels (their closing rules say 分级负担 without a ratio), so
every costed line is booked to the region (150000) by the catalogue default and flagged split_specified = false.
Yearly figures are paid the year after (据实补助); one-off recognition awards and 先建后补 construction subsidies in
the year of the fact. Amounts are in 元 with fen.
"""

from __future__ import annotations

from datetime import date

from tests.conftest import enterprise, lines

AGPROC, FACAG, FACLS = "NMG-AGPROC.yaml", "NMG-FACAG.yaml", "NMG-FACLS.yaml"
A, B, C, D = "91150622AAAAAAAAA1", "91150622BBBBBBBBB2", "91150622CCCCCCCCC3", "91150102DDDDDDDDD4"
E, F, G, H = "91150622EEEEEEEEE5", "91150622FFFFFFFFF6", "91150622GGGGGGGGG7", "91150622HHHHHHHHH8"
J = "91150622JJJJJJJJJ9"
UNITS = {"main_business_revenue_yuan": "元", "agproc_working_rd_loan_yuan": "元", "agproc_project_loan_yuan": "元",
         "cattle_slaughtered_head": "头", "fattened_cattle_purchase_loan_yuan": "元",
         "national_key_leading_agri_enterprise_recognised": "次", "prepared_food_top10_selected": "次",
         "prepared_food_sales_yuan": "元", "national_demo_logistics_park_new": "次", "logistics_5a_new": "次",
         "green_organic_certified_output_t": "吨", "green_organic_cert_fee_yuan": "元",
         "facility_ag_loan_interest_yuan": "元", "facility_ls_loan_interest_yuan": "元",
         "fattened_cattle_marketed_head": "头", "fattened_sheep_marketed_head": "只",
         "region_listed_livestock_machinery_sales_yuan": "元"}


REV, LOAN = "main_business_revenue_yuan", "agproc_working_rd_loan_yuan"


def m(uscc: str, year: int, metric: str, value: str) -> dict:
    return {"uscc": uscc, "year": year, "metric": metric, "value": value, "unit": UNITS[metric]}


def region(obj: str, year: int, amount: str) -> tuple:
    return (obj, year, "region", "150000", amount)


def project(pid: str, ptype: str, completed: str, area: str | None = None, quantity: str | None = None,
            unit: str | None = None, region_code: str = "150622", uscc: str = A) -> dict:
    return {"project_id": pid, "uscc": uscc, "project_name": pid, "project_type": ptype, "region_code": region_code,
            "start_date": date(2023, 3, 1), "completion_date": date.fromisoformat(completed),
            "equipment_investment_yuan": "1000000", "total_investment_yuan": "2000000", "area_mu": area,
            "quantity": quantity, "quantity_unit": unit}


def flags(conn, document: str) -> list[tuple]:
    return conn.execute("""SELECT DISTINCT split_specified FROM ledger.liabilities WHERE document = ?""",
                        [document]).fetchall()


# --- NMG-AGPROC ------------------------------------------------------------------------------------------------


def test_agproc_items_1_and_2_working_capital_interest_two_percent_capped_200_wan(ledger_from, catalogue_of):
    # 一: 2024年（含）以后…年主营业务收入达到2亿元以上…LPR的70%且不超过2%的利率，给予每年不超过200万元贴息支持.
    # 二: 对新注册且年主营业务收入达到2亿元以上的…同样. 70% of the one-year LPR (3.45%-3.00%) is above 2%: 2% applies.
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="13"), enterprise(B, industry="14"), enterprise(C, industry="13"),
                        enterprise(D, region="150102", industry="14"), enterprise(E, industry="51"),
                        enterprise(F, industry="13", registered="2024-03-01"),
                        enterprise(G, industry="14", registered="2024-02-25"),
                        enterprise(H, industry="13", registered="2024-02-24"),
                        enterprise(J, industry="14", registered="2024-06-01")],
        "enterprise_metrics": [
            # A: 2023 is before the measure; 2024 exactly 2亿: 2% of 50,000,000 = 1,000,000.00, paid 2025.
            m(A, 2023, REV, "300000000"), m(A, 2023, LOAN, "50000000"),
            m(A, 2024, REV, "200000000"), m(A, 2024, LOAN, "50000000"),
            # B: one fen under 2亿: nothing.
            m(B, 2024, REV, "199999999.99"),
            m(B, 2024, LOAN, "50000000"),
            # C: 2% of 100,000,050 = 2,000,001.00, just above the 200万 cap: 2,000,000.00, paid 2026.
            m(C, 2025, REV, "500000000"),
            m(C, 2025, LOAN, "100000050"),
            # D (Hohhot, dairy): 2% of 30,000,000 = 600,000.00; the region pays, not Hohhot.
            m(D, 2024, REV, "260000000"), m(D, 2024, LOAN, "30000000"),
            # E: a wholesaler is not an agro-processing firm.
            m(E, 2024, REV, "900000000"), m(E, 2024, LOAN, "50000000"),
            # F: registered after the policy (item 2): 2% of 12,345,678.90 = 246,913.578 -> 246,913.58.
            m(F, 2024, REV, "250000000"),
            m(F, 2024, LOAN, "12345678.90"),
            # G: registered on the policy date itself: new (item 2). 2% of 10,000,000 = 200,000.00.
            m(G, 2025, REV, "200000000"), m(G, 2025, LOAN, "10000000"),
            # H: registered the day before: existing (item 1). 2% of 20,000,000 = 400,000.00.
            m(H, 2024, REV, "210000000"), m(H, 2024, LOAN, "20000000"),
            # J: new firm (item 2), 2% of 100,000,000.50 = 2,000,000.01, one fen above 每年不超过200万元: 2,000,000.00.
            m(J, 2024, REV, "300000000"), m(J, 2024, LOAN, "100000000.50"),
        ],
    }, catalogue_of(AGPROC))
    assert lines(conn, "NMG-AGPROC-01A") == [  # sorted by USCC: D's (Hohhot) comes first
        region(D, 2025, "600000.00"),
        region(A, 2025, "1000000.00"),
        region(C, 2026, "2000000.00"),
        region(H, 2025, "400000.00"),
    ]
    assert lines(conn, "NMG-AGPROC-02B") == [
        region(F, 2025, "246913.58"),
        region(G, 2026, "200000.00"),
        region(J, 2025, "2000000.00"),
    ]
    outcome = conn.execute("SELECT outcome FROM ledger.awards WHERE rule_id = 'NMG-AGPROC-01A' AND object_id = ?",
                           [C]).fetchone()[0]
    assert outcome == "capped_per_beneficiary_year"
    assert flags(conn, "NMG-AGPROC") == [(False,)]


def test_agproc_item1_new_national_key_leading_enterprise_500_thousand_once(ledger_from, catalogue_of):
    # 一: 对新认定的农业产业化国家重点龙头企业，给予一次性50万元的奖励.
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="13"), enterprise(B, industry="13")],
        "enterprise_metrics": [
            m(A, 2024, "national_key_leading_agri_enterprise_recognised", "1"),
            m(B, 2023, "national_key_leading_agri_enterprise_recognised", "1"),  # before the measure
        ],
    }, catalogue_of(AGPROC))
    assert lines(conn, "NMG-AGPROC-01B") == [region(A, 2024, "500000.00")]


def test_agproc_item3_project_loans_and_cattle_purchase_loans(ledger_from, catalogue_of):
    # 三: 年主营业务收入达到1.6亿元…精深加工项目贷款…给予每年不超过300万元贴息支持;
    #     年实际屠宰加工量达到2万头以上的肉牛屠宰企业，收购当地育肥牛流动资金贷款…给予每年不超过600万元贴息支持.
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="13"), enterprise(B, industry="14"), enterprise(C, industry="13"),
                        enterprise(D, region="150102", industry="13"), enterprise(E, industry="14")],
        "enterprise_metrics": [
            # A: exactly 1.6亿 (2024): 2% of 20,000,000 = 400,000.00. Also a slaughterer of exactly 20000 head:
            #    2% of 100,000,000 = 2,000,000.00.
            m(A, 2024, "main_business_revenue_yuan", "160000000"), m(A, 2024, "agproc_project_loan_yuan", "20000000"),
            m(A, 2024, "cattle_slaughtered_head", "20000"),
            m(A, 2024, "fattened_cattle_purchase_loan_yuan", "100000000"),
            # B: one yuan under 1.6亿: no project-loan subsidy.
            m(B, 2024, "main_business_revenue_yuan", "159999999"), m(B, 2024, "agproc_project_loan_yuan", "20000000"),
            # C (2025): 2% of 200,000,000 = 4,000,000 -> 300万 cap; 50000 head, 2% of 400,000,000 = 8,000,000 -> 600万.
            m(C, 2025, "main_business_revenue_yuan", "900000000"), m(C, 2025, "agproc_project_loan_yuan", "200000000"),
            m(C, 2025, "cattle_slaughtered_head", "50000"),
            m(C, 2025, "fattened_cattle_purchase_loan_yuan", "400000000"),
            # D: 19999 head, one short of 2万头: nothing.
            m(D, 2024, "cattle_slaughtered_head", "19999"),
            m(D, 2024, "fattened_cattle_purchase_loan_yuan", "100000000"),
            # E: a dairy firm (division 14) is not a cattle slaughterer.
            m(E, 2024, "cattle_slaughtered_head", "30000"),
            m(E, 2024, "fattened_cattle_purchase_loan_yuan", "100000000"),
        ],
    }, catalogue_of(AGPROC))
    assert lines(conn, "NMG-AGPROC-03A") == [
        region(A, 2025, "400000.00"),
        region(C, 2026, "3000000.00"),
    ]
    assert lines(conn, "NMG-AGPROC-03B") == [
        region(A, 2025, "2000000.00"),
        region(C, 2026, "6000000.00"),
    ]


def test_agproc_item5_prepared_food_2_wan_per_full_million_of_growth_capped_30_wan(ledger_from, catalogue_of):
    # 五: 销售额较上一年每新增100万元奖励2万元，最高不超过30万元，同一企业同一年度不重复奖励.
    def sales(uscc, prev, cur, year=2024):
        return [m(uscc, year - 1, "prepared_food_sales_yuan", prev), m(uscc, year, "prepared_food_sales_yuan", cur),
                m(uscc, year, "prepared_food_top10_selected", "1")]

    conn = ledger_from({
        "enterprises": [enterprise(x, industry="13") for x in (A, B, C, D, E, F, G)],
        "enterprise_metrics": [
            *sales(A, "10000000", "12500000"),  # +2,500,000: two full millions -> 40,000.00
            *sales(B, "10000000", "11000000"),  # +1,000,000 exactly -> 20,000.00
            *sales(C, "10000000", "10999999.99"),  # +999,999.99: not a full million -> nothing
            *sales(D, "20000000", "35000000"),  # +15,000,000 -> 15 x 20,000 = 300,000.00, exactly the cap
            *sales(E, "20000000", "36000000", year=2025),  # +16,000,000 -> 320,000 -> capped 300,000.00
            *sales(F, "20000000", "15000000"),  # a fall -> nothing
            m(G, 2023, "prepared_food_sales_yuan", "1000000"), m(G, 2024, "prepared_food_sales_yuan", "9000000"),
        ],  # G grew 8,000,000 but was not in a top-10 list: nothing
    }, catalogue_of(AGPROC))
    assert lines(conn, "NMG-AGPROC-05") == [  # sorted by USCC: D's comes first
        region(D, 2025, "300000.00"),
        region(A, 2025, "40000.00"),
        region(B, 2025, "20000.00"),
        region(E, 2026, "300000.00"),
    ]


def test_agproc_item6_logistics_park_300_wan_and_5a_firm_100_wan_once(ledger_from, catalogue_of):
    # 六: 对新晋或落户自治区的国家级示范物流园区、5A级物流企业，分别给予一次性300万元、100万元奖励.
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="59"), enterprise(B, industry="54"), enterprise(C, industry="54")],
        "enterprise_metrics": [
            m(A, 2024, "national_demo_logistics_park_new", "1"), m(A, 2024, "logistics_5a_new", "1"),  # both (分别)
            m(B, 2025, "logistics_5a_new", "1"),
            m(C, 2023, "national_demo_logistics_park_new", "1"),  # before the measure
        ],
    }, catalogue_of(AGPROC))
    assert lines(conn, "NMG-AGPROC-06A") == [region(A, 2024, "3000000.00")]
    assert lines(conn, "NMG-AGPROC-06B") == [region(A, 2024, "1000000.00"), region(B, 2025, "1000000.00")]


def test_agproc_item7_certification_fees_refunded_in_full_in_2024_only(ledger_from, catalogue_of):
    # 七: 2024年全额奖补绿色食品、有机农畜产品认证产量达到1000吨以上的企业认证费用，具体标准依据上一年度认证产量确定.
    conn = ledger_from({
        "enterprises": [enterprise(x, industry="13") for x in (A, B, C)],
        "enterprise_metrics": [
            m(A, 2023, "green_organic_certified_output_t", "1000"),  # exactly 1000吨 in 2023
            m(A, 2024, "green_organic_cert_fee_yuan", "12345.67"),  # refunded in full: 12,345.67
            m(B, 2023, "green_organic_certified_output_t", "999.99"),  # under 1000吨
            m(B, 2024, "green_organic_cert_fee_yuan", "20000"),
            m(C, 2024, "green_organic_certified_output_t", "5000"),  # 2025 fees: the measure is for 2024 only
            m(C, 2025, "green_organic_cert_fee_yuan", "30000"),
        ],
    }, catalogue_of(AGPROC))
    assert lines(conn, "NMG-AGPROC-07B") == [region(A, 2024, "12345.67")]


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


# --- NMG-FACAG -------------------------------------------------------------------------------------------------


def test_facag_item1_greenhouse_subsidies_per_mu_and_per_square_metre(ledger_from, catalogue_of):
    # 一: 新建普通日光温室500亩以上、塑料冷棚1000亩以上、单体智能温室50亩以上以及集中连片改造普通日光温室1000亩以上，
    #     按照新建普通日光温室每亩20000元、塑料冷棚每亩2000元、智能温室每平方米100元、改造提升普通日光温室每亩10000元.
    conn = ledger_from({"enterprises": [enterprise(A, industry="01")], "projects": [
        project("G1", "solar_greenhouse_new", "2024-06-30", area="500"),  # exactly 500亩: 10,000,000.00
        project("G2", "solar_greenhouse_new", "2025-03-01", area="1234.5"),  # 24,690,000.00
        project("G3", "solar_greenhouse_new", "2024-06-30", area="499.99"),  # under 500亩
        project("G4", "solar_greenhouse_new", "2024-02-06", area="800"),  # completed before the measure
        project("T1", "plastic_tunnel_new", "2024-09-01", area="1000"),  # exactly 1000亩: 2,000,000.00
        project("T2", "plastic_tunnel_new", "2024-09-01", area="2500.5"),  # 5,001,000.00
        project("T3", "plastic_tunnel_new", "2024-09-01", area="999"),
        # 50亩 = 100000/3 = 33,333.33…平方米
        project("S1", "smart_greenhouse_new", "2024-10-01", quantity="33333.34", unit="平方米"),  # 3,333,334.00
        project("S2", "smart_greenhouse_new", "2024-10-01", quantity="33333.33", unit="平方米"),  # just under 50亩
        project("S3", "smart_greenhouse_new", "2026-05-01", quantity="100000", unit="平方米"),  # 10,000,000.00
        project("R1", "solar_greenhouse_renovation", "2024-11-30", area="1000"),  # 10,000,000.00
        project("R2", "solar_greenhouse_renovation", "2024-11-30", area="999.9"),
    ]}, catalogue_of(FACAG))
    assert lines(conn, "NMG-FACAG-01A") == [region("G1", 2024, "10000000.00"), region("G2", 2025, "24690000.00")]
    assert lines(conn, "NMG-FACAG-01B") == [region("T1", 2024, "2000000.00"), region("T2", 2024, "5001000.00")]
    assert lines(conn, "NMG-FACAG-01C") == [region("S1", 2024, "3333334.00"), region("S3", 2026, "10000000.00")]
    assert lines(conn, "NMG-FACAG-01D") == [region("R1", 2024, "10000000.00")]
    assert flags(conn, "NMG-FACAG") == [(False,)]


def test_facag_item1_park_county_award_500_wan_plus_100_wan_per_2000_mu_max_1000_wan(ledger_from, catalogue_of):
    # 一: 对新建或扩建1000亩以上并且集中连片达到1万亩以上的设施农业园区所在旗县，每个奖励500万元，每增加2000亩，
    #     再奖励100万元，最高不超过1000万元.
    def park(pid, area, added, completed="2024-08-01"):
        return project(pid, "facility_ag_park", completed, area=area, quantity=added, unit="亩", region_code="150121")

    conn = ledger_from({"enterprises": [enterprise(A, region="150121", industry="01")], "projects": [
        park("K1", "10000", "1000"),  # exactly 1万亩 and 1000亩 added: 5,000,000.00
        park("K2", "11999", "3000"),  # 1999亩 above: no full 2000: 5,000,000.00
        park("K3", "12000", "3000"),  # one 2000: 6,000,000.00
        park("K4", "19999.99", "3000"),  # four full 2000s: 9,000,000.00
        park("K5", "20000", "3000"),  # five: 10,000,000.00, the cap
        park("K6", "26000", "5000"),  # eight: 13,000,000 -> capped 10,000,000.00
        park("K7", "9999", "3000"),  # under 1万亩
        park("K8", "15000", "999"),  # added under 1000亩
    ]}, catalogue_of(FACAG))
    assert lines(conn, "NMG-FACAG-01E") == [
        region("K1", 2024, "5000000.00"),
        region("K2", 2024, "5000000.00"),
        region("K3", 2024, "6000000.00"),
        region("K4", 2024, "9000000.00"),
        region("K5", 2024, "10000000.00"),
        region("K6", 2024, "10000000.00"),
    ]


def test_facag_item3_interest_top_up_booked_at_20_percent_paid_next_year(ledger_from, catalogue_of):
    # 三: 在已有贴息政策的基础上，自治区各级财政再贴息10%—20%: booked at the top of the range (upper bound).
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="01"), enterprise(B, industry="01"), enterprise(C, industry="01")],
        "enterprise_metrics": [
            m(A, 2023, "facility_ag_loan_interest_yuan", "800000"),  # 2023: before the measure
            m(A, 2024, "facility_ag_loan_interest_yuan", "1000000"),  # 200,000.00 paid 2025
            m(B, 2025, "facility_ag_loan_interest_yuan", "123.45"),  # 24.69 paid 2026
            m(C, 2024, "facility_ag_loan_interest_yuan", "0"),  # no interest: nothing
        ],
    }, catalogue_of(FACAG))
    assert lines(conn, "NMG-FACAG-03A") == [region(A, 2025, "200000.00"), region(B, 2026, "24.69")]
    basis = conn.execute("SELECT basis FROM catalogue.rules WHERE rule_id = 'NMG-FACAG-03A'").fetchone()[0]
    assert basis == "upper_bound"


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


# --- NMG-FACLS -------------------------------------------------------------------------------------------------


def test_facls_item1_cattle_300_and_sheep_60_per_head_each_with_its_own_threshold(ledger_from, catalogue_of):
    # 一: 对实际年出栏育肥肉牛500头或肉羊3000只以上的…按出栏每头肉牛300元、每只肉羊60元给予奖励.
    conn = ledger_from({
        "enterprises": [enterprise(x, industry="03") for x in (A, B, C, E)] + [enterprise(D, region="150102",
                                                                                         industry="03")],
        "enterprise_metrics": [
            m(A, 2024, "fattened_cattle_marketed_head", "500"),  # exactly 500: 150,000.00 paid 2025
            m(B, 2024, "fattened_cattle_marketed_head", "499"),  # one short: nothing
            m(C, 2025, "fattened_cattle_marketed_head", "1234"),  # 370,200.00 paid 2026
            m(C, 2025, "fattened_sheep_marketed_head", "2000"),  # C's sheep under 3000: no sheep award
            m(D, 2024, "fattened_sheep_marketed_head", "3000"),  # exactly 3000: 180,000.00 paid 2025
            m(E, 2024, "fattened_sheep_marketed_head", "2999"),  # one short
            m(E, 2023, "fattened_cattle_marketed_head", "800"),  # 2023: before the measure
        ],
    }, catalogue_of(FACLS))
    assert lines(conn, "NMG-FACLS-01A") == [region(A, 2025, "150000.00"), region(C, 2026, "370200.00")]
    assert lines(conn, "NMG-FACLS-01B") == [region(D, 2025, "180000.00")]
    assert flags(conn, "NMG-FACLS") == [(False,)]


def test_facls_item4_interest_top_up_booked_at_20_percent(ledger_from, catalogue_of):
    # 四: 自治区各级财政再贴息10%—20% (facility animal husbandry): 20% of 500,000.00 = 100,000.00, paid 2025.
    conn = ledger_from({"enterprises": [enterprise(A, industry="03")], "enterprise_metrics": [
        m(A, 2024, "facility_ls_loan_interest_yuan", "500000")]}, catalogue_of(FACLS))
    assert lines(conn, "NMG-FACLS-04A") == [region(A, 2025, "100000.00")]


def test_facls_item6_demonstration_banners_three_times_ten_million_a_year(ledger_from, catalogue_of):
    # 六: 每年择优遴选1—3个旗县…每个示范旗县奖励1000万元: top of the range, 3 x 1000万 a year, 2024-2026.
    # The object id of a budget line is the engine's ("<rule>/<year>", with a line-number suffix the engine may add
    # for later lines of the list): checked by its prefix only, the amounts, years and payer exactly.
    conn = ledger_from({}, catalogue_of(FACLS))
    got = lines(conn, "NMG-FACLS-06A")
    assert [row[1:] for row in got] == [
        (2024, "region", "150000", "30000000.00"),
        (2025, "region", "150000", "30000000.00"),
        (2026, "region", "150000", "30000000.00"),
    ]
    assert [row[0].startswith(f"NMG-FACLS-06A/{row[1]}") for row in got] == [True, True, True]


def test_facls_item3c_machinery_outside_the_central_list_at_most_30_percent_of_last_years_price(ledger_from,
                                                                                               catalogue_of):
    # 三: 对未列入中央财政补贴范围……的畜牧业机械，在自治区明确的机具范围内，按照不高于上年度平均销售价格30%的比例
    # 测算，使用自治区财政资金定额补贴. Sales valued at the previous year's average price, on the dealer; 30% booked.
    t = "region_listed_livestock_machinery_sales_yuan"
    conn = ledger_from({"enterprises": [enterprise(x, industry="52") for x in (A, B, C, E)]
                        + [enterprise(D, region="150102", industry="52")], "enterprise_metrics": [
        m(A, 2024, t, "1000000.01"),  # 300,000.003 -> 300,000.00, paid in the year of purchase
        m(B, 2025, t, "0.05"),  # 0.015 -> 0.02 (half-up)
        m(C, 2023, t, "2000000"),  # 2023: before the measure
        m(D, 2024, t, "2000000"),  # a Hohhot dealer: the measure is region-wide, 600,000.00
        m(E, 2024, t, "0"),  # nothing on the region's list sold: nothing
    ]}, catalogue_of(FACLS))
    assert lines(conn, "NMG-FACLS-03C") == [region(D, 2024, "600000.00"), region(A, 2024, "300000.00"),
                                            region(B, 2025, "0.02")]
    assert conn.execute("SELECT DISTINCT split_specified FROM ledger.liabilities WHERE rule_id = 'NMG-FACLS-03C'"
                        ).fetchall() == [(True,)]  # 使用自治区财政资金: the region, named
    assert conn.execute("SELECT basis FROM catalogue.rules WHERE rule_id = 'NMG-FACLS-03C'").fetchone() == (
        "upper_bound",)


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
