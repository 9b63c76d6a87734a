"""ORD-TALENT (鄂尔多斯市人才新政2.0版): every costed entry against amounts written by hand from the text.

The talent rows carry the optional registry fields the city's policy needs (scheme, city_state_employer,
key_enterprise, internship_months …; see dagster_project/contract.py). Employer 'A' works in 东胜区 (150602).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import enterprise, lines

A = "91150602MA0000000A"  # the employer; check digits do not matter to the ledger
B = "91150622MA0000000B"
CITY = "150600"


def person(tid: str, arrived: str, category: str | None = None, left: str | None = None, region: str = "150602",
           employer: str | None = A, **fields) -> dict:
    row = {"talent_id": tid, "person_key": f"pk-{tid}", "name_masked": "张**", "id_masked": "1506**************",
           "category": category, "field": "science", "employer_uscc": employer, "region_code": region,
           "arrival_date": date.fromisoformat(arrived), "departure_date": date.fromisoformat(left) if left else None,
           "employment": "full_time", "degree": "doctorate", "title": "senior", "annual_salary_yuan": "500000",
           "birth_year": 1985, "scheme": "high_level" if category else None}
    row.update(fields)
    return row


@pytest.fixture
def talent_ledger(ledger_from, catalogue_of):
    def build(*people: dict):
        return ledger_from({"enterprises": [enterprise(A, region="150602"), enterprise(B, region="150622")],
                            "talents": list(people)}, catalogue_of("ORD-TALENT.yaml"))
    return build


def award(conn, rule_id: str, object_id: str) -> tuple:
    return conn.execute("SELECT beneficiary_id, ceiling_yuan, award_yuan, outcome FROM ledger.awards "
                        "WHERE rule_id = ? AND object_id = ?", [rule_id, object_id]).fetchone()


def test_01_top_talent_settlement_platform_team_and_salary(talent_ledger):
    conn = talent_ledger(
        person("T1", "2024-05-10", "A", city_state_employer="yes", annual_salary_yuan="1800000"),
        person("T2", "2025-02-01", "A", left="2026-06-30", city_state_employer="no"),
        person("T3", "2024-05-10", "A", employment="flexible"),  # 柔性: none of item 1
        person("T4", "2024-05-10", "A", region="150102"),  # works in Hohhot
        person("T5", "2024-05-10", "A", city_state_employer="yes", annual_salary_yuan="3500000"),
    )
    # 不低于300万元安家补贴: the floor, once, arrival year
    assert lines(conn, "ORD-TALENT-01A") == [("T1", 2024, "city", CITY, "3000000.00"),
                                             ("T2", 2025, "city", CITY, "3000000.00"),
                                             ("T5", 2024, "city", CITY, "3000000.00")]
    # 最高1亿元 platform: 30% of the ceiling = 3000万, ceiling kept
    assert lines(conn, "ORD-TALENT-01B")[0] == ("T1", 2024, "city", CITY, "30000000.00")
    assert award(conn, "ORD-TALENT-01B", "T1")[1:3] == (100000000, 30000000)
    # 每年最高1000万元 x 30% = 300万 a year, 5 years 2024-2028; T2 leaves 2026-06-30: 2025, 2026 paid, 2027+ not
    team = lines(conn, "ORD-TALENT-01C")
    assert [ln for ln in team if ln[0] == "T1"] == [("T1", y, "city", CITY, "3000000.00") for y in range(2024, 2029)]
    assert [ln for ln in team if ln[0] == "T2"] == [("T2", 2025, "city", CITY, "3000000.00"),
                                                    ("T2", 2026, "city", CITY, "3000000.00")]
    # 年薪200万—300万元 at a 市直国有 unit: 180万 registered -> 200万; 350万 -> 300万; 60 months from 2024-05, each
    # 1/12 of the year's pay: 2024 May-Dec 8/12 (200万 x 8/12 = 1,333,333.33), 2029 Jan-Apr the rest (4/12)
    salary = lines(conn, "ORD-TALENT-01D")
    assert [ln for ln in salary if ln[0] == "T1"] == [("T1", 2024, "city", CITY, "1333333.33")] + [
        ("T1", y, "city", CITY, "2000000.00") for y in range(2025, 2029)] + [("T1", 2029, "city", CITY, "666666.67")]
    assert [ln for ln in salary if ln[0] == "T5"] == [("T5", 2024, "city", CITY, "2000000.00")] + [
        ("T5", y, "city", CITY, "3000000.00") for y in range(2025, 2029)] + [("T5", 2029, "city", CITY, "1000000.00")]
    assert sum(Decimal(ln[4]) for ln in salary if ln[0] == "T1") == Decimal("10000000.00")  # 5 years exactly
    assert not [ln for ln in salary if ln[0] in ("T2", "T3", "T4")]


def test_02_research_funding_by_category_and_field(talent_ledger):
    conn = talent_ledger(
        person("N1", "2024-03-01", "B", research_field="natural_science"),
        person("N2", "2024-03-01", "F", research_field="natural_science"),
        person("S1", "2024-03-01", "C", research_field="social_science"),
        person("S2", "2025-03-01", "F", research_field="social_science"),
        person("X1", "2024-03-01", "D", research_field="none"),
        person("X2", "2024-03-01", "A", research_field="natural_science"),  # A is item 1, not item 2's list
    )
    # 择优最高5000万 (B) / 300万 (F), expected 10%: 500万, 30万
    assert lines(conn, "ORD-TALENT-02B") == [("N1", 2024, "city", CITY, "5000000.00"),
                                             ("N2", 2024, "city", CITY, "300000.00")]
    assert award(conn, "ORD-TALENT-02B", "N1")[1] == 50000000
    # social science 最高80万 (C) / 20万 (F) x 10%
    assert lines(conn, "ORD-TALENT-02C") == [("S1", 2024, "city", CITY, "80000.00"),
                                             ("S2", 2025, "city", CITY, "20000.00")]


def test_02_salaries_at_city_state_units_and_year_10_of_the_post_subsidy(talent_ledger):
    conn = talent_ledger(
        person("B1", "2024-01-15", "B", city_state_employer="yes", annual_salary_yuan="900000"),  # -> 100万
        person("C1", "2024-01-15", "C", city_state_employer="yes", annual_salary_yuan="1200000"),  # in range
        person("D1", "2024-01-15", "D", city_state_employer="yes", annual_salary_yuan="1100000"),  # -> 100万
        person("D2", "2024-01-15", "D", city_state_employer="no", annual_salary_yuan="800000"),  # not 市直国有
        person("E1", "2024-07-01", "E", city_state_employer="yes", urgent_shortage="yes"),
        person("F1", "2024-07-01", "F", city_state_employer="yes", urgent_shortage="yes", left="2026-03-31"),
        person("F2", "2024-07-01", "F", city_state_employer="yes", urgent_shortage="no"),  # not 急需紧缺
        person("E2", "2024-07-01", "E", city_state_employer="no", urgent_shortage="yes"),  # not 市直国有
    )
    salary = lines(conn, "ORD-TALENT-02D")
    assert [ln for ln in salary if ln[1] == 2024] == [("B1", 2024, "city", CITY, "1000000.00"),
                                                     ("C1", 2024, "city", CITY, "1200000.00"),
                                                     ("D1", 2024, "city", CITY, "1000000.00")]
    assert len(salary) == 15 and max(ln[1] for ln in salary) == 2028  # five years each
    post = lines(conn, "ORD-TALENT-02E")
    # 最高30万元/年, 最长10年, earned by the month: E1 from 2024-07, 120 months: 6/12 in 2024, 2025..2033 whole,
    # 2034 Jan-Jun 6/12
    assert [ln for ln in post if ln[0] == "E1"] == [("E1", 2024, "city", CITY, "150000.00")] + [
        ("E1", y, "city", CITY, "300000.00") for y in range(2025, 2034)] + [("E1", 2034, "city", CITY, "150000.00")]
    # F1 leaves 2026-03-31: Jan-Mar 2026 paid (3/12 = 75,000), nothing from April
    assert [ln for ln in post if ln[0] == "F1"] == [("F1", 2024, "city", CITY, "150000.00"),
                                                    ("F1", 2025, "city", CITY, "300000.00"),
                                                    ("F1", 2026, "city", CITY, "75000.00")]


def test_03_scholarship_pre_hire_and_internships(talent_ledger):
    conn = talent_ledger(
        person("S1", "2024-09-01", scheme="scholarship", degree="doctorate", employer=None, employment="flexible"),
        person("S2", "2024-09-01", scheme="scholarship", degree="master", employer=None, employment="flexible"),
        person("S3", "2025-09-01", scheme="scholarship", degree="bachelor", employer=None, employment="flexible"),
        # 预引进: 50% of the support, 博士 ≤5万, 硕士 ≤3万
        person("P1", "2024-07-01", scheme="pre_hire", degree="doctorate", pre_hire_sponsorship_yuan="120000"),
        person("P2", "2024-07-01", scheme="pre_hire", degree="doctorate", pre_hire_sponsorship_yuan="80000"),
        person("P3", "2024-07-01", scheme="pre_hire", degree="master", pre_hire_sponsorship_yuan="60000",
               employer=B, region="150622"),
        person("P4", "2024-07-01", scheme="pre_hire", degree="master", pre_hire_sponsorship_yuan="40000",
               employer=B, region="150622"),
        # invited interns: 2000/月, ≤3 months, weeks as quarter months
        person("I1", "2024-07-01", scheme="intern_invited", internship_months="3", employment="flexible"),
        person("I2", "2024-07-01", scheme="intern_invited", internship_months="3.5", employment="flexible"),
        person("I3", "2024-07-01", scheme="intern_invited", internship_months="2.25", employment="flexible"),
        # a firm's own interns: >3 months, 50% of the allowance ≤1500/月, ≤6 months
        person("E1", "2024-03-01", scheme="intern_enterprise", internship_months="3", employment="flexible",
               intern_allowance_monthly_yuan="2000"),
        person("E2", "2024-03-01", scheme="intern_enterprise", internship_months="3.25", employment="flexible",
               intern_allowance_monthly_yuan="2000"),
        person("E3", "2024-03-01", scheme="intern_enterprise", internship_months="6", employment="flexible",
               intern_allowance_monthly_yuan="4000"),
        person("E4", "2024-03-01", scheme="intern_enterprise", internship_months="7", employment="flexible",
               intern_allowance_monthly_yuan="2400"),
    )
    assert lines(conn, "ORD-TALENT-03B") == [("S1", 2024, "city", CITY, "5000.00"),
                                             ("S2", 2024, "city", CITY, "3000.00"),
                                             ("S3", 2025, "city", CITY, "2000.00")]
    assert lines(conn, "ORD-TALENT-03C") == [("P1", 2024, "city", CITY, "50000.00"),
                                             ("P2", 2024, "city", CITY, "40000.00"),
                                             ("P3", 2024, "city", CITY, "30000.00"),
                                             ("P4", 2024, "city", CITY, "20000.00")]
    assert award(conn, "ORD-TALENT-03C", "P3")[0] == B  # paid to the employer
    # last month of the internship: month 3 paid (6000), month 4 not (3.5 -> 6000); 2 months 1 week = 4500
    assert lines(conn, "ORD-TALENT-03D") == [("I1", 2024, "city", CITY, "6000.00"),
                                             ("I2", 2024, "city", CITY, "6000.00"),
                                             ("I3", 2024, "city", CITY, "4500.00")]
    # exactly 3 months: nothing; 3.25 x 1000 = 3250; 6 x 1500 = 9000; 7 months -> 6 x 1200 = 7200
    assert lines(conn, "ORD-TALENT-03E") == [("E2", 2024, "city", CITY, "3250.00"),
                                             ("E3", 2024, "city", CITY, "9000.00"),
                                             ("E4", 2024, "city", CITY, "7200.00")]
    assert award(conn, "ORD-TALENT-03E", "E3")[0] == A


def test_04_key_enterprise_hires(talent_ledger):
    conn = talent_ledger(
        person("K1", "2024-04-01", "E", key_enterprise="yes", core_post="yes", annual_salary_yuan="600000",
               contract_years="3"),  # both thresholds exactly: 10万
        person("K2", "2024-04-01", "E", key_enterprise="yes", core_post="yes", annual_salary_yuan="599999.99",
               contract_years="5"),  # just below 60万
        person("K3", "2024-04-01", "E", key_enterprise="yes", core_post="yes", annual_salary_yuan="900000",
               contract_years="2"),  # contract too short
        person("K4", "2024-04-01", "E", key_enterprise="no", core_post="yes", annual_salary_yuan="900000",
               contract_years="3"),
        person("G1", "2024-08-01", scheme="youth", degree="bachelor", title="none", key_enterprise="yes"),
        person("G2", "2024-08-01", scheme="youth", degree="master", title="none", key_enterprise="yes"),
        person("G3", "2024-08-01", scheme="youth", degree="bachelor", title="none", key_enterprise="no"),
    )
    assert lines(conn, "ORD-TALENT-04A") == [("K1", 2024, "city", CITY, "100000.00")]
    assert lines(conn, "ORD-TALENT-04B") == [("G1", 2024, "city", CITY, "10000.00")]


def test_04_retention_allowance_after_three_years_to_month_24(talent_ledger):
    conn = talent_ledger(
        # doctor, arrived 2021-03-15: 满3年 2024-03; months 2024-03 .. 2026-02 (month 24) at 3000
        person("R1", "2021-03-15", "F", key_enterprise="yes", from_outside_city="yes"),
        # master with 正高级 title: the higher, 3000; arrived 2024-01-10 -> paid 2027-01 .. 2028-12
        person("R2", "2024-01-10", scheme="youth", degree="master", title="senior", key_enterprise="yes",
               from_outside_city="yes"),
        # bachelor, 无职称: 1500
        person("R3", "2022-10-01", scheme="youth", degree="bachelor", title="none", key_enterprise="yes",
               from_outside_city="yes"),
        person("R4", "2021-03-15", "F", key_enterprise="yes", from_outside_city="no"),  # local recruit
        person("R5", "2021-03-15", "F", key_enterprise="yes", from_outside_city="yes", left="2023-01-31"),
        person("R6", "2020-12-31", "F", key_enterprise="yes", from_outside_city="yes"),  # 满3年 before the policy
        # doctor who leaves in month 7 of the allowance (2024-09-10): Mar-Sep 2024 = 7 months, nothing after
        person("R7", "2021-03-15", "F", key_enterprise="yes", from_outside_city="yes", left="2024-09-10"),
    )
    got = lines(conn, "ORD-TALENT-04C")
    assert [ln for ln in got if ln[0] == "R1"] == [("R1", 2024, "city", CITY, "30000.00"),   # Mar-Dec: 10
                                                   ("R1", 2025, "city", CITY, "36000.00"),   # 12
                                                   ("R1", 2026, "city", CITY, "6000.00")]    # Jan-Feb: 23, 24
    assert [ln for ln in got if ln[0] == "R2"] == [("R2", 2027, "city", CITY, "36000.00"),
                                                   ("R2", 2028, "city", CITY, "36000.00")]
    assert [ln for ln in got if ln[0] == "R3"] == [("R3", 2025, "city", CITY, "4500.00"),    # Oct-Dec: 3
                                                   ("R3", 2026, "city", CITY, "18000.00"),
                                                   ("R3", 2027, "city", CITY, "13500.00")]   # Jan-Sep: 9
    assert [ln for ln in got if ln[0] == "R7"] == [("R7", 2024, "city", CITY, "21000.00")]  # 7 x 3000
    assert not [ln for ln in got if ln[0] in ("R4", "R5", "R6")]


def test_06_employer_subsidies_per_person_and_per_employer_caps(talent_ledger):
    conn = talent_ledger(
        person("H1", "2024-02-01", "A"), person("H2", "2024-02-01", "D"), person("H3", "2024-02-01", "E"),
        # flexible D+: 30% of the pay, ≤30万 per person, ≤200万 per employer a year, ≤5 years
        person("F1", "2024-06-01", "B", employment="flexible", annual_salary_yuan="800000"),   # 24万
        person("F2", "2024-06-01", "A", employment="flexible", annual_salary_yuan="2000000"),  # 60万 -> 30万
        person("F3", "2024-06-01", "E", employment="flexible", annual_salary_yuan="800000"),   # E: not D+
        # employer B: seven A-class flexible recruits at 30万 each = 210万 > 200万 a year
        *[person(f"G{i}", "2025-01-01", "A", employment="flexible", annual_salary_yuan="1500000", employer=B,
                 region="150622") for i in range(1, 8)],
        # agency-recommended full-time recruits
        person("J1", "2024-02-01", "C", recommended_by_agency="yes"),
        person("J2", "2024-02-01", "E", recommended_by_agency="yes"),  # E: no award
        # flexible recruit who leaves in month 7 of the second year: paid 2024 and 2025, not after
        person("F4", "2024-01-01", "C", employment="flexible", annual_salary_yuan="500000", left="2025-07-15"),
    )
    # 人才培养资助 to the employer for full-time A–D (flexible G*, F* and E-class H3, J2 get none)
    assert lines(conn, "ORD-TALENT-06A") == [
        ("H1", 2024, "city", CITY, "2000000.00"), ("H2", 2024, "city", CITY, "500000.00"),
        ("J1", 2024, "city", CITY, "1000000.00")]
    assert award(conn, "ORD-TALENT-06A", "H1")[0] == A
    # 30% of the pay, earned by the month: F1 from 2024-06: Jun-Dec 7/12 of 24万 = 14万, then 24万, 2029 Jan-May 10万
    flex = lines(conn, "ORD-TALENT-06B")
    assert [ln for ln in flex if ln[0] == "F1"] == [("F1", 2024, "city", CITY, "140000.00")] + [
        ("F1", y, "city", CITY, "240000.00") for y in range(2025, 2029)] + [("F1", 2029, "city", CITY, "100000.00")]
    assert [ln for ln in flex if ln[0] == "F2"] == [("F2", 2024, "city", CITY, "175000.00")] + [
        ("F2", y, "city", CITY, "300000.00") for y in range(2025, 2029)] + [("F2", 2029, "city", CITY, "125000.00")]
    # F4 leaves 2025-07-15: 2024 whole (15万), 2025 Jan-Jul 7/12 = 87,500
    assert [ln for ln in flex if ln[0] == "F4"] == [("F4", 2024, "city", CITY, "150000.00"),
                                                    ("F4", 2025, "city", CITY, "87500.00")]
    assert not [ln for ln in flex if ln[0] == "F3"]
    # employer B, 2025: G1..G6 at 30万 = 180万, G7 gets the remaining 20万; same each year to 2029
    g2025 = [ln for ln in flex if ln[0].startswith("G") and ln[1] == 2025]
    assert g2025 == [(f"G{i}", 2025, "city", CITY, "300000.00") for i in range(1, 7)] + [
        ("G7", 2025, "city", CITY, "200000.00")]
    assert sum(float(ln[4]) for ln in flex if ln[0].startswith("G") and ln[1] == 2029) == 2000000
    # employer A in 2024: F1 14万 + F2 17.5万 + F4 15万 = 46.5万, under the 200万 cap
    assert lines(conn, "ORD-TALENT-06C") == [("J1", 2024, "city", CITY, "300000.00")]


def test_09_advisers_and_20_rent_subsidy_leaving_in_month_7(talent_ledger):
    conn = talent_ledger(
        person("V1", "2024-05-01", scheme="consultant", employment="flexible"),
        person("V2", "2024-05-01", scheme="consultant", employment="flexible", left="2025-04-30"),
        # rent: doctor 2000/月, 36 months from 2024-01
        person("H1", "2024-01-20", "D", owns_home_in_city="no", housing_benefit_received="no"),
        # master, leaves 2024-10-20: months Apr..Oct paid (month 7 = Oct), from Nov stopped
        person("H2", "2024-04-02", scheme="youth", degree="master", title="none", owns_home_in_city="no",
               housing_benefit_received="no", left="2024-10-20"),
        # bachelor of a 重点高校: 1500; of another university: nothing
        person("H3", "2025-01-01", scheme="youth", degree="bachelor", title="none", key_university="yes",
               owns_home_in_city="no", housing_benefit_received="no"),
        person("H4", "2025-01-01", scheme="youth", degree="bachelor", title="none", key_university="no",
               owns_home_in_city="no", housing_benefit_received="no"),
        person("H5", "2024-01-20", "D", owns_home_in_city="yes", housing_benefit_received="no"),
        person("H6", "2024-01-20", "D", owns_home_in_city="no", housing_benefit_received="yes"),
        person("H7", "2024-01-20", "D", owns_home_in_city="no", housing_benefit_received="no", employer=B,
               region="150622"),  # 准格尔旗: not the central districts
        # works in the high-tech zone 1506P1, hosted by 东胜区 (banner_code 150602): a central district
        person("H8", "2025-01-01", "D", owns_home_in_city="no", housing_benefit_received="no", region="1506P1"),
    )
    # 最高10万元 a year x 50% = 5万, earned by the month for 36 months from 2024-05: 8/12 = 33,333.33, then 5万,
    # 2027 Jan-Apr the rest; V2's appointment ends 2025-04-30: Jan-Apr 2025 = 16,666.67
    assert lines(conn, "ORD-TALENT-09A") == [("V1", 2024, "city", CITY, "33333.33"),
                                             ("V1", 2025, "city", CITY, "50000.00"),
                                             ("V1", 2026, "city", CITY, "50000.00"),
                                             ("V1", 2027, "city", CITY, "16666.67"),
                                             ("V2", 2024, "city", CITY, "33333.33"),
                                             ("V2", 2025, "city", CITY, "16666.67")]
    assert lines(conn, "ORD-TALENT-20C") == [
        ("H1", 2024, "city", CITY, "24000.00"), ("H1", 2025, "city", CITY, "24000.00"),
        ("H1", 2026, "city", CITY, "24000.00"),  # month 36 = 2026-12
        ("H2", 2024, "city", CITY, "10500.00"),  # 7 months x 1500
        ("H3", 2025, "city", CITY, "18000.00"), ("H3", 2026, "city", CITY, "18000.00"),
        ("H3", 2027, "city", CITY, "18000.00"),
        ("H8", 2025, "city", CITY, "24000.00"), ("H8", 2026, "city", CITY, "24000.00"),
        ("H8", 2027, "city", CITY, "24000.00"),
    ]


def test_02a_settlement_subsidy_b_to_f_and_top_talent_floor(talent_ledger):
    # 对全职引进的杰出人才（B类）、领军人才（C类）、拔尖人才（D类）、高级人才（E类）、优秀人才（F类），分别给予300万元、
    # 250万元、200万元、100万元、80万元安家补贴; A类 (item 1) 不低于300万元, the same stacking group.
    conn = talent_ledger(
        person("A1", "2024-03-01", "A"), person("B1", "2024-03-01", "B"), person("C1", "2024-03-01", "C"),
        person("D1", "2024-03-01", "D"), person("E1", "2024-03-01", "E"), person("F1", "2025-12-31", "F"),
        person("F2", "2024-03-01", "F", employment="flexible"),  # 柔性: not 全职引进
        person("F3", "2024-03-01", "F", region="150102"),  # works in Hohhot
        person("Y1", "2024-03-01", scheme="youth", degree="bachelor", title="none"),  # no category
    )
    assert lines(conn, "ORD-TALENT-02A") == [("B1", 2024, "city", CITY, "3000000.00"),
                                             ("C1", 2024, "city", CITY, "2500000.00"),
                                             ("D1", 2024, "city", CITY, "2000000.00"),
                                             ("E1", 2024, "city", CITY, "1000000.00"),
                                             ("F1", 2025, "city", CITY, "800000.00")]
    assert lines(conn, "ORD-TALENT-01A") == [("A1", 2024, "city", CITY, "3000000.00")]


# --------------------------------------------------------------------- issue 16: clauses costed from new fields


def metric(uscc: str, year: int, code: str, value: str, unit: str = "次") -> dict:
    return {"uscc": uscc, "year": year, "metric": code, "value": value, "unit": unit}


@pytest.fixture
def firm_ledger(ledger_from, catalogue_of):
    """Employers A (东胜区) and B (准格尔旗) in Ordos, H (呼和浩特 新城区) outside it, with the given metric rows."""
    def build(*rows: dict):
        firms = [enterprise(A, region="150602"), enterprise(B, region="150622"), enterprise(H, region="150102")]
        return ledger_from({"enterprises": firms, "enterprise_metrics": list(rows)}, catalogue_of("ORD-TALENT.yaml"))
    return build


H = "91150102MA0000000H"


def test_08_cultivated_talents_employer_grant_and_settlement_difference(talent_ledger):
    # 经培养达到A、B、C、D类 … 安家补贴扣除此前已享受购房、安家补贴补齐差额，分别给予所在单位200万元、150万元、100万元、
    # 50万元人才培养资助. arrival_date of a 本市培养 row = the date of certification.
    conn = talent_ledger(
        person("L1", "2024-06-01", "A", cultivated_in_city="yes", prior_settlement_subsidy_yuan="1000000"),
        person("L2", "2024-06-01", "B", cultivated_in_city="yes"),  # nothing received before: the whole 300万
        person("L3", "2025-03-01", "C", cultivated_in_city="yes", prior_settlement_subsidy_yuan="800000"),
        person("L4", "2024-06-01", "D", cultivated_in_city="yes", prior_settlement_subsidy_yuan="2000000"),  # = 200万
        person("L5", "2024-06-01", "D", cultivated_in_city="yes", prior_settlement_subsidy_yuan="1999999.99"),
        person("L6", "2024-06-01", "E", cultivated_in_city="yes"),  # E is not in item 8's list
        person("L7", "2024-06-01", "C", cultivated_in_city="yes", region="150102"),  # certified in Hohhot
        person("R1", "2024-06-01", "C", cultivated_in_city="no"),  # a recruit: 02A and 06A, not item 8
        person("R2", "2024-06-01", "D"),  # column empty: a recruit
    )
    # to the employer: A 200万, B 150万, C 100万, D 50万 (L4 and L5 too: the grant does not depend on the difference)
    assert lines(conn, "ORD-TALENT-08A") == [
        ("L1", 2024, "city", CITY, "2000000.00"), ("L2", 2024, "city", CITY, "1500000.00"),
        ("L3", 2025, "city", CITY, "1000000.00"), ("L4", 2024, "city", CITY, "500000.00"),
        ("L5", 2024, "city", CITY, "500000.00")]
    assert award(conn, "ORD-TALENT-08A", "L1")[0] == A
    # difference: B 300万 - 0; C 250万 - 80万 = 170万; D 200万 - 200万 = 0 (no line); 200万 - 1999999.99 = 0.01
    assert lines(conn, "ORD-TALENT-08D") == [("L2", 2024, "city", CITY, "3000000.00"),
                                             ("L3", 2025, "city", CITY, "1700000.00"),
                                             ("L5", 2024, "city", CITY, "0.01")]
    # A: the 300万 floor less 100万 received
    assert lines(conn, "ORD-TALENT-08E") == [("L1", 2024, "city", CITY, "2000000.00")]
    # the recruit-only entries leave the certified rows out; recruits keep them
    assert [ln[0] for ln in lines(conn, "ORD-TALENT-02A")] == ["R1", "R2"]
    assert [ln[0] for ln in lines(conn, "ORD-TALENT-06A")] == ["R1", "R2"]
    assert not lines(conn, "ORD-TALENT-01A")
    # 同等享受科研经费: the A-class platform funding (01B) reaches the certified A as it does a recruit
    assert lines(conn, "ORD-TALENT-01B") == [("L1", 2024, "city", CITY, "30000000.00")]


def test_04c_and_20c_pay_the_skill_grades(talent_ledger):
    conn = talent_ledger(
        # 高级技师 with a bachelor: 2000/月 (the master tier) after 3 years at a 重点企业; 技师 with 'other': 1500
        person("S1", "2021-05-01", scheme="youth", degree="bachelor", title="none", skill_grade="senior_technician",
               key_enterprise="yes", from_outside_city="yes"),
        person("S2", "2021-05-01", scheme="youth", degree="other", title="none", skill_grade="technician",
               key_enterprise="yes", from_outside_city="yes"),
        person("S3", "2021-05-01", scheme="youth", degree="other", title="none", skill_grade="none",
               key_enterprise="yes", from_outside_city="yes"),
        # rent in the central districts: 高级技师 1500/月, 技师 nothing
        person("S4", "2025-01-01", scheme="youth", degree="other", title="none", skill_grade="senior_technician",
               owns_home_in_city="no", housing_benefit_received="no"),
        person("S5", "2025-01-01", scheme="youth", degree="other", title="none", skill_grade="technician",
               owns_home_in_city="no", housing_benefit_received="no"),
    )
    retention = lines(conn, "ORD-TALENT-04C")
    # months 2024-05 .. 2026-04: 8 + 12 + 4
    assert [ln for ln in retention if ln[0] == "S1"] == [("S1", 2024, "city", CITY, "16000.00"),
                                                         ("S1", 2025, "city", CITY, "24000.00"),
                                                         ("S1", 2026, "city", CITY, "8000.00")]
    assert [ln for ln in retention if ln[0] == "S2"][0] == ("S2", 2024, "city", CITY, "12000.00")
    assert not [ln for ln in retention if ln[0] == "S3"]
    assert [ln for ln in lines(conn, "ORD-TALENT-20C") if ln[0].startswith("S")] == [
        ("S4", 2025, "city", CITY, "18000.00"), ("S4", 2026, "city", CITY, "18000.00"),
        ("S4", 2027, "city", CITY, "18000.00")]


def test_05_talent_enclaves_first_recognition_and_excellent_review(firm_ledger):
    conn = firm_ledger(
        metric(A, 2024, "talent_enclave_incubation_recognised", "1", "个"),
        metric(A, 2024, "talent_enclave_rd_recognised", "2", "个"),  # two research enclaves: two awards
        metric(B, 2025, "talent_enclave_rd_recognised", "1", "个"),
        metric(H, 2024, "talent_enclave_incubation_recognised", "1", "个"),  # not an Ordos unit
        metric(A, 2023, "talent_enclave_incubation_recognised", "1", "个"),  # before the policy
        metric(A, 2027, "talent_enclave_incubation_excellent", "1", "个"),
        metric(B, 2028, "talent_enclave_rd_excellent", "1", "个"),
        metric(B, 2028, "talent_enclave_incubation_excellent", "0", "个"),
    )
    # 200万 + 2 x 100万 = 400万; 100万
    assert lines(conn, "ORD-TALENT-05A") == [(A, 2024, "city", CITY, "4000000.00"),
                                             (B, 2025, "city", CITY, "1000000.00")]
    assert lines(conn, "ORD-TALENT-05B") == [(A, 2027, "city", CITY, "2000000.00"),
                                             (B, 2028, "city", CITY, "1000000.00")]


def test_07_warm_city_prizes_per_winner(firm_ledger):
    conn = firm_ledger(
        metric(A, 2024, "warm_city_prize_gold_named", "1", "人"),
        metric(A, 2024, "warm_city_prize_bronze_named", "2", "人"),
        metric(B, 2025, "warm_city_prize_silver_named", "1", "人"),
        metric(H, 2025, "warm_city_prize_gold_named", "1", "人"),
    )
    # 30万 + 2 x 10万 = 50万; 20万
    assert lines(conn, "ORD-TALENT-07A") == [(A, 2024, "city", CITY, "500000.00"),
                                             (B, 2025, "city", CITY, "200000.00")]


def test_08c_master_teacher_studio_five_wan_a_year_for_three_years(firm_ledger):
    conn = firm_ledger(metric(A, 2024, "master_teacher_studio_recognised", "1", "个"),
                       metric(B, 2025, "master_teacher_studio_recognised", "2", "个"),
                       metric(H, 2024, "master_teacher_studio_recognised", "1", "个"))
    assert lines(conn, "ORD-TALENT-08C") == [
        (A, 2024, "city", CITY, "50000.00"), (A, 2025, "city", CITY, "50000.00"), (A, 2026, "city", CITY, "50000.00"),
        (B, 2025, "city", CITY, "100000.00"), (B, 2026, "city", CITY, "100000.00"),
        (B, 2027, "city", CITY, "100000.00")]


def test_12_secondments_training_certificates_and_hires_with_the_firm_cap(firm_ledger):
    conn = firm_ledger(
        metric(A, 2024, "partner_city_secondment_months", "14.5", "月"),
        metric(A, 2024, "vocational_practical_training_months", "120", "月"),
        metric(A, 2024, "vocational_other_training_months", "30", "月"),
        metric(B, 2024, "vocational_other_training_months", "10", "月"),
        metric(A, 2024, "trainees_first_certified_n", "37", "人"),
        metric(A, 2024, "trained_graduates_hired_n", "500", "人"),  # exactly 50万
        metric(B, 2024, "trained_graduates_hired_n", "501", "人"),  # 50.1万 -> capped at 50万
        metric(B, 2025, "trained_graduates_hired_n", "3", "人"),
        metric(H, 2024, "trained_graduates_hired_n", "3", "人"),
    )
    assert lines(conn, "ORD-TALENT-12B") == [(A, 2024, "city", CITY, "43500.00")]  # 14.5 x 3000
    # 120 x 2000 + 30 x 1500 = 285000; 10 x 1500
    assert lines(conn, "ORD-TALENT-12C") == [(A, 2024, "city", CITY, "285000.00"), (B, 2024, "city", CITY, "15000.00")]
    assert lines(conn, "ORD-TALENT-12D") == [(A, 2024, "city", CITY, "37000.00")]
    assert lines(conn, "ORD-TALENT-12E") == [(A, 2024, "city", CITY, "500000.00"), (B, 2024, "city", CITY, "500000.00"),
                                             (B, 2025, "city", CITY, "3000.00")]
    capped = conn.execute("SELECT outcome FROM ledger.awards WHERE rule_id = 'ORD-TALENT-12E' AND object_id = ? "
                          "AND award_year = 2024", [B]).fetchone()[0]
    assert capped == "capped_per_beneficiary_year"


def test_14_23_24_best_employer_loan_interest_hr_headquarters_and_parks(firm_ledger):
    conn = firm_ledger(
        metric(A, 2024, "best_employer_awarded", "2"),  # recorded twice: one firm named, one award
        metric(H, 2024, "best_employer_awarded", "1"),
        metric(A, 2024, "talent_firm_credit_loan_interest_yuan", "123456.78", "元"),
        metric(A, 2024, "hr_hq_top10_set_up", "1"), metric(B, 2024, "hr_hq_top50_set_up", "1"),
        metric(B, 2025, "hr_hq_top100_set_up", "1"),
        metric(A, 2025, "hr_park_designated_region", "1"), metric(A, 2027, "hr_park_designated_national", "1"),
    )
    assert lines(conn, "ORD-TALENT-14") == [(A, 2024, "city", CITY, "200000.00")]
    # half of 123,456.78 = 61,728.39
    assert lines(conn, "ORD-TALENT-23A") == [(A, 2024, "city", CITY, "61728.39")]
    assert lines(conn, "ORD-TALENT-24A") == [(A, 2024, "city", CITY, "1000000.00"),
                                             (B, 2024, "city", CITY, "500000.00"),
                                             (B, 2025, "city", CITY, "200000.00")]
    assert lines(conn, "ORD-TALENT-24C") == [(A, 2025, "city", CITY, "5000000.00"),
                                             (A, 2027, "city", CITY, "10000000.00")]


def test_22a_parents_over_70_two_thousand_a_year_each_earned_by_the_month_for_the_5_year_term(talent_ledger):
    # 管理期内全职工作的市级高层次人才，对其年龄达到70周岁及以上的父母每人每年给予2000元养老补贴 (管理期: 5 years
    # assumed, 60 months from the arrival or certification month, 1/12 of the year's amount a month).
    conn = talent_ledger(
        person("P1", "2024-04-10", "C", parents_aged_70_plus="2"),  # 4000 a year from 2024-04 to 2029-03
        person("P2", "2020-07-15", "E", parents_aged_70_plus="1"),  # an earlier cohort: 2024 and Jan-Jun 2025 only
        person("P3", "2018-12-31", "E", parents_aged_70_plus="2"),  # arrived before 2019: term over before 2024
        person("P4", "2024-01-05", "F", parents_aged_70_plus="1", left="2025-06-20"),  # stops after June 2025
        person("P5", "2025-01-01", "B", parents_aged_70_plus="1", cultivated_in_city="yes"),  # certified in the city
        person("P6", "2024-04-10", "C", parents_aged_70_plus="0"),  # no parent aged 70: nothing
        person("P7", "2024-04-10", "C", parents_aged_70_plus="2", employment="flexible"),  # not 全职
        person("P8", "2024-04-10", "C", parents_aged_70_plus="2", region="150102"),  # works in Hohhot
        person("P9", "2024-04-10", scheme="youth", degree="bachelor", title="none", parents_aged_70_plus="2"),
    )
    assert lines(conn, "ORD-TALENT-22A") == [
        ("P1", 2024, "city", CITY, "3000.00"),  # Apr-Dec: 9/12 of 4000
        *[("P1", y, "city", CITY, "4000.00") for y in range(2025, 2029)],
        ("P1", 2029, "city", CITY, "1000.00"),  # Jan-Mar: month 60 = 2029-03
        ("P2", 2024, "city", CITY, "2000.00"), ("P2", 2025, "city", CITY, "1000.00"),  # 2020-07 .. 2025-06
        ("P4", 2024, "city", CITY, "2000.00"), ("P4", 2025, "city", CITY, "1000.00"),  # Jan-Jun 2025
        *[("P5", y, "city", CITY, "2000.00") for y in range(2025, 2030)],
    ]
    forgone = conn.execute("SELECT count(*) FROM ledger.payments WHERE rule_id = 'ORD-TALENT-22A' "
                           "AND object_id = 'P2' AND before_validity").fetchone()[0]
    assert forgone > 0  # 2020-2023 months were earlier policy's: kept in payments, no liability line


def test_22b_children_under_3_two_thousand_a_year_each_for_18_months(talent_ledger):
    # 对其年龄不满3周岁的子女给予每人每年2000元托幼补贴 (18 months per child assumed).
    conn = talent_ledger(
        person("C1", "2024-04-10", "D", children_under_3="1"),  # 2024-04 .. 2025-09: 9 + 9 months
        person("C2", "2023-07-01", "D", children_under_3="2"),  # 2023-07 .. 2024-12: 2024 whole at 4000
        person("C3", "2024-04-10", "D", children_under_3="0.5"),  # not a whole child: nothing
        person("C4", "2024-04-10", "D", children_under_3="1", employment="flexible"),
    )
    assert lines(conn, "ORD-TALENT-22B") == [("C1", 2024, "city", CITY, "1500.00"),
                                             ("C1", 2025, "city", CITY, "1500.00"),
                                             ("C2", 2024, "city", CITY, "4000.00")]


def test_05c_13_15_24b_ceilings_booked_at_half_per_station_project_consortium_agency(firm_ledger):
    conn = firm_ledger(
        metric(A, 2024, "talent_workstation_operating_n", "3", "个"),  # 3 x 10万 x 0.5 = 15万
        metric(B, 2025, "talent_workstation_operating_n", "1.9", "个"),  # one whole station: 5万
        metric(B, 2024, "talent_workstation_operating_n", "0.9", "个"),  # not one whole station
        metric(H, 2024, "talent_workstation_operating_n", "2", "个"),  # a Hohhot unit
        metric(A, 2024, "featured_talent_project_outstanding", "2", "个"),  # 2 x 100万 x 0.5 = 100万
        metric(B, 2025, "innovation_consortium_formed", "1", "个"),  # 1000万 x 0.5 = 500万
        metric(A, 2023, "innovation_consortium_formed", "1", "个"),  # before the policy
        metric(A, 2024, "hr_park_agency_rewarded", "2"),  # recorded twice: one award, 100万 x 0.5
        metric(H, 2024, "hr_park_agency_rewarded", "1"),
    )
    assert lines(conn, "ORD-TALENT-05C") == [(A, 2024, "city", CITY, "150000.00"), (B, 2025, "city", CITY, "50000.00")]
    assert lines(conn, "ORD-TALENT-13") == [(A, 2024, "city", CITY, "1000000.00")]
    assert lines(conn, "ORD-TALENT-15") == [(B, 2025, "city", CITY, "5000000.00")]
    assert lines(conn, "ORD-TALENT-24B") == [(A, 2024, "city", CITY, "500000.00")]
    ceilings = dict(conn.execute("SELECT rule_id, ceiling_yuan FROM ledger.awards WHERE object_id = ? AND award_year "
                                 "= 2024 AND rule_id IN ('ORD-TALENT-05C', 'ORD-TALENT-13', 'ORD-TALENT-24B')",
                                 [A]).fetchall())
    assert ceilings == {"ORD-TALENT-05C": 300000, "ORD-TALENT-13": 2000000, "ORD-TALENT-24B": 1000000}


def test_not_costable_reasons_are_one_plain_chinese_sentence(catalogue_of):
    # Issue 16: the reason is for a bureau leader (one Chinese sentence); the English detail is in `reading`.
    from dagster_project import catalogue

    cat = catalogue.load(catalogue_of("ORD-TALENT.yaml"))
    left = [r for r in cat.rules if r.document == "ORD-TALENT" and r.status == "not_costable"]
    assert len(left) == 16 and len([r for r in cat.rules if r.document == "ORD-TALENT"]) == 58
    for r in left:
        assert r.reason.endswith("。") and r.reason.count("。") == 1, r.id
        assert not any("a" <= c.lower() <= "z" for c in r.reason), r.id
        assert r.reading.startswith("Not costable: "), r.id
