"""ORD2024 section 二、推动新型工业化发展 (seeds/catalogue/ORD2024.part2.yaml) against the text's own numbers,
written out by hand (never computed by the code).

Amounts in 元 with fen. City lines are paid by 150600, banner lines by the firm's banner (准格尔旗 150622 here) or
its city-level park. Clauses naming 市、旗区两级财政按照1∶1 and those naming no split (city default 1:1, flagged)
both give half to each; the odd fen goes to the banner (the last level). Every city rule is restricted to Ordos: a
Hohhot firm (150102) gets nothing.
"""

from __future__ import annotations

from datetime import date

from tests.conftest import enterprise, lines

FILE = "ORD2024.part2.yaml"
LINKED = ("NMG2024.part1.yaml", "NMG2024.part2.yaml")  # link targets: NMG2024-19, -43B, -47B, -47C
ZG, CITY, PARK = "150622", "150600", "1506P1"
A, B, C, D = "91150622AAAAAAAAA1", "91150622BBBBBBBBB2", "91150622CCCCCCCCC3", "91150102DDDDDDDDD4"
E, F, G = "91150622EEEEEEEEE5", "91150622FFFFFFFFF6", "91150622GGGGGGGGG7"


def ev(uscc: str, year: int, metric: str, value: str = "1", unit: str = "次") -> dict:
    return {"uscc": uscc, "year": year, "metric": metric, "value": value, "unit": unit}


def proj(pid: str, ptype: str, completed: str, total: str = "0", equipment: str | None = None,
         quantity: str | None = None, area: str | None = None, uscc: str = A, region: str = ZG) -> dict:
    return {"project_id": pid, "uscc": uscc, "project_name": pid, "project_type": ptype, "region_code": region,
            "start_date": date(2022, 1, 1), "completion_date": date.fromisoformat(completed),
            "equipment_investment_yuan": equipment if equipment is not None else total,
            "total_investment_yuan": total, "area_mu": area, "quantity": quantity, "quantity_unit": None}


def halves(obj: str, year: int, city: str, banner: str, region: str = ZG) -> list[tuple]:
    """The two lines of a city/banner 1:1 award, in the order lines() sorts them (banner before city)."""
    return [(obj, year, "banner", region, banner), (obj, year, "city", CITY, city)]


def firms(*usccs: str) -> list[dict]:
    return [enterprise(u, region="150102" if u == D else ZG) for u in usccs]


def flags(conn, rule_id: str) -> list[tuple]:
    return conn.execute("SELECT DISTINCT split_specified FROM ledger.liabilities WHERE rule_id = ?",
                        [rule_id]).fetchall()


# ------------------------------------------------------------------ （一）培育壮大工业产业链

def test_2_1_2_major_project_tiers_by_actual_investment(ledger_from, catalogue_of):
    # 100亿元（含）以上5000万元；50（含）至100亿元2000万元；10（含）至50亿元1000万元.
    t = "major_investment_project_new"
    conn = ledger_from({"enterprises": firms(A, D), "projects": [
        proj("P1", t, "2024-06-30", "1000000000"),  # exactly 10亿 (含): 1000万
        proj("P2", t, "2024-06-30", "999999999.99"),  # just under 10亿: nothing
        proj("P3", t, "2024-07-01", "5000000000"),  # exactly 50亿 (含): 2000万
        proj("P4", t, "2024-12-31", "10000000000"),  # exactly 100亿 (含): 5000万
        proj("P5", t, "2024-04-28", "20000000000"),  # completed before the list: nothing
        proj("P6", t, "2024-06-30", "2000000000", uscc=D, region="150102"),  # Hohhot: nothing
        proj("P7", t, "2024-09-01", "4999999999.99", region=PARK),  # park pays the banner half: 1000万
        proj("P8", "manufacturing", "2024-06-30", "2000000000"),  # not a major introduced project
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-1-02") == [
        *halves("P1", 2024, "5000000.00", "5000000.00"),
        *halves("P3", 2024, "10000000.00", "10000000.00"),
        *halves("P4", 2024, "25000000.00", "25000000.00"),
        *halves("P7", 2024, "5000000.00", "5000000.00", region=PARK),
    ]
    assert flags(conn, "ORD2024-2-1-02") == [(False,)]


def test_2_1_3_per_mu_benefit_awards(ledger_from, catalogue_of):
    # 新引进投资超亿元: 亩均投资超过300万元且亩均营业收入超过500万元 -> 500万元;
    # 既有企业技改: 亩均投资超过200万元且亩均营业收入超过300万元 -> 400万元. 超过 is strict.
    n, u = "mfg_per_mu_new", "mfg_per_mu_upgrade"
    conn = ledger_from({"enterprises": firms(A), "projects": [
        proj("N1", n, "2024-06-30", "150000001", quantity="250000001", area="50"),  # just over both: 500万
        proj("N2", n, "2024-06-30", "150000000", quantity="300000000", area="50"),  # 300万/亩 exactly: nothing
        proj("N3", n, "2024-06-30", "200000000", quantity="250000000", area="50"),  # 500万/亩 exactly: nothing
        proj("N4", n, "2024-06-30", "100000000", quantity="60000000", area="10"),  # 1亿 is not 超亿元: nothing
        proj("U1", u, "2024-08-01", "200000001", quantity="300000001", area="100"),  # just over both: 400万
        proj("U2", u, "2024-08-01", "200000000", quantity="400000000", area="100"),  # 200万/亩 exactly: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-1-03A") == halves("N1", 2024, "2500000.00", "2500000.00")
    assert lines(conn, "ORD2024-2-1-03B") == halves("U1", 2024, "2000000.00", "2000000.00")


def test_2_1_4_energy_use_below_national_average_and_per_10_percent_cut(ledger_from, catalogue_of):
    # 低于全国平均30% 200万, 40% 300万, 50% 500万 (投资亿元以上); 既有企业技改 每降低10%一次性奖励200万元.
    n, r = "mfg_energy_benchmark_new", "mfg_energy_retrofit_existing"
    conn = ledger_from({"enterprises": firms(A), "projects": [
        proj("N1", n, "2024-06-30", "100000000", quantity="29.99"),  # not 30% below: nothing
        proj("N2", n, "2024-06-30", "100000000", quantity="30"),  # 200万 (1亿 exactly is 亿元以上)
        proj("N3", n, "2024-06-30", "100000000", quantity="49.99"),  # 300万 (a cliff)
        proj("N4", n, "2024-06-30", "100000000", quantity="50"),  # 500万
        proj("N5", n, "2024-06-30", "99999999.99", quantity="60"),  # under 1亿: nothing
        proj("R1", r, "2024-06-30", "30000000", quantity="9.99"),  # under one full 10% step: nothing
        proj("R2", r, "2024-06-30", "30000000", quantity="19.99"),  # one step: 200万
        proj("R3", r, "2024-06-30", "30000000", quantity="35"),  # three steps: 600万
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-1-04A") == [
        *halves("N2", 2024, "1000000.00", "1000000.00"),
        *halves("N3", 2024, "1500000.00", "1500000.00"),
        *halves("N4", 2024, "2500000.00", "2500000.00"),
    ]
    assert lines(conn, "ORD2024-2-1-04B") == [
        *halves("R2", 2024, "1000000.00", "1000000.00"),
        *halves("R3", 2024, "3000000.00", "3000000.00"),
    ]


def test_2_1_5_little_giant_titles_held_in_2024(ledger_from, catalogue_of):
    # 对已认定和新认定的国家级、自治区级、市级专精特新"小巨人"企业，分别一次性奖励150万元、100万元和20万元.
    conn = ledger_from({"enterprises": firms(A, B, D), "enterprise_metrics": [
        ev(A, 2024, "little_giant_national_held"),  # 150万 in 2024
        ev(A, 2024, "specialised_sme_region_held"),  # and 100万 (分别: no 就高)
        ev(A, 2024, "little_giant_city_held"),  # and 20万
        ev(A, 2025, "little_giant_national_held"),  # one-off, and the 2024 list only: nothing in 2025
        ev(B, 2023, "little_giant_national_held"),  # held in 2023 only: nothing
        ev(D, 2024, "little_giant_national_held"),  # Hohhot: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-1-05B") == halves(A, 2024, "750000.00", "750000.00")
    assert lines(conn, "ORD2024-2-1-05C") == halves(A, 2024, "500000.00", "500000.00")
    assert lines(conn, "ORD2024-2-1-05D") == halves(A, 2024, "100000.00", "100000.00")
    # The restating entries are catalogued but never costed.
    for rid in ("ORD2024-2-1-05A", "ORD2024-2-7-01A", "ORD2024-2-7-01B", "ORD2024-2-7-01C"):
        assert lines(conn, rid) == []


def test_2_1_5_specialised_sme_loan_discount_capped_500k_a_year(ledger_from, catalogue_of):
    # 按实际放款日一年期LPR的50%给予贴息支持，单个企业每年贴息额度不超过50万元 (paid the following year).
    m = "specialised_sme_loan_lpr_interest_yuan"
    conn = ledger_from({"enterprises": firms(A, B, C), "enterprise_metrics": [
        ev(A, 2024, m, "1000000.02", "元"),  # 500,000.01 -> cap 500,000.00
        ev(B, 2024, m, "400000.01", "元"),  # 200,000.005 -> 200,000.01 (half-up)
        ev(C, 2023, m, "400000", "元"),  # before the list: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-1-05E") == [
        *halves(A, 2025, "250000.00", "250000.00"),
        *halves(B, 2025, "100000.00", "100000.01"),
    ]


def test_2_1_6_tech_upgrade_interest_option_30_percent_capped(ledger_from, catalogue_of):
    # 或者按贷款实际利息的30%、单个项目最高不超过500万元给予一年贴息补助 (投资2000万元（含）以上).
    t = "tech_upgrade_existing_key"
    # Equipment of 1000万 (the region's 20% branch, NMG2024-19: 200万) is below each interest branch here, so the
    # interest branch is paid (the better branch either way: tests/test_reading_classes.py).
    conn = ledger_from({"enterprises": firms(A, B, C), "projects": [
        proj("P1", t, "2024-06-30", "20000000", "10000000", quantity="10000000"),  # 2000万 exactly: 30% = 300万
        proj("P2", t, "2024-06-30", "19999999.99", "10000000", quantity="10000000", uscc=B),  # under 2000万: nothing
        proj("P3", t, "2024-06-30", "50000000", "10000000", quantity="16666667", uscc=C),  # 5,000,000.10 -> 500万
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-1-06B") == [
        *halves("P1", 2024, "1500000.00", "1500000.00"),
        *halves("P3", 2024, "2500000.00", "2500000.00"),
    ]


def test_2_1_8_downstream_coal_chemical_project_one_percent_capped_10m(ledger_from, catalogue_of):
    # 按实际完成固定资产投资额的1%给予奖励，单个项目奖励最高不超过1000万元.
    t = "coal_chem_downstream_introduced"
    conn = ledger_from({"enterprises": firms(A), "projects": [
        proj("P1", t, "2024-05-01", "999999999"),  # 9,999,999.99
        proj("P2", t, "2024-05-01", "1000000100"),  # 10,000,001.00 -> cap 1000万
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-1-08A") == [
        *halves("P1", 2024, "4999999.99", "5000000.00"),
        *halves("P2", 2024, "5000000.00", "5000000.00"),
    ]


def test_2_1_9_and_2_1_10_hydrogen_projects_2024_2025_city_banner_1_to_1(ledger_from, catalogue_of):
    # 2.1.9: 生产设备购置总金额的20%，单个项目不超过500万元; 2.1.10: 固定资产总投资1000万元以上，设备投资额的20%、
    # 最高500万元. Both 在2022-2025年期间, 市、旗区两级财政按照1∶1比例承担.
    h, q = "byproduct_hydrogen_project", "hydrogen_equipment_mfg"
    conn = ledger_from({"enterprises": firms(A), "projects": [
        proj("H1", h, "2024-03-01", "40000000", equipment="25000000"),  # 500万 exactly
        proj("H2", h, "2025-12-31", "40000000", equipment="25000005"),  # 5,000,001 -> cap 500万
        proj("H3", h, "2026-01-01", "40000000", equipment="10000000"),  # after 2025: nothing
        proj("H4", h, "2023-12-31", "40000000", equipment="10000000"),  # 2023: the earlier policy, not costed
        proj("Q1", q, "2024-06-30", "10000000", equipment="4000000"),  # 1000万 exactly: 80万
        proj("Q2", q, "2024-06-30", "9999999.99", equipment="4000000"),  # under 1000万: nothing
        proj("Q3", q, "2025-06-30", "60000000", equipment="30000000"),  # 600万 -> cap 500万
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-1-09") == [
        *halves("H1", 2024, "2500000.00", "2500000.00"),
        *halves("H2", 2025, "2500000.00", "2500000.00"),
    ]
    assert lines(conn, "ORD2024-2-1-10") == [
        *halves("Q1", 2024, "400000.00", "400000.00"),
        *halves("Q3", 2025, "2500000.00", "2500000.00"),
    ]
    assert flags(conn, "ORD2024-2-1-09") == [(True,)]


# ------------------------------------------------------------------ （二）（三）能源、氢能、新能源汽车

def test_2_2_3_green_hydrogen_3000_per_tonne_in_2024(ledger_from, catalogue_of):
    # 氢气产能大于5000吨/年……按绿氢实际销售量……2024年补贴3000元/吨; 市、旗区两级财政按照1∶1比例承担.
    cap, sold = "green_hydrogen_capacity_tpy", "green_hydrogen_sold_t"
    conn = ledger_from({"enterprises": firms(A, B), "enterprise_metrics": [
        ev(A, 2024, cap, "5000.01", "吨/年"), ev(A, 2024, sold, "1234.56", "吨"),  # 3,703,680.00
        ev(A, 2025, cap, "5000.01", "吨/年"), ev(A, 2025, sold, "2000", "吨"),  # 2025 rate not given: nothing
        ev(B, 2024, cap, "5000", "吨/年"), ev(B, 2024, sold, "3000", "吨"),  # 5000 is not 大于5000: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-2-03") == halves(A, 2025, "1851840.00", "1851840.00")


def test_2_3_4_fuel_cell_vehicles_national_award_matched_1_to_1(ledger_from, catalogue_of):
    # 2025年底前……对每车按照国家奖励资金1∶1比例出资配套; 市级和车辆登记注册属地旗区按照1∶1比例承担.
    m = "fcv_national_award_yuan"
    conn = ledger_from({"enterprises": firms(A), "enterprise_metrics": [
        ev(A, 2024, m, "1000000", "元"),
        ev(A, 2025, m, "2000000.01", "元"),  # odd fen to the banner
        ev(A, 2026, m, "3000000", "元"),  # after 2025: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-3-04") == [
        *halves(A, 2024, "500000.00", "500000.00"),
        *halves(A, 2025, "1000000.00", "1000000.01"),
    ]


def test_2_3_5_refuelling_station_operation_20_per_kg_capped_4m(ledger_from, catalogue_of):
    # 2024年，对氢气终端价格不高于25元/公斤的加氢站，按照年度累计加氢量给予每公斤20元、单站最高不超过400万元.
    kg, price = "h2_station_dispensed_kg", "h2_retail_price_yuan_per_kg"
    conn = ledger_from({"enterprises": firms(A, B, C), "enterprise_metrics": [
        ev(A, 2024, kg, "150000", "公斤"), ev(A, 2024, price, "25", "元/公斤"),  # 25 exactly: 300万
        ev(B, 2024, kg, "200000.5", "公斤"), ev(B, 2024, price, "24", "元/公斤"),  # 4,000,010 -> cap 400万
        ev(C, 2024, kg, "100000", "公斤"), ev(C, 2024, price, "25.01", "元/公斤"),  # above 25: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-3-05") == [
        *halves(A, 2025, "1500000.00", "1500000.00"),
        *halves(B, 2025, "2000000.00", "2000000.00"),
    ]
    assert flags(conn, "ORD2024-2-3-05") == [(False,)]


def test_2_3_6_refuelling_station_construction_30_percent_paid_4_3_3(ledger_from, catalogue_of):
    # 不超过核定设备购置和安装投资总额的30%; 500-1000（不含）公斤/日最高300万元/站, ≥1000公斤/日最高450万元/站;
    # 分三年拨付, 4∶3∶3; 市级财政、属地旗区财政按照1∶1比例承担.
    t = "h2_refuelling_station"
    conn = ledger_from({"enterprises": firms(A), "projects": [
        proj("S1", t, "2024-06-30", "12000000", equipment="10000000", quantity="500"),  # 300万 = its cap
        proj("S2", t, "2024-06-30", "25000000", equipment="20000000", quantity="999"),  # 600万 -> cap 300万
        proj("S3", t, "2024-06-30", "25000000", equipment="20000000", quantity="1000"),  # 600万 -> cap 450万
        proj("S4", t, "2024-06-30", "2000000", equipment="1000000", quantity="1500"),  # 30万
        proj("S5", t, "2024-06-30", "25000000", equipment="20000000", quantity="499"),  # under 500: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-3-06") == [
        *halves("S1", 2024, "600000.00", "600000.00"), *halves("S1", 2025, "450000.00", "450000.00"),
        *halves("S1", 2026, "450000.00", "450000.00"),
        *halves("S2", 2024, "600000.00", "600000.00"), *halves("S2", 2025, "450000.00", "450000.00"),
        *halves("S2", 2026, "450000.00", "450000.00"),
        *halves("S3", 2024, "900000.00", "900000.00"), *halves("S3", 2025, "675000.00", "675000.00"),
        *halves("S3", 2026, "675000.00", "675000.00"),
        *halves("S4", 2024, "60000.00", "60000.00"), *halves("S4", 2025, "45000.00", "45000.00"),
        *halves("S4", 2026, "45000.00", "45000.00"),
    ]


# ------------------------------------------------------------------ （五）加强创新平台载体建设

def test_2_5_2_high_tech_zone_budget_50_million_for_2024(ledger_from, catalogue_of):
    # 市财政每年安排5000万元支持鄂尔多斯高新技术产业开发区.
    conn = ledger_from({}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-5-02A") == [("ORD2024-2-5-02A/2024", 2024, "city", CITY, "50000000.00")]


def test_2_5_3_rd_platforms_centres_and_new_type_institutions(ledger_from, catalogue_of):
    # 自治区级研发平台连续5年每年给予不低于500万元; 新认定的自治区级企业研发中心一次性30万元;
    # 重点新型研发机构按旗区、园区财政投入1∶1、每年最高500万元; 新型研发机构上年度研发经费20%、最高500万元.
    inst, rd = "key_new_rd_institution_local_funding_yuan", "new_rd_institution_rd_net_of_grants_yuan"
    conn = ledger_from({"enterprises": firms(A, B, C), "enterprise_metrics": [
        ev(A, 2024, "region_rd_platform_recognised"),  # 500万 a year, 2024-2028
        ev(B, 2023, "region_rd_platform_recognised"),  # approved 2023: no approval date in the clause: years 2-5
        ev(C, 2019, "region_rd_platform_recognised"),  # approved 2019: its five years ended in 2023
        ev(A, 2024, "enterprise_rd_centre_region_recognised"),  # 30万 once
        ev(A, 2024, inst, "3000000", "元"),  # matched 1:1 by the city alone
        ev(B, 2024, inst, "5000000.01", "元"),  # cap 500万
        ev(A, 2023, rd, "10000000", "元"), ev(A, 2024, rd, "12000000", "元"),  # 20% of 2023 = 200万 in 2024
        ev(B, 2023, rd, "25000005", "元"), ev(B, 2024, rd, "1", "元"),  # 5,000,001 -> cap 500万
        ev(C, 2023, rd, "10000000", "元"),  # no 2024 row: no award year (see the entry's reading)
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-5-03A") == [  # 500万 a year, 5 years, half each
        *halves(A, 2024, "2500000.00", "2500000.00"), *halves(A, 2025, "2500000.00", "2500000.00"),
        *halves(A, 2026, "2500000.00", "2500000.00"), *halves(A, 2027, "2500000.00", "2500000.00"),
        *halves(A, 2028, "2500000.00", "2500000.00"),
        *halves(B, 2024, "2500000.00", "2500000.00"), *halves(B, 2025, "2500000.00", "2500000.00"),
        *halves(B, 2026, "2500000.00", "2500000.00"), *halves(B, 2027, "2500000.00", "2500000.00"),
    ]
    assert lines(conn, "ORD2024-2-5-03B") == halves(A, 2024, "150000.00", "150000.00")
    assert lines(conn, "ORD2024-2-5-03C") == [(A, 2024, "city", CITY, "3000000.00"),
                                              (B, 2024, "city", CITY, "5000000.00")]
    assert lines(conn, "ORD2024-2-5-03D") == [
        *halves(A, 2024, "1000000.00", "1000000.00"),
        *halves(B, 2024, "2500000.00", "2500000.00"),
    ]


# ------------------------------------------------------------------ （六）加快科研攻关及成果转化

def test_2_6_tech_import_major_projects_and_rd_intensity_ceilings(ledger_from, catalogue_of):
    # 技术引进费用最高1000万元; 科技重大专项单个项目最高2000万元; 研发投入占营业收入3%以上或5000万元以上的规上企业
    # 最高500万元，高新技术企业翻倍.
    fee, rev, rd = "key_project_tech_import_fee_yuan", "industrial_operating_revenue_yuan", "rd_expenditure_yuan"
    conn = ledger_from({"enterprises": firms(A, B, C, E), "enterprise_metrics": [
        ev(A, 2024, fee, "10000000.01", "元"),  # cap 1000万
        ev(B, 2024, fee, "1234567.89", "元"),  # the fee itself
        ev(A, 2024, "city_major_sti_project_approved", "1", "个"),  # 2000万
        ev(B, 2024, "city_major_sti_project_approved", "2", "个"),  # 2 projects: 4000万
        # R&D: the 2024 award looks at 2023.
        ev(A, 2023, rev, "20000000", "元"), ev(A, 2023, rd, "600000", "元"), ev(A, 2024, rev, "1", "元"),  # 3%: 500万
        ev(B, 2023, rev, "19999999.99", "元"), ev(B, 2023, rd, "60000000", "元"),
        ev(B, 2024, rev, "1", "元"),  # not 规上: nothing
        ev(C, 2023, rev, "2000000000", "元"), ev(C, 2023, rd, "50000000", "元"),  # 2.5% but 5000万: ceiling
        ev(C, 2024, "hitech_enterprise_held"),  # 高新技术企业: doubled to 1000万
        ev(E, 2023, rev, "100000000", "元"), ev(E, 2023, rd, "2999999.99", "元"),
        ev(E, 2024, rev, "1", "元"),  # just under 3%: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-6-01") == [
        *halves(A, 2024, "5000000.00", "5000000.00"),
        *halves(B, 2024, "617283.94", "617283.95"),
    ]
    assert lines(conn, "ORD2024-2-6-02") == [
        *halves(A, 2024, "10000000.00", "10000000.00"),
        *halves(B, 2024, "20000000.00", "20000000.00"),
    ]
    assert lines(conn, "ORD2024-2-6-03") == [
        *halves(A, 2024, "2500000.00", "2500000.00"),
        *halves(C, 2024, "5000000.00", "5000000.00"),
    ]


# ------------------------------------------------------------------ （七）促进中小企业转型升级

def test_2_7_2_solid_waste_cliff_rates_and_yearly_cap(ledger_from, catalogue_of):
    # 利用1-5万吨每吨5元; 5-10万吨(不含5万吨)每吨7元; 10万吨以上(不含10万吨)每吨10元; 单户企业每年最多500万元.
    m = "general_solid_waste_utilised_net_t"
    H = "91150622HHHHHHHHH8"
    conn = ledger_from({"enterprises": firms(A, B, C, E, F, G, H), "enterprise_metrics": [
        ev(A, 2024, m, "10000", "吨"),  # 1万 exactly: 5元 -> 50,000
        ev(B, 2024, m, "50000", "吨"),  # 5万 exactly, still 5元 -> 250,000
        ev(C, 2024, m, "50000.01", "吨"),  # 7元 on the whole -> 350,000.07
        ev(E, 2024, m, "100000", "吨"),  # 10万 exactly, still 7元 -> 700,000
        ev(F, 2024, m, "100000.01", "吨"),  # 10元 on the whole -> 1,000,000.10
        ev(G, 2024, m, "600000", "吨"),  # 6,000,000 -> cap 5,000,000
        ev(H, 2024, m, "9999.99", "吨"),  # under 1万: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-7-02") == [
        *halves(A, 2025, "25000.00", "25000.00"),
        *halves(B, 2025, "125000.00", "125000.00"),
        *halves(C, 2025, "175000.03", "175000.04"),
        *halves(E, 2025, "350000.00", "350000.00"),
        *halves(F, 2025, "500000.05", "500000.05"),
        *halves(G, 2025, "2500000.00", "2500000.00"),
    ]


def test_2_7_3_to_2_7_5_demo_zone_tech_smes_hitech_and_gap_filling(ledger_from, catalogue_of):
    # 示范区500万元; 连续两年入库的国家科技型中小企业5万元; 再次获批和整体迁入的国家高新技术企业20万元;
    # 填补规上工业大中小类行业空白 100万元、60万元、20万元，单户企业可享受一次奖励.
    conn = ledger_from({"enterprises": firms(A, B, C, D), "enterprise_metrics": [
        ev(A, 2024, "specialised_sme_demo_zone_named"),
        ev(A, 2023, "tech_sme_db_listed"), ev(A, 2024, "tech_sme_db_listed"),  # two years running: 5万
        ev(B, 2024, "tech_sme_db_listed"),  # first year only: nothing
        ev(C, 2022, "tech_sme_db_listed"), ev(C, 2023, "tech_sme_db_listed"),  # 2023 award year: not this list
        ev(B, 2024, "hitech_enterprise_renewed_or_moved_in"),  # 20万
        ev(D, 2024, "hitech_enterprise_renewed_or_moved_in"),  # Hohhot: nothing
        ev(A, 2024, "above_scale_gap_filled_division"), ev(A, 2024, "above_scale_gap_filled_group"),
        ev(A, 2024, "above_scale_gap_filled_class"),  # all three levels at once: the highest, 100万, once
        ev(B, 2024, "above_scale_gap_filled_group"),  # 60万
        ev(C, 2024, "above_scale_gap_filled_class"),  # 20万
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-7-03A") == halves(A, 2024, "2500000.00", "2500000.00")
    assert lines(conn, "ORD2024-2-7-04A") == halves(A, 2024, "25000.00", "25000.00")
    assert lines(conn, "ORD2024-2-7-04B") == halves(B, 2024, "100000.00", "100000.00")
    assert lines(conn, "ORD2024-2-7-05") == [
        *halves(A, 2024, "500000.00", "500000.00"),
        *halves(B, 2024, "300000.00", "300000.00"),
        *halves(C, 2024, "100000.00", "100000.00"),
    ]


def test_2_7_6_category_expansion_paid_2_3_5_one_project_per_firm(ledger_from, catalogue_of):
    # 投资额在2000万元以上……扩增工业大类、中类、小类，分别给予奖励300万元、200万元、100万元。单户企业只可享受一次
    # 奖励，不重复计奖。奖励资金分阶段按2∶3∶5比例发放.
    t = "industry_category_expansion"
    conn = ledger_from({"enterprises": firms(A, B), "projects": [
        proj("P1", t, "2024-06-30", "20000000", quantity="2"),  # 大类, 2000万 exactly: 300万
        proj("P2", t, "2024-09-30", "30000000", quantity="3"),  # the same firm's 中类 project: stacked out
        proj("P3", t, "2024-06-30", "25000000", quantity="4", uscc=B),  # 小类: 100万
        proj("P4", t, "2024-06-30", "19999999.99", quantity="2", uscc=B),  # under 2000万: nothing
    ]}, catalogue_of(FILE, *LINKED))
    assert lines(conn, "ORD2024-2-7-06") == [
        *halves("P1", 2024, "300000.00", "300000.00"), *halves("P1", 2025, "450000.00", "450000.00"),
        *halves("P1", 2026, "750000.00", "750000.00"),
        *halves("P3", 2024, "100000.00", "100000.00"), *halves("P3", 2025, "150000.00", "150000.00"),
        *halves("P3", 2026, "250000.00", "250000.00"),
    ]
    outcome = conn.execute("SELECT outcome FROM ledger.awards WHERE rule_id = 'ORD2024-2-7-06' AND object_id = 'P2'")
    assert outcome.fetchall() == [("stacked_out: ORD2024-2-7-06",)]


def test_catalogue_counts_and_links(catalogue_of):
    from dagster_project import catalogue

    cat = catalogue.load(catalogue_of(FILE, *LINKED))
    mine = [r for r in cat.rules if r.id.startswith("ORD2024-2-")]
    assert (len(mine), sum(r.costed for r in mine)) == (42, 32)
    assert cat.rule("ORD2024-2-1-05A").links == {"restates": "NMG2024-43B"}
    assert cat.rule("ORD2024-2-1-06A").links == {"restates": "NMG2024-19"}
    assert cat.rule("ORD2024-2-1-05B").links == {"tops_up": "NMG2024-47C"}
    assert cat.rule("ORD2024-2-1-05C").links == {"tops_up": "NMG2024-47B"}


def test_2_1_1_city_retained_revenue_handed_to_the_banner_for_five_tax_years(ledger_from, catalogue_of):
    # 自项目…建成投产后第一个完整纳税年度起，将其年度地方财力贡献的市本级留成部分，按照“第一类企业（项目）前五年100%，
    # 第二类企业（项目）前三年100%后两年80%，第三、四类企业（项目）前五年100%”的比例…奖补属地旗区（园区）.
    # A: class 1/3/4, started 2024 -> tax years 2025-2029 at 100%, settled the next year (2026-2030).
    # B: class 2, started 2024 -> 2025-2027 at 100%, 2028-2029 at 80%.
    # C: started 2023 (before the list): nothing. D: Hohhot: nothing. E: started 2024, nothing retained in 2026.
    retained, main, cls2 = "local_fiscal_contribution_city_retained_yuan", "cluster_firm_production_started", \
        "cluster_class2_firm_production_started"
    rows = [ev(A, 2024, main), ev(B, 2024, cls2), ev(C, 2023, main), ev(D, 2024, main), ev(E, 2024, main)]
    for year in range(2024, 2031):
        rows += [ev(u, year, retained, "1234567.89", "元") for u in (A, B, C, D)]
    rows += [ev(E, 2025, retained, "100000.00", "元"), ev(E, 2026, retained, "0", "元")]
    conn = ledger_from({"enterprises": firms(A, B, C, D, E), "enterprise_metrics": rows},
                       catalogue_of(FILE, *LINKED))
    full, four_fifths = "1234567.89", "987654.31"  # 1,234,567.89 x 0.8 = 987,654.312 -> 987,654.31
    assert lines(conn, "ORD2024-2-1-01") == [
        *[(A, year, "city", CITY, full) for year in range(2026, 2031)],  # tax years 2025-2029; 2030 is year 6
        (B, 2026, "city", CITY, full), (B, 2027, "city", CITY, full), (B, 2028, "city", CITY, full),
        (B, 2029, "city", CITY, four_fifths), (B, 2030, "city", CITY, four_fifths),
        (E, 2026, "city", CITY, "100000.00"),  # tax year 2025; 2026's zero retained share earns nothing
    ]
    kinds = conn.execute("SELECT DISTINCT kind FROM ledger.liabilities WHERE rule_id = 'ORD2024-2-1-01'").fetchall()
    assert kinds == [("revenue_forgone",)]
    assert flags(conn, "ORD2024-2-1-01") == [(True,)]
