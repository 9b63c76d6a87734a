"""ORD2024 (鄂府发〔2024〕29号) section 一、推进农牧业现代化 (lines 3363-3723) against the text's own numbers, written
out by hand (never computed by the code).

Reading used throughout (see seeds/catalogue/ORD2024.part1.yaml): every costed rule runs 2024-04-29 .. 2024-12-31;
市本级 → the city pays alone (150600); no payer named, or 市、旗两级 without a ratio → the city default, city 0.5
(150600) and banner 0.5 (the beneficiary's banner, or its park), flagged split_specified = false. Yearly counts
are paid the next year (lag 1), one-off awards in the year of the fact. Amounts are in 元 with fen; the levels
split an amount in fen with the city taking the floor of its half and the banner the rest.
"""

from __future__ import annotations

from datetime import date

from dagster_project import catalogue
from tests.conftest import enterprise, lines

PART = "ORD2024.part1.yaml"
# the region entries the city entries restate or top up (links must resolve)
FILES = (PART, "NMG2024.yaml", "NMG2024.part1.yaml")
CITY = "150600"
BP = "1506BP"  # the banner share of a city-wide budget line: no single banner pays it
A, B, C, D = "91150622AAAAAAAAA1", "91150621BBBBBBBBB2", "9115060PCCCCCCCCC3", "91150102DDDDDDDDD4"
E, F, G, H = "91150622EEEEEEEEE5", "91150627FFFFFFFFF6", "91150602GGGGGGGGG7", "91150622HHHHHHHHH8"
UNITS = {"plant_variety_rights_granted_n": "个", "imported_beef_cows_head": "头",
         "introduced_base_cows_calved_head": "头",
         "beef_breeding_cows_head": "头", "beef_ai_inseminations_n": "次", "beef_ai_calves_new_head": "头",
         "dairy_sire_ranked": "次", "imported_dairy_cows_head": "头", "sexed_semen_cows_bred_head": "头",
         "sexed_embryo_market_value_yuan": "元", "forage_stored_t": "吨", "agri_new_business_loan_yuan": "元",
         "agproc_deep_processed_t": "吨", "main_business_revenue_yuan": "元", "agproc_working_rd_loan_yuan": "元",
         "agproc_project_loan_yuan": "元", "national_crop_variety_approved_n": "个"}


def m(uscc: str, year: int, metric: str, value: str) -> dict:
    return {"uscc": uscc, "year": year, "metric": metric, "value": value, "unit": UNITS[metric]}


def project(pid: str, ptype: str, completed: str, area: str | None = None, quantity: str | None = None,
            unit: str | None = None, total: str = "1000000", region: str = "150622", uscc: str = A) -> dict:
    return {"project_id": pid, "uscc": uscc, "project_name": pid, "project_type": ptype, "region_code": region,
            "start_date": date(2023, 3, 1), "completion_date": date.fromisoformat(completed),
            "equipment_investment_yuan": total, "total_investment_yuan": total, "area_mu": area,
            "quantity": quantity, "quantity_unit": unit}


def split(obj: str, year: int, banner: str, banner_amount: str, city_amount: str) -> list[tuple]:
    """The city default: the banner's and the city's lines of one payment, amounts written by hand."""
    return [(obj, year, "banner", banner, banner_amount), (obj, year, "city", CITY, city_amount)]


def city(obj: str, year: int, amount: str) -> tuple:
    return (obj, year, "city", CITY, amount)


FIRMS = [enterprise(A), enterprise(B, region="150621"), enterprise(C, region="1506P1"),
         enterprise(D, region="150102"), enterprise(E, industry="13"), enterprise(F, region="150627", industry="13"),
         enterprise(G, region="150602", industry="51"), enterprise(H, industry="14")]


# --- （一）增强粮食综合生产能力 ------------------------------------------------------------------------------------


def test_1_1_irrigation_saline_land_and_the_fruit_vegetable_budget(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": FIRMS, "projects": [
        # 1.1.1 规模化种植面积5000亩以上…每亩一次性给予300元补贴 (no payer named: city default)
        project("IR1", "yellow_river_water_saving_irrigation", "2024-06-01", area="5000"),  # 1,500,000 at the edge
        project("IR2", "yellow_river_water_saving_irrigation", "2024-06-01", area="4999.99"),  # below 5000亩
        project("IR3", "yellow_river_water_saving_irrigation", "2024-04-28", area="6000"),  # before the list
        project("IR4", "yellow_river_water_saving_irrigation", "2024-07-01", area="8000", region="150102", uscc=D),
        project("IR5", "yellow_river_water_saving_irrigation", "2024-12-31", area="5000.5", region="1506P1",
                uscc=C),  # 1,500,150: the park pays the banner half
        # 1.1.3 集中连片改造5000亩以上中、重度盐碱地…市本级每亩一次性分别补贴资金1000元、2000元
        project("SL1", "saline_land_improvement", "2024-08-01", area="5000", quantity="2000", unit="亩",
                region="150621", uscc=B),  # moderate 3000亩 x 1000 = 3,000,000; severe 2000亩 x 2000 = 4,000,000
        project("SL2", "saline_land_improvement", "2024-08-01", area="4999", quantity="1000", unit="亩"),  # too small
        project("SL3", "saline_land_improvement", "2024-09-01", area="8000"),  # all moderate: 8,000,000
        project("SL4", "saline_land_improvement", "2024-10-01", area="6000", quantity="6000", unit="亩"),  # all severe
    ]}, catalogue_of(*FILES))
    assert lines(conn, "ORD2024-1-1-01") == (split("IR1", 2024, "150622", "750000.00", "750000.00")
                                             + split("IR5", 2024, "1506P1", "750075.00", "750075.00"))
    assert lines(conn, "ORD2024-1-1-03A") == [city("SL1", 2024, "3000000.00"), city("SL3", 2024, "8000000.00")]
    assert lines(conn, "ORD2024-1-1-03B") == [city("SL1", 2024, "4000000.00"), city("SL4", 2024, "12000000.00")]
    # 1.1.2 每年投入5000万元: one 2024 line, no payer named: city default, both halves on the city's programme line
    assert lines(conn, "ORD2024-1-1-02") == split("ORD2024-1-1-02/2024", 2024, BP, "25000000.00", "25000000.00")
    flagged = conn.execute("SELECT DISTINCT rule_id, split_specified FROM ledger.liabilities WHERE rule_id IN "
                           "('ORD2024-1-1-01', 'ORD2024-1-1-03A') ORDER BY rule_id").fetchall()
    assert flagged == [("ORD2024-1-1-01", False), ("ORD2024-1-1-03A", True)]


# --- （二）实施种业振兴行动 ----------------------------------------------------------------------------------------


def test_1_2_seed_awards_beef_breeding_farms_and_cows(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": FIRMS, "enterprise_metrics": [
        # 1.2.3 新获得…植物新品种保护权证书…给予5万元的一次性奖励
        m(A, 2024, "plant_variety_rights_granted_n", "1"),  # 50,000
        m(B, 2024, "plant_variety_rights_granted_n", "2"),  # 100,000
        m(B, 2023, "plant_variety_rights_granted_n", "1"),  # before the list
        m(D, 2024, "plant_variety_rights_granted_n", "1"),  # Hohhot
        # …and 通过国家审定的主要农作物品种每个10万元: restates NMG2024-06B, paid once, by the region
        m(A, 2024, "national_crop_variety_approved_n", "1"),
        # 1.2.5 进口肉牛良种母牛每头4000元; 基础母牛见犊每头2000元; 每头能繁母牛每年2支冻精每支30元;
        # 当年配种在100次以上的社会化服务组织每新增一头犊牛260元
        m(A, 2024, "imported_beef_cows_head", "10.7"),  # 10 whole head: 40,000 paid 2025
        m(A, 2024, "introduced_base_cows_calved_head", "3"),  # 6,000 paid 2025
        m(A, 2024, "beef_breeding_cows_head", "100"),  # 100 x 2 x 30 = 6,000 in 2024
        m(B, 2024, "beef_ai_inseminations_n", "100"), m(B, 2024, "beef_ai_calves_new_head", "40"),  # 10,400 in 2025
        m(E, 2024, "beef_ai_inseminations_n", "99"), m(E, 2024, "beef_ai_calves_new_head", "40"),  # 99 services
    ], "projects": [
        # 1.2.4 能繁母牛5000头和10000头以上…总投入不超过30%…最高不超过1000万元和2000万元
        project("BF1", "beef_breeding_farm", "2024-05-01", quantity="5000", unit="头", total="20000000"),  # 6,000,000
        project("BF2", "beef_breeding_farm", "2024-05-01", quantity="9999", unit="头", total="50000000"),  # cap 1000万
        project("BF3", "beef_breeding_farm", "2024-05-01", quantity="10000", unit="头", total="50000000"),  # 15,000,000
        project("BF4", "beef_breeding_farm", "2024-05-01", quantity="10000", unit="头", total="100000000"),  # capped
        project("BF5", "beef_breeding_farm", "2024-05-01", quantity="4999", unit="头", total="50000000"),  # too small
    ]}, catalogue_of(*FILES))
    # (lines come sorted by object id: B 91150621… before A 91150622…)
    assert lines(conn, "ORD2024-1-2-03B") == (split(B, 2024, "150621", "50000.00", "50000.00")
                                              + split(A, 2024, "150622", "25000.00", "25000.00"))
    assert lines(conn, "ORD2024-1-2-03A") == []
    assert lines(conn, "NMG2024-06B") == [(A, 2024, "region", "150000", "100000.00")]
    assert lines(conn, "ORD2024-1-2-04") == (split("BF1", 2024, "150622", "3000000.00", "3000000.00")
                                             + split("BF2", 2024, "150622", "5000000.00", "5000000.00")
                                             + split("BF3", 2024, "150622", "7500000.00", "7500000.00")
                                             + split("BF4", 2024, "150622", "10000000.00", "10000000.00"))
    assert lines(conn, "ORD2024-1-2-05A") == split(A, 2025, "150622", "20000.00", "20000.00")
    assert lines(conn, "ORD2024-1-2-05B") == split(A, 2025, "150622", "3000.00", "3000.00")
    assert lines(conn, "ORD2024-1-2-05C") == split(A, 2024, "150622", "3000.00", "3000.00")
    assert lines(conn, "ORD2024-1-2-05D") == split(B, 2025, "150621", "5200.00", "5200.00")


# --- （三）实施奶业振兴行动 ----------------------------------------------------------------------------------------


def test_1_3_1_and_2_dairy_farms_and_plants(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": FIRMS, "projects": [
        # 3000头规模养殖场补贴600万元，每增加500头再补贴100万元 (no payer named)
        project("DF1", "dairy_farm_new", "2024-06-01", quantity="3000", unit="头"),  # 6,000,000
        project("DF2", "dairy_farm_new", "2024-06-01", quantity="3499", unit="头"),  # 6,000,000
        project("DF3", "dairy_farm_new", "2024-06-01", quantity="3500", unit="头"),  # 7,000,000
        # 100头规模养殖场（不含犊牛），市本级一次性奖励20万元，每增加100头再奖励20万元 (below 3000头)
        project("DF4", "dairy_farm_new", "2024-06-01", quantity="2999", unit="头"),  # 29 x 20万 = 5,800,000
        project("DF5", "dairy_farm_new", "2024-06-01", quantity="100", unit="头"),  # 200,000
        project("DF6", "dairy_farm_new", "2024-06-01", quantity="199", unit="头"),  # 200,000
        project("DF7", "dairy_farm_new", "2024-06-01", quantity="99", unit="头"),  # nothing
        # 高端有机牧场 存栏1000头以上 市本级50万元，每增加1000头再50万元
        project("OF1", "dairy_farm_organic_certified", "2024-07-01", quantity="1000", unit="头"),  # 500,000
        project("OF2", "dairy_farm_organic_certified", "2024-07-01", quantity="1999", unit="头"),  # 500,000
        project("OF3", "dairy_farm_organic_certified", "2024-07-01", quantity="2000", unit="头"),  # 1,000,000
        project("OF4", "dairy_farm_organic_certified", "2024-07-01", quantity="999", unit="头"),  # nothing
        # 奶牛存栏50-800头之间的中小养殖场提升改造…市、旗两级配套补贴12万元
        project("SU1", "dairy_farm_small_upgrade", "2024-09-01", quantity="50", unit="头", region="150627", uscc=F),
        project("SU2", "dairy_farm_small_upgrade", "2024-09-01", quantity="800", unit="头"),
        project("SU3", "dairy_farm_small_upgrade", "2024-09-01", quantity="801", unit="头"),  # nothing
        project("SU4", "dairy_farm_small_upgrade", "2024-09-01", quantity="49", unit="头"),  # nothing
        # 新建日处理鲜奶2000吨以上的乳品加工厂，市本级一次性奖励2000万元
        project("MP1", "dairy_plant_new", "2024-11-30", quantity="2000", unit="吨/日", uscc=H),
        project("MP2", "dairy_plant_new", "2024-11-30", quantity="1999.99", unit="吨/日", uscc=H),
    ]}, catalogue_of(*FILES))
    assert lines(conn, "ORD2024-1-3-01A") == (split("DF1", 2024, "150622", "3000000.00", "3000000.00")
                                              + split("DF2", 2024, "150622", "3000000.00", "3000000.00")
                                              + split("DF3", 2024, "150622", "3500000.00", "3500000.00"))
    assert lines(conn, "ORD2024-1-3-01B") == [city("DF4", 2024, "5800000.00"), city("DF5", 2024, "200000.00"),
                                              city("DF6", 2024, "200000.00")]
    assert lines(conn, "ORD2024-1-3-01C") == [city("OF1", 2024, "500000.00"), city("OF2", 2024, "500000.00"),
                                              city("OF3", 2024, "1000000.00")]
    assert lines(conn, "ORD2024-1-3-01D") == (split("SU1", 2024, "150627", "60000.00", "60000.00")
                                              + split("SU2", 2024, "150622", "60000.00", "60000.00"))
    assert lines(conn, "ORD2024-1-3-02A") == [city("MP1", 2024, "20000000.00")]


def test_1_3_3_top_ups_on_the_region_dairy_breeding_subsidies(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": FIRMS, "enterprise_metrics": [
        # 在自治区奖补1000万元的基础上，市本级再奖励500万元
        m(A, 2024, "dairy_sire_ranked", "1"), m(D, 2024, "dairy_sire_ranked", "1"),  # D is in Hohhot
        # 进口良种母牛在自治区补贴3000元基础上，市、旗两级配套补贴2000元
        m(B, 2024, "imported_dairy_cows_head", "25"),  # 50,000 paid 2025
        # 在自治区每头能繁母牛每年补贴120元的基础上，市本级再补贴80元 (the region's 120元 is NMG2024-08F)
        m(A, 2024, "sexed_semen_cows_bred_head", "100"),  # city 8,000 and region 12,000, both paid 2025
        # 在自治区每支市场价格补贴50%的基础上，市本级再补贴50%
        m(C, 2024, "sexed_embryo_market_value_yuan", "123456.78"),  # 61,728.39 paid 2025
    ]}, catalogue_of(*FILES))
    assert lines(conn, "ORD2024-1-3-03A") == [city(A, 2024, "5000000.00")]
    assert lines(conn, "ORD2024-1-3-03B") == split(B, 2025, "150621", "25000.00", "25000.00")
    assert lines(conn, "ORD2024-1-3-03C") == [city(A, 2025, "8000.00")]
    assert lines(conn, "NMG2024-08F") == [(A, 2025, "region", "150000", "12000.00")]
    assert lines(conn, "ORD2024-1-3-03D") == [city(C, 2025, "61728.39")]


def test_1_3_4_forage_planting_and_storage(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": FIRMS, "enterprise_metrics": [
        m(B, 2024, "forage_stored_t", "1000"),  # 收储饲草补贴原则上每吨不低于50元: 50,000 paid 2025
        m(B, 2023, "forage_stored_t", "1000"),  # before the list
    ], "projects": [
        # 饲用燕麦 300亩以上 每亩补贴100元
        project("OA1", "forage_oat", "2024-08-01", area="300"),  # 30,000
        project("OA2", "forage_oat", "2024-08-01", area="299"),  # nothing
        project("OA3", "forage_oat", "2024-08-01", area="10000"),  # 1,000,000; and 新增1万亩以上 +200 = 2,000,000
        # 羊草 200亩以上 每亩按1000元标准分三年: 200,000 in three parts (fen: 6,666,666 / 6,666,667 / 6,666,667)
        project("LG1", "leymus_grass", "2024-09-01", area="200"),
        project("LG2", "leymus_grass", "2024-09-01", area="199"),  # nothing
        # 苜蓿 500亩以上 1000元分三年 restates NMG2024-10; 新增1万亩以上 每亩再一次性200元 is the city's own
        project("AL1", "alfalfa", "2024-10-01", area="10000"),  # city 2,000,000; region 10,000,000 over 3 years
        project("AL2", "alfalfa", "2024-10-01", area="9999"),  # no 200元 top-up
    ]}, catalogue_of(*FILES))
    assert lines(conn, "ORD2024-1-3-04A") == (split("OA1", 2024, "150622", "15000.00", "15000.00")
                                              + split("OA3", 2024, "150622", "500000.00", "500000.00"))
    assert lines(conn, "ORD2024-1-3-04B") == (split("LG1", 2024, "150622", "33333.33", "33333.33")
                                              + split("LG1", 2025, "150622", "33333.34", "33333.33")
                                              + split("LG1", 2026, "150622", "33333.34", "33333.33"))
    assert lines(conn, "ORD2024-1-3-04C") == []
    assert lines(conn, "ORD2024-1-3-04D") == (split("AL1", 2024, "150622", "1000000.00", "1000000.00")
                                              + split("OA3", 2024, "150622", "1000000.00", "1000000.00"))
    # the alfalfa 1000元/亩 over 3 years is paid once, by the region (NMG2024-10), for both fields (500亩 or more)
    assert lines(conn, "NMG2024-10") == [
        ("AL1", 2024, "region", "150000", "3333333.33"), ("AL1", 2025, "region", "150000", "3333333.33"),
        ("AL1", 2026, "region", "150000", "3333333.34"), ("AL2", 2024, "region", "150000", "3333000.00"),
        ("AL2", 2025, "region", "150000", "3333000.00"), ("AL2", 2026, "region", "150000", "3333000.00")]
    assert lines(conn, "ORD2024-1-3-04E") == split(B, 2025, "150621", "25000.00", "25000.00")


# --- （四）推进农牧业全产业链发展 ----------------------------------------------------------------------------------


def test_1_4_1_beef_plants_cliffs_and_caps(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": FIRMS, "projects": [
        # 提标改造后年加工能力1万头以上…按照投资额的20%…最高不超过500万元
        project("BU1", "beef_plant_upgrade", "2024-06-01", quantity="10000", unit="头/年", total="20000000", uscc=E),
        project("BU2", "beef_plant_upgrade", "2024-06-01", quantity="20000", unit="头/年", total="30000000", uscc=E),
        project("BU3", "beef_plant_upgrade", "2024-06-01", quantity="9999", unit="头/年", total="20000000", uscc=E),
        # 新建年加工能力3万头以上…5万头以上…投资额的20%…最高不超过1000万元和3000万元
        project("BN1", "beef_plant_new", "2024-07-01", quantity="30000", unit="头/年", total="40000000", uscc=E),
        project("BN2", "beef_plant_new", "2024-07-01", quantity="49999", unit="头/年", total="60000000", uscc=E),
        project("BN3", "beef_plant_new", "2024-07-01", quantity="50000", unit="头/年", total="60000000", uscc=E),
        project("BN4", "beef_plant_new", "2024-07-01", quantity="50000", unit="头/年", total="200000000", uscc=E),
        project("BN5", "beef_plant_new", "2024-07-01", quantity="29999", unit="头/年", total="60000000", uscc=E),
    ]}, catalogue_of(*FILES))
    assert lines(conn, "ORD2024-1-4-01A") == (split("BU1", 2024, "150622", "2000000.00", "2000000.00")
                                              + split("BU2", 2024, "150622", "2500000.00", "2500000.00"))
    assert lines(conn, "ORD2024-1-4-01B") == (split("BN1", 2024, "150622", "4000000.00", "4000000.00")
                                              + split("BN2", 2024, "150622", "5000000.00", "5000000.00")
                                              + split("BN3", 2024, "150622", "6000000.00", "6000000.00")
                                              + split("BN4", 2024, "150622", "15000000.00", "15000000.00"))


def test_1_4_programme_budgets(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": FIRMS}, catalogue_of(*FILES))
    # 市财政每年安排1亿元: the city alone
    assert lines(conn, "ORD2024-1-4-02") == [city("ORD2024-1-4-02/2024", 2024, "100000000.00")]
    # 市级产业强镇5个左右 x 600万 = 3000万; 优质特色产业基地10个 x 300万 = 3000万; 不低于3000万元 (floor)
    for rid in ("ORD2024-1-4-03B", "ORD2024-1-4-04B", "ORD2024-1-4-10B"):
        assert lines(conn, rid) == split(f"{rid}/2024", 2024, BP, "15000000.00", "15000000.00")
    # 风险补偿基金先后注入1.5亿元; 1∶10 → 15亿 of credit x 3% 贴息 = 4500万
    assert lines(conn, "ORD2024-1-4-11A") == split("ORD2024-1-4-11A/2024", 2024, BP, "75000000.00", "75000000.00")
    assert lines(conn, "ORD2024-1-4-11B") == split("ORD2024-1-4-11B/2024", 2024, BP, "22500000.00", "22500000.00")


def test_1_4_5_to_8_parks_interest_subsidies_and_cold_chain(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": FIRMS, "enterprise_metrics": [
        # 1.4.5 对建设主体给予年利率3%的贷款贴息支持，贴息金额最高不超过200万元
        m(A, 2024, "agri_new_business_loan_yuan", "10000000"),  # 300,000 paid 2025
        m(B, 2024, "agri_new_business_loan_yuan", "70000000"),  # 2,100,000 → cap 2,000,000
        # 1.4.7 精深加工量达到1000吨以上或年销售收入达2亿元以上…年利率3%的贷款贴息…最高不超过500万元
        m(E, 2024, "agproc_deep_processed_t", "1000"), m(E, 2024, "main_business_revenue_yuan", "50000000"),
        m(E, 2024, "agproc_working_rd_loan_yuan", "10000000"), m(E, 2024, "agproc_project_loan_yuan", "5000000"),
        m(F, 2024, "agproc_deep_processed_t", "10"), m(F, 2024, "main_business_revenue_yuan", "200000000"),
        m(F, 2024, "agproc_working_rd_loan_yuan", "200000000"),  # 6,000,000 → cap 5,000,000
        m(H, 2024, "agproc_deep_processed_t", "999.99"), m(H, 2024, "main_business_revenue_yuan", "199999999.99"),
        m(H, 2024, "agproc_working_rd_loan_yuan", "10000000"),  # neither gate
        m(G, 2024, "agproc_deep_processed_t", "5000"), m(G, 2024, "agproc_working_rd_loan_yuan", "10000000"),  # trade
    ], "projects": [
        # 1.4.5 产值达1亿元以上的园区…固定资产投资的40%…最高不超过300万元
        project("AT1", "agritourism_park", "2024-06-01", quantity="100000000", unit="元", total="5000000"),
        project("AT2", "agritourism_park", "2024-06-01", quantity="150000000", unit="元", total="10000000"),
        project("AT3", "agritourism_park", "2024-06-01", quantity="99999999", unit="元", total="5000000"),
        # 1.4.6 年产值达到10亿元以上…按照固定资产投资的40%予以贷款贴息，贴息金额最高不超过500万元
        project("LB1", "agri_leading_base", "2024-08-01", quantity="1000000000", unit="元", total="10000000", uscc=E),
        project("LB2", "agri_leading_base", "2024-08-01", quantity="2000000000", unit="元", total="20000000", uscc=E),
        project("LB3", "agri_leading_base", "2024-08-01", quantity="999999999", unit="元", total="10000000", uscc=E),
        # 1.4.8 年交易农畜产品10万吨以上…一次性给予200万元; 300立方米以上 冷藏保鲜库200元、气调贮藏库400元;
        # 原有设施改建的，按建设费用的40%补贴，补贴金额不超过500万元
        project("CC1", "agri_cold_chain_park_new", "2024-09-01", quantity="100000", unit="吨"),
        project("CC2", "agri_cold_chain_park_new", "2024-09-01", quantity="99999", unit="吨"),
        project("CS1", "fruit_veg_cold_store_new", "2024-09-01", quantity="300", unit="立方米"),  # 60,000
        project("CS2", "fruit_veg_cold_store_new", "2024-09-01", quantity="299", unit="立方米"),  # nothing
        project("CA1", "fruit_veg_ca_store_new", "2024-09-01", quantity="300", unit="立方米"),  # 120,000
        project("CA2", "fruit_veg_ca_store_new", "2024-09-01", quantity="299.5", unit="立方米"),  # nothing
        project("RN1", "fruit_veg_store_renovation", "2024-09-01", total="1000000"),  # 400,000
        project("RN2", "fruit_veg_store_renovation", "2024-09-01", total="20000000"),  # 8,000,000 → 5,000,000
    ]}, catalogue_of(*FILES))
    assert lines(conn, "ORD2024-1-4-05A") == (split("AT1", 2024, "150622", "1000000.00", "1000000.00")
                                              + split("AT2", 2024, "150622", "1500000.00", "1500000.00"))
    assert lines(conn, "ORD2024-1-4-05B") == (split(B, 2025, "150621", "1000000.00", "1000000.00")
                                              + split(A, 2025, "150622", "150000.00", "150000.00"))
    assert lines(conn, "ORD2024-1-4-06A") == (split("LB1", 2024, "150622", "2000000.00", "2000000.00")
                                              + split("LB2", 2024, "150622", "2500000.00", "2500000.00"))
    assert lines(conn, "ORD2024-1-4-07A") == (split(E, 2025, "150622", "225000.00", "225000.00")
                                              + split(F, 2025, "150627", "2500000.00", "2500000.00"))
    assert lines(conn, "ORD2024-1-4-08A") == split("CC1", 2024, "150622", "1000000.00", "1000000.00")
    assert lines(conn, "ORD2024-1-4-08C") == split("CS1", 2024, "150622", "30000.00", "30000.00")
    assert lines(conn, "ORD2024-1-4-08D") == split("CA1", 2024, "150622", "60000.00", "60000.00")
    assert lines(conn, "ORD2024-1-4-08E") == (split("RN1", 2024, "150622", "200000.00", "200000.00")
                                              + split("RN2", 2024, "150622", "2500000.00", "2500000.00"))


def test_the_part_is_catalogued_completely():
    import yaml

    from dagster_project.catalogue import CATALOGUE_DIR

    data = yaml.safe_load((CATALOGUE_DIR / PART).read_text(encoding="utf-8"))
    rules = {r["id"]: r for r in data["rules"]}
    assert len(rules) == 56 and sum(r["status"] == "costed" for r in rules.values()) == 42
    assert data["items_without_fiscal_clause"] == ["1.2.2", "1.4.9"]
    assert rules["ORD2024-1-2-03A"]["links"] == {"restates": "NMG2024-06B"}
    assert rules["ORD2024-1-3-04C"]["links"] == {"restates": "NMG2024-10"}
    assert {rid: r["links"]["tops_up"] for rid, r in rules.items() if "tops_up" in (r.get("links") or {})} == {
        "ORD2024-1-1-04B": "NMG2024-02A", "ORD2024-1-3-02B": "NMG2024-11A", "ORD2024-1-3-02C": "NMG2024-11B",
        "ORD2024-1-3-03A": "NMG2024-08B", "ORD2024-1-3-03C": "NMG2024-08F", "ORD2024-1-3-03D": "NMG2024-08E"}
    # every registry-driven rule is restricted to Ordos
    for r in rules.values():
        if r["status"] == "costed" and r["beneficiary"] != "programme":
            assert "city_code = '150600'" in r["eligibility"], r["id"]


def test_1_3_3_the_regions_3000_per_imported_dairy_cow_stated_in_the_city_text(ledger_from, catalogue_of):
    # 进口良种母牛在自治区补贴3000元基础上，市、旗两级配套补贴2000元: the region's 3000元 (ORD2024-1-3-03E, an
    # assumption) paid by the region, the city's 2000元 (ORD2024-1-3-03B) split city/banner, both the next year.
    conn = ledger_from({"enterprises": FIRMS, "enterprise_metrics": [
        m(B, 2024, "imported_dairy_cows_head", "25"),  # region 75,000; city and banner 25,000 each
        m(A, 2024, "imported_dairy_cows_head", "1"),  # exactly one cow: region 3,000
        m(E, 2024, "imported_dairy_cows_head", "0.9"),  # not one whole cow: nothing
        m(D, 2024, "imported_dairy_cows_head", "10"),  # Hohhot: not in the Ordos text, nothing
        m(A, 2023, "imported_dairy_cows_head", "10"),  # before the list: nothing
    ]}, folder := catalogue_of(*FILES))
    assert lines(conn, "ORD2024-1-3-03E") == [(B, 2025, "region", "150000", "75000.00"),
                                              (A, 2025, "region", "150000", "3000.00")]
    assert lines(conn, "ORD2024-1-3-03B") == (split(B, 2025, "150621", "25000.00", "25000.00")
                                              + split(A, 2025, "150622", "1000.00", "1000.00"))
    assumption = catalogue.load(folder).rule("ORD2024-1-3-03E").assumption  # the rule rests on the city text
    assert "3000元" in assumption and "第3510—3512行" in assumption


def test_1_4_3_and_1_4_4_banner_award_from_an_assumed_count_and_modern_agri_parks(ledger_from, catalogue_of):
    conn = ledger_from({"enterprises": FIRMS, "projects": [
        # 培育扶持总产值达10亿元以上…的现代农牧业产业园，每个给予1000万元扶持资金 (no payer named: city default)
        project("MP1", "modern_agri_park_recognised", "2024-06-01", quantity="1000000000", unit="元"),  # 10亿
        project("MP2", "modern_agri_park_recognised", "2024-06-01", quantity="999999999.99", unit="元"),  # below
        project("MP3", "modern_agri_park_recognised", "2024-04-28", quantity="2000000000", unit="元"),  # too early
        project("MP4", "modern_agri_park_recognised", "2024-09-01", quantity="3000000000", unit="元",
                region="150102", uscc=D),  # Hohhot
    ]}, folder := catalogue_of(*FILES))
    assert lines(conn, "ORD2024-1-4-04A") == split("MP1", 2024, "150622", "5000000.00", "5000000.00")
    # 对农牧业总产值超过100亿元的旗区，给予2000万元资金奖励: one banner assumed, the city pays the banner
    assert lines(conn, "ORD2024-1-4-03A") == [city("ORD2024-1-4-03A/2024", 2024, "20000000.00")]
    assert "1个旗区" in catalogue.load(folder).rule("ORD2024-1-4-03A").assumption
