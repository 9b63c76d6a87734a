"""The reading classes that booked the wrong amount (issue 16), each on the clause that showed it, with amounts
written by hand from the texts' own numbers: caps per firm, windows wider than the list's date, alternatives and
就高 pairs, each level's own share, event counts, yearly amounts earned by the month, parks inside a banner.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dagster_project import catalogue
from tests.conftest import enterprise, lines

CITY, BANNER, REGION = "150600", "150622", "150000"
NMG = ("NMG2024.yaml", "NMG2024.part1.yaml", "NMG2024.part2.yaml", "NMG2024.part3.yaml")
ORD = ("ORD2024.part1.yaml", "ORD2024.part2.yaml", "ORD2024.part3.yaml", "ORD-TALENT.yaml")
A, B, C = "91150622AAAAAAAAA1", "91150622BBBBBBBBB2", "91150622CCCCCCCCC3"


def ev(uscc: str, year: int, metric: str, value: str = "1", unit: str = "次") -> dict:
    return {"uscc": uscc, "year": year, "metric": metric, "value": value, "unit": unit}


def proj(pid: str, ptype: str, completed: str, uscc: str = A, total: str = "0", equipment: str = "0",
         quantity: str | None = None, unit: str | None = None) -> dict:
    return {"project_id": pid, "uscc": uscc, "project_name": pid, "project_type": ptype, "region_code": BANNER,
            "start_date": date(2020, 1, 1), "completion_date": date.fromisoformat(completed),
            "equipment_investment_yuan": equipment, "total_investment_yuan": total, "area_mu": None,
            "quantity": quantity, "quantity_unit": unit}


def half(obj: str, year: int, banner: str, city: str) -> list[tuple]:
    return [(obj, year, "banner", BANNER, banner), (obj, year, "city", CITY, city)]


# ------------------------------------------------------------------ caps per firm, not per object


def test_a_per_firm_cap_holds_across_a_firms_projects(ledger_from, catalogue_of):
    # ORD-FTRADE item 4: 搬迁…费用的80%支持，单个企业不超过200万元; paid next Q1, 市、旗区 1:1.
    t = "ftrade_industry_transfer"
    conn = ledger_from({
        "enterprises": [enterprise(u) for u in (A, B, C)],
        "projects": [
            proj("A1", t, "2024-05-01", quantity="1500000", unit="元"),  # 80% = 120万
            proj("A2", t, "2024-09-01", quantity="1500000", unit="元"),  # 120万, but only 80万 left of the firm's 200万
            proj("A3", t, "2025-03-01", quantity="1000000", unit="元"),  # a later year: nothing left
            proj("B1", t, "2024-06-01", uscc=B, quantity="2500000.0125", unit="元"),  # 80% = 2,000,000.01: 1 fen over
            proj("C1", t, "2024-06-01", uscc=C, quantity="1500000", unit="元"),  # 120万 in 2024
            proj("C2", t, "2025-06-01", uscc=C, quantity="1500000", unit="元"),  # 80万 left in 2025
        ]}, catalogue_of("ORD-FTRADE.yaml"))
    assert lines(conn, "ORD-FTRADE-04") == [
        *half("A1", 2025, "600000.00", "600000.00"), *half("A2", 2025, "400000.00", "400000.00"),
        *half("B1", 2025, "1000000.00", "1000000.00"),
        *half("C1", 2025, "600000.00", "600000.00"), *half("C2", 2026, "400000.00", "400000.00"),
    ]
    outcome = dict(conn.execute("SELECT object_id, outcome FROM ledger.awards WHERE rule_id = 'ORD-FTRADE-04'")
                   .fetchall())
    assert outcome["A2"] == outcome["A3"] == outcome["B1"] == "capped_per_beneficiary"


def test_a_one_off_per_firm_cap_over_two_platforms(ledger_from, catalogue_of):
    # ORD-BULK item 3: 开发费用100万元以上且年大宗贸易额5亿元以上，按开发费用的30%一次性补助，单个企业最高不超过300万元.
    t = "commodity_digital_platform"
    conn = ledger_from({
        "enterprises": [enterprise(A)],
        "projects": [proj("P1", t, "2024-03-01", total="8000000", quantity="500000000", unit="元"),  # 30% = 240万
                     proj("P2", t, "2024-08-01", total="8000000", quantity="600000000", unit="元")],  # 60万 left
    }, catalogue_of("ORD-BULK.yaml"))
    assert lines(conn, "ORD-BULK-03") == [*half("P1", 2025, "1200000.00", "1200000.00"),
                                         *half("P2", 2025, "300000.00", "300000.00")]


# ------------------------------------------------------------------ windows as wide as the clause


def test_earlier_cohorts_of_a_five_year_award_are_paid_their_remaining_years(ledger_from, catalogue_of):
    # NMG2024 item 42: 对获批国家级制造业创新中心，连续5年每年给予1000万元 (no approval date; region default).
    e = "mfg_innovation_centre_national_approved"
    conn = ledger_from({"enterprises": [enterprise(u) for u in (A, B, C)],
                        "enterprise_metrics": [ev(A, 2019, e), ev(B, 2021, e), ev(C, 2024, e)]}, catalogue_of(*NMG))
    ten_million = "10000000.00"
    assert lines(conn, "NMG2024-42A") == [
        (B, 2024, "region", REGION, ten_million), (B, 2025, "region", REGION, ten_million),  # years 4 and 5
        *[(C, y, "region", REGION, ten_million) for y in range(2024, 2029)],
    ]  # approved 2019: its five years ended in 2023
    forgone = conn.execute("""SELECT payment_year FROM ledger.payments WHERE rule_id = 'NMG2024-42A' AND object_id = ?
                              AND before_validity ORDER BY 1""", [B]).fetchall()
    assert forgone == [(2021,), (2022,), (2023,)]


def test_five_years_from_the_first_sales_year_include_earlier_starts(ledger_from, catalogue_of):
    # NMG2024 item 44: 自实现销售收入年度起，5年内按销售收入的5%给予奖补，每年最高500万元; paid the next year.
    r = "furnace_gas_utilisation_revenue_yuan"
    sales = {A: range(2021, 2026), B: range(2019, 2026), C: range(2024, 2026)}
    conn = ledger_from({"enterprises": [enterprise(u) for u in sales],
                        "enterprise_metrics": [ev(u, y, r, "1000000", "元") for u, ys in sales.items() for y in ys]},
                       catalogue_of(*NMG))
    fifty_thousand = "50000.00"  # 5% of 1,000,000
    assert lines(conn, "NMG2024-44") == [
        (A, 2025, "region", REGION, fifty_thousand), (A, 2026, "region", REGION, fifty_thousand),  # years 4, 5
        (C, 2025, "region", REGION, fifty_thousand), (C, 2026, "region", REGION, fifty_thousand),  # years 1, 2
    ]  # B began selling in 2019: its five years ended in 2023


def test_a_clause_with_its_own_window_pays_earlier_completions_in_the_lists_year(ledger_from, catalogue_of):
    # ORD2024 1.3.1: 对2021年以后建成的，3000头规模养殖场补贴600万元，每增加500头再补贴100万元 (list of 2024-04-29;
    # no payer named: 市、旗区 1:1 default).
    t = "dairy_farm_new"
    conn = ledger_from({"enterprises": [enterprise(A)], "projects": [
        proj("F2020", t, "2020-12-31", quantity="3000", unit="头"),  # before 2021: nothing
        proj("F2022", t, "2022-06-30", quantity="3000", unit="头"),  # 600万, paid in 2024
        proj("F2024A", t, "2024-03-01", quantity="3499", unit="头"),  # before the list's date: 600万 in 2024
        proj("F2024B", t, "2024-05-01", quantity="3500", unit="头"),  # 700万
    ]}, catalogue_of(*NMG, *ORD))
    assert lines(conn, "ORD2024-1-3-01A") == [
        *half("F2022", 2024, "3000000.00", "3000000.00"), *half("F2024A", 2024, "3000000.00", "3000000.00"),
        *half("F2024B", 2024, "3500000.00", "3500000.00"),
    ]


# ------------------------------------------------------------------ alternatives and 就高 pairs


def test_the_firm_gets_the_better_branch_of_an_or_whichever_level_pays_it(ledger_from, catalogue_of):
    # NMG2024 item 19: 设备投资的20%、单个项目最高500万 (region). ORD2024 2.1.6: …或者按贷款实际利息的30%、最高500万
    # 给予一年贴息 (city default 1:1). Same project, one of the two: the higher.
    t = "tech_upgrade_existing_key"
    conn = ledger_from({"enterprises": [enterprise(A)], "projects": [
        # equipment 1000万 -> 200万; interest 800万 -> 240万: the city's branch is higher
        proj("HI", t, "2024-06-01", total="30000000", equipment="10000000", quantity="8000000", unit="元"),
        # equipment 1000万 -> 200万; interest 100万 -> 30万: the region's branch
        proj("LO", t, "2024-06-01", total="30000000", equipment="10000000", quantity="1000000", unit="元"),
    ]}, catalogue_of(*NMG, *ORD))
    assert lines(conn, "ORD2024-2-1-06B") == half("HI", 2024, "1200000.00", "1200000.00")
    assert lines(conn, "NMG2024-19") == [("LO", 2024, "region", REGION, "2000000.00")]
    outcome = dict(conn.execute("""SELECT rule_id || '/' || object_id, outcome FROM ledger.awards
                                   WHERE rule_id IN ('NMG2024-19', 'ORD2024-2-1-06B')""").fetchall())
    assert outcome["NMG2024-19/HI"] == "stacked_out: ORD2024-2-1-06B"
    assert outcome["ORD2024-2-1-06B/LO"] == "stacked_out: NMG2024-19"


def test_a_combined_city_award_no_longer_beats_the_regions_higher_one(ledger_from, catalogue_of):
    # NMG-AGPROC item 6: a new 5A logistics firm 100万 (region). ORD-FTRADE item 5: 3A、4A、5A 一次性分别 20万、50万、
    # 80万 (city 1:1, next Q1), 就高不重复 with region measures. Rated 4A and 5A in one year: region 5A 100万 (higher
    # than the city's 5A 80万) and the city's 4A 50万, not the city's 130万.
    conn = ledger_from({"enterprises": [enterprise(A)],
                        "enterprise_metrics": [ev(A, 2024, "logistics_4a_rated_new"), ev(A, 2024, "logistics_5a_new")]},
                       catalogue_of("NMG-AGPROC.yaml", "ORD-FTRADE.yaml"))
    assert lines(conn, "NMG-AGPROC-06B") == [(A, 2024, "region", REGION, "1000000.00")]
    assert lines(conn, "ORD-FTRADE-05A") == []
    assert lines(conn, "ORD-FTRADE-05A4") == half(A, 2025, "250000.00", "250000.00")


# ------------------------------------------------------------------ event counts


def test_an_event_recorded_twice_in_a_year_earns_one_award_not_none(ledger_from, catalogue_of):
    # NMG-AGPROC item 6: 新晋5A级物流企业 一次性奖励100万元. Two rows of the event merged into a count of 2.
    conn = ledger_from({"enterprises": [enterprise(A)], "enterprise_metrics": [ev(A, 2024, "logistics_5a_new", "2")]},
                       catalogue_of("NMG-AGPROC.yaml"))
    assert lines(conn, "NMG-AGPROC-06B") == [(A, 2024, "region", REGION, "1000000.00")]


def test_the_loader_refuses_an_event_compared_with_equals(tmp_path):
    folder = _one_rule_catalogue(tmp_path, 'variables: {n: {metric: logistics_5a_new}}\n    eligibility: "n = 1"\n'
                                           '    amount: "1000000"')
    with pytest.raises(catalogue.CatalogueError, match="事件指标 \\['n'\\].*>= 1"):
        catalogue.load(folder)


# ------------------------------------------------------------------ yearly amounts earned by the month; parks


def _one_rule_catalogue(tmp_path: Path, body: str, beneficiary: str = "enterprise", extra: str = "") -> Path:
    folder = tmp_path / "seeds" / "catalogue"
    folder.mkdir(parents=True)
    (folder / "defaults.yaml").write_text((catalogue.CATALOGUE_DIR / "defaults.yaml").read_text("utf-8"), "utf-8")
    (folder / "TEST.yaml").write_text(f"""document: TEST
level: city
source_lines: [1, 100]
rules:
  - id: TEST-01
    title: 测试
    citation: {{item: "1", lines: [1, 2], quote: 测试}}
    status: costed
    beneficiary: {beneficiary}
    {body}
    shares: {{city: 1}}
    valid: {{from: 2024-01-01}}
{extra}""", "utf-8")
    return folder


def talent(tid: str, region: str, arrived: str, left: str | None = None) -> dict:
    return {"talent_id": tid, "name": "测试", "id_number": "11010519491231002X", "id_type": None, "category": "A",
            "field": "science", "employer_uscc": A, "region_code": region,
            "arrival_date": date.fromisoformat(arrived), "departure_date": date.fromisoformat(left) if left else None,
            "employment": "full_time", "degree": "doctorate", "title": "senior", "annual_salary_yuan": "100000"}


def test_a_yearly_salary_is_earned_by_the_month(tmp_path, ledger_from):
    # 年薪 100,000.00 paid for 36 months from October 2024, leaving on 2026-03-10 (离职次月起停止): 3/12 in 2024
    # = 25,000.00, the whole 100,000.00 in 2025, January to March 2026 = 25,000.00.
    folder = _one_rule_catalogue(tmp_path, 'amount: "annual_salary_yuan"\n'
                                           "    schedule: {periodic: {every: month, count: 36, per: year}, "
                                           "stop_on_departure: true}", beneficiary="talent")
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": [talent("T1", BANNER, "2024-10-15", "2026-03-10")]},
                       folder)
    assert [(y, a) for _o, y, _lv, _r, a in lines(conn, "TEST-01")] == [
        (2024, "25000.00"), (2025, "100000.00"), (2026, "25000.00")]


def test_a_park_counts_as_its_host_banner(tmp_path, ledger_from):
    # 工作地在中心城区（即东胜区、康巴什区、伊金霍洛旗）: the 空港物流园区 (1506P2) lies in 伊金霍洛旗, the 高新区
    # (1506P1) in 东胜区; a worker coded to a park is in the 中心城区, one in 准格尔旗 is not. The park still pays
    # as a banner.
    folder = _one_rule_catalogue(tmp_path, "eligibility: \"banner_code IN ('150602', '150603', '150627')\"\n"
                                           '    amount: "2000"', beneficiary="talent")
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": [
        talent("P1", "1506P1", "2024-03-01"), talent("P2", "1506P2", "2024-03-01"),
        talent("KB", "150603", "2024-03-01"), talent("ZG", BANNER, "2024-03-01")]}, folder)
    assert [(o, r) for o, _y, _lv, r, _a in lines(conn, "TEST-01")] == [("KB", CITY), ("P1", CITY), ("P2", CITY)]


def test_every_share_is_stored_exactly_whatever_rule_comes_first():
    # catalogue.rule_shares once took the decimal scale of its first rows (0.5): NMG2024-85A's 0.45 was stored as
    # 0.4 in the full catalogue, though a small one (as in the tests above) kept it
    import duckdb

    from dagster_project import stages
    from dagster_project.ledger import write_catalogue

    cat = catalogue.load()
    with duckdb.connect() as conn:
        stages.load_reference(conn)
        write_catalogue(conn, cat, "test-run")
        stored = {(r, lv): s for r, lv, s in conn.execute("SELECT rule_id, level, share FROM catalogue.rule_shares")
                  .fetchall()}
    assert stored[("NMG2024-85A", "central")] == Decimal("0.45")
    assert all(stored[(r.id, lv)] == share for r in cat.costed() for lv, share in r.shares.items())
