"""Ledger mechanics: stacking (就高不重复) and, for any amounts, shares and instalments, exact reconciliation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import enterprise, lines, project, talent

A = "91150602AAAAAAAAA1"


def catalogue_with(tmp_path: Path, rules: list[dict], level: str = "city") -> Path:
    """A catalogue folder holding only the given rules (plus the real defaults)."""
    folder = tmp_path / "seeds" / "catalogue"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "defaults.yaml").write_text(
        (Path(__file__).parent.parent / "seeds/catalogue/defaults.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    doc = {"document": "TEST", "title": "test", "level": level, "source_lines": [1, 10000], "rules": rules}
    (folder / "TEST.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def settle(rule_id: str, amount: int, group: str | None = "g") -> dict:
    return {"id": rule_id, "title": rule_id, "citation": {"item": "1", "lines": [1, 2], "quote": "test"},
            "status": "costed", "beneficiary": "talent", "amount": amount, "shares": {"city": 1},
            "valid": {"from": "2024-01-01"}, "stacking_group": group}


def test_stacking_pays_only_the_highest_award_in_a_group(tmp_path, ledger_from):
    folder = catalogue_with(tmp_path, [settle("X-LOW", 2_000_000), settle("X-HIGH", 3_000_000),
                                       settle("X-OTHER", 500_000, group=None)])
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": [talent("T1", "B", "2024-03-15")]}, folder)
    assert lines(conn, "X-HIGH") == [("T1", 2024, "city", "150600", "3000000.00")]
    assert lines(conn, "X-LOW") == []
    assert lines(conn, "X-OTHER") == [("T1", 2024, "city", "150600", "500000.00")]  # not in the group: paid too
    outcome = conn.execute("SELECT outcome FROM ledger.awards WHERE rule_id = 'X-LOW'").fetchone()[0]
    assert outcome == "stacked_out: X-HIGH"


LEVELS = ("central", "region", "city", "banner")


@st.composite
def shares(draw) -> dict[str, str]:
    """Shares with up to 6 decimals that sum to exactly 1 over a random subset of levels."""
    chosen = draw(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=4, unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, 1_000_000), min_size=len(chosen) - 1, max_size=len(chosen) - 1)))
    bounds = [0, *cuts, 1_000_000]
    return {lvl: str(Decimal(bounds[i + 1] - bounds[i]) / Decimal(1_000_000)) for i, lvl in enumerate(chosen)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    investments=st.lists(st.decimals(min_value=0, max_value=10**10, places=2), min_size=1, max_size=6),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=1, places=4),
    split=shares(),
    weights=st.lists(st.integers(1, 9), min_size=1, max_size=5),
)
@example(  # found by hypothesis: 0.0001 x 3,949.50 = 0.39495 must round half-up to 0.39, not 0.40
    investments=[Decimal("3949.50")], rate=Decimal("0.0001"), split={"city": "1"}, weights=[1])
def test_levels_and_instalments_reconcile_to_the_fen(tmp_path_factory, ledger_from, investments, rate, split, weights):
    rule = {"id": "P-PROP", "title": "p", "citation": {"item": "1", "lines": [1, 2], "quote": "q"},
            "status": "costed", "beneficiary": "project", "amount": f"{rate} * equipment_investment_yuan",
            "caps": {"per_award": 123456789}, "schedule": {"instalments": weights, "lag_years": 1},
            "shares": split, "valid": {"from": "2024-01-01"}}
    folder = catalogue_with(tmp_path_factory.mktemp("cat"), [rule])
    projects = [project(f"P{i}", "energy", "2024-06-01", str(v), uscc=A) for i, v in enumerate(investments)]
    conn = ledger_from({"enterprises": [enterprise(A)], "projects": projects}, folder)  # asserts reconciliation
    awards = conn.execute("SELECT object_id, award_fen FROM ledger.awards ORDER BY 1").fetchall()
    for (pid, fen), inv in zip(awards, investments, strict=True):
        expected = min(rate * inv, Decimal(123456789)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert Decimal(fen) / 100 == expected, pid
    booked = conn.execute("SELECT object_id, sum(amount_yuan), min(amount_yuan) FROM ledger.liabilities "
                          "GROUP BY 1 ORDER BY 1").fetchall()
    paid = {pid: Decimal(fen) / 100 for pid, fen in awards if fen > 0}
    assert {pid: total for pid, total, _ in booked} == paid
    assert all(low >= 0 for _, _, low in booked)
    # lag 1: instalments fall in the years after completion (2024), never before or beyond the schedule
    years = {y for (y,) in conn.execute("SELECT DISTINCT payment_year FROM ledger.liabilities").fetchall()}
    assert years <= set(range(2025, 2025 + len(weights)))


def monthly(rule_id: str, per_month: int, months: int, stop: bool = True) -> dict:
    return {"id": rule_id, "title": rule_id, "citation": {"item": "1", "lines": [1, 2], "quote": "test"},
            "status": "costed", "beneficiary": "talent", "amount": per_month, "shares": {"city": 1},
            "schedule": {"periodic": {"every": "month", "count": months}, "stop_on_departure": stop},
            "valid": {"from": "2024-01-01"}}


def test_monthly_allowance_runs_its_months_and_stops_the_month_after_leaving(tmp_path, ledger_from):
    # A monthly allowance of 5,000 元 for up to 24 months from the month of arrival, stopped from the month after
    # the person leaves (离职次月起停止). Written out by hand:
    #   T1 arrives 2024-11-15, stays: Nov-Dec 2024 = 2 months (10,000), 2025 = 12 (60,000), Jan-Oct 2026 = 10
    #      (50,000): month 24 is October 2026, nothing after it.
    #   T2 arrives 2024-11-15, leaves 2025-05-10: paid through May 2025: 2 months in 2024, 5 in 2025 (25,000).
    #   T3 arrives 2025-01-01, leaves the same month: 1 month (5,000).
    folder = catalogue_with(tmp_path, [monthly("M-LIVING", 5000, 24)])
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": [
        talent("T1", "E", "2024-11-15"), talent("T2", "E", "2024-11-15", left="2025-05-10"),
        talent("T3", "F", "2025-01-01", left="2025-01-31")]}, folder)
    assert lines(conn, "M-LIVING") == [
        ("T1", 2024, "city", "150600", "10000.00"),
        ("T1", 2025, "city", "150600", "60000.00"),
        ("T1", 2026, "city", "150600", "50000.00"),
        ("T2", 2024, "city", "150600", "10000.00"),
        ("T2", 2025, "city", "150600", "25000.00"),
        ("T3", 2025, "city", "150600", "5000.00"),
    ]
    months = conn.execute("""SELECT object_id, sum(periods) FROM ledger.payments WHERE NOT stopped_by_departure
                             GROUP BY 1 ORDER BY 1""").fetchall()
    assert months == [("T1", 24), ("T2", 7), ("T3", 1)]
    future = conn.execute("SELECT DISTINCT timing FROM ledger.liabilities WHERE payment_year = 2027").fetchall()
    assert future == []  # nothing beyond month 24


def test_yearly_post_subsidy_for_ten_years(tmp_path, ledger_from):
    # 300,000 元 a year for at most 10 years from the year of arrival: arrival 2024-06-01 -> 2024 .. 2033, each
    # 300,000.00; committed future years are those after the run's year (2026).
    rule = {**monthly("Y-POST", 300000, 10), "schedule": {"periodic": {"every": "year", "count": 10},
                                                         "stop_on_departure": True}}
    folder = catalogue_with(tmp_path, [rule])
    people = [talent("T1", "E", "2024-06-01"), talent("T2", "E", "2024-06-01", left="2026-03-31")]
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": people}, folder)
    got = lines(conn, "Y-POST")
    assert [r for r in got if r[0] == "T1"] == [("T1", y, "city", "150600", "300000.00") for y in range(2024, 2034)]
    # T2 leaves in March 2026: the 2026 period started before leaving and is paid; 2027 onwards is not.
    assert [r[1] for r in got if r[0] == "T2"] == [2024, 2025, 2026]
    timing = dict(conn.execute("""SELECT payment_year, any_value(timing) FROM ledger.liabilities
                                  WHERE object_id = 'T1' GROUP BY 1""").fetchall())
    assert timing[2026] == "due" and timing[2027] == "committed_future" and timing[2033] == "committed_future"


def test_employer_side_subsidy_is_capped_per_employer_and_payment_year(tmp_path, ledger_from):
    # An employer subsidy of 30% of a recruit's pay, at most 300,000 a person a year and 2,000,000 an employer a
    # year, for up to 5 years (the shape of ORD-TALENT's 引才补贴). Eight recruits of one employer, each paid
    # 1,000,000 a year: 30% = 300,000 each (the per-person cap exactly); 8 x 300,000 = 2,400,000 > 2,000,000, so
    # in every payment year the first six (by talent id) get 300,000, the seventh 200,000, the eighth nothing.
    rule = {**monthly("E-HIRE", 0, 5), "amount": "LEAST(0.3 * annual_salary_yuan, 300000)", "paid_to": "employer",
            "caps": {"per_beneficiary_year": 2000000},
            "schedule": {"periodic": {"every": "year", "count": 5}, "stop_on_departure": True}}
    folder = catalogue_with(tmp_path, [rule])
    people = [{**talent(f"T{i}", "D", "2024-03-01"), "annual_salary_yuan": "1000000"} for i in range(1, 9)]
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": people}, folder)
    by_year = conn.execute("""SELECT payment_year, sum(amount_yuan) FROM ledger.liabilities GROUP BY 1 ORDER BY 1""")
    assert [(y, str(a)) for y, a in by_year.fetchall()] == [(y, "2000000.00") for y in range(2024, 2029)]
    t7 = [a for o, y, _, _, a in lines(conn, "E-HIRE") if o == "T7"]
    assert t7 == ["200000.00"] * 5 and not [o for o, *_ in lines(conn, "E-HIRE") if o == "T8"]


def test_expected_value_books_the_share_and_keeps_the_ceiling(tmp_path, ledger_from):
    # A discretionary grant "最高5000万元" booked at an expected 20% of its ceiling: 10,000,000.00 in the
    # ledger, 50,000,000.00 kept as the ceiling.
    rule = {**settle("G-RESEARCH", 50_000_000, group=None), "basis": "expected_value", "expected_share": 0.2}
    folder = catalogue_with(tmp_path, [rule])
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": [talent("T1", "B", "2024-03-15")]}, folder)
    assert lines(conn, "G-RESEARCH") == [("T1", 2024, "city", "150600", "10000000.00")]
    assert str(conn.execute("SELECT ceiling_yuan FROM ledger.awards").fetchone()[0]) == "50000000.00"
